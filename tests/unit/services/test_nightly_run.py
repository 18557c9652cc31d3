"""Scenarios of the nightly run's bookkeeping, on the in-memory fakes (no database):
start, one run at a time, resume after a crash or a lost chunk, chunk writes that never
repeat an account, finish, void, and the days a run may not be dated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.builders import OPS, user
from tests.fakes.nightly import NightlyStore
from trimtab.domain.principal import NIGHTLY, Role
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.routing import Outcome, Routing
from trimtab.services.nightly_analysis import AccountAnalysis
from trimtab.services.nightly_run import (
    STALE_AFTER,
    Chunk,
    Here,
    RunRequest,
    RunStart,
    finish_run,
    run_status,
    start_run,
    void_run,
    write_chunk,
)
from trimtab.services.run_ports import RunState

MONDAY = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
ACCOUNTS = ["A-1", "A-2", "A-3", "A-4"]
LIVE = {101, 102}  # the pids running on this host


def here(pid: int) -> Here:
    return Here("ops-1", pid, pid_alive=lambda p: p in LIVE)


def analysis(account: str, outcome: Outcome = Outcome.NO_TRADE, trades: int = 0) -> AccountAnalysis:
    return AccountAnalysis(
        account,
        "optimal",
        Decimal(1000),
        None,
        None,
        Decimal("12.50"),
        None,
        (),
        False,
        tuple({"security": "VTI"} for _ in range(trades)),
        Routing(outcome, "no_trades" if outcome is Outcome.NO_TRADE else "large"),
    )


def start(
    store: NightlyStore, pid: int = 101, *, at: dt.datetime = NOW, **request: object
) -> tuple[RunStart | None, list[Problem]]:
    asked = RunRequest(**{"as_of": MONDAY, **request})  # type: ignore[arg-type]
    return start_run(store.unit_of_work, asked, principal=OPS, here=here(pid), today=MONDAY, now=at)


def chunk(run_id: str, *accounts: str, number: int = 0) -> Chunk:
    return Chunk(run_id, MONDAY, number, accounts)


@pytest.fixture
def store() -> NightlyStore:
    return NightlyStore.with_population(ACCOUNTS)


def test_a_new_run_is_started_for_everyone_held_by_its_process_and_recorded(
    store: NightlyStore,
) -> None:
    started, problems = start(store)
    assert problems == []
    assert started is not None
    assert (started.run.id, started.resumed, started.todo) == (
        "2025-06-30.1",
        False,
        tuple(ACCOUNTS),
    )
    run = store.runs.run("2025-06-30.1")
    assert run is not None
    assert (run.state, run.holder, run.actor) == (RunState.RUNNING, "ops-1:101", "cli:ops")
    (entry,) = store.audit.appended
    assert (entry.action, entry.principal, entry.targets) == (
        "run.start",
        "cli:ops",
        ("run:2025-06-30.1",),
    )
    assert store.runs.locked == 1  # starts are serialized before anything is read


def test_a_second_run_while_one_is_in_progress_is_refused_naming_it(store: NightlyStore) -> None:
    first, _ = start(store, 101)
    assert first is not None
    write_chunk(
        store.unit_of_work,
        chunk(first.run.id, "A-1"),
        [analysis("A-1")],
        principal=NIGHTLY.acting_for(OPS),
        now=NOW,
    )

    second, problems = start(store, 102, at=NOW + dt.timedelta(seconds=5))
    assert second is None
    (problem,) = problems
    assert problem.kind is ProblemKind.CONFLICT
    assert problem.kind.exit_code == 4
    for part in ("2025-06-30.1", "cli:ops", "2025-06-30 22:00", "1 of 4", "ops-1:101"):
        assert part in problem.message
    assert len(store.runs.all) == 1
    assert store.audit.actions() == ["run.start", "run.chunk"]  # the refusal wrote nothing


def test_a_crashed_run_does_not_block_the_next_start_resumes_it(store: NightlyStore) -> None:
    first, _ = start(store, 999)  # pid 999 is not running any more: kill -9
    assert first is not None
    write_chunk(
        store.unit_of_work,
        chunk(first.run.id, "A-1", "A-2"),
        [analysis("A-1"), analysis("A-2")],
        principal=NIGHTLY.acting_for(OPS),
        now=NOW,
    )

    again, problems = start(store, 101, at=NOW + dt.timedelta(seconds=1))
    assert problems == []
    assert again is not None
    assert (again.run.id, again.resumed, again.todo) == ("2025-06-30.1", True, ("A-3", "A-4"))
    run = store.runs.run("2025-06-30.1")
    assert run is not None
    assert (run.attempts, run.holder) == (2, "ops-1:101")
    assert store.audit.actions()[-1] == "run.resume"


def test_a_run_silent_past_the_stale_limit_is_resumed_from_another_host(
    store: NightlyStore,
) -> None:
    elsewhere = Here("ops-2", 7, pid_alive=lambda p: True)
    first, _ = start_run(
        store.unit_of_work, RunRequest(MONDAY), principal=OPS, here=elsewhere, today=MONDAY, now=NOW
    )
    assert first is not None
    soon, problems = start(store, 101, at=NOW + STALE_AFTER / 2)
    assert soon is None
    assert problems[0].kind is ProblemKind.CONFLICT
    late, problems = start(store, 101, at=NOW + STALE_AFTER + dt.timedelta(seconds=1))
    assert problems == []
    assert late is not None
    assert late.resumed


def test_after_a_lost_chunk_the_run_stays_unfinished_and_resumes_with_what_is_left(
    store: NightlyStore,
) -> None:
    first, _ = start(store, 101)
    assert first is not None
    run_id = first.run.id
    write_chunk(
        store.unit_of_work,
        chunk(run_id, "A-1", "A-2"),
        [analysis("A-1"), analysis("A-2")],
        principal=NIGHTLY.acting_for(OPS),
        now=NOW,
    )
    # the chunk of was lost (its worker died)
    end = finish_run(
        store.unit_of_work,
        run_id,
        principal=OPS,
        here=here(101),
        seconds=3.0,
        lost_chunks=1,
        now=NOW,
    )
    assert (end.finished, end.missing) == (False, 2)
    run = store.runs.run(run_id)
    assert run is not None
    assert (run.state, run.holder) == (RunState.RUNNING, None)
    assert "run.finish" not in store.audit.actions()

    again, problems = start(store, 102, at=NOW + dt.timedelta(seconds=1))  # at once: released
    assert problems == []
    assert again is not None
    assert again.todo == ("A-3", "A-4")


def test_a_chunk_written_twice_keeps_the_first_and_writes_only_the_rest(
    store: NightlyStore,
) -> None:
    first, _ = start(store)
    assert first is not None
    run_id = first.run.id
    nightly = NIGHTLY.acting_for(OPS)
    assert (
        write_chunk(
            store.unit_of_work,
            chunk(run_id, "A-1", "A-2"),
            [analysis("A-1"), analysis("A-2")],
            principal=nightly,
            now=NOW,
        )
        == set()
    )
    skipped = write_chunk(
        store.unit_of_work,
        chunk(run_id, "A-2", "A-3", number=1),
        [analysis("A-2", Outcome.REVIEW, 2), analysis("A-3", Outcome.REVIEW, 2)],
        principal=nightly,
        now=NOW,
    )
    assert skipped == {"A-2"}
    assert store.runs.outcomes(run_id)["A-2"][0] == "no_trade"  # the first write's, kept
    assert store.runs.outcomes(run_id)["A-3"][0] == "review"
    chunks = [e for e in store.audit.appended if e.action == "run.chunk"]
    assert [e.targets for e in chunks] == [
        ("A-1", "A-2", f"run:{run_id}"),
        ("A-3", f"run:{run_id}"),
    ]
    assert {(e.principal, e.on_behalf_of) for e in chunks} == {("system:nightly", "cli:ops")}
    assert chunks[1].summary["outcomes"] == {"review": 1}


def test_finishing_tallies_every_outcome_and_releases_the_run(store: NightlyStore) -> None:
    first, _ = start(store)
    assert first is not None
    run_id = first.run.id
    write_chunk(
        store.unit_of_work,
        chunk(run_id, *ACCOUNTS),
        [
            analysis("A-1"),
            analysis("A-2", Outcome.REVIEW, 3),
            analysis("A-3", Outcome.AUTO_TRADE, 1),
            analysis("A-4"),
        ],
        principal=NIGHTLY.acting_for(OPS),
        now=NOW,
    )
    end = finish_run(
        store.unit_of_work, run_id, principal=OPS, here=here(101), seconds=4.5, now=NOW
    )
    assert end.finished
    assert end.missing == 0
    assert end.tally.counts == {"no_trade": 2, "review": 1, "auto_trade": 1}
    assert (end.tally.trades, end.tally.estimated_tax) == (4, Decimal("50.00"))
    assert (end.run.state, end.run.holder) == (RunState.FINISHED, None)
    assert store.audit.actions()[-1] == "run.finish"
    assert store.audit.appended[-1].summary["outcomes"] == end.tally.counts
    # a finished run is never shown running, whatever its process does next
    (status,) = run_status(store.unit_of_work, here=here(101), now=NOW)
    assert status.shown == "finished"
    assert (status.done, status.tally, status.not_analyzed) == (4, end.tally, 0)
    # and the next start of the same day is a new run, not a resume
    second, _ = start(store, 101, at=NOW + dt.timedelta(minutes=1))
    assert second is not None
    assert second.run.id == "2025-06-30.2"


def test_status_shows_a_run_nobody_drives_as_interrupted(store: NightlyStore) -> None:
    start(store, 999)
    (status,) = run_status(store.unit_of_work, here=here(101), now=NOW)
    assert status.shown == "interrupted"
    accounts = store.runs.population()
    assert (status.done, status.not_analyzed) == (0, len(accounts))
    assert status.not_analyzed_sample == tuple(sorted(accounts)[:20])
    start(store, 101, at=NOW + dt.timedelta(seconds=1))  # resumed by a live process
    (status,) = run_status(store.unit_of_work, here=here(101), now=NOW + dt.timedelta(seconds=2))
    assert status.shown == "running"
    assert status.as_dict()["holder"] == "ops-1:101"


def test_a_voided_run_is_nobodys_latest_and_the_void_is_recorded(store: NightlyStore) -> None:
    first, _ = start(store)
    assert first is not None
    run_id = first.run.id
    write_chunk(
        store.unit_of_work,
        chunk(run_id, *ACCOUNTS),
        [analysis(a) for a in ACCOUNTS],
        principal=NIGHTLY.acting_for(OPS),
        now=NOW,
    )
    finish_run(store.unit_of_work, run_id, principal=OPS, here=here(101), seconds=1.0, now=NOW)
    assert store.runs.latest_finished_run() is not None

    assert (
        void_run(store.unit_of_work, run_id, principal=OPS, reason="  ", here=here(101))[0].kind
        is ProblemKind.INVALID
    )
    assert (
        void_run(
            store.unit_of_work,
            run_id,
            principal=OPS,
            reason="stale prices",
            here=here(101),
            now=NOW,
        )
        == []
    )
    assert store.runs.latest_finished_run() is None
    assert store.runs.latest_run() is None
    assert [r.id for r in store.runs.runs(include_voided=True)] == [run_id]
    entry = store.audit.appended[-1]
    assert (entry.action, entry.reason, entry.targets) == (
        "run.void",
        "stale prices",
        (f"run:{run_id}",),
    )
    (again,) = void_run(store.unit_of_work, run_id, principal=OPS, reason="twice", here=here(101))
    assert again.kind is ProblemKind.CONFLICT
    missing = void_run(store.unit_of_work, "1999-01-01.1", principal=OPS, reason="x", here=here(1))
    assert missing[0].kind is ProblemKind.NOT_FOUND


def test_a_run_in_progress_cannot_be_voided(store: NightlyStore) -> None:
    first, _ = start(store, 101)
    assert first is not None
    (problem,) = void_run(
        store.unit_of_work, first.run.id, principal=OPS, reason="oops", here=here(102), now=NOW
    )
    assert problem.kind is ProblemKind.CONFLICT
    assert store.audit.actions() == ["run.start"]


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (dt.date(2030, 1, 1), "in the future"),
        (dt.date(2025, 6, 28), "exchange is closed"),
        (dt.date(2025, 5, 26), "exchange is closed"),
    ],
)
def test_a_future_day_or_a_closed_exchange_needs_a_recorded_reason(
    store: NightlyStore, day: dt.date, why: str
) -> None:
    refused, problems = start(store, as_of=day)
    assert refused is None
    assert why in problems[0].message
    assert "--force --reason" in problems[0].message
    assert problems[0].kind is ProblemKind.INVALID
    assert store.runs.all == {}
    assert store.audit.appended == []

    forced, problems = start(store, as_of=day, force_reason="rerun for the auditors")
    assert problems == []
    assert forced is not None
    assert forced.run.forced_reason == "rerun for the auditors"
    assert store.audit.appended[-1].reason == "rerun for the auditors"
    assert store.audit.appended[-1].summary["forced"] is True


def test_an_ordinary_day_records_no_forced_reason(store: NightlyStore) -> None:
    started, _ = start(store, force_reason="habit")
    assert started is not None
    assert started.run.forced_reason is None


def test_only_overlay_and_admin_start_or_void_runs(store: NightlyStore) -> None:
    advisor = user("bob", Role.ADVISOR, advisors=["ADV-1"])
    refused, problems = start_run(
        store.unit_of_work,
        RunRequest(MONDAY),
        principal=advisor,
        here=here(101),
        today=MONDAY,
        now=NOW,
    )
    assert refused is None
    assert problems[0].kind is ProblemKind.FORBIDDEN
    assert (
        void_run(store.unit_of_work, "x", principal=advisor, reason="r", here=here(1))[0].kind
        is ProblemKind.FORBIDDEN
    )
    assert store.audit.appended == []


def test_resume_without_an_unfinished_run_says_so(store: NightlyStore) -> None:
    refused, problems = start(store, resume=True)
    assert refused is None
    assert problems[0].kind is ProblemKind.NOT_FOUND
