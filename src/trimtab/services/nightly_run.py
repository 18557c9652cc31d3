"""The nightly run's use cases: start or resume a run, analyze and write a chunk, finish,
void, and say where every run stands.

Problem: a run spans minutes to hours and many processes; it must be started by someone
with the right to, once at a time, for a day that makes sense; survive any crash without
losing or repeating an account; and leave, for each step that changes what others read,
one audit entry saying who did it.

Rule:
- One run at a time. A run in progress holds a *lease* on its row (`holder` host:pid and
  a `heartbeat_at` the driver refreshes every `HEARTBEAT`). A lease is live while the
  heartbeat is younger than `STALE_AFTER` and, when the holder is on this host, its
  process exists. `start_run` serializes starters (`lock_runs`), then: a live run →
  refused, naming it (`ProblemKind.CONFLICT`); an unfinished run of the same day (or any
  day with `resume`) whose lease is not live → resumed (the lease taken by
  compare-and-set); otherwise a new run.
- A new run for a day in the future, or a day the exchange is closed, is refused unless
  the request carries a reason (`--force --reason`), recorded on the run and its entry.
- A chunk (`analyze_chunk`) is read in one transaction, analyzed, and written in a second
  (`write_chunk`) that commits every result or none. If some accounts already have an
  outcome (a worker of a killed run finishing its chunk), the write is retried with only
  the others, so no account is analyzed twice in a run.
- `finish_run` tallies the outcomes; with every account done the run is finished.
  `void_run` sets a run aside for a reason: filters, orders and review ignore it.
- Audit: `run.start`, `run.resume`, `run.chunk` (the accounts written, by `NIGHTLY`
  acting for whoever started the run), `run.finish`, `run.void`. The lease's heartbeat
  and release are the process's own bookkeeping, not a change anyone makes: no entry.

Worked example: Monday's run is killed with kill -9 after 600 of 1,000 accounts; its
holder `ops-1:4711` no longer exists, so the next `trimtab run` (as ops) resumes it —
`run.resume`, 400 accounts to do — and `finish_run` records `run.finish` with 1,000
outcomes. A `trimtab run --as-of 2030-01-01` is refused: the day is in the future.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import psutil

from trimtab.domain.file_transfers import BusinessCalendar
from trimtab.domain.filters import Filter, read_filter
from trimtab.domain.principal import Principal, Role
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.resolution import Resolver
from trimtab.domain.routing import RoutingPolicy, RoutingRule, Stage
from trimtab.domain.settings_levels import SettingsBook
from trimtab.services.audit import record, write_service
from trimtab.services.model_book import load_catalog
from trimtab.services.nightly_analysis import AccountAnalysis, NightContext, analyze_account
from trimtab.services.routing_ports import RoutingRepository
from trimtab.services.run_ports import (
    AlreadyWritten,
    RunRecord,
    RunState,
    RunUnitOfWork,
    Tally,
)

__all__ = [
    "HEARTBEAT",
    "STALE_AFTER",
    "Chunk",
    "ChunkSummary",
    "Here",
    "NightlyUnitOfWork",
    "RunEnd",
    "RunRequest",
    "RunStart",
    "RunStatus",
    "RunSummary",
    "analyze_chunk",
    "finish_run",
    "keep_lease",
    "lease_is_live",
    "night_context",
    "release_lease",
    "run_end",
    "run_in_progress",
    "run_status",
    "start_run",
    "void_run",
    "write_chunk",
]

HEARTBEAT = dt.timedelta(seconds=5)
STALE_AFTER = 3 * HEARTBEAT  # two missed heartbeats are a slow database; three, a dead driver
RUNS = frozenset({Role.OVERLAY, Role.ADMIN})  # ROLES.md: start, resume or void a run
CALENDAR = BusinessCalendar()


class NightlyUnitOfWork(RunUnitOfWork, Protocol):
    @property
    def routing(self) -> RoutingRepository: ...
    def commit(self) -> None: ...


NewUnitOfWork = Callable[[], NightlyUnitOfWork]


# -- the lease ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Here:
    """The process asking: its host and pid, and how to tell whether a pid on this host
    still runs (a crashed driver's lease is dead at once, not after `STALE_AFTER`)."""

    host: str
    pid: int
    pid_alive: Callable[[int], bool] = field(compare=False)

    @classmethod
    def this_process(cls) -> Here:
        return cls(socket.gethostname(), os.getpid(), psutil.pid_exists)

    @property
    def holder(self) -> str:
        return f"{self.host}:{self.pid}"

    def sees_live(
        self,
        holder: str | None,
        heartbeat_at: dt.datetime | None,
        now: dt.datetime,
        stale_after: dt.timedelta,
    ) -> bool:
        """Whether a lease (`holder` host:pid, last `heartbeat_at`) is held: beaten within
        `stale_after`, and, when its holder is on this host, by a process that exists.
        The one rule of the nightly run's lease and the scheduler's."""
        if holder is None or heartbeat_at is None or now - heartbeat_at > stale_after:
            return False
        host, _, pid = holder.rpartition(":")
        return not (host == self.host and pid.isdigit() and not self.pid_alive(int(pid)))


def lease_is_live(run: RunRecord, now: dt.datetime, here: Here) -> bool:
    """Whether someone is driving `run` right now.

    >>> at = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
    >>> here = Here("ops-1", 1, pid_alive=lambda pid: pid == 1)
    >>> run = RunRecord("R", at.date(), RunState.RUNNING, at, None, "cli:ops", "local", 9,
    ...                 None, holder="ops-1:4711", heartbeat_at=at)
    >>> lease_is_live(run, at, here)   # its process is gone
    False
    """
    return run.state is RunState.RUNNING and here.sees_live(
        run.holder, run.heartbeat_at, now, STALE_AFTER
    )


def keep_lease(new_uow: NewUnitOfWork, run_id: str, *, here: Here) -> bool:
    """Refresh the heartbeat; False when this process no longer holds the run."""
    with new_uow() as uow:
        kept = uow.runs.heartbeat(run_id, holder=here.holder, at=dt.datetime.now(dt.UTC))
        uow.commit()
    return kept


def release_lease(new_uow: NewUnitOfWork, run_id: str, *, here: Here) -> None:
    """Leave the run resumable at once (Ctrl-C, a lost chunk): nobody holds it now."""
    with new_uow() as uow:
        uow.runs.release_lease(run_id, holder=here.holder)
        uow.commit()


def _in_progress(run: RunRecord, done: int) -> Problem:
    return Problem(
        "run",
        f"run {run.id} (as of {run.as_of}) is in progress: started by {run.actor} at "
        f"{run.started_at:%Y-%m-%d %H:%M} UTC, {done:,} of {run.accounts:,} accounts "
        f"analyzed, driven by {run.holder}; `trimtab run --wait` waits for it",
        ProblemKind.CONFLICT,
    )


def _forbidden(principal: Principal, what: str) -> list[Problem]:
    if principal.roles & RUNS:
        return []
    return [Problem("principal", f"{principal.id} may not {what}", ProblemKind.FORBIDDEN)]


# -- start or resume ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunRequest:
    as_of: dt.date
    executor: str = "local"
    resume: bool = False  # the latest unfinished run of any day
    force_reason: str | None = None  # allows a future day or a day the exchange is closed


@dataclass(frozen=True)
class RunStart:
    run: RunRecord
    resumed: bool
    population: int
    todo: tuple[str, ...]  # accounts without an outcome, in id order
    policy: tuple[tuple[str, str], ...]  # (stage, filter) in order
    filters: tuple[tuple[str, str], ...]  # (filter name, expression)


def _policy(repo: RoutingRepository) -> tuple[RoutingPolicy | None, dict[str, str], list[Problem]]:
    policy = repo.policy()
    texts = repo.firm_filters(policy.filters if policy else ())
    problems = []
    for name in policy.filters if policy else ():
        if name not in texts:
            message = "the policy names a filter that no longer exists"
            problems.append(Problem(f"routing.{name}", message))
        elif read_filter(texts[name])[0] is None:
            problems.append(Problem(f"routing.{name}", "the saved filter does not check"))
    return policy, texts, problems


def _day_refused(day: dt.date, today: dt.date) -> str | None:
    """Why a new run for `day` needs a reason: a run for a day in the future or a closed
    exchange becomes every account's latest analysis and breaks every filter."""
    if day > today:
        return f"{day} is in the future (today is {today})"
    if not CALENDAR.is_business_day(day):
        return f"the exchange is closed on {day} ({day:%A})"
    return None


@write_service("run.start")
def start_run(
    new_uow: NewUnitOfWork,
    request: RunRequest,
    *,
    principal: Principal,
    here: Here,
    today: dt.date,
    now: dt.datetime | None = None,
) -> tuple[RunStart | None, list[Problem]]:
    """Start a run, or resume the unfinished one (recorded as `run.resume`); see module doc."""
    if problems := _forbidden(principal, "start a nightly run"):
        return None, problems
    now = now or dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        runs = uow.runs
        runs.lock_runs()
        policy, texts, problems = _policy(uow.routing)
        if problems:
            return None, problems
        unfinished = runs.unfinished_runs()
        for run in unfinished:
            if lease_is_live(run, now, here):
                return None, [_in_progress(run, len(runs.done(run.id)))]
        if request.resume:
            found = unfinished[0] if unfinished else None
            if found is None:
                return None, [
                    Problem("run", "there is no unfinished run to resume", ProblemKind.NOT_FOUND)
                ]
        else:
            found = next((r for r in unfinished if r.as_of == request.as_of), None)
        population = runs.population()
        if found is not None:
            if not runs.take_lease(found.id, holder=here.holder, at=now, seen=found.holder):
                return None, [_in_progress(found, len(runs.done(found.id)))]
            runs.resume_run(found.id, executor=request.executor, accounts=len(population))
            run, resumed = found, True
            done = runs.done(run.id)
            todo = tuple(a for a in population if a not in done)
            record(
                uow,
                principal,
                "run.resume",
                targets=[f"run:{run.id}"],
                summary={"as_of": run.as_of, "accounts": len(population), "to_do": len(todo)},
                at=now,
            )
        else:
            refused = _day_refused(request.as_of, today)
            forced = (request.force_reason or "").strip() if refused else None
            if refused and not forced:
                message = f"{refused}: run it anyway with --force --reason TEXT"
                return None, [Problem("as_of", message)]
            run = RunRecord(
                id=f"{request.as_of.isoformat()}.{runs.runs_on(request.as_of) + 1}",
                as_of=request.as_of,
                state=RunState.RUNNING,
                started_at=now,
                finished_at=None,
                actor=principal.recorded_as,
                executor=request.executor,
                accounts=len(population),
                policy_version=policy.version if policy else None,
                holder=here.holder,
                heartbeat_at=now,
                forced_reason=forced,
            )
            runs.start_run(run)
            resumed, todo = False, tuple(population)
            record(
                uow,
                principal,
                "run.start",
                targets=[f"run:{run.id}"],
                reason=forced or "",
                summary={
                    "as_of": run.as_of,
                    "accounts": len(population),
                    "executor": request.executor,
                    "policy_version": run.policy_version,
                    "forced": forced is not None,
                },
                at=now,
            )
        uow.commit()
    if todo:
        with new_uow() as uow:
            uow.runs.refresh_statistics()  # the chunks' reads depend on the planner's plans
            uow.commit()
    rules = tuple((r.stage.value, r.filter) for r in policy.rules) if policy else ()
    return RunStart(run, resumed, len(population), todo, rules, tuple(sorted(texts.items()))), []


# -- one chunk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    run_id: str
    as_of: dt.date
    number: int
    accounts: tuple[str, ...]


@dataclass(frozen=True)
class ChunkSummary:
    chunk: int
    accounts: int
    counts: dict[str, int] = field(default_factory=dict)
    trades: int = 0
    estimated_tax: Decimal = Decimal(0)
    failures: tuple[tuple[str, str], ...] = ()  # (account, why)
    seconds: float = 0.0
    skipped: int = 0  # already analyzed by someone else


def night_context(
    new_uow: Callable[[], Any],
    as_of: dt.date,
    policy: Sequence[tuple[str, str]],
    filters: Sequence[tuple[str, str]],
) -> NightContext:
    """What every account of a run shares, read in one transaction (once per worker)."""
    checked: dict[str, Filter] = {}
    for name, text in filters:
        f, _errors = read_filter(text)  # checked by `start_run` before the run began
        if f is not None:
            checked[name] = f
    with new_uow() as uow:
        night = uow.night
        advisors, branches = night.names()
        securities = night.securities()
        return NightContext(
            as_of=as_of,
            firm=night.firm(),
            resolver=Resolver(load_catalog(uow, as_of)),
            securities=securities,
            wash_groups=uow.wash_groups.policy().groups(securities.values()),
            closes=night.closes(as_of),
            actions=night.actions(as_of),
            settings=SettingsBook(night.settings_history()),
            policy=RoutingPolicy(tuple(RoutingRule(Stage(s), n) for s, n in policy)),
            filters=checked,
            advisors=advisors,
            branches=branches,
            business_days_between=CALENDAR.days_between,
        )


def analyze_chunk(
    new_uow: NewUnitOfWork, chunk: Chunk, ctx: NightContext, *, principal: Principal
) -> ChunkSummary:
    """Read the chunk's accounts in bulk, analyze each, write them all (`write_chunk`)."""
    started = time.perf_counter()
    with new_uow() as uow:
        snapshots = uow.night.snapshots(chunk.accounts, as_of=chunk.as_of)
    analyses = [analyze_account(s, ctx) for s in snapshots]
    skipped = write_chunk(new_uow, chunk, analyses, principal=principal)
    written = [a for a in analyses if a.account not in skipped]
    return ChunkSummary(
        chunk=chunk.number,
        accounts=len(written),
        counts=dict(Counter(a.routing.outcome.value for a in written)),
        trades=sum(len(a.trades) for a in written),
        estimated_tax=sum((a.estimated_tax or Decimal(0) for a in written), Decimal(0)),
        failures=tuple((a.account, a.failure) for a in written if a.failure),
        seconds=time.perf_counter() - started,
        skipped=len(skipped),
    )


@write_service("run.chunk")
def write_chunk(
    new_uow: NewUnitOfWork,
    chunk: Chunk,
    analyses: Sequence[AccountAnalysis],
    *,
    principal: Principal,
    now: dt.datetime | None = None,
) -> set[str]:
    """Commit a chunk's results; the accounts skipped because they were already done."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        _write(new_uow, chunk, analyses, principal, now)
        return set()
    except AlreadyWritten:
        pass  # someone wrote some of these accounts first: keep theirs, write the rest
    with new_uow() as uow:
        done = uow.runs.done(chunk.run_id) & {a.account for a in analyses}
    rest = [a for a in analyses if a.account not in done]
    if rest:
        _write(new_uow, chunk, rest, principal, now)
    return done


def _write(
    new_uow: NewUnitOfWork,
    chunk: Chunk,
    analyses: Sequence[AccountAnalysis],
    principal: Principal,
    now: dt.datetime,
) -> None:
    with new_uow() as uow:
        uow.runs.write_chunk(chunk.run_id, chunk.as_of, chunk.number, analyses, at=now)
        record(
            uow,
            principal,
            "run.chunk",
            targets=[*(a.account for a in analyses), f"run:{chunk.run_id}"],
            summary={
                "run": chunk.run_id,
                "chunk": chunk.number,
                "accounts": len(analyses),
                "outcomes": dict(Counter(a.routing.outcome.value for a in analyses)),
                "trades": sum(len(a.trades) for a in analyses),
            },
            at=now,
        )
        uow.commit()


# -- finish and void ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunEnd:
    run: RunRecord
    finished: bool
    tally: Tally
    missing: int  # accounts of the population still without an outcome
    failures: tuple[tuple[str, str, str], ...]  # (account, status, why), first 50


@write_service("run.finish")
def finish_run(
    new_uow: NewUnitOfWork,
    run_id: str,
    *,
    principal: Principal,
    here: Here,
    seconds: float,
    lost_chunks: int = 0,
    now: dt.datetime | None = None,
) -> RunEnd:
    """Tally the run; with every account done (and no chunk lost) it is finished. Else the
    lease is released, so the next `trimtab run` resumes it at once."""
    now = now or dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        runs = uow.runs
        run = runs.run(run_id)
        if run is None:
            raise ValueError(f"no run {run_id}")  # the driver started it: a bug
        tally = runs.tally(run_id)
        missing = len(set(runs.population()) - runs.done(run_id))
        failures = tuple(runs.failures(run_id))
        finished = run.state is RunState.FINISHED
        if run.state is RunState.RUNNING and missing == 0 and not lost_chunks:
            runs.finish_run(run_id, tally=tally, finished_at=now, seconds=seconds)
            record(
                uow,
                principal,
                "run.finish",
                targets=[f"run:{run_id}"],
                summary={
                    "as_of": run.as_of,
                    "outcomes": tally.counts,
                    "trades": tally.trades,
                    "estimated_tax": tally.estimated_tax,
                    "seconds": round(seconds, 3),
                },
                at=now,
            )
            finished = True
        elif run.state is RunState.RUNNING:
            runs.release_lease(run_id, holder=here.holder)
        uow.commit()
        run = runs.run(run_id) or run
    return RunEnd(run, finished, tally, missing, failures)


@write_service("run.void")
def void_run(
    new_uow: NewUnitOfWork,
    run_id: str,
    *,
    principal: Principal,
    reason: str,
    here: Here,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Set a run aside: no one's latest run or analysis any more (filters, orders, review).

    A run in progress cannot be voided (stop it first); a voided run stays voided."""
    if problems := _forbidden(principal, "void a nightly run"):
        return problems
    if not reason.strip():
        return [Problem("reason", "say why the run is voided (recorded)")]
    now = now or dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        run = uow.runs.run(run_id)
        if run is None:
            return [Problem("run", f"there is no run {run_id}", ProblemKind.NOT_FOUND)]
        if run.state is RunState.VOIDED:
            message = f"run {run_id} was voided already by {run.voided_by}: {run.void_reason}"
            return [Problem("run", message, ProblemKind.CONFLICT)]
        if lease_is_live(run, now, here):
            return [_in_progress(run, len(uow.runs.done(run_id)))]
        uow.runs.void_run(run_id, by=principal.recorded_as, at=now, reason=reason.strip())
        record(
            uow,
            principal,
            "run.void",
            targets=[f"run:{run_id}"],
            reason=reason.strip(),
            summary={"as_of": run.as_of, "was": run.state},
            at=now,
        )
        uow.commit()
    return []


@dataclass(frozen=True)
class RunSummary:
    """What one `trimtab run` did: the run, its outcomes, what is left and why."""

    run_id: str
    as_of: dt.date
    finished: bool
    resumed: bool
    executor: str
    accounts: int  # the population
    analyzed_now: int  # accounts analyzed by this invocation
    counts: dict[str, int] = field(default_factory=dict)
    trades: int = 0
    estimated_tax: Decimal = Decimal(0)
    seconds: float = 0.0
    failures: tuple[tuple[str, str], ...] = ()  # (account, why), first 50
    missing: int = 0  # accounts still without an outcome
    chunk_errors: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    interrupted: bool = False  # Ctrl-C: stopped cleanly, resumable
    waited_for: str | None = None  # the run `--wait` waited for, when it did the work

    def as_dict(self) -> dict[str, object]:
        return {
            "run": self.run_id,
            "as_of": self.as_of.isoformat(),
            "finished": self.finished,
            "resumed": self.resumed,
            "interrupted": self.interrupted,
            "executor": self.executor,
            "accounts": self.accounts,
            "analyzed_now": self.analyzed_now,
            "outcomes": self.counts,
            "trades": self.trades,
            "estimated_tax": float(self.estimated_tax),
            "seconds": round(self.seconds, 3),
            "failures": [{"account": a, "reason": r} for a, r in self.failures],
            "not_analyzed": self.missing,
            "chunk_errors": list(self.chunk_errors),
            "problems": [p.as_dict() for p in self.problems],
        }


# -- where the runs stand ----------------------------------------------------------------


def run_in_progress(new_uow: NewUnitOfWork, *, here: Here) -> RunRecord | None:
    """The run someone is driving right now, if any."""
    now = dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        return next((r for r in uow.runs.unfinished_runs() if lease_is_live(r, now, here)), None)


def run_end(new_uow: NewUnitOfWork, run_id: str) -> RunEnd | None:
    """Where a run stands, read only: its tally, missing accounts and failures."""
    with new_uow() as uow:
        runs = uow.runs
        run = runs.run(run_id)
        if run is None:
            return None
        missing = len(set(runs.population()) - runs.done(run_id))
        finished = run.state is RunState.FINISHED
        return RunEnd(run, finished, runs.tally(run_id), missing, tuple(runs.failures(run_id)))


@dataclass(frozen=True)
class RunStatus:
    run: RunRecord
    shown: str  # running, interrupted, finished, voided: what the operator should read
    done: int
    tally: Tally
    failures: tuple[tuple[str, str, str], ...]
    not_analyzed: int = 0  # the latest run's accounts without an outcome
    not_analyzed_sample: tuple[str, ...] = ()  # the first 20 of them, by id

    def as_dict(self) -> dict[str, Any]:
        r = self.run
        return {
            "run": r.id,
            "as_of": r.as_of.isoformat(),
            "state": self.shown,
            "started_at": r.started_at.isoformat(),
            "started_by": r.actor,
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "attempts": r.attempts,
            "executor": r.executor,
            "accounts": r.accounts,
            "done": self.done,
            "holder": r.holder if self.shown == "running" else None,
            "heartbeat_at": r.heartbeat_at.isoformat() if r.heartbeat_at else None,
            "forced_reason": r.forced_reason,
            "voided_by": r.voided_by,
            "void_reason": r.void_reason,
            "outcomes": self.tally.counts,
            "trades": self.tally.trades,
            "estimated_tax": float(self.tally.estimated_tax),
            "seconds": r.seconds,
            "failures": [{"account": a, "status": s, "reason": w} for a, s, w in self.failures],
            "not_analyzed": self.not_analyzed,
            "not_analyzed_sample": list(self.not_analyzed_sample),
        }


def shown_state(run: RunRecord, now: dt.datetime, here: Here) -> str:
    """A finished run is never "running"; a running run nobody drives is "interrupted"."""
    if run.state is RunState.RUNNING:
        return "running" if lease_is_live(run, now, here) else "interrupted"
    return run.state.value


def run_status(
    new_uow: NewUnitOfWork, *, here: Here, limit: int = 5, now: dt.datetime | None = None
) -> list[RunStatus]:
    """The latest runs, newest first (voided ones too), each as the operator should read it.

    A finished run's tally was written when it finished and is read from the run; only
    an unfinished one is counted from its outcomes, and only the latest run, if it is
    unfinished, is compared with the population, in SQL: at 100,000 accounts reading the
    ids of every account and every outcome cost the runs page and admin dashboard 400 ms.
    """
    now = now or dt.datetime.now(dt.UTC)
    out = []
    sample: list[str]
    with new_uow() as uow:
        runs = uow.runs
        for i, run in enumerate(runs.runs(limit=limit, include_voided=True)):
            if run.finished_at is not None and run.counts:
                tally = Tally(dict(run.counts), run.trades, run.estimated_tax)
            else:
                tally = runs.tally(run.id)
            missing, sample = 0, []
            if i == 0 and run.state is RunState.RUNNING:  # a finished run analyzed them all
                missing, sample = runs.not_analyzed(run.id, limit=20)
            out.append(
                RunStatus(
                    run,
                    shown_state(run, now, here),
                    tally.accounts,
                    tally,
                    tuple(runs.failures(run.id, 20)),
                    missing,
                    tuple(sample),
                )
            )
    return out
