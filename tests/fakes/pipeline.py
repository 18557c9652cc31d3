"""`FakePipelineRepository`, `FakeAlertRepository`, `FakePipelineUnitOfWork`: the daily
pipeline's ports in memory.

The rules the SQL keeps are kept here too, so a service test on the fakes means what it
means on a database: a stage row changes only by compare-and-set on its version
(`update` returns False on a stale reading, writing nothing), `open_day` adds only the
rows a day lacks, the scheduler's lease is taken only from the holder last seen, and at
most one alert episode per cause is open.

>>> import datetime as dt
>>> from dataclasses import replace
>>> repo = FakePipelineRepository()
>>> day = dt.date(2025, 6, 30)
>>> repo.open_day(day, ["files"])
>>> (files,) = repo.statuses(day)
>>> repo.update(replace(files, version=1), expected_version=0)
True
>>> repo.update(replace(files, version=2), expected_version=0)   # a stale reading
False
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from types import TracebackType
from typing import Self

from tests.fakes.audit import FakeAuditTrail
from trimtab.domain.alerts import Alert, AlertRecord, AlertState
from trimtab.domain.pipeline import StageStatus
from trimtab.services.alerts import AlertCount, AlertQuery
from trimtab.services.pipeline_ports import SchedulerLease

__all__ = ["FakeAlertRepository", "FakePipelineRepository", "FakePipelineUnitOfWork"]


class FakePipelineRepository:
    def __init__(self, accounts: Sequence[str] = ()) -> None:
        self.rows: dict[tuple[dt.date, str], StageStatus] = {}
        self.order: dict[dt.date, list[str]] = {}
        self.leases: dict[str, SchedulerLease] = {}
        self.accounts = sorted(accounts)

    def open_day(self, day: dt.date, stages: Sequence[str]) -> None:
        names = self.order.setdefault(day, [])
        for stage in stages:
            if (day, stage) not in self.rows:
                self.rows[day, stage] = StageStatus(day, stage)
                names.append(stage)

    def statuses(self, day: dt.date) -> list[StageStatus]:
        return [self.rows[day, s] for s in self.order.get(day, [])]

    def days(self, limit: int = 30) -> list[dt.date]:
        return sorted(self.order, reverse=True)[:limit]

    def update(self, status: StageStatus, *, expected_version: int) -> bool:
        current = self.rows.get((status.day, status.stage))
        if current is None or current.version != expected_version:
            return False
        self.rows[status.day, status.stage] = status
        return True

    def lease(self, name: str) -> SchedulerLease | None:
        return self.leases.get(name)

    def take_lease(self, name: str, *, holder: str, at: dt.datetime, seen: str | None) -> bool:
        current = self.leases.get(name)
        if (current.holder if current else None) != seen:
            return False
        self.leases[name] = SchedulerLease(name, holder, at, at)
        return True

    def beat(self, name: str, *, holder: str, at: dt.datetime) -> bool:
        current = self.leases.get(name)
        if current is None or current.holder != holder:
            return False
        self.leases[name] = replace(current, heartbeat_at=at)
        return True

    def release_lease(self, name: str, *, holder: str) -> None:
        current = self.leases.get(name)
        if current is not None and current.holder == holder:
            self.leases[name] = SchedulerLease(name, None, None, None)

    def account_ids(self) -> list[str]:
        return list(self.accounts)


class FakeAlertRepository:
    """Episodes by id; at most one open (or acknowledged) per cause."""

    def __init__(self) -> None:
        self.episodes: dict[int, AlertRecord] = {}

    def get(self, id: int) -> AlertRecord | None:
        return self.episodes.get(id)

    def open_for(self, cause: str) -> AlertRecord | None:
        return next((a for a in self.episodes.values() if a.cause == cause and a.is_open), None)

    def open_episode(self, alert: Alert, *, at: dt.datetime, by: str) -> tuple[AlertRecord, bool]:
        existing = self.open_for(alert.cause)
        if existing is not None:
            return existing, False
        episode = AlertRecord.opened(alert, id=len(self.episodes) + 1, at=at, by=by)
        self.episodes[episode.id] = episode
        return episode, True

    def save(self, alert: AlertRecord) -> None:
        self.episodes[alert.id] = alert

    def query(self, query: AlertQuery) -> list[AlertRecord]:
        found = [
            a
            for a in self.episodes.values()
            if (query.state is None or a.state is query.state)
            and (not query.open_only or a.is_open)
            and (query.kind_prefix is None or a.alert.kind.startswith(query.kind_prefix))
        ]
        found.sort(key=lambda a: (not a.is_open, -a.last_seen.timestamp()))
        return found if query.limit is None else found[: query.limit]

    def counts(self) -> list[AlertCount]:
        tally = Counter((a.severity, a.state) for a in self.episodes.values())
        return [AlertCount(s, st, n) for (s, st), n in sorted(tally.items())]

    def open_causes(self) -> set[str]:
        return {a.cause for a in self.episodes.values() if a.state is not AlertState.RESOLVED}


class FakePipelineUnitOfWork:
    """The pipeline's stages, the alerts and the audit trail, shared by every unit of work
    made by the same factory (`new_uow`); `commits` counts the transactions committed."""

    def __init__(self, accounts: Sequence[str] = ()) -> None:
        self.pipeline = FakePipelineRepository(accounts)
        self.alerts = FakeAlertRepository()
        self.audit = FakeAuditTrail()
        self.commits = 0

    def new_uow(self) -> Self:
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1
