"""The daily pipeline's use cases: its configuration, each stage's work, and its state.

Problem: the firm's day (PRODUCT.md §9) is a chain of steps — files, corporate actions,
the synchronization check, the nightly analysis, the orders out, the fills back — that
must run by itself on each business day, survive a restart at any moment, and be
watched and steered by people (`trimtab pipeline status | run-now | skip`).

Rule:
- The configuration is the `[pipeline]` table of the firm's TOML file (`read_config`,
  docs/pipeline.md): the folders (inbox, outbox, executions, mappings), the time zone
  and exchange calendar, each stage's start, cut-off, polling and retries, and per
  source the cut-off after which its files are given up and what then happens
  (`on_missing`: `hold` stops the day's analysis; `run` holds only the source's accounts
  — those matching its `accounts` pattern — and lets the others run).
- The state is one row per (day, stage) (`PipelineRepository`); what a state may become
  is decided by `trimtab.domain.pipeline`. `run_stage` claims a due stage by
  compare-and-set (so two processes never run one stage), runs its work, and records
  the attempt's outcome (`pipeline.record`, by `SCHEDULER`) — then raises or resolves
  the alerts the domain asked for, after the commit. The claim itself is the process's
  bookkeeping (like a run's lease): no audit entry; the outcome is the record.
- People: `skip_stage` (`pipeline.skip`, a reason required) lets what depends on a stage
  go on without it; `rerun_stage` (`pipeline.run_now`) makes a stage due at once.
- Each stage's work is a function here returning an outcome (`Done`, `NotYet`,
  `Transient`, `Failed`), written so that doing it again adds nothing: a re-claimed stage
  (its scheduler was killed) finishes the work instead of repeating it. The analysis
  runs in the batch runtime (`trimtab.batch.pipeline`), which wires them all.
- One scheduler per database: `take_scheduler_lease` refuses a second process while the
  first one's lease is live (heartbeat fresh and, on this host, its pid running).

    >>> # config, problems = read_config(tomllib.load(f), base=Path("/srv/trimtab"))
    >>> # run_stage(new_uow, config, day, "files", runners, here=here, now=clock)
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trimtab.domain.alerts import Alert, Severity, cause_key
from trimtab.domain.file_transfers import ArrivalOutcome, BusinessCalendar, ExpectedFile
from trimtab.domain.pipeline import (
    STANDARD_STAGES,
    Done,
    Failed,
    NotYet,
    Outcome,
    PipelinePlan,
    RaiseAlert,
    ResolveAlert,
    RunNow,
    Skip,
    StageState,
    StageStatus,
    Transient,
    after_attempt,
    after_request,
    blocked_by,
    due_stages,
)
from trimtab.domain.principal import SCHEDULER, Principal, Role
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.alerts import raise_alert, resolve_alert
from trimtab.services.audit import record, write_service
from trimtab.services.feed_ports import AccountHold
from trimtab.services.nightly_run import Here
from trimtab.services.pipeline_ports import PipelineUnitOfWork, SchedulerLease

__all__ = [
    "HOLD",
    "MISSING_FILE",
    "RUN",
    "PipelineConfig",
    "SourceRule",
    "StageRun",
    "StageRunner",
    "StageView",
    "expected_arrivals",
    "hold_source",
    "pipeline_status",
    "read_config",
    "rerun_stage",
    "run_stage",
    "skip_stage",
    "take_scheduler_lease",
    "wait_for_files",
]

NewUnitOfWork = Callable[[], PipelineUnitOfWork]
HOLD, RUN = "hold", "run"
MISSING_FILE = "missing_file"  # the cause of a hold placed on a source's accounts
SCHEDULER_LEASE = "scheduler"
LEASE_STALE_AFTER = dt.timedelta(minutes=2)
HEARTBEAT = dt.timedelta(seconds=20)  # the scheduler's lease is refreshed this often
_PEOPLE = frozenset({Role.OVERLAY, Role.DATA, Role.ADMIN})


# -- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRule:
    """How long to wait for a source's files, and what to do without them."""

    source: str
    cutoff: dt.time | None = None  # in the pipeline's time zone; None: the stage's cut-off
    accounts: str = ""  # glob of the account ids it custodies ("NB-*"); "" none known
    on_missing: str = HOLD


