"""Rule findings as values: what is wrong, where, and what to do about it.

Validation anywhere in trimtab returns `(result, problems)` rather than raising; a problem
names the place (a JSON path like `transactions[3].quantity`, a file row and column, a
setting name) so a user can fix the input without reading code.

    >>> Problem("groups[0].target", "must be between 0 and 1, got 1.4").path
    'groups[0].target'
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

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Problem", "ProblemKind", "unknown_fields"]


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


def unknown_fields(
    document: Mapping[str, object], known: Collection[str], path: str = ""
) -> list[Problem]:
    """One problem per key of `document` that is not in `known`, with the likely fix.

    A public JSON contract is strict: a misspelt optional field ("must_sel") would
    otherwise be dropped without a word and change the answer. Keys are reported in the
    document's order, at their own path, with the closest known names as the fix.

        >>> [str(p) for p in unknown_fields({"setings": {}, "as_of": 1}, ["settings", "as_of"])]
        ["setings: unknown field 'setings' (did you mean 'settings'?)"]
        >>> [str(p) for p in unknown_fields({"zz": 1}, ["id", "price"], "securities[0]")]
        ["securities[0].zz: unknown field 'zz' (known: 'id', 'price')"]
    """
    problems = []
    for key in document:
        if key in known:
            continue
        # A pasted document can carry a 100,000-character key: echo its start only.
        name = str(key) if len(str(key)) <= 40 else str(key)[:37] + "..."
        near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}?" if near else "known: " + ", ".join(map(repr, known))
        where = f"{path}.{name}" if path else name
        problems.append(Problem(where, f"unknown field {name!r} ({hint})"))
    return problems
