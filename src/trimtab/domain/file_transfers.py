"""File-transfer monitoring: did every expected file arrive, on time, once, and readable?

Problem: the nightly run is only as good as the morning's files. A custodian that sends
nothing, sends late, sends a file trimtab rejects, or sends the same file twice must be
noticed before anyone trusts the night's trades — on business days only, since no
custodian sends prices for Good Friday.

Rule: each source declares its `ExpectedFile`s (one feed each, with a deadline in the
firm's time zone). On a business day of the exchange calendar (`BusinessCalendar`,
NYSE holidays from the `holidays` package), each expected file is in one state,
decided by the arrivals recorded for that source and feed on that day:

- `missing`: nothing arrived and the deadline has passed (`pending` before it);
- `malformed`: only rejected files arrived;
- `duplicate`: a file with the content of one already loaded arrived again;
- `late`: the first accepted file arrived after the deadline;
- `arrived`: the first accepted file arrived by the deadline.

Missing, malformed, duplicate and late raise an alert; arrived and pending do not.

    >>> import datetime as dt
    >>> ny = dt.timezone(dt.timedelta(hours=-4))
    >>> day = dt.date(2025, 6, 2)
    >>> lots = ExpectedFile("northbank", "lots", dt.time(7, 0))
    >>> early = Arrival("northbank", "lots", "lots.csv", dt.datetime(2025, 6, 2, 6, 40, tzinfo=ny),
    ...                 ArrivalOutcome.LOADED)
    >>> [s.state for s in file_states([lots], [early], day=day, tz=ny,
    ...                               now=dt.datetime(2025, 6, 2, 9, 0, tzinfo=ny))]
    [<FileState.ARRIVED: 'arrived'>]
    >>> BusinessCalendar().is_business_day(dt.date(2025, 4, 18))  # Good Friday
    False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import holidays

__all__ = [
    "ALERTING_STATES",
    "Arrival",
    "ArrivalOutcome",
    "BusinessCalendar",
    "ExpectedFile",
    "FileState",
    "FileStatus",
    "file_states",
]


@lru_cache(maxsize=64)
def _exchange_holidays(market: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.financial_holidays(market, years=year))


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """An exchange's business days: weekdays that are not exchange holidays."""

    market: str = "NYSE"

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in _exchange_holidays(self.market, day.year)

    def previous(self, day: dt.date) -> dt.date:
        """The last business day strictly before `day`."""
        d = day - dt.timedelta(days=1)
        while not self.is_business_day(d):
            d -= dt.timedelta(days=1)
        return d

    def days_between(self, start: dt.date, end: dt.date) -> int:
        """Business days after `start` up to and including `end` (0 when end <= start)."""
        n, d = 0, start
        while d < end:
            d += dt.timedelta(days=1)
            n += self.is_business_day(d)
        return n


class ArrivalOutcome(StrEnum):
    LOADED = "loaded"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class FileState(StrEnum):
    ARRIVED = "arrived"
    LATE = "late"
    MISSING = "missing"
    MALFORMED = "malformed"
    DUPLICATE = "duplicate"
    PENDING = "pending"


ALERTING_STATES = frozenset(
    {FileState.LATE, FileState.MISSING, FileState.MALFORMED, FileState.DUPLICATE}
)


@dataclass(frozen=True, slots=True)
class ExpectedFile:
    source: str
    feed: str
    deadline: dt.time  # local time in the firm's time zone


@dataclass(frozen=True, slots=True)
class Arrival:
    source: str
    feed: str
    filename: str
    received_at: dt.datetime  # aware
    outcome: ArrivalOutcome


@dataclass(frozen=True, slots=True)
class FileStatus:
    expected: ExpectedFile
    day: dt.date
    state: FileState
    detail: str
    arrivals: tuple[Arrival, ...] = ()

    @property
    def alerts(self) -> bool:
        return self.state in ALERTING_STATES


def file_states(
    expected: Iterable[ExpectedFile],
    arrivals: Iterable[Arrival],
    *,
    day: dt.date,
    tz: dt.tzinfo,
    now: dt.datetime,
) -> list[FileStatus]:
    """The state of each expected file on `day` (a business day), as seen at `now`."""
    mine = [a for a in arrivals if a.received_at.astimezone(tz).date() == day]
    out: list[FileStatus] = []
    for exp in sorted(expected, key=lambda e: (e.source, e.feed)):
        deadline = dt.datetime.combine(day, exp.deadline, tzinfo=tz)
        got = tuple(
            sorted(
                (a for a in mine if a.source == exp.source and a.feed == exp.feed),
                key=lambda a: a.received_at,
            )
        )
        loaded = [a for a in got if a.outcome is ArrivalOutcome.LOADED]
        duplicates = [a for a in got if a.outcome is ArrivalOutcome.DUPLICATE]
        if not got:
            state = FileState.MISSING if now > deadline else FileState.PENDING
            detail = f"nothing from {exp.source} by {exp.deadline:%H:%M}"
        elif duplicates:
            state = FileState.DUPLICATE
            detail = f"{duplicates[0].filename} repeats a file already loaded"
        elif not loaded:
            state = FileState.MALFORMED
            detail = f"{got[-1].filename} was rejected; no good file has arrived"
        elif loaded[0].received_at > deadline:
            state = FileState.LATE
            detail = (
                f"{loaded[0].filename} arrived {loaded[0].received_at.astimezone(tz):%H:%M}, "
                f"deadline {exp.deadline:%H:%M}"
            )
        else:
            state = FileState.ARRIVED
            detail = f"{loaded[0].filename} at {loaded[0].received_at.astimezone(tz):%H:%M}"
        out.append(FileStatus(exp, day, state, detail, got))
    return out
