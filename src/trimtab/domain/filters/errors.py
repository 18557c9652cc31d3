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
"""

from __future__ import annotations

from dataclasses import dataclass

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
        """The message, the offending line, and a caret under the column."""
        lines = source.splitlines() or [""]
        shown = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        return f"{self}\n{shown}\n{' ' * (self.column - 1)}^"

    def as_problem(self, path: str = "filter") -> Problem:
        return Problem(path, str(self))


def _one_of(options: tuple[str, ...]) -> str:
    if len(options) == 1:
        return options[0]
    return ", ".join(options[:-1]) + " or " + options[-1]
