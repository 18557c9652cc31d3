"""Rule findings as values: what is wrong, where, and what to do about it.

Validation anywhere in trimtab returns `(result, problems)` rather than raising; a problem
names the place (a JSON path like `transactions[3].quantity`, a file row and column, a
setting name) so a user can fix the input without reading code.

    >>> Problem("groups[0].target", "must be between 0 and 1, got 1.4")
    Problem(path='groups[0].target', message='must be between 0 and 1, got 1.4', kind=<ProblemKind.INVALID: 'invalid'>)
    >>> str(Problem("groups[0].target", "must be between 0 and 1, got 1.4"))
    'groups[0].target: must be between 0 and 1, got 1.4'

Each problem has a kind, so every entry point answers it the same way (the CLI with an
exit code, the web app with a status code): `invalid` input (the default), `not_found`,
`conflict` with the current state (a run already in progress), `forbidden`, and
`unavailable` (the database or a file went away; trying again may help).

    >>> Problem("run", "run 2025-06-30.1 is in progress", ProblemKind.CONFLICT).kind.exit_code
    4
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Problem", "ProblemKind"]


class ProblemKind(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"

    @property
    def exit_code(self) -> int:
        """The CLI's exit code: 2 for bad input as before, a distinct code for each other
        kind so scripts can tell "fix the input" from "try again later"."""
        return _EXIT_CODES[self]

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]


_EXIT_CODES = {
    ProblemKind.INVALID: 2,
    ProblemKind.NOT_FOUND: 3,
    ProblemKind.CONFLICT: 4,
    ProblemKind.FORBIDDEN: 5,
    ProblemKind.UNAVAILABLE: 6,
}
_HTTP_STATUS = {
    ProblemKind.INVALID: 422,
    ProblemKind.NOT_FOUND: 404,
    ProblemKind.CONFLICT: 409,
    ProblemKind.FORBIDDEN: 403,
    ProblemKind.UNAVAILABLE: 503,
}


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str
    kind: ProblemKind = ProblemKind.INVALID

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}
