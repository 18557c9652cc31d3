"""Process monitoring: every file, stage and nightly run accounted for, as alerts.

Problem: the firm's day runs with nobody watching. Each thing that can go wrong — a file
that did not come, a stage that failed or hangs, a run that stopped half-way or analyzed
the wrong number of accounts, accounts that failed, a day with auto-trades but no orders,
prices that did not move on — must become an alert with a severity, a one-line cause and
what resolves it, and must stop being one when it is fixed.

Rule: `check_processes(new_uow, day=..., now=...)` evaluates every check below and makes
the alerts agree with what it found (`services.alerts`): each finding is raised (a cause
already open is only seen again: nobody is told twice), and each open alert of a kind
the check covers that it no longer finds is resolved (its resolution notice goes out).
A check covers only what it looked at: the file checks of day D resolve D's file alerts,
not another day's. It runs after each pipeline stage, on the scheduler's clock and from
`trimtab alerts check`; it is safe to run at any moment and as often as wanted.

    kind                  severity  found when
    file.missing          critical  an expected file did not arrive by its deadline (open
                                    on later days until a file of that feed arrives)
    file.malformed        critical  only rejected files arrived
    file.late             warning   the file arrived after its deadline (until the next day)
    file.duplicate        warning   the same content arrived twice (until the next day)
    run.none              critical  no nightly run was ever recorded
    run.interrupted       critical  the latest run is unfinished and nobody drives it
    run.incomplete        critical  a finished run's outcomes do not match its accounts
                                    (every account analyzed exactly once)
    run.missed            critical  no run for the business day before `day`
    run.failed-accounts   warning   accounts of the latest run failed to analyze
    stage.failed          critical  a pipeline stage of `day` failed (the pipeline raises it
                                    too; same cause, one alert)
    stage.overdue         warning   a stage has been running longer than `STAGE_OVERDUE`
    outbox.empty          critical  the day's export stage is done, the run routed accounts
                                    to auto-trade with trades, and no order was written
    prices.stale          warning   the day's run exists and securities held have no close
                                    on that day

`ALERT_CATALOG` holds each kind's severity and action; docs/alerts.md is its long form.

Worked example: at 09:10 on Monday 2025-06-30 Northbank's lots (due 07:00) are missing:
`file.missing:northbank-lots:2025-06-30` (critical) opens. At 09:40 the file arrives: the
next check finds `file.late:...` instead, resolves the missing alert (a resolution notice)
and opens the late one (warning); Tuesday's check resolves Monday's late alert.

    >>> ALERT_CATALOG["file.missing"].severity
    <Severity.CRITICAL: 'critical'>
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from trimtab.domain.alerts import Alert, AlertRecord, Severity, cause_key
from trimtab.domain.file_transfers import (
    Arrival,
    BusinessCalendar,
    FileState,
    FileStatus,
    file_states,
)
from trimtab.domain.pipeline import StageState, StageStatus, stage_failed_cause
from trimtab.domain.principal import Principal, Role
from trimtab.services.alert_delivery import DeliveryOutbox
from trimtab.services.alerts import (
    AlertCount,
    AlertUnitOfWork,
    open_alerts,
    raise_alert,
    resolve_alert,
)
from trimtab.services.feed_ports import DataUnitOfWork
from trimtab.services.file_monitoring import feed_status
from trimtab.services.nightly_run import Here, shown_state
from trimtab.services.pipeline import LEASE_STALE_AFTER, SCHEDULER_LEASE
from trimtab.services.pipeline_ports import SchedulerLease
from trimtab.services.run_ports import RunRecord, RunRepository, RunState

__all__ = [
    "ALERT_CATALOG",
    "HEARTBEAT_FRESH",
    "MONITOR",
    "SCHEDULER_LEASE",
    "STAGE_OVERDUE",
    "CatalogEntry",
    "FileMetric",
    "HeartbeatCheck",
    "MetricsSnapshot",
    "MonitoringReads",
    "MonitoringReport",
    "MonitoringUnitOfWork",
    "StageMetric",
    "check_processes",
    "findings",
    "metrics_snapshot",
    "scheduler_heartbeat",
]

MONITOR = Principal.system("monitor", "Process monitor", Role.DATA)
"""Who raises and resolves the alerts the checks find (the audit trail names it)."""

STAGE_OVERDUE = dt.timedelta(hours=2)


@dataclass(frozen=True)
class CatalogEntry:
    severity: Severity
    action: str


ALERT_CATALOG: dict[str, CatalogEntry] = {
    "file.missing": CatalogEntry(
        Severity.CRITICAL,
        "ask the source to send it, drop it in the inbox (`trimtab feeds watch DIR "
        "--once`); or skip the files stage with a reason to run without it",
    ),
    "file.malformed": CatalogEntry(
        Severity.CRITICAL,
        "read the rejection (`trimtab feeds status`), have the source resend a corrected "
        "file, and load it",
    ),
    "file.late": CatalogEntry(
        Severity.WARNING,
        "nothing today; if it repeats, agree a new deadline with the source",
    ),
    "file.duplicate": CatalogEntry(
        Severity.WARNING,
        "nothing was loaded twice; ask the source why it resent the file",
    ),
    "run.none": CatalogEntry(
        Severity.CRITICAL, "start the first nightly run: `trimtab run` (or the pipeline)"
    ),
    "run.interrupted": CatalogEntry(
        Severity.CRITICAL,
        "resume it: `trimtab run` continues with the accounts not yet analyzed",
    ),
    "run.incomplete": CatalogEntry(
        Severity.CRITICAL,
        "do not release its orders: void it (`trimtab run void RUN --reason`) and run again",
    ),
    "run.missed": CatalogEntry(
        Severity.CRITICAL,
        "check the scheduler (`trimtab pipeline status`) and run the night: `trimtab run`",
    ),
    "run.failed-accounts": CatalogEntry(
        Severity.WARNING,
        "read each account's reason (`trimtab run status`); fix its data — the next run "
        "analyzes it again",
    ),
    "stage.failed": CatalogEntry(
        Severity.CRITICAL,
        "fix the cause, then `trimtab pipeline run-now STAGE` (or `trimtab pipeline skip "
        "STAGE --reason` to go on without it)",
    ),
    "stage.overdue": CatalogEntry(
        Severity.WARNING,
        "check the scheduler's log and the database; a stage whose process died is taken "
        "over by the scheduler on its own",
    ),
    "outbox.empty": CatalogEntry(
        Severity.CRITICAL,
        "export the orders: `trimtab pipeline run-now export` (or `trimtab orders create`)",
    ),
    "prices.stale": CatalogEntry(
        Severity.WARNING,
        "load the day's prices (`trimtab feeds load`) and re-run the night for accurate "
        "trades; accounts holding these were analyzed on old closes",
    ),
}

_FILE_KINDS = {
    FileState.MISSING: "file.missing",
    FileState.MALFORMED: "file.malformed",
    FileState.LATE: "file.late",
    FileState.DUPLICATE: "file.duplicate",
}
_LASTING_FILE_KINDS = ("file.missing", "file.malformed")  # still wrong on a later day
_DAY_KINDS = frozenset(
    {*_FILE_KINDS.values(), "stage.failed", "stage.overdue", "outbox.empty", "prices.stale"}
)
_RUN_KINDS = frozenset(
    {"run.none", "run.interrupted", "run.incomplete", "run.missed", "run.failed-accounts"}
)


def _alert(kind: str, subject: Sequence[object], summary: str) -> Alert:
    entry = ALERT_CATALOG[kind]
    return Alert(cause_key(kind, *subject), entry.severity, summary, entry.action)


class MonitoringReads(Protocol):
    def stale_prices(self, day: dt.date) -> list[tuple[str, dt.date | None]]: ...
    def orders_exported(self, run_id: str) -> int: ...
    def auto_trades(self, run_id: str) -> int: ...
    def review_queue(self) -> tuple[int, dt.datetime | None]: ...


class StageStatuses(Protocol):
    def statuses(self, day: dt.date) -> list[StageStatus]: ...


class MonitoringUnitOfWork(AlertUnitOfWork, DataUnitOfWork, Protocol):
    @property
    def runs(self) -> RunRepository: ...
    @property
    def monitoring(self) -> MonitoringReads: ...
    @property
    def alert_deliveries(self) -> DeliveryOutbox: ...


NewMonitoringUnitOfWork = Callable[[], MonitoringUnitOfWork]


@dataclass(frozen=True)
class MonitoringReport:
    day: dt.date
    found: tuple[Alert, ...]
    opened: tuple[AlertRecord, ...] = ()
    resolved: tuple[AlertRecord, ...] = ()
    open: tuple[AlertRecord, ...] = field(default=())


def _pipeline(uow: MonitoringUnitOfWork) -> StageStatuses | None:
    # The pipeline's store is optional: a firm without a scheduler runs its nights by
    # hand, and its checks simply have no stages to look at.
    return getattr(uow, "pipeline", None)


def _file_findings(statuses: Sequence[FileStatus], day: dt.date) -> list[Alert]:
    found = []
    for s in statuses:
        kind = _FILE_KINDS.get(s.state)
        if kind is not None:
            subject = f"{s.expected.source}-{s.expected.feed}"
            found.append(_alert(kind, (subject, day), f"{subject} {s.state.value}: {s.detail}"))
    return found


def _run_findings(
    uow: MonitoringUnitOfWork,
    *,
    day: dt.date,
    now: dt.datetime,
    here: Here,
    calendar: BusinessCalendar,
) -> list[Alert]:
    latest = uow.runs.latest_run()
    if latest is None:
        return [_alert("run.none", ("firm",), "no nightly run has ever been recorded")]
    found: list[Alert] = []
    state = shown_state(latest, now, here)
    done = uow.runs.done(latest.id)
    if state == "interrupted":
        missing = len(set(uow.runs.population()) - done)
        found.append(
            _alert(
                "run.interrupted",
                (latest.id,),
                f"run {latest.id} (as of {latest.as_of}) stopped with {missing:,} accounts "
                "not analyzed and nobody driving it",
            )
        )
    if latest.state is RunState.FINISHED:
        found += _completeness(uow.runs, latest, done)
    previous = calendar.previous(day)
    if latest.as_of < previous and calendar.is_business_day(day):
        found.append(
            _alert(
                "run.missed",
                (previous,),
                f"no nightly run as of {previous}; the latest is {latest.id} "
                f"(as of {latest.as_of})",
            )
        )
    failures = uow.runs.failures(latest.id, 1000)
    if failures:
        found.append(
            _alert(
                "run.failed-accounts",
                (latest.id,),
                f"{len(failures):,}{'+' if len(failures) >= 1000 else ''} accounts failed to "
                f"analyze in run {latest.id} (first: {failures[0][0]}: {failures[0][2]})"[:480],
            )
        )
    return found


def _completeness(runs: RunRepository, run: RunRecord, done: set[str]) -> list[Alert]:
    """Every account of the run analyzed exactly once: as many distinct accounts with an
    outcome as the run counted when it started, and as many outcomes as accounts."""
    outcomes = runs.tally(run.id).accounts
    if len(done) == run.accounts and outcomes == len(done):
        return []
    return [
        _alert(
            "run.incomplete",
            (run.id,),
            f"run {run.id} finished with {len(done):,} accounts analyzed ({outcomes:,} "
            f"outcomes) of {run.accounts:,}",
        )
    ]


def _stage_findings(
    uow: MonitoringUnitOfWork, stages: Sequence[StageStatus], *, day: dt.date, now: dt.datetime
) -> list[Alert]:
    found = []
    for s in stages:
        if s.state is StageState.FAILED:
            cause = stage_failed_cause(s.stage, day)
            existing = uow.alerts.open_for(cause)
            # The pipeline raised it with its own words when the stage failed: keep them.
            found.append(
                existing.alert
                if existing is not None
                else Alert(
                    cause,
                    ALERT_CATALOG["stage.failed"].severity,
                    f"stage {s.stage} of {day} failed: {s.reason}"[:480],
                    ALERT_CATALOG["stage.failed"].action.replace("STAGE", s.stage),
                )
            )
        elif (
            s.state is StageState.RUNNING
            and s.started_at is not None
            and now - s.started_at > STAGE_OVERDUE
        ):
            hours = (now - s.started_at).total_seconds() / 3600
            found.append(
                _alert(
                    "stage.overdue",
                    (s.stage, day),
                    f"stage {s.stage} of {day} has been running for {hours:.1f} hours",
                )
            )
    return found


def _day_run(runs: RunRepository, day: dt.date) -> RunRecord | None:
    for run in runs.runs(limit=20):
        if run.as_of == day and run.state is not RunState.VOIDED:
            return run
    return None


def _outbox_findings(
    uow: MonitoringUnitOfWork, stages: Sequence[StageStatus], day: dt.date
) -> list[Alert]:
    exported = any(s.stage == "export" and s.state is StageState.DONE for s in stages)
    run = _day_run(uow.runs, day) if exported else None
    if run is None or run.state is not RunState.FINISHED:
        return []
    auto = uow.monitoring.auto_trades(run.id)
    if auto and not uow.monitoring.orders_exported(run.id):
        return [
            _alert(
                "outbox.empty",
                (day,),
                f"run {run.id} routed {auto:,} accounts to auto-trade but no order was exported",
            )
        ]
    return []


def _price_findings(uow: MonitoringUnitOfWork, day: dt.date) -> list[Alert]:
    if _day_run(uow.runs, day) is None:
        return []  # the day's prices are not needed yet
    stale = uow.monitoring.stale_prices(day)
    if not stale:
        return []
    sample = ", ".join(f"{t} ({d or 'never'})" for t, d in stale[:5])
    more = f" and {len(stale) - 5:,} more" if len(stale) > 5 else ""
    return [
        _alert(
            "prices.stale",
            (day,),
            f"{len(stale):,} held securities have no close on {day}: {sample}{more}",
        )
    ]


def _day_of(alert: AlertRecord) -> dt.date | None:
    try:
        return dt.date.fromisoformat(alert.cause.rsplit(":", 1)[-1])
    except ValueError:
        return None


def findings(
    new_uow: NewMonitoringUnitOfWork,
    *,
    day: dt.date,
    now: dt.datetime,
    here: Here | None = None,
    calendar: BusinessCalendar = BusinessCalendar(),
) -> tuple[list[Alert], Callable[[AlertRecord], bool]]:
    """What the checks find for `day` (and for earlier days with lasting file alerts
    open), and which open alerts they cover (those not found again are resolved)."""
    here = here or Here.this_process()
    days = {day}
    with new_uow() as uow:
        for a in open_alerts(uow):
            past = _day_of(a)
            if a.alert.kind in _LASTING_FILE_KINDS and past is not None and past < day:
                days.add(past)
    found: list[Alert] = []
    statuses = {
        d: feed_status(new_uow, day=d, now=now).files
        for d in sorted(days)
        if calendar.is_business_day(d)
    }
    # A later file of the same feed supersedes a day's missing one: the data is current
    # again (a file sent a day late is indistinguishable from the next day's).
    current = {
        f"{s.expected.source}-{s.expected.feed}"
        for s in statuses.get(day, ())
        if s.state in (FileState.ARRIVED, FileState.LATE, FileState.DUPLICATE)
    }
    for d, files in statuses.items():
        found += [
            a
            for a in _file_findings(files, d)
            if d == day or a.subject.split(":")[0] not in current
        ]
    with new_uow() as uow:
        found += _run_findings(uow, day=day, now=now, here=here, calendar=calendar)
        pipeline = _pipeline(uow)
        stages = pipeline.statuses(day) if pipeline is not None else []
        found += _stage_findings(uow, stages, day=day, now=now)
        found += _outbox_findings(uow, stages, day)
        found += _price_findings(uow, day)

    def covers(alert: AlertRecord) -> bool:
        kind = alert.alert.kind
        if kind in _RUN_KINDS:
            return True
        if kind not in _DAY_KINDS:
            return False  # someone else's alert (the pipeline's executions, ...)
        alert_day = _day_of(alert)
        if alert_day is None:
            return False
        if alert_day in days and (kind.startswith("file.") or alert_day == day):
            return True
        # A past day's passing findings (late, duplicate, overdue...) are superseded
        # once a later day is watched; its lasting ones were re-checked above.
        return alert_day < day and kind not in _LASTING_FILE_KINDS

    return found, covers


def check_processes(
    new_uow: NewMonitoringUnitOfWork,
    *,
    day: dt.date,
    now: dt.datetime,
    here: Here | None = None,
    calendar: BusinessCalendar = BusinessCalendar(),
    principal: Principal = MONITOR,
) -> MonitoringReport:
    """Raise what the checks find, resolve what they cover and no longer find."""
    found, covers = findings(new_uow, day=day, now=now, here=here, calendar=calendar)
    causes = {a.cause for a in found}
    opened: list[AlertRecord] = []
    for alert in found:
        raised = raise_alert(new_uow, alert, principal=principal, at=now)
        if raised.first_seen == now:
            opened.append(raised)
    with new_uow() as uow:
        stale = [a for a in open_alerts(uow) if covers(a) and a.cause not in causes]
    resolved: list[AlertRecord] = []
    for episode in stale:
        closed, _ = resolve_alert(
            new_uow,
            episode.cause,
            principal=principal,
            note=f"no longer found by the check of {day}",
            at=now,
        )
        if closed is not None:
            resolved.append(closed)
    with new_uow() as uow:
        still_open = tuple(open_alerts(uow))
    return MonitoringReport(day, tuple(found), tuple(opened), tuple(resolved), still_open)


# -- health and metrics: read only, at scrape time ---------------------------------------


class SchedulerLeases(Protocol):
    def lease(self, name: str) -> SchedulerLease | None: ...


@dataclass(frozen=True)
class HeartbeatCheck:
    ok: bool
    message: str


# The lease the scheduler writes and its freshness are the pipeline's: readiness reads the
# very row `trimtab scheduler` beats (`services.pipeline`), with the staleness after which
# a second scheduler may take over.
HEARTBEAT_FRESH = LEASE_STALE_AFTER


def scheduler_heartbeat(
    new_uow: NewMonitoringUnitOfWork,
    *,
    now: dt.datetime,
    name: str = SCHEDULER_LEASE,
    fresh: dt.timedelta = HEARTBEAT_FRESH,
) -> HeartbeatCheck:
    """Whether the scheduler is alive: its lease's heartbeat younger than `fresh`.

    No lease row (no scheduler ever ran against this database) is not a failure: the
    firm runs its nights by hand, and readiness says so. A lease released (the scheduler
    stopped) or gone stale (killed, hung, cut off from the database) is."""
    with new_uow() as uow:
        leases: SchedulerLeases | None = getattr(uow, "pipeline", None)
        lease = leases.lease(name) if leases is not None else None
    if lease is None:
        return HeartbeatCheck(True, "no scheduler configured (nights are run by hand)")
    if lease.holder is None or lease.heartbeat_at is None:
        return HeartbeatCheck(False, "the scheduler is stopped: start `trimtab scheduler`")
    age = now - lease.heartbeat_at
    if age > fresh:
        return HeartbeatCheck(
            False,
            f"the scheduler's heartbeat ({lease.holder}) is {age.total_seconds():.0f} s old",
        )
    return HeartbeatCheck(True, f"scheduler {lease.holder} beat {age.total_seconds():.0f} s ago")


@dataclass(frozen=True)
class FileMetric:
    source: str
    feed: str
    state: str
    lateness_seconds: float  # after the deadline (arrival or now); negative when early


@dataclass(frozen=True)
class StageMetric:
    stage: str
    state: str
    attempts: int
    seconds: float | None  # finished - started, when both are known


@dataclass(frozen=True)
class MetricsSnapshot:
    """The numbers `/metrics` exposes, read from the database at scrape time (so every
    web worker answers the same, and nothing is counted in one process's memory)."""

    run_id: str | None = None
    run_state: str | None = None
    run_started_at: dt.datetime | None = None
    run_seconds: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    failed_accounts: int = 0
    stage_day: dt.date | None = None
    stages: tuple[StageMetric, ...] = ()
    files: tuple[FileMetric, ...] = ()
    alerts: tuple[AlertCount, ...] = ()
    deliveries_pending: int = 0
    review_queue: int = 0
    review_oldest_seconds: float = 0.0


def _file_metrics(uow: MonitoringUnitOfWork, day: dt.date, now: dt.datetime) -> list[FileMetric]:
    # The same reading as `file_monitoring.feed_status`, without its once-a-day alert
    # rows: a scrape must never write.
    expected = uow.feed_loads.expected()
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1)
    arrivals = [
        Arrival(load.source, load.feed, load.filename, load.received_at, load.outcome)
        for load in uow.feed_loads.received_between(start, start + dt.timedelta(days=3))
    ]
    out = []
    for zone in sorted({tz for _, tz in expected}):
        files = [e for e, tz in expected if tz == zone]
        for s in file_states(files, arrivals, day=day, tz=ZoneInfo(zone), now=now):
            deadline = dt.datetime.combine(day, s.expected.deadline, tzinfo=ZoneInfo(zone))
            came = min((a.received_at for a in s.arrivals), default=None)
            late = ((came or now) - deadline).total_seconds()
            out.append(FileMetric(s.expected.source, s.expected.feed, s.state.value, late))
    return out


