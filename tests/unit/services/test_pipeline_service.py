"""Scenarios: the pipeline's use cases on in-memory ports — claiming a due stage, a person
skipping one and running one again — each on the record, none twice.

The stages' work here is a plain function standing in for the real one (it returns an
outcome, or raises); the state, the compare-and-set claims, the alerts and the audit
trail are the services' own, over `tests.fakes.pipeline`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fakes.pipeline import FakePipelineUnitOfWork
from trimtab.domain.pipeline import Done, Outcome, StageState, StageStatus, stage_failed_cause
from trimtab.domain.principal import SCHEDULER, Principal, Role
from trimtab.domain.problems import ProblemKind
from trimtab.services.nightly_run import Here
from trimtab.services.pipeline import (
    PipelineConfig,
    StageRun,
    StageRunner,
    due,
    pipeline_status,
    rerun_stage,
    run_stage,
    skip_stage,
)

DAY = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 14, 0, tzinfo=dt.UTC)  # 10:00 in New York
CONFIG = PipelineConfig()
HERE = Here("ops-1", 4711, pid_alive=lambda pid: True)
ALICE = Principal.cli("alice")
ADVISOR = Principal("user:bob", "Bob", frozenset({Role.ADVISOR}))


def _firm() -> FakePipelineUnitOfWork:
    """A firm whose day is open: every stage waiting (what the scheduler's look does)."""
    firm = FakePipelineUnitOfWork()
    firm.pipeline.open_day(DAY, CONFIG.plan.names)
    return firm


def _clock() -> dt.datetime:
    return NOW


def _run(firm: FakePipelineUnitOfWork, stage: str, work: StageRunner) -> StageStatus | None:
    return run_stage(firm.new_uow, CONFIG, DAY, stage, work, here=HERE, clock=_clock)


def _state(firm: FakePipelineUnitOfWork, stage: str) -> StageState:
    return next(s for s in firm.pipeline.statuses(DAY) if s.stage == stage).state


def _done(run: StageRun) -> Outcome:
    return Done(f"{run.stage} attempt {run.attempt}")


def test_a_due_stage_is_claimed_run_once_and_its_outcome_recorded() -> None:
    firm = FakePipelineUnitOfWork()  # the day is opened by the first look
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["files"]

    status = _run(firm, "files", _done)

    assert status is not None
    assert (_state(firm, "files"), firm.pipeline.rows[DAY, "files"].reason) == (
        StageState.DONE,
        "files attempt 1",
    )
    # The claim is the process's bookkeeping; the outcome is the one record, by the scheduler.
    assert [(e.action, e.principal) for e in firm.audit.appended] == [
        ("pipeline.record", SCHEDULER.recorded_as)
    ]
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["corporate_actions"]


def test_a_stage_left_running_by_a_killed_scheduler_is_claimed_again_and_finished() -> None:
    firm = _firm()

    def killed(run: StageRun) -> Outcome:
        raise SystemExit  # kill -9 mid-stage: the row stays running, held by the dead

    with pytest.raises(SystemExit):
        _run(firm, "files", killed)
    left = firm.pipeline.rows[DAY, "files"]
    assert (left.state, left.holder, left.attempts) == (StageState.RUNNING, HERE.holder, 1)
    assert firm.audit.appended == [], "nothing recorded: the attempt never ended"

    # The restarted scheduler (the one lease holder) finds it due and finishes it.
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["files"]
    status = _run(firm, "files", _done)

    assert status is not None
    assert (status.state, status.attempts, status.holder) == (StageState.DONE, 2, None)
    assert [e.action for e in firm.audit.appended] == ["pipeline.record"]
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["corporate_actions"]


def test_a_failed_stage_blocks_what_needs_it_until_a_person_skips_it() -> None:
    firm = _firm()

    def broken(run: StageRun) -> Outcome:
        raise ValueError("the mappings folder is empty")

    _run(firm, "files", broken)

    assert _state(firm, "files") is StageState.FAILED
    assert stage_failed_cause("files", DAY) in firm.alerts.open_causes()
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == []
    views = {v.status.stage: v for v in pipeline_status(firm.new_uow, CONFIG, DAY)}
    assert views["corporate_actions"].shown_state == "waiting (blocked: files failed)"

    refused, problems = skip_stage(
        firm.new_uow, CONFIG, DAY, "files", reason="no", principal=ADVISOR, now=NOW
    )
    assert refused is None
    assert [p.kind for p in problems] == [ProblemKind.FORBIDDEN]

    skipped, problems = skip_stage(
        firm.new_uow, CONFIG, DAY, "files", reason="custodian down", principal=ALICE, now=NOW
    )

    assert problems == []
    assert skipped is not None
    assert (skipped.state, skipped.reason) == (StageState.SKIPPED, "skipped: custodian down")
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["corporate_actions"]
    last = firm.audit.appended[-1]
    assert (last.action, last.principal, last.reason) == (
        "pipeline.skip",
        ALICE.recorded_as,
        "custodian down",
    )
    assert last.targets == (f"pipeline:{DAY}:files",)


def test_a_stage_run_again_is_due_at_once_and_done_resolves_its_alert() -> None:
    firm = _firm()
    outcomes: list[Outcome | Exception] = [ValueError("bad lots file"), Done("loaded")]

    def work(run: StageRun) -> Outcome:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    _run(firm, "files", work)
    assert _state(firm, "files") is StageState.FAILED

    again, problems = rerun_stage(firm.new_uow, CONFIG, DAY, "files", principal=ALICE, now=NOW)

    assert problems == []
    assert again is not None
    assert (again.state, again.attempts) == (StageState.WAITING, 0)
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["files"]
    _run(firm, "files", work)
    assert _state(firm, "files") is StageState.DONE
    assert stage_failed_cause("files", DAY) not in firm.alerts.open_causes()
    assert [e.action for e in firm.audit.appended] == [
        "pipeline.record",
        "alerts.raise",
        "pipeline.run_now",
        "pipeline.record",
        "alerts.resolve",
    ]
    # Already waiting to run: asking again changes nothing and says so.
    _, problems = rerun_stage(
        firm.new_uow, CONFIG, DAY, "corporate_actions", principal=ALICE, now=NOW
    )
    assert [p.kind for p in problems] == [ProblemKind.CONFLICT]


def test_reports_failing_stops_nothing_but_itself() -> None:
    firm = _firm()
    for stage in ("files", "corporate_actions", "synchronization", "analysis"):
        _run(firm, stage, _done)

    def broken(run: StageRun) -> Outcome:
        raise RuntimeError("the records of the run are missing")

    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["export", "reports"]
    _run(firm, "reports", broken)
    _run(firm, "export", _done)

    assert _state(firm, "reports") is StageState.FAILED
    assert stage_failed_cause("reports", DAY) in firm.alerts.open_causes()
    # The fills need the export, not the reports: they go on.
    assert due(firm.new_uow, CONFIG, DAY, now=NOW) == ["fills"]
