"""Process health: is the nightly machinery working? Three checks, each with a verdict.

Problem: the administrator and the overlay desk must see at a glance whether last
night happened — a run that never started, a run that stopped half-way, accounts that
failed to analyze, custodian files that did not arrive — without reading the run log.

Rule: `process_health` answers three checks, each `ok`, `warn` or `bad`:
- *latest run*: the newest run that counts (voided runs do not) and its age from when it
  started. `bad` when there is none, when it is interrupted (nobody drives it: resume
  it), or when it started more than `STALE_RUN` ago (a night was missed); `warn` while
  it is running; else `ok`.
- *failed accounts*: accounts of that run whose analysis failed (`warn` when any; they
  are suspended, each with its reason on the runs page).
- *files*: today's expected files (`file_monitoring.feed_status`, which also raises its
  once-a-day alerts): `bad` when any is missing or malformed, `warn` when any is late,
  pending or duplicated, `ok` when all arrived or nothing is expected today.

Worked example: the last run started 30 hours ago and finished with 2 failures; the
positions file is late. Checks: latest run ok ("finished, started 30 hours ago"), failed
accounts warn ("2 accounts"), files warn ("1 late").

    >>> # health = process_health(db.unit_of_work, here=Here.this_process(), now=now)
    >>> # [(c.name, c.verdict) for c in health.checks]
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from trimtab.domain.file_transfers import FileState
from trimtab.services.feed_ports import DataUnitOfWork
from trimtab.services.file_monitoring import DayStatus, feed_status
from trimtab.services.nightly_run import Here, shown_state
from trimtab.services.run_ports import RunRecord, RunUnitOfWork

__all__ = ["FAILURES_COUNTED", "STALE_RUN", "Check", "ProcessHealth", "process_health"]

STALE_RUN = dt.timedelta(hours=36)  # a nightly run every business night; a weekend is fine
FAILURES_COUNTED = 1000  # beyond this the page says "1,000 or more"
_WEEKEND = dt.timedelta(days=3, hours=12)  # Friday night's run, read on Monday morning


class HealthUnitOfWork(RunUnitOfWork, DataUnitOfWork, Protocol):
    """The runs and the feed records, as the store's unit of work provides both."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    verdict: str  # ok, warn, bad
    message: str


@dataclass(frozen=True)
class ProcessHealth:
    checks: tuple[Check, ...]
    latest: RunRecord | None
    latest_state: str | None
    failed: int
    files: DayStatus

    @property
    def verdict(self) -> str:
        order = ("ok", "warn", "bad")
        return max((c.verdict for c in self.checks), key=order.index, default="ok")


def _age(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours ago" if hours < 72 else f"{hours / 24:.0f} days ago"


def _run_check(run: RunRecord | None, state: str | None, now: dt.datetime) -> Check:
    if run is None or state is None:
        return Check("latest run", "bad", "no nightly run has been recorded")
    age = now - run.started_at
    said = f"run {run.id} (as of {run.as_of}): {state}, started {_age(age)}"
    if state == "interrupted":
        return Check("latest run", "bad", f"{said}; nobody is driving it: resume it")
    if state == "running":
        return Check("latest run", "warn", f"{said}; in progress")
    # Over a weekend the newest run is Friday's: allow the weekend before calling it stale.
    allowed = _WEEKEND if now.weekday() in (0, 6) else STALE_RUN
    if age > allowed:
        return Check("latest run", "bad", f"{said}; a night was missed")
    return Check("latest run", "ok", said)


def _files_check(status: DayStatus) -> Check:
    if not status.business_day:
        return Check("files", "ok", f"{status.day} is not a business day: no files expected")
    if not status.files:
        return Check("files", "ok", "no files are expected (no source declares any)")
    states = Counter(s.state for s in status.files)
    said = ", ".join(f"{n} {state.value}" for state, n in sorted(states.items()))
    if states[FileState.MISSING] or states[FileState.MALFORMED]:
        return Check("files", "bad", said)
    if states[FileState.LATE] or states[FileState.DUPLICATE] or states[FileState.PENDING]:
        return Check("files", "warn", said)
    return Check("files", "ok", said)


def process_health(
    new_uow: Callable[[], HealthUnitOfWork],
    *,
    here: Here,
    now: dt.datetime,
    day: dt.date | None = None,
) -> ProcessHealth:
    with new_uow() as uow:
        latest = uow.runs.latest_run()
        state = shown_state(latest, now, here) if latest is not None else None
        failed = len(uow.runs.failures(latest.id, FAILURES_COUNTED)) if latest else 0
    files = feed_status(new_uow, day=day or now.date(), now=now)
    failures = (
        Check("failed accounts", "ok", "no account failed to analyze")
        if not failed
        else Check(
            "failed accounts",
            "warn",
            f"{failed:,}{' or more' if failed >= FAILURES_COUNTED else ''} accounts failed "
            "to analyze (suspended, each with its reason)",
        )
    )
    checks = (_run_check(latest, state, now), failures, _files_check(files))
    return ProcessHealth(checks, latest, state, failed, files)