def metrics_snapshot(
    new_uow: NewMonitoringUnitOfWork,
    *,
    now: dt.datetime,
    calendar: BusinessCalendar = BusinessCalendar(),
) -> MetricsSnapshot:
    with new_uow() as uow:
        latest = uow.runs.latest_run()
        outcomes: dict[str, int] = {}
        failed = 0
        if latest is not None:
            outcomes = dict(uow.runs.tally(latest.id).counts)
            failed = len(uow.runs.failures(latest.id, 100_000))
        pipeline = _pipeline(uow)
        stage_day = None
        stages: list[StageMetric] = []
        days = getattr(pipeline, "days", None)
        if pipeline is not None and days is not None:
            recent = days(1)
            if recent:
                stage_day = recent[0]
                for s in pipeline.statuses(stage_day):
                    seconds = (
                        (s.finished_at - s.started_at).total_seconds()
                        if s.started_at and s.finished_at
                        else None
                    )
                    stages.append(StageMetric(s.stage, s.state.value, s.attempts, seconds))
        today = now.date()
        files = _file_metrics(uow, today, now) if calendar.is_business_day(today) else []
        queue, oldest = uow.monitoring.review_queue()
        return MetricsSnapshot(
            run_id=latest.id if latest else None,
            run_state=latest.state.value if latest else None,
            run_started_at=latest.started_at if latest else None,
            run_seconds=latest.seconds if latest else None,
            outcomes=outcomes,
            failed_accounts=failed,
            stage_day=stage_day,
            stages=tuple(stages),
            files=tuple(files),
            alerts=tuple(uow.alerts.counts()),
            deliveries_pending=uow.alert_deliveries.pending(),
            review_queue=queue,
            review_oldest_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        )
