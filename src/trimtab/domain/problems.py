"""Rule findings as values: what is wrong, where, and what to do about it.

Validation anywhere in trimtab returns `(result, problems)` rather than raising; a problem
names the place (a JSON path like `transactions[3].quantity`, a file row and column, a
setting name) so a user can fix the input without reading code.

    >>> Problem("groups[0].target", "must be between 0 and 1, got 1.4")
    Problem(path='groups[0].target', message='must be between 0 and 1, got 1.4')
    >>> str(Problem("groups[0].target", "must be between 0 and 1, got 1.4"))
    'groups[0].target: must be between 0 and 1, got 1.4'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}
