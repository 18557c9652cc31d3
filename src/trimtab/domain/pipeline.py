"""The daily pipeline: its stages, their states, and what happens after each attempt.

Problem: every business day the firm's files must be loaded and checked, corporate
actions applied, every account analyzed, the block orders exported and the desk's fills
booked, with nobody at a keyboard. A file that is not there yet is worth waiting for; a
database that hiccups is worth a second try; a file with bad data is not (retrying reads
the same bad data). A stage that fails must stop what depends on it — analyzing yesterday's
lots is worse than not analyzing — and nothing else. And the process running it may be
killed at any moment.

Rule: a `PipelinePlan` is a list of `StageSpec`s, each naming the stages it `needs`
(earlier in the list), the local time it may start (`not_before`), the time it stops
waiting (`cutoff`), how many attempts a transient error gets and the back-off between
them. Each (day, stage) has one `StageStatus`; its state is one of

    waiting --claim--> running --Done--> done
                         |  \\--NotYet (before cutoff)--> waiting (again at now + poll)
                         |  \\--NotYet (at/after cutoff)--> failed
                         |  \\--Transient (attempts left)--> waiting (again after back-off)
                         |  \\--Transient (no attempts left) or Failed--> failed
    waiting | failed --Skip(reason)--> skipped        (a person: "go on without it")
    done | failed | skipped --RunNow--> waiting (due at once)

This module decides, it does nothing: `due_stages` says which stages to run now (events in:
the statuses and the clock; instructions out: `RunStage`), `after_attempt` gives the status
an attempt leaves and the alerts to raise or resolve (`RaiseAlert`, `ResolveAlert`). A
stage is due when it is waiting, its time has come, its next attempt is not in the future,
and every stage it needs is done or skipped. A stage whose need failed stays waiting and
says so (`blocked_by`): once the failed stage is re-run and done, it goes on by itself.
A running stage whose holder died (the scheduler was killed) is due again: each stage's
work is idempotent, so finishing it a second time adds nothing (`claimable`).

Worked example: the `files` stage of Monday waits until 09:00 for Northbank's lots; at
08:00 they are not there (`NotYet`): it waits, to be tried again at 08:05. At 09:00 they
still are not: it fails, an alert `stage.failed:files:2025-06-30` is raised, `analysis`
(which needs `files`) stays waiting "blocked by files (failed)". A person skips `files`
with a reason: `analysis` is due at once.

    >>> import datetime as dt
    >>> plan = PipelinePlan.standard()
    >>> day = dt.date(2025, 6, 30)
    >>> at = dt.datetime(2025, 6, 30, 6, 0, tzinfo=dt.UTC)
    >>> statuses = {s.name: StageStatus(day, s.name) for s in plan.stages}
    >>> [i.stage for i in due_stages(plan, statuses, now=at, tz=dt.UTC)]
    ['files']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from trimtab.domain.alerts import Alert, Severity, cause_key

__all__ = [
    "STANDARD_NEEDS",
    "STANDARD_STAGES",
    "Done",
    "Failed",
    "NotYet",
    "Outcome",
    "PipelinePlan",
    "RaiseAlert",
    "ResolveAlert",
    "RunNow",
    "RunStage",
    "Skip",
    "StageSpec",
    "StageState",
    "StageStatus",
    "Transient",
    "after_attempt",
    "after_request",
    "backoff",
    "blocked_by",
    "claimable",
    "due_stages",
    "stage_failed_cause",
]

STANDARD_STAGES = (
    "files",
    "corporate_actions",
    "synchronization",
    "analysis",
    "export",
    "reports",
    "fills",
)
# What each standard stage needs. `reports` (the night's counterfactuals and health checks)
# needs the analysis and nothing needs it: a report that fails must not keep the orders
# from the desk. It comes after `export` in the plan, so on the tick the analysis ends the
# orders go out first and the reports (a second solve of each taxable account) after.
STANDARD_NEEDS: Mapping[str, tuple[str, ...]] = {
    "files": (),
    "corporate_actions": ("files",),
    "synchronization": ("corporate_actions",),
    "analysis": ("synchronization",),
    "export": ("analysis",),
    "reports": ("analysis",),
    "fills": ("export",),
}


class StageState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def settled(self) -> bool:
        """Done or skipped: what depends on the stage may go on."""
        return self in (StageState.DONE, StageState.SKIPPED)


@dataclass(frozen=True, slots=True)
class StageSpec:
    """One stage of the plan: what it needs, when it may start, how long it waits."""

    name: str
    needs: tuple[str, ...] = ()
    not_before: dt.time = dt.time(0, 0)  # local time on the day
    cutoff: dt.time | None = None  # stop waiting (NotYet) at this local time
    poll: dt.timedelta = dt.timedelta(minutes=5)  # again after NotYet
    attempts: int = 3  # transient errors: tries in all
    backoff: dt.timedelta = dt.timedelta(seconds=30)  # first wait; doubles each time

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"stage {self.name}: attempts must be at least 1")
        if self.cutoff is not None and self.cutoff < self.not_before:
            raise ValueError(f"stage {self.name}: its cutoff is before its start")


@dataclass(frozen=True, slots=True)
class PipelinePlan:
    """The stages in order; each stage needs only stages before it (so no cycle)."""

    stages: tuple[StageSpec, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for spec in self.stages:
            if spec.name in seen:
                raise ValueError(f"stage {spec.name} is declared twice")
            unknown = [n for n in spec.needs if n not in seen]
            if unknown:
                raise ValueError(
                    f"stage {spec.name} needs {', '.join(unknown)}: a stage may need only "
                    "stages declared before it"
                )
            seen.add(spec.name)

    @classmethod
    def standard(cls, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> PipelinePlan:
        """The daily pipeline (`STANDARD_NEEDS` says what each stage needs). `overrides`
        sets a stage's fields by name (`{"analysis": {"not_before": dt.time(18)}}`)."""
        specs: list[StageSpec] = []
        for name in STANDARD_STAGES:
            spec = StageSpec(name, needs=STANDARD_NEEDS[name])
            specs.append(replace(spec, **dict((overrides or {}).get(name, {}))))
        return cls(tuple(specs))

    def spec(self, name: str) -> StageSpec:
        for spec in self.stages:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def dependents(self, name: str) -> tuple[str, ...]:
        """Every stage that needs `name`, directly or through others."""
        found: list[str] = []
        for spec in self.stages:
            if name in spec.needs or any(n in found for n in spec.needs):
                found.append(spec.name)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class StageStatus:
    """Where one stage of one day stands. `version` grows with every change, so a claim
    or an update made on a stale reading is refused (compare-and-set)."""

    day: dt.date
    stage: str
    state: StageState = StageState.WAITING
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    reason: str = ""  # why it waits, failed or was skipped; what it did when done
    holder: str | None = None  # host:pid of the process running it
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    version: int = 0


