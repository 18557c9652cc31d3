"""Versions: every change to an allocation, model, equivalence set or target is kept.

Problem: a regulator asks why account 123 held 18% Mid Cap on 3 March, and the investment
committee has changed the parent allocation twice since. Overwriting definitions would
lose the answer.

Rule: a definition is never edited in place; each change appends a `Version` with its
author, the (aware) time it was recorded, the reason, and the date from which it is in
force. Resolving "as of" a date takes, for every definition, the latest version whose
`effective` date is on or before that date (the highest version number wins a tie, so a
same-day correction supersedes the morning's mistake).

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    >>> v1 = Version(1, "60/40", "ipc", at, "initial", dt.date(2026, 1, 1))
    >>> v2 = Version(2, "55/45", "ipc", at, "de-risk", dt.date(2026, 3, 1))
    >>> in_force([v1, v2], dt.date(2026, 2, 15)).value
    '60/40'
    >>> in_force([v1, v2], dt.date(2026, 3, 1)).value
    '55/45'
    >>> in_force([v1, v2], dt.date(2025, 12, 31)) is None
    True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from trimtab.domain.problems import Problem

__all__ = ["Version", "in_force", "next_version"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Version(Generic[T]):
    number: int
    value: T
    author: str
    recorded_at: dt.datetime
    reason: str
    effective: dt.date

    def __post_init__(self) -> None:
        if self.recorded_at.tzinfo is None:
            raise ValueError("recorded_at must be timezone-aware")
        if self.number < 1:
            raise ValueError(f"version numbers start at 1, got {self.number}")


def in_force(versions: Iterable[Version[T]], as_of: dt.date) -> Version[T] | None:
    """The version in force on `as_of`, or None when the definition did not exist yet."""
    best: Version[T] | None = None
    for v in versions:
        if v.effective > as_of:
            continue
        if best is None or (v.effective, v.number) > (best.effective, best.number):
            best = v
    return best


def next_version(
    history: Sequence[Version[T]],
    value: T,
    *,
    author: str,
    recorded_at: dt.datetime,
    reason: str,
    effective: dt.date | None = None,
) -> tuple[Version[T] | None, list[Problem]]:
    """The version that records `value` as the next change, or the problems preventing it.

    A change without an author or a reason is refused: the record exists to answer "who
    changed this, and why". `effective` defaults to the day it is recorded.
    """
    problems: list[Problem] = []
    if not author.strip():
        problems.append(Problem("author", "a change needs the name of who made it"))
    if not reason.strip():
        problems.append(Problem("reason", "a change needs a reason (it is kept in the history)"))
    if recorded_at.tzinfo is None:
        problems.append(Problem("recorded_at", "must be timezone-aware"))
    if problems:
        return None, problems
    number = max((v.number for v in history), default=0) + 1
    when = effective if effective is not None else recorded_at.date()
    return Version(number, value, author, recorded_at, reason, when), []
