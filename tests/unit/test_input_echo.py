"""Scenarios: an error message repeats its input escaped and cut short, never raw.

A terminal, a log line or a web page shows these messages; a NUL, an escape sequence or
100,000 characters repeated from the input must not reach them as they came.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from trimtab.domain.echo import quote_input, show_input
from trimtab.domain.filters import read_filter
from trimtab.feeds.readers import open_feed

# Characters a message may hold: printable text and the newline between its lines.
_CONTROL = {chr(c) for c in range(32)} - {"\n"} | {"\x7f"}


def _has_control(text: str) -> bool:
    return any(ch in _CONTROL for ch in text)


def _rendered(text: str) -> list[str]:
    f, errors = read_filter(text)
    assert f is None
    return [e.render(text) for e in errors]


def test_echo_helpers_escape_and_cut() -> None:
    assert quote_input("a\x00b\x01") == "'a\\x00b\\x01'"
    assert quote_input("é" * 81) == "'" + "é" * 80 + "'… (1 more characters)"
    assert show_input("\u202eevil") == "\\u202eevil"  # right-to-left override, escaped
    assert show_input(string.ascii_letters) == string.ascii_letters


def test_a_binary_csv_header_is_reported_with_its_bytes_escaped(tmp_path: Path) -> None:
    path = tmp_path / "prices_2025-06-02.csv"
    path.write_bytes(b"sec\x00urity\x1b[31m,da\x01te," + b"\x02" * 5000 + b"\n1,2,3\n")
    feed, _ = open_feed(path)
    assert feed is not None

    messages = [str(p) for row in feed.rows() for p in row.problems]

    assert messages
    assert not any(_has_control(m) for m in messages)
    assert any("sec\\x00urity\\x1b[31m" in m for m in messages)
    assert all(len(m) < 600 for m in messages)


@pytest.mark.parametrize("text", ['tier = "Gold" \x01 and mandate', 'tier\x00 = "Gold"'])
def test_a_filter_with_control_characters_is_echoed_escaped(text: str) -> None:
    (message,) = _rendered(text)

    assert not _has_control(message)
    assert "\\x01" in message or "\\x00" in message


def test_the_caret_still_points_at_the_escaped_character() -> None:
    (message,) = _rendered('tier\x00 = "Gold"')

    _, shown, caret = message.split("\n")
    assert shown[caret.index("^") :].startswith("\\x00")


def test_a_100000_character_filter_is_not_echoed_in_full() -> None:
    huge = 'tier = "' + "G" * 99_990 + '" and'

    (message,) = _rendered(huge)

    assert len(message) < 400
    assert "more characters" in message or "at most" in message


@pytest.mark.parametrize(
    "text",
    [
        "x" * 40_000 + ' = "Gold"',  # an unknown field 40,000 characters long
        'tier = "Gold" and ' + "y" * 30_000,
        'status = "' + "o" * 30_000 + '"',  # a value outside the vocabulary
        'tier = "Gold" ' + "z" * 30_000 + " mandate",
    ],
)
def test_long_names_and_values_are_cut_in_every_message(text: str) -> None:
    messages = _rendered(text)

    assert messages
    assert all(len(m) < 600 for m in messages), [len(m) for m in messages]