# -- outcomes of an attempt (events in) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Done:
    detail: str = ""
    warnings: tuple[Alert, ...] = ()  # done, but someone should know (a held source)


@dataclass(frozen=True, slots=True)
class NotYet:
    """What the stage waits for is not there yet (a file before its cut-off)."""

    detail: str
    alerts: tuple[Alert, ...] = ()


@dataclass(frozen=True, slots=True)
class Transient:
    """An error a retry can help with (the database was unreachable, a lock timed out)."""

    error: str


@dataclass(frozen=True, slots=True)
class Failed:
    """An error a retry cannot help with (bad data, a refused run): a person must act."""

    reason: str
    alerts: tuple[Alert, ...] = ()


Outcome = Done | NotYet | Transient | Failed


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str


@dataclass(frozen=True, slots=True)
class RunNow:
    pass


# -- instructions out ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunStage:
    stage: str


@dataclass(frozen=True, slots=True)
class RaiseAlert:
    alert: Alert


@dataclass(frozen=True, slots=True)
class ResolveAlert:
    cause: str


Instruction = RunStage | RaiseAlert | ResolveAlert


def stage_failed_cause(stage: str, day: dt.date) -> str:
    return cause_key("stage.failed", stage, day)


def backoff(spec: StageSpec, attempts: int) -> dt.timedelta:
    """The wait before attempt `attempts + 1`: the spec's back-off doubled per attempt
    made, capped at 30 minutes (a database down for hours is retried, not hammered).

    >>> [backoff(StageSpec("x"), n).seconds for n in (1, 2, 3, 10)]
    [30, 60, 120, 1800]
    """
    wait: dt.timedelta = spec.backoff * 2 ** max(attempts - 1, 0)
    return min(wait, dt.timedelta(minutes=30))


def _local(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=tz)


def blocked_by(
    plan: PipelinePlan, statuses: Mapping[str, StageStatus], stage: str
) -> tuple[str, ...]:
    """The stages `stage` needs that failed (directly or through a need of theirs)."""
    failed: list[str] = []
    for need in plan.spec(stage).needs:
        status = statuses.get(need)
        if status is not None and status.state is StageState.FAILED:
            failed.append(need)
        elif status is not None and status.state is not StageState.DONE:
            failed.extend(n for n in blocked_by(plan, statuses, need) if n not in failed)
    return tuple(failed)


def claimable(status: StageStatus, *, holder_alive: bool) -> bool:
    """Whether a process may claim the stage now: it waits, or it was running in a
    process that is gone (killed mid-stage: its work is finished by the next claim)."""
    if status.state is StageState.WAITING:
        return True
    return status.state is StageState.RUNNING and not holder_alive


