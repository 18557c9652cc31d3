"""What is wrong with a filter, where, and how to fix it.

A filter error is a value, not an exception: parsing and checking return a list of them.
Each names the line and column, says what was found and what was expected, and for an
unknown field offers the closest known names.

    >>> e = FilterError(1, 5, "unknown field 'tierr'", suggestions=("tier",))
    >>> str(e)
    "line 1, column 5: unknown field 'tierr' (did you mean tier?)"
    >>> print(e.render('not tierr = "Gold"'))
    line 1, column 5: unknown field 'tierr' (did you mean tier?)
    not tierr = "Gold"
        ^

The line shown under the message is the filter as typed, with control characters escaped
(`\\x00`) and, on a long line, only the 80 characters around the column (`…` marks the cut),
the caret still under the character meant.
"""

from __future__ import annotations

from dataclasses import dataclass

from trimtab.domain.echo import ECHO_LIMIT, escape_text
from trimtab.domain.problems import Problem

__all__ = ["FilterError"]


@dataclass(frozen=True, slots=True)
class FilterError:
    line: int
    column: int
    message: str
    expected: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"line {self.line}, column {self.column}: {self.message}"
        if self.expected:
            text += f"; expected {_one_of(self.expected)}"
        if self.suggestions:
            text += f" (did you mean {_one_of(self.suggestions)}?)"
        return text

    def render(self, source: str) -> str:
        """The message, the offending line (escaped, cut around the column), and a caret."""
        lines = source.split("\n") or [""]
        line = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        at = max(0, min(self.column - 1, len(line)))
        start = max(0, min(at - ECHO_LIMIT // 2, len(line) - ECHO_LIMIT))
        end = start + ECHO_LIMIT
        before = ("… " if start > 0 else "") + escape_text(line[start:at])
        after = escape_text(line[at:end]) + (" …" if end < len(line) else "")
        return f"{self}\n{before}{after}\n{' ' * len(before)}^"

    def as_problem(self, path: str = "filter") -> Problem:
        return Problem(path, str(self))


def _one_of(options: tuple[str, ...]) -> str:
    if len(options) == 1:
        return options[0]
    return ", ".join(options[:-1]) + " or " + options[-1]
