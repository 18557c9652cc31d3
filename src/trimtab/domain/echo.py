"""Repeating what someone typed (or what a file held) inside a message, safely.

The problem: an error message that repeats its input verbatim can itself do harm. A
binary file's header bytes, a NUL or an escape sequence typed into a filter reach the
terminal raw (`\\x1b[31m` recolours it, `\\r` rewrites the line above, NUL cuts a log
line short), and a 100,000-character filter repeated in full buries the one useful line.

The rule: every message that repeats user input shows it through this module.
`quote_input` is for a value (quoted as Python's `repr` quotes it: control characters and
other unprintable characters as `\\x01`, `\\x00`, `\\u202e`); `show_input` is for a name
that reads better unquoted (a column, a setting), escaped the same way but without
quotes. Both cut the text after `limit` characters of the *input* and say how much was
left out, so the reader knows the echo is partial.

    >>> quote_input("Gold")
    "'Gold'"
    >>> quote_input("Go\\x00ld\\x01")
    "'Go\\\\x00ld\\\\x01'"
    >>> quote_input("x" * 100, limit=5)
    "'xxxxx'… (95 more characters)"
    >>> show_input("sec\\x1b[31murity")
    'sec\\\\x1b[31murity'
    >>> show_input("security"), quote_input(0.5)
    ('security', '0.5')
    >>> print(quote_input("opne", quote='"'))
    "opne"
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ECHO_LIMIT", "escape_text", "quote_input", "show_input"]

ECHO_LIMIT = 80


def escape_text(text: str) -> str:
    """The text with every unprintable character escaped, and nothing else changed."""
    if text.isprintable():
        return text
    return "".join(_escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    return ch if ch.isprintable() else repr(ch)[1:-1]


def _repr_piece(ch: str) -> str:
    # As repr writes one character between quotes: backslash doubled, unprintables escaped.
    return ch if ch in "'\"" else repr(ch)[1:-1]


def _cut(text: str, limit: int, piece: Callable[[str], str]) -> tuple[str, str]:
    """The text escaped by `piece`, up to `limit` characters *as shown*, and the cut note.

    Counting what is shown, not what was typed, keeps 80 NULs (320 characters escaped)
    as short as 80 letters.
    """
    shown: list[str] = []
    width = 0
    for count, ch in enumerate(text):
        escaped = piece(ch)
        if width + len(escaped) > limit:
            return "".join(shown), f"… ({len(text) - count:,} more characters)"
        shown.append(escaped)
        width += len(escaped)
    return "".join(shown), ""


def quote_input(value: object, limit: int = ECHO_LIMIT, *, quote: str | None = None) -> str:
    """A value as `repr` shows it (strings quoted, unprintables escaped), cut at `limit`.

    `quote` quotes a string with that character, escaping it and the backslash with a
    backslash, for a language with its own quotes (a filter's strings: double quotes).
    """
    if not isinstance(value, str):
        shown, rest = _cut(repr(value), limit, lambda ch: ch)
        return shown + rest
    if quote is not None:

        def in_quotes(ch: str) -> str:
            return "\\" + ch if ch in (quote, "\\") else _escaped(ch)

        shown, rest = _cut(value, limit, in_quotes)
        return f"{quote}{shown}{quote}{rest}"
    shown, rest = _cut(value, limit, _repr_piece)
    if "'" in shown and '"' not in shown:
        return f'"{shown}"{rest}'
    return "'" + shown.replace("'", "\\'") + "'" + rest


def show_input(text: str, limit: int = ECHO_LIMIT) -> str:
    """A name as typed, unquoted, with unprintables escaped, cut at `limit`."""
    if len(text) <= limit and text.isprintable():
        return text
    shown, rest = _cut(text, limit, _escaped)
    return shown + rest
