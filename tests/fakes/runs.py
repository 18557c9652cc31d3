"""`FakeRunRepository` and `FakeNightInputs`: the run ports in memory.

The rules the SQL keeps are kept here too, so a service test on the fakes means what it
means on a database: (run, account) outcomes are unique (`write_chunk` raises
`AlreadyWritten` on a repeat, writing nothing), a lease is taken by compare-and-set, and
a voided run is nobody's latest.

>>> import datetime as dt
>>> from trimtab.services.run_ports import RunRecord, RunState
>>> at = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
>>> repo = FakeRunRepository(population=["A-1", "A-2"])
>>> repo.start_run(RunRecord("2025-06-30.1", at.date(), RunState.RUNNING, at, None, "cli:ops",
...                          "local", 2, None, holder="h:1", heartbeat_at=at))
>>> repo.take_lease("2025-06-30.1", holder="h:2", at=at, seen=None)   # h:1 holds it
False
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

from trimtab.domain.data_quality import PricePoint
from trimtab.domain.securities import Security
from trimtab.domain.settings_levels import SettingChange
from trimtab.services.nightly_analysis import AccountAnalysis, AccountSnapshot
from trimtab.services.run_ports import AlreadyWritten, RunRecord, RunState, Tally

__all__ = ["FakeNightInputs", "FakeRunRepository", "StoredOutcome"]


@dataclasses.dataclass(frozen=True)
class StoredOutcome:
    outcome: str
    rule: str
    flags: tuple[str, ...]
    status: str
    failure: str | None
    trades: int
    estimated_tax: Decimal | None
    chunk: int


class FakeRunRepository:
    def __init__(self, population: Iterable[str] = ()) -> None:
        self.all: dict[str, RunRecord] = {}
        self.outcome_rows: dict[str, dict[str, StoredOutcome]] = {}
        self.accounts: list[str] = sorted(population)
        self.locked = 0  # how many times a start serialized itself
        self.statistics_refreshed = 0

    # -- which runs there are

    def _newest_first(self) -> list[RunRecord]:
        return sorted(self.all.values(), key=lambda r: r.started_at, reverse=True)

    def runs(self, limit: int = 10, *, include_voided: bool = False) -> list[RunRecord]:
        found = [r for r in self._newest_first() if include_voided or r.state.counts_as_latest]
        return found[:limit]

    def run(self, run_id: str) -> RunRecord | None:
        return self.all.get(run_id)

    def latest_run(self) -> RunRecord | None:
        found = self.runs(limit=1)
        return found[0] if found else None

    def latest_finished_run(self) -> RunRecord | None:
        return next((r for r in self._newest_first() if r.state is RunState.FINISHED), None)

    def unfinished_runs(self) -> list[RunRecord]:
        return [r for r in self._newest_first() if r.state is RunState.RUNNING]

    def runs_on(self, as_of: dt.date) -> int:
        return sum(1 for r in self.all.values() if r.as_of == as_of)

    # -- starting, leasing, finishing

    def lock_runs(self) -> None:
        self.locked += 1

    def start_run(self, run: RunRecord) -> None:
        if run.id in self.all:
            raise ValueError(f"run {run.id} exists")  # the primary key
        self.all[run.id] = dataclasses.replace(run, state=RunState.RUNNING, attempts=1)

    def _change(self, run_id: str, **changes: object) -> None:
        self.all[run_id] = dataclasses.replace(self.all[run_id], **changes)  # type: ignore[arg-type]

    def resume_run(self, run_id: str, *, executor: str, accounts: int) -> None:
        attempts = self.all[run_id].attempts + 1
        self._change(run_id, attempts=attempts, executor=executor, accounts=accounts)

    def take_lease(self, run_id: str, *, holder: str, at: dt.datetime, seen: str | None) -> bool:
        run = self.all.get(run_id)
        if run is None or run.state is not RunState.RUNNING or run.holder != seen:
            return False
        self._change(run_id, holder=holder, heartbeat_at=at)
        return True

    def heartbeat(self, run_id: str, *, holder: str, at: dt.datetime) -> bool:
        run = self.all.get(run_id)
        if run is None or run.holder != holder:
            return False
        self._change(run_id, heartbeat_at=at)
        return True

    def release_lease(self, run_id: str, *, holder: str) -> None:
        if self.all[run_id].holder == holder:
            self._change(run_id, holder=None, heartbeat_at=None)

    def finish_run(
        self, run_id: str, *, tally: Tally, finished_at: dt.datetime, seconds: float
    ) -> None:
        self._change(
            run_id,
            state=RunState.FINISHED,
            finished_at=finished_at,
            counts=dict(tally.counts),
            trades=tally.trades,
            estimated_tax=tally.estimated_tax,
            seconds=seconds,
            holder=None,
            heartbeat_at=None,
        )

    def void_run(self, run_id: str, *, by: str, at: dt.datetime, reason: str) -> None:
        self._change(
            run_id,
            state=RunState.VOIDED,
            voided_at=at,
            voided_by=by,
            void_reason=reason,
            holder=None,
            heartbeat_at=None,
        )

    # -- progress

    def population(self) -> list[str]:
        return list(self.accounts)

    def done(self, run_id: str) -> set[str]:
        return set(self.outcome_rows.get(run_id, {}))

    def not_analyzed(self, run_id: str, *, limit: int) -> tuple[int, list[str]]:
        missing = sorted(set(self.population()) - self.done(run_id))
        return len(missing), missing[:limit]

    def tally(self, run_id: str) -> Tally:
        rows = self.outcome_rows.get(run_id, {}).values()
        tax = sum((r.estimated_tax or Decimal(0) for r in rows), Decimal(0))
        counts = dict(Counter(r.outcome for r in rows))
        return Tally(counts, sum(r.trades for r in rows), tax.quantize(Decimal("0.01")))

    def failures(self, run_id: str, limit: int = 50) -> list[tuple[str, str, str]]:
        rows = sorted(self.outcome_rows.get(run_id, {}).items())
        return [(a, r.status, r.failure) for a, r in rows if r.failure is not None][:limit]

    def outcomes(self, run_id: str) -> dict[str, tuple[str, str, tuple[str, ...]]]:
        rows = self.outcome_rows.get(run_id, {})
        return {a: (r.outcome, r.rule, r.flags) for a, r in rows.items()}

    def refresh_statistics(self) -> None:
        self.statistics_refreshed += 1

    def write_chunk(
        self,
        run_id: str,
        as_of: dt.date,
        chunk: int,
        analyses: Sequence[AccountAnalysis],
        *,
        at: dt.datetime,
    ) -> None:
        rows = self.outcome_rows.setdefault(run_id, {})
        if any(a.account in rows for a in analyses):
            raise AlreadyWritten(f"run {run_id}: some of these accounts were written")
        for a in analyses:
            rows[a.account] = StoredOutcome(
                a.routing.outcome.value,
                a.routing.rule,
                tuple(a.routing.flags),
                a.status,
                a.failure,
                len(a.trades),
                a.estimated_tax,
                chunk,
            )


class FakeNightInputs:
    """A night's reads from given snapshots; the firm-wide parts empty unless given."""

    def __init__(self, snapshots: Iterable[AccountSnapshot] = ()) -> None:
        self.by_account = {s.account.id: s for s in snapshots}

    def firm(self) -> str:
        return "firm"

    def securities(self) -> dict[str, Security]:
        return {}

    def closes(self, as_of: dt.date) -> dict[str, tuple[PricePoint, ...]]:
        return {}

    def actions(self, as_of: dt.date) -> dict[str, dt.date]:
        return {}

    def names(self) -> tuple[dict[str, str], dict[str, str]]:
        return {}, {}

    def settings_history(self) -> list[SettingChange]:
        return []

    def snapshots(self, ids: Sequence[str], *, as_of: dt.date) -> list[AccountSnapshot]:
        return [self.by_account[i] for i in ids if i in self.by_account]