@dataclass(frozen=True)
class PipelineConfig:
    plan: PipelinePlan = field(default_factory=PipelinePlan.standard)
    timezone: str = "America/New_York"
    market: str = "NYSE"
    inbox: Path | None = None
    outbox: Path | None = None
    executions: Path | None = None
    mappings: Path | None = None
    order_formats: tuple[str, ...] = ("csv", "fix")
    on_missing: str = HOLD
    sources: Mapping[str, SourceRule] = field(default_factory=dict)
    tick_seconds: float = 30.0
    workers: int = 1
    executor: str = "local"
    chunk_size: int = 250  # accounts per task of the nightly run
    scheduler: str | None = None  # the Dask scheduler's address, with executor "dask"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.market)

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()

    def rule(self, source: str) -> SourceRule:
        return self.sources.get(source) or SourceRule(source, on_missing=self.on_missing)


def _time(value: object, where: str, problems: list[Problem]) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(where, f"{value!r} is not a time like 07:30"))
        return None


def _seconds(value: object, where: str, problems: list[Problem]) -> dt.timedelta | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return dt.timedelta(seconds=value)
    problems.append(Problem(where, f"{value!r}: a number of seconds above 0"))
    return None


_STAGE_KEYS = {"start", "cutoff", "poll_seconds", "attempts", "backoff_seconds"}
_SOURCE_KEYS = {"cutoff", "accounts", "on_missing"}
_TOP_KEYS = {
    "timezone",
    "calendar",
    "inbox",
    "outbox",
    "executions",
    "mappings",
    "order_formats",
    "on_missing",
    "tick_seconds",
    "workers",
    "executor",
    "scheduler",
    "chunk_size",
    "stages",
    "sources",
}


