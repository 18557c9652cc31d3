"""File-transfer monitoring: each expected file's state for a day, and the alerts it raises.

Problem: the data manager must know, every business morning, which custodian files
arrived, which are late, missing, rejected or sent twice — and be alerted without
having to look (PRODUCT.md §10).

Rule: a source's expected files (feed and deadline, from its mapping) are registered
with `expect_files` (one audit entry, `feeds.expect`, target `source:<name>`).
`feed_status` reads the day's load records (`load_feed` records
every arrival, including rejected files and duplicates), decides each expected file's
state with `domain.file_transfers.file_states` on the exchange calendar, and raises one
alert per late, missing, malformed or duplicate file (once per day and file, however
often the status is asked). On a day that is not a business day nothing is expected.

    >>> # status = feed_status(db.unit_of_work, day=today, now=now)
    >>> # [(s.expected.source, s.expected.feed, s.state) for s in status.files]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from trimtab.domain.file_transfers import (
    Arrival,
    BusinessCalendar,
    ExpectedFile,
    FileStatus,
    file_states,
)
from trimtab.domain.principal import Principal
from trimtab.services.audit import record, write_service
from trimtab.services.feed_ports import Alert, DataUnitOfWork

__all__ = ["DayStatus", "expect_files", "feed_status"]

NewUnitOfWork = Callable[[], DataUnitOfWork]


@dataclass(frozen=True)
class DayStatus:
    day: dt.date
    business_day: bool
    files: tuple[FileStatus, ...] = ()
    alerts: tuple[Alert, ...] = ()


@write_service("feeds.expect")
def expect_files(
    new_uow: NewUnitOfWork,
    source: str,
    files: Sequence[ExpectedFile],
    *,
    timezone: str,
    principal: Principal,
) -> None:
    """Replace the source's expected files (what its mapping declares)."""
    with new_uow() as uow:
        uow.feed_loads.set_expected(source, files, timezone)
        record(
            uow,
            principal,
            "feeds.expect",
            targets=[f"source:{source}"],
            summary={
                "timezone": timezone,
                "files": {f.feed: f.deadline for f in files},
            },
        )
        uow.commit()


def feed_status(
    new_uow: NewUnitOfWork,
    *,
    day: dt.date,
    now: dt.datetime,
    calendar: BusinessCalendar = BusinessCalendar(),
) -> DayStatus:
    if not calendar.is_business_day(day):
        return DayStatus(day, False)
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1)
    with new_uow() as uow:
        expected = uow.feed_loads.expected()
        loads = uow.feed_loads.received_between(start, start + dt.timedelta(days=3))
        arrivals = [
            Arrival(load.source, load.feed, load.filename, load.received_at, load.outcome)
            for load in loads
        ]
        statuses: list[FileStatus] = []
        for zone in sorted({tz for _, tz in expected}):
            files = [e for e, tz in expected if tz == zone]
            statuses += file_states(files, arrivals, day=day, tz=ZoneInfo(zone), now=now)
        for s in statuses:
            if s.alerts:
                uow.feed_loads.raise_alert(
                    Alert(
                        day,
                        s.state.value,
                        f"{s.expected.source}/{s.expected.feed}",
                        s.detail,
                        now,
                    )
                )
        alerts = uow.feed_loads.alerts(day)
        uow.commit()
    ordered = sorted(statuses, key=lambda s: (s.expected.source, s.expected.feed))
    return DayStatus(day, True, tuple(ordered), tuple(alerts))