def due_stages(
    plan: PipelinePlan,
    statuses: Mapping[str, StageStatus],
    *,
    now: dt.datetime,
    tz: dt.tzinfo,
    dead_holders: frozenset[str] = frozenset(),
) -> list[RunStage]:
    """The stages to run now, in plan order (see the module doc)."""
    due: list[RunStage] = []
    for spec in plan.stages:
        status = statuses.get(spec.name)
        if status is None:
            continue
        alive = status.holder is not None and status.holder not in dead_holders
        if not claimable(status, holder_alive=alive):
            continue
        if now < _local(status.day, spec.not_before, tz):
            continue
        if status.next_attempt_at is not None and now < status.next_attempt_at:
            continue
        needs = [statuses.get(n) for n in spec.needs]
        if all(s is not None and s.state.settled for s in needs):
            due.append(RunStage(spec.name))
    return due


def after_attempt(
    spec: StageSpec,
    status: StageStatus,
    outcome: Outcome,
    *,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> tuple[StageStatus, list[Instruction]]:
    """The status a running stage's attempt leaves, and the alerts to raise or resolve."""
    failed_cause = stage_failed_cause(status.stage, status.day)
    base = replace(status, holder=None, version=status.version + 1)
    match outcome:
        case Done(detail, warnings):
            done = replace(
                base, state=StageState.DONE, reason=detail, finished_at=now, next_attempt_at=None
            )
            return done, [ResolveAlert(failed_cause), *(RaiseAlert(a) for a in warnings)]
        case NotYet(detail, alerts):
            raised: list[Instruction] = [RaiseAlert(a) for a in alerts]
            cutoff = None if spec.cutoff is None else _local(status.day, spec.cutoff, tz)
            if cutoff is not None and now >= cutoff:
                reason = f"still waiting at the {spec.cutoff:%H:%M} cut-off: {detail}"
                return _failed(base, reason, now), [*raised, _failure_alert(status, reason)]
            waiting = replace(
                base, state=StageState.WAITING, reason=detail, next_attempt_at=now + spec.poll
            )
            return waiting, raised
        case Transient(error):
            if status.attempts < spec.attempts:
                wait = backoff(spec, status.attempts)
                reason = f"attempt {status.attempts} of {spec.attempts} failed ({error}); retrying"
                retry = replace(
                    base, state=StageState.WAITING, reason=reason, next_attempt_at=now + wait
                )
                return retry, []
            reason = f"failed {status.attempts} times: {error}"
            return _failed(base, reason, now), [_failure_alert(status, reason)]
        case Failed(reason, alerts):
            return _failed(base, reason, now), [
                *(RaiseAlert(a) for a in alerts),
                _failure_alert(status, reason),
            ]
    raise TypeError(f"not an outcome: {outcome!r}")  # pragma: no cover


def after_request(
    status: StageStatus, request: Skip | RunNow, *, now: dt.datetime
) -> tuple[StageStatus | None, str]:
    """A person's request on a stage: the new status, or None and why it is refused.

    A running stage is neither skipped nor re-run (wait for its attempt to end); a done
    stage is not skipped (it ran); re-running waits for nothing: it is due at once,
    with its attempts counted afresh.
    """
    if status.state is StageState.RUNNING:
        return None, f"{status.stage} is running now; wait for it to end"
    bumped = replace(status, version=status.version + 1, holder=None)
    if isinstance(request, Skip):
        if status.state in (StageState.DONE, StageState.SKIPPED):
            return None, f"{status.stage} is already {status.state.value}"
        text = request.reason.strip()
        if not text:
            return None, "say why the stage is skipped (--reason)"
        return replace(
            bumped, state=StageState.SKIPPED, reason=f"skipped: {text}", finished_at=now
        ), ""
    if status.state is StageState.WAITING and status.next_attempt_at is None:
        return None, f"{status.stage} is already waiting to run"
    return replace(
        bumped,
        state=StageState.WAITING,
        attempts=0,
        next_attempt_at=None,
        reason="re-run requested",
        finished_at=None,
    ), ""


def _failed(status: StageStatus, reason: str, now: dt.datetime) -> StageStatus:
    return replace(
        status, state=StageState.FAILED, reason=reason, finished_at=now, next_attempt_at=None
    )


def _failure_alert(status: StageStatus, reason: str) -> RaiseAlert:
    one_line = " ".join(reason.split())[:300]
    return RaiseAlert(
        Alert(
            stage_failed_cause(status.stage, status.day),
            Severity.CRITICAL,
            f"pipeline stage {status.stage} of {status.day} failed: {one_line}",
            f"fix the cause, then `trimtab pipeline run-now {status.stage} --day {status.day}` "
            f"(or `trimtab pipeline skip {status.stage} --day {status.day} --reason TEXT`)",
        )
    )