def read_config(
    document: Mapping[str, Any], *, base: Path
) -> tuple[PipelineConfig | None, list[Problem]]:
    """The `[pipeline]` table of the firm's TOML file; folders relative to `base` (the
    file's folder). Every mistake is a problem naming the key (`pipeline.stages.files.
    cutoff`); an unknown key is one (a typo must not be silently ignored)."""
    table = document.get("pipeline")
    if not isinstance(table, Mapping):
        return None, [Problem("pipeline", "the configuration has no [pipeline] table")]
    problems: list[Problem] = []
    for key in sorted(set(table) - _TOP_KEYS):
        problems.append(
            Problem(f"pipeline.{key}", f"unknown key; known: {', '.join(sorted(_TOP_KEYS))}")
        )

    def folder(key: str) -> Path | None:
        value = table.get(key)
        return None if value is None else (base / str(value))

    timezone = str(table.get("timezone", "America/New_York"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem("pipeline.timezone", f"{timezone!r} is not a time zone"))
    on_missing = str(table.get("on_missing", HOLD))
    if on_missing not in (HOLD, RUN):
        problems.append(Problem("pipeline.on_missing", f"{on_missing!r}: hold or run"))
    overrides: dict[str, dict[str, Any]] = {}
    stages = table.get("stages", {})
    for name, spec in dict(stages).items():
        where = f"pipeline.stages.{name}"
        if name not in STANDARD_STAGES:
            problems.append(
                Problem(where, f"no such stage; the stages: {', '.join(STANDARD_STAGES)}")
            )
            continue
        given = dict(spec)
        for key in sorted(set(given) - _STAGE_KEYS):
            problems.append(
                Problem(f"{where}.{key}", f"unknown key; known: {', '.join(sorted(_STAGE_KEYS))}")
            )
        fields: dict[str, Any] = {}
        if "start" in given and (t := _time(given["start"], f"{where}.start", problems)):
            fields["not_before"] = t
        if "cutoff" in given and (t := _time(given["cutoff"], f"{where}.cutoff", problems)):
            fields["cutoff"] = t
        if "poll_seconds" in given and (
            s := _seconds(given["poll_seconds"], f"{where}.poll_seconds", problems)
        ):
            fields["poll"] = s
        if "backoff_seconds" in given and (
            s := _seconds(given["backoff_seconds"], f"{where}.backoff_seconds", problems)
        ):
            fields["backoff"] = s
        if "attempts" in given:
            attempts = given["attempts"]
            if isinstance(attempts, int) and not isinstance(attempts, bool) and attempts >= 1:
                fields["attempts"] = attempts
            else:
                problems.append(
                    Problem(f"{where}.attempts", f"{attempts!r}: a whole number, 1 or more")
                )
        overrides[name] = fields
    sources: dict[str, SourceRule] = {}
    for name, spec in dict(table.get("sources", {})).items():
        where = f"pipeline.sources.{name}"
        given = dict(spec)
        for key in sorted(set(given) - _SOURCE_KEYS):
            problems.append(
                Problem(f"{where}.{key}", f"unknown key; known: {', '.join(sorted(_SOURCE_KEYS))}")
            )
        rule_missing = str(given.get("on_missing", on_missing))
        if rule_missing not in (HOLD, RUN):
            problems.append(Problem(f"{where}.on_missing", f"{rule_missing!r}: hold or run"))
        cutoff = _time(given["cutoff"], f"{where}.cutoff", problems) if "cutoff" in given else None
        sources[name] = SourceRule(name, cutoff, str(given.get("accounts", "")), rule_missing)
    formats = tuple(str(f) for f in table.get("order_formats", ("csv", "fix")))
    tick = table.get("tick_seconds", 30.0)
    if not isinstance(tick, int | float) or isinstance(tick, bool) or tick <= 0:
        problems.append(Problem("pipeline.tick_seconds", f"{tick!r}: a number of seconds above 0"))
        tick = 30.0
    workers, chunk_size = table.get("workers", 1), table.get("chunk_size", 250)
    for key, value in (("workers", workers), ("chunk_size", chunk_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(Problem(f"pipeline.{key}", f"{value!r}: a whole number, 1 or more"))
    executor = str(table.get("executor", "local"))
    if executor not in ("local", "dask"):
        problems.append(Problem("pipeline.executor", f"{executor!r}: local or dask"))
    scheduler = table.get("scheduler")
    if scheduler is not None and (executor != "dask" or "://" not in str(scheduler)):
        problems.append(
            Problem(
                "pipeline.scheduler",
                f"{scheduler!r}: a Dask scheduler's address (tcp://dask-scheduler:8786), "
                'with executor = "dask"',
            )
        )
    try:
        plan = PipelinePlan.standard(overrides)
    except ValueError as error:
        problems.append(Problem("pipeline.stages", str(error)))
        plan = PipelinePlan.standard()
    if problems:
        return None, problems
    return PipelineConfig(
        plan,
        timezone,
        str(table.get("calendar", "NYSE")),
        folder("inbox"),
        folder("outbox"),
        folder("executions"),
        folder("mappings"),
        formats,
        on_missing,
        sources,
        float(tick),
        workers,
        executor,
        chunk_size,
        None if scheduler is None else str(scheduler),
    ), []


# -- status -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageView:
    """A stage as people see it: its status, and what keeps it from running."""

    status: StageStatus
    blocked_by: tuple[str, ...] = ()

    @property
    def shown_state(self) -> str:
        if self.status.state is StageState.WAITING and self.blocked_by:
            return f"waiting (blocked: {', '.join(self.blocked_by)} failed)"
        return self.status.state.value


def _open_day(
    uow: PipelineUnitOfWork, config: PipelineConfig, day: dt.date
) -> dict[str, StageStatus]:
    uow.pipeline.open_day(day, config.plan.names)
    return {s.stage: s for s in uow.pipeline.statuses(day)}


def pipeline_status(
    new_uow: NewUnitOfWork, config: PipelineConfig, day: dt.date
) -> list[StageView]:
    """Every stage of the day in plan order (waiting rows for a day not started yet)."""
    with new_uow() as uow:
        found = {s.stage: s for s in uow.pipeline.statuses(day)}
    statuses = {n: found.get(n) or StageStatus(day, n) for n in config.plan.names}
    return [StageView(statuses[n], blocked_by(config.plan, statuses, n)) for n in config.plan.names]


# -- running a stage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRun:
    """What a stage's work is told: which day and stage, the time, the attempt."""

    day: dt.date
    stage: str
    now: dt.datetime
    attempt: int
    config: PipelineConfig


StageRunner = Callable[[StageRun], Outcome]


def due(
    new_uow: NewUnitOfWork, config: PipelineConfig, day: dt.date, *, now: dt.datetime
) -> list[str]:
    """The stages of `day` to run now. Called by the one scheduler holding the lease, at
    the start of a tick, when none of its own stages is in hand: a stage still marked
    running was left by a process that is gone (killed), and is due again."""
    with new_uow() as uow:
        statuses = _open_day(uow, config, day)
        uow.commit()
    holders = frozenset(s.holder for s in statuses.values() if s.holder)
    runs = due_stages(config.plan, statuses, now=now, tz=config.tz, dead_holders=holders)
    return [r.stage for r in runs]


def _claim(
    new_uow: NewUnitOfWork, day: dt.date, stage: str, *, holder: str, now: dt.datetime
) -> StageStatus | None:
    with new_uow() as uow:
        current = next((s for s in uow.pipeline.statuses(day) if s.stage == stage), None)
        if current is None or current.state not in (StageState.WAITING, StageState.RUNNING):
            return None
        claimed = replace(
            current,
            state=StageState.RUNNING,
            attempts=current.attempts + 1,
            holder=holder,
            started_at=now,
            version=current.version + 1,
        )
        if not uow.pipeline.update(claimed, expected_version=current.version):
            return None  # someone else changed it since it was read: theirs
        uow.commit()
    return claimed


@write_service("pipeline.record")
def record_attempt(
    new_uow: NewUnitOfWork,
    status: StageStatus,
    *,
    expected_version: int,
    principal: Principal,
    now: dt.datetime,
) -> bool:
    """Record the status an attempt left (`pipeline.record`); False if the stage was
    changed meanwhile (a person skipped it): the person's word stands."""
    with new_uow() as uow:
        if not uow.pipeline.update(status, expected_version=expected_version):
            return False
        record(
            uow,
            principal,
            "pipeline.record",
            targets=[f"pipeline:{status.day}:{status.stage}"],
            reason=status.reason,
            summary={
                "day": status.day,
                "stage": status.stage,
                "state": status.state.value,
                "attempts": status.attempts,
                "next_attempt_at": status.next_attempt_at,
            },
            at=now,
        )
        uow.commit()
    return True


def run_stage(
    new_uow: NewUnitOfWork,
    config: PipelineConfig,
    day: dt.date,
    stage: str,
    runner: StageRunner,
    *,
    here: Here,
    clock: Callable[[], dt.datetime],
    transient: tuple[type[Exception], ...] = (),
    principal: Principal = SCHEDULER,
) -> StageStatus | None:
    """Claim `stage` of `day`, run it, record the outcome; None if it could not be claimed.

    An exception in the work is an outcome too: one of `transient` (the database was
    unreachable) is retried with back-off, any other fails the stage with its message.
    """
    claimed = _claim(new_uow, day, stage, holder=here.holder, now=clock())
    if claimed is None:
        return None
    try:
        outcome = runner(StageRun(day, stage, clock(), claimed.attempts, config))
    except transient as error:
        outcome = Transient(f"{type(error).__name__}: {_first_line(error)}")
    except Exception as error:
        outcome = Failed(f"{type(error).__name__}: {_first_line(error)}")
    now = clock()
    status, instructions = after_attempt(
        config.plan.spec(stage), claimed, outcome, now=now, tz=config.tz
    )
    if not record_attempt(
        new_uow, status, expected_version=claimed.version, principal=principal, now=now
    ):
        return None
    for instruction in instructions:
        if isinstance(instruction, RaiseAlert):
            raise_alert(new_uow, instruction.alert, principal=principal, at=now)
        elif isinstance(instruction, ResolveAlert):
            resolve_alert(
                new_uow, instruction.cause, principal=principal, note="stage done", at=now
            )
    return status


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [""])[0][:300]


# -- people ----------------------------------------------------------------------------------


def _person_request(
    new_uow: NewUnitOfWork,
    config: PipelineConfig,
    day: dt.date,
    stage: str,
    request: Skip | RunNow,
    *,
    principal: Principal,
    action: str,
    now: dt.datetime,
) -> tuple[StageStatus | None, list[Problem]]:
    if not (principal.roles & _PEOPLE):
        return None, [
            Problem(
                "principal",
                f"{principal.recorded_as} may not steer the pipeline (overlay, data or admin)",
                ProblemKind.FORBIDDEN,
            )
        ]
    if stage not in config.plan.names:
        return None, [
            Problem(
                "stage",
                f"{stage}: no such stage; the stages: {', '.join(config.plan.names)}",
                ProblemKind.NOT_FOUND,
            )
        ]
    with new_uow() as uow:
        current = _open_day(uow, config, day)[stage]
        changed, refused = after_request(current, request, now=now)
        if changed is None:
            return None, [Problem(stage, refused, ProblemKind.CONFLICT)]
        if not uow.pipeline.update(changed, expected_version=current.version):
            return None, [Problem(stage, "changed meanwhile; look again", ProblemKind.CONFLICT)]
        record(
            uow,
            principal,
            action,
            targets=[f"pipeline:{day}:{stage}"],
            reason=request.reason if isinstance(request, Skip) else "",
            summary={
                "day": day,
                "stage": stage,
                "from": current.state.value,
                "to": changed.state.value,
            },
            at=now,
        )
        uow.commit()
    return changed, []


@write_service("pipeline.skip")
def skip_stage(
    new_uow: NewUnitOfWork,
    config: PipelineConfig,
    day: dt.date,
    stage: str,
    *,
    reason: str,
    principal: Principal,
    now: dt.datetime,
) -> tuple[StageStatus | None, list[Problem]]:
    """Skip a waiting or failed stage: what depends on it goes on without it."""
    return _person_request(
        new_uow,
        config,
        day,
        stage,
        Skip(reason),
        principal=principal,
        action="pipeline.skip",
        now=now,
    )


@write_service("pipeline.run_now")
def rerun_stage(
    new_uow: NewUnitOfWork,
    config: PipelineConfig,
    day: dt.date,
    stage: str,
    *,
    principal: Principal,
    now: dt.datetime,
) -> tuple[StageStatus | None, list[Problem]]:
    """Make a stage due at once (a failed one after its cause was fixed, a done one to
    run again, a waiting one to skip its back-off); the scheduler runs it on its next tick."""
    return _person_request(
        new_uow,
        config,
        day,
        stage,
        RunNow(),
        principal=principal,
        action="pipeline.run_now",
        now=now,
    )


# -- the scheduler's lease -------------------------------------------------------------------


def _lease_live(lease: SchedulerLease, now: dt.datetime, here: Here) -> bool:
    return here.sees_live(lease.holder, lease.heartbeat_at, now, LEASE_STALE_AFTER)


def take_scheduler_lease(
    new_uow: NewUnitOfWork, *, here: Here, now: dt.datetime
) -> tuple[bool, list[Problem]]:
    """Become the one scheduler of this database, or the problem naming the live one."""
    with new_uow() as uow:
        lease = uow.pipeline.lease(SCHEDULER_LEASE)
        if lease is not None and lease.holder != here.holder and _lease_live(lease, now, here):
            return False, [
                Problem(
                    "scheduler",
                    f"another scheduler ({lease.holder}, last heartbeat "
                    f"{lease.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC) runs against this database; "
                    "stop it first (one scheduler per database)",
                    ProblemKind.CONFLICT,
                )
            ]
        seen = None if lease is None else lease.holder
        if not uow.pipeline.take_lease(SCHEDULER_LEASE, holder=here.holder, at=now, seen=seen):
            return False, [
                Problem(
                    "scheduler", "another scheduler took the lease just now", ProblemKind.CONFLICT
                )
            ]
        uow.commit()
    return True, []


def keep_scheduler_lease(new_uow: NewUnitOfWork, *, here: Here, now: dt.datetime) -> bool:
    """The heartbeat; False when another process holds the lease now (stop at once)."""
    with new_uow() as uow:
        kept = uow.pipeline.beat(SCHEDULER_LEASE, holder=here.holder, at=now)
        uow.commit()
    return kept


def release_scheduler_lease(new_uow: NewUnitOfWork, *, here: Here) -> None:
    with new_uow() as uow:
        uow.pipeline.release_lease(SCHEDULER_LEASE, holder=here.holder)
        uow.commit()


def scheduler_lease(new_uow: NewUnitOfWork) -> SchedulerLease | None:
    with new_uow() as uow:
        return uow.pipeline.lease(SCHEDULER_LEASE)


# -- the files stage ---------------------------------------------------------------------------


@write_service("pipeline.hold")
def hold_source(
    new_uow: NewUnitOfWork,
    source: str,
    *,
    accounts: str,
    held: bool,
    reason: str,
    principal: Principal,
    now: dt.datetime,
) -> list[str]:
    """Hold (or release) the accounts of a source whose files did not come: the accounts
    matching the `accounts` pattern are suspended (cause `missing_file`, key the source)
    until its files are loaded. The accounts changed; nothing changed records nothing."""
    with new_uow() as uow:
        if held:
            matching = [
                a
                for a in uow.pipeline.account_ids()
                if accounts and fnmatch.fnmatchcase(a, accounts)
            ]
            changed = [
                a
                for a in matching
                if uow.holds.hold(AccountHold(a, MISSING_FILE, source, reason, now))
            ]
        else:
            changed = uow.holds.release(MISSING_FILE, source, at=now)
        if not changed:
            return []
        record(
            uow,
            principal,
            "pipeline.hold",
            targets=[*changed, f"source:{source}"],
            reason=reason,
            summary={"source": source, "held": held, "accounts": len(changed)},
            at=now,
        )
        uow.commit()
    return changed


@dataclass(frozen=True)
class ExpectedArrival:
    """One expected file of the day, and whether a good copy was loaded since the day
    began (in its source's time zone)."""

    expected: ExpectedFile
    loaded: bool
    rejected: bool  # only rejected copies so far


def expected_arrivals(
    new_uow: NewUnitOfWork, *, day: dt.date, now: dt.datetime
) -> list[ExpectedArrival]:
    """Each file the sources must send (`feeds expect`), loaded or not since `day` began.

    "Since the day began", not "on the day": catching up a missed day (`trimtab
    scheduler --day`), its files arrive later than the day itself, and count."""
    with new_uow() as uow:
        expected = uow.feed_loads.expected()
        loads = uow.feed_loads.received_between(
            dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1),
            now + dt.timedelta(seconds=1),
        )
    out: list[ExpectedArrival] = []
    for exp, zone in sorted(expected, key=lambda e: (e[0].source, e[0].feed)):
        tz = ZoneInfo(zone)
        mine = [
            load
            for load in loads
            if (load.source, load.feed) == (exp.source, exp.feed)
            and load.received_at.astimezone(tz).date() >= day
        ]
        loaded = any(load.outcome is ArrivalOutcome.LOADED for load in mine)
        rejected = (
            bool(mine)
            and not loaded
            and any(load.outcome is ArrivalOutcome.REJECTED for load in mine)
        )
        out.append(ExpectedArrival(exp, loaded, rejected))
    return out


def wait_for_files(
    new_uow: NewUnitOfWork,
    config: PipelineConfig,
    arrivals: Iterable[ExpectedArrival],
    *,
    day: dt.date,
    now: dt.datetime,
    principal: Principal = SCHEDULER,
) -> Outcome:
    """Decide the files stage from the expected files (after the inbox was loaded).

    Per source: every expected file loaded → ready (and any `missing_file` hold of the
    source released). Otherwise, before the source's cut-off → wait. At or after it →
    the file is missing: with `on_missing = "run"` the source's accounts are held and the
    stage goes on without them; with `hold` the stage fails (nothing is analyzed on
    incomplete data). Every missing file at cut-off raises
    `file.missing:<source>-<feed>:<day>`.
    """
    by_source: dict[str, list[ExpectedArrival]] = {}
    for a in arrivals:
        by_source.setdefault(a.expected.source, []).append(a)
    waiting: list[str] = []
    failed: list[str] = []
    held: list[str] = []
    alerts: list[Alert] = []
    stage_cutoff = config.plan.spec("files").cutoff
    for source, files in sorted(by_source.items()):
        missing = [f for f in files if not f.loaded]
        rule = config.rule(source)
        if not missing:
            hold_source(
                new_uow,
                source,
                accounts=rule.accounts,
                held=False,
                reason="its files arrived",
                principal=principal,
                now=now,
            )
            continue
        names = ", ".join(
            f"{f.expected.feed} ({'rejected' if f.rejected else 'missing'})" for f in missing
        )
        cutoff = rule.cutoff or stage_cutoff
        if cutoff is None or now < dt.datetime.combine(day, cutoff, tzinfo=config.tz):
            waiting.append(f"{source}: {names}")
            continue
        for f in missing:
            alerts.append(
                Alert(
                    # The process checks' cause for the same file (services.monitoring):
                    # one alert, whoever finds it first.
                    cause_key("file.missing", f"{source}-{f.expected.feed}", day),
                    Severity.CRITICAL,
                    f"{source}/{f.expected.feed} of {day} not loaded by the {cutoff:%H:%M} "
                    f"cut-off ({'only rejected copies' if f.rejected else 'nothing arrived'})",
                    f"ask {source} to resend; drop the file in the inbox, then "
                    f"`trimtab pipeline run-now files --day {day}`",
                )
            )
        if rule.on_missing == RUN and rule.accounts:
            changed = hold_source(
                new_uow,
                source,
                accounts=rule.accounts,
                held=True,
                reason=f"{source}'s files of {day} missing: {names}",
                principal=principal,
                now=now,
            )
            held.append(f"{source} ({len(changed)} accounts held)")
        else:
            failed.append(f"{source}: {names}")
    if failed:
        return Failed(f"missing at cut-off: {'; '.join(failed)}", tuple(alerts))
    if waiting:
        return NotYet(f"waiting for {'; '.join(waiting)}", tuple(alerts))
    detail = f"{len(by_source)} sources ready"
    if held:
        detail += f"; going on without {', '.join(held)}"
    return Done(detail, tuple(alerts))
