"""Scenarios of the pipeline's stage states: what runs when, what an attempt leaves.

Pure: the statuses and the clock in, the stages to run and the alerts out
(`trimtab.domain.pipeline`). A stage waits for its start and its needs, retries what a
retry can help with, gives up at its cut-off, and a failure stops only what needs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from trimtab.domain.pipeline import (
    Done,
    Failed,
    NotYet,
    PipelinePlan,
    RaiseAlert,
    ResolveAlert,
    RunNow,
    Skip,
    StageSpec,
    StageState,
    StageStatus,
    Transient,
    after_attempt,
    after_request,
    blocked_by,
    due_stages,
)

DAY = dt.date(2025, 6, 30)
UTC = dt.UTC
# files → checks → analysis, and a side branch `report` needing only files
PLAN = PipelinePlan(
    (
        StageSpec("files", cutoff=dt.time(9), poll=dt.timedelta(minutes=5)),
        StageSpec("checks", needs=("files",)),
        StageSpec("analysis", needs=("checks",), not_before=dt.time(10), attempts=3),
        StageSpec("report", needs=("files",)),
    )
)


def at(hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hh, mm), tzinfo=UTC)


def fresh() -> dict[str, StageStatus]:
    return {s.name: StageStatus(DAY, s.name) for s in PLAN.stages}


def due(statuses: dict[str, StageStatus], now: dt.datetime, **kw: object) -> list[str]:
    return [r.stage for r in due_stages(PLAN, statuses, now=now, tz=UTC, **kw)]  # type: ignore[arg-type]


def running(status: StageStatus, now: dt.datetime) -> StageStatus:
    return replace(
        status, state=StageState.RUNNING, attempts=status.attempts + 1, holder="h:1", started_at=now
    )


def test_a_stage_runs_when_its_needs_are_done_and_its_start_has_come() -> None:
    s = fresh()
    assert due(s, at(6)) == ["files"]
    s["files"] = replace(s["files"], state=StageState.DONE)
    assert due(s, at(6)) == ["checks", "report"]
    s["checks"] = replace(s["checks"], state=StageState.DONE)
    assert due(s, at(9, 59)) == ["report"]  # analysis not before 10:00
    assert due(s, at(10)) == ["analysis", "report"]


def test_waiting_for_a_file_polls_until_the_cutoff_then_fails_with_an_alert() -> None:
    spec = PLAN.spec("files")
    status, instructions = after_attempt(
        spec, running(fresh()["files"], at(7)), NotYet("lots missing"), now=at(7), tz=UTC
    )
    assert (status.state, status.next_attempt_at, instructions) == (
        StageState.WAITING,
        at(7, 5),
        [],
    )
    assert due({**fresh(), "files": status}, at(7, 1)) == []
    assert due({**fresh(), "files": status}, at(7, 5)) == ["files"]

    status, instructions = after_attempt(
        spec, running(status, at(9)), NotYet("lots missing"), now=at(9), tz=UTC
    )
    assert status.state is StageState.FAILED
    assert "cut-off" in status.reason
    (alert,) = [i.alert for i in instructions if isinstance(i, RaiseAlert)]
    assert alert.cause == "stage.failed:files:2025-06-30"


def test_a_transient_error_is_retried_with_backoff_then_fails() -> None:
    spec = PLAN.spec("analysis")
    status = fresh()["analysis"]
    waits = []
    for n in range(1, 3):
        status, instructions = after_attempt(
            spec, running(status, at(10)), Transient("database unavailable"), now=at(10), tz=UTC
        )
        assert status.state is StageState.WAITING
        assert instructions == []
        assert status.next_attempt_at is not None
        waits.append(status.next_attempt_at - at(10))
        assert status.attempts == n
    assert waits == [dt.timedelta(seconds=30), dt.timedelta(seconds=60)]
    status, instructions = after_attempt(
        spec, running(status, at(10)), Transient("database unavailable"), now=at(10), tz=UTC
    )
    assert status.state is StageState.FAILED
    assert any(isinstance(i, RaiseAlert) for i in instructions)


def test_bad_data_fails_at_once_and_stops_only_what_depends_on_it() -> None:
    s = fresh()
    s["files"] = replace(s["files"], state=StageState.DONE)
    s["checks"], _instructions = after_attempt(
        PLAN.spec("checks"), running(s["checks"], at(8)), Failed("bad file"), now=at(8), tz=UTC
    )
    assert s["checks"].state is StageState.FAILED
    assert s["checks"].attempts == 1
    assert due(s, at(11)) == ["report"]  # the side branch goes on
    assert blocked_by(PLAN, s, "analysis") == ("checks",)
    assert blocked_by(PLAN, s, "report") == ()


def test_done_resolves_the_stage_alert() -> None:
    status, instructions = after_attempt(
        PLAN.spec("files"), running(fresh()["files"], at(8)), Done("ok"), now=at(8), tz=UTC
    )
    assert status.state is StageState.DONE
    assert status.holder is None
    assert instructions == [ResolveAlert("stage.failed:files:2025-06-30")]


def test_a_person_skips_a_failed_stage_and_what_needs_it_goes_on() -> None:
    s = fresh()
    s["files"] = replace(s["files"], state=StageState.FAILED)
    assert due(s, at(11)) == []
    skipped, why = after_request(s["files"], Skip("custodian down, run on yesterday's"), now=at(9))
    assert skipped is not None
    assert why == ""
    assert skipped.state is StageState.SKIPPED
    assert "custodian down" in skipped.reason
    s["files"] = skipped
    assert due(s, at(11)) == ["checks", "report"]
    refused, why = after_request(s["checks"], Skip("  "), now=at(9))
    assert refused is None
    assert "why" in why


def test_run_now_makes_a_failed_or_done_stage_due_at_once_with_fresh_attempts() -> None:
    failed = replace(fresh()["files"], state=StageState.FAILED, attempts=3)
    again, _ = after_request(failed, RunNow(), now=at(9))
    assert again is not None
    assert (again.state, again.attempts, again.next_attempt_at) == (StageState.WAITING, 0, None)
    refused, why = after_request(running(failed, at(9)), RunNow(), now=at(9))
    assert refused is None
    assert "running" in why


def test_a_stage_left_running_by_a_dead_process_is_due_again() -> None:
    s = fresh()
    s["files"] = running(s["files"], at(6))
    assert due(s, at(6, 1)) == []  # its holder is alive: not ours to take
    assert due(s, at(6, 1), dead_holders=frozenset({"h:1"})) == ["files"]


def test_a_stage_may_need_only_stages_declared_before_it() -> None:
    with pytest.raises(ValueError, match="before it"):
        PipelinePlan((StageSpec("a", needs=("b",)), StageSpec("b")))


@pytest.mark.parametrize("name", ["trimtab.domain.pipeline", "trimtab.domain.executions"])
def test_the_worked_examples_in_the_docstrings_hold(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
