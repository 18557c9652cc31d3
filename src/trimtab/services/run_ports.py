"""Ports and values of the nightly run: the run's record, its lease, and what a night reads.

The store implements `RunRepository` and `NightInputs` (`trimtab.store.run_repository`);
the unit of work exposes them as `uow.runs` and `uow.night`. The in-memory fakes are in
`tests/fakes/runs.py`. Values crossing the ports are frozen dataclasses:

    RunState    running, finished, voided (the stored strings)
    RunRecord   a run: as-of day, start/end, who started it, how it ran, counts by
                outcome, its lease (holder and heartbeat) and, once voided, by whom and why
    Tally       a run's accounts by outcome, trades and estimated tax, from its outcomes

A lease is how one run at a time is kept without a lock held across the night: the run
row names its holder (`host:pid`) and the holder refreshes `heartbeat_at` every few
seconds. Taking the lease is a compare-and-set on the row (`take_lease` succeeds only
if the holder is still the one the caller saw), so two starters cannot both win on
SQLite or PostgreSQL.

    >>> RunState("voided").counts_as_latest
    False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from trimtab.domain.data_quality import PricePoint
from trimtab.domain.securities import Security
from trimtab.domain.settings_levels import SettingChange
from trimtab.services.audit import AuditUnitOfWork
from trimtab.services.nightly_analysis import AccountAnalysis, AccountSnapshot

__all__ = [
    "AlreadyWritten",
    "NightInputs",
    "RunLookup",
    "RunRecord",
    "RunRepository",
    "RunState",
    "RunUnitOfWork",
    "Tally",
]


class RunState(StrEnum):
    RUNNING = "running"  # started, not every account analyzed yet (live or interrupted)
    FINISHED = "finished"
    VOIDED = "voided"  # set aside by someone: filters, orders and review ignore it

    @property
    def counts_as_latest(self) -> bool:
        """Whether the run may be anyone's "latest run" or "latest analysis"."""
        return self is not RunState.VOIDED


@dataclass(frozen=True)
class RunRecord:
    id: str
    as_of: dt.date
    state: RunState
    started_at: dt.datetime
    finished_at: dt.datetime | None
    actor: str  # who started it, `principal.recorded_as`
    executor: str
    accounts: int
    policy_version: int | None
    attempts: int = 1
    counts: dict[str, int] = field(default_factory=dict)
    trades: int = 0
    estimated_tax: Decimal = Decimal(0)
    seconds: float | None = None
    holder: str | None = None  # host:pid of the process driving it, None when nobody
    heartbeat_at: dt.datetime | None = None
    forced_reason: str | None = None  # why a future or closed-exchange day was allowed
    voided_at: dt.datetime | None = None
    voided_by: str | None = None
    void_reason: str | None = None


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int] = field(default_factory=dict)  # outcome -> accounts
    trades: int = 0
    estimated_tax: Decimal = Decimal(0)

    @property
    def accounts(self) -> int:
        return sum(self.counts.values())


class AlreadyWritten(Exception):
    """Some accounts of a chunk already have an outcome in this run (a unique violation):
    the transaction is spoiled, the caller retries with the accounts still to do."""


class RunLookup(Protocol):
    """Which run is whose "latest": what review, orders and fills read. A voided run is
    nobody's latest (the store applies the rule, so every reader agrees)."""

    def run(self, run_id: str) -> RunRecord | None:
        """The run, whatever its state (voided too)."""
        ...

    def runs(self, limit: int = 10, *, include_voided: bool = False) -> list[RunRecord]:
        """The latest runs, newest first; voided ones only when asked for."""
        ...

    def latest_run(self) -> RunRecord | None:
        """The newest run that is not voided, finished or not."""
        ...

    def latest_finished_run(self) -> RunRecord | None:
        """The newest finished run (voided runs are not finished)."""
        ...


class RunRepository(RunLookup, Protocol):
    def unfinished_runs(self) -> list[RunRecord]: ...
    def runs_on(self, as_of: dt.date) -> int: ...
    def lock_runs(self) -> None: ...
    def start_run(self, run: RunRecord) -> None: ...
    def resume_run(self, run_id: str, *, executor: str, accounts: int) -> None: ...
    def take_lease(
        self, run_id: str, *, holder: str, at: dt.datetime, seen: str | None
    ) -> bool: ...
    def heartbeat(self, run_id: str, *, holder: str, at: dt.datetime) -> bool: ...
    def release_lease(self, run_id: str, *, holder: str) -> None: ...
    def population(self) -> list[str]: ...
    def done(self, run_id: str) -> set[str]: ...
    def not_analyzed(self, run_id: str, *, limit: int) -> tuple[int, list[str]]:
        """How many of the population have no outcome in the run, and the first `limit`."""
        ...

    def tally(self, run_id: str) -> Tally: ...
    def failures(self, run_id: str, limit: int = 50) -> list[tuple[str, str, str]]: ...
    def outcomes(self, run_id: str) -> dict[str, tuple[str, str, tuple[str, ...]]]: ...
    def finish_run(
        self, run_id: str, *, tally: Tally, finished_at: dt.datetime, seconds: float
    ) -> None: ...
    def void_run(self, run_id: str, *, by: str, at: dt.datetime, reason: str) -> None: ...
    def refresh_statistics(self) -> None: ...
    def write_chunk(
        self,
        run_id: str,
        as_of: dt.date,
        chunk: int,
        analyses: Sequence[AccountAnalysis],
        *,
        at: dt.datetime,
    ) -> None:
        """Every result of one chunk; raises `AlreadyWritten` on a unique violation."""
        ...


class NightInputs(Protocol):
    """What a night reads: the firm-wide context once per worker, the accounts per chunk."""

    def firm(self) -> str: ...
    def securities(self) -> dict[str, Security]: ...
    def closes(self, as_of: dt.date) -> dict[str, tuple[PricePoint, ...]]: ...
    def actions(self, as_of: dt.date) -> dict[str, dt.date]: ...
    def names(self) -> tuple[dict[str, str], dict[str, str]]: ...
    def settings_history(self) -> list[SettingChange]: ...
    def snapshots(self, ids: Sequence[str], *, as_of: dt.date) -> list[AccountSnapshot]: ...


class RunUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def runs(self) -> RunRepository: ...
    @property
    def night(self) -> NightInputs: ...
