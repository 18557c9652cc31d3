"""Scenarios: the records services — show, export, replay and verify — on the in-memory
records port. Account A-1 is analyzed on two nights (run R.1 on 2025-06-30, R.2 on
2025-07-01); on the first night its proposal is approved, ordered and filled. A-2 is
held on the first night: a record with no case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.fakes.records import FakeRecords, FakeRecordUnitOfWork
from trimtab.domain.chain import BreakKind
from trimtab.domain.problems import ProblemKind
from trimtab.domain.records import RecordDraft, RecordKind
from trimtab.engine import parse_case, rebalance
from trimtab.services import records as records_service
from trimtab.services.records import (
    analysis_record,
    export_case,
    replay,
    replay_run,
    verify,
)

NIGHT_1, NIGHT_2 = dt.date(2025, 6, 30), dt.date(2025, 7, 1)
AT = dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC)


def _case(as_of: dt.date, vti: float) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "account": {"id": "A-1", "tax_status": "taxable", "cash": 200.0},
        "tax": {"short_term_rate": 0.4, "long_term_rate": 0.2},
        "securities": [
            {"id": "VTI", "price": vti, "cost_rate": 0.0005},
            {"id": "BND", "price": 75.0, "cost_rate": 0.0005},
        ],
        "groups": [
            {"id": "US", "members": ["VTI"], "target": 0.7},
            {"id": "BONDS", "members": ["BND"], "target": 0.28},
        ],
        "lots": [
            {
                "id": "L1",
                "security": "VTI",
                "quantity": 40.0,
                "cost_basis": 9000.0,
                "acquired": "2024-01-02",
            },
            {
                "id": "L2",
                "security": "BND",
                "quantity": 20.0,
                "cost_basis": 1600.0,
                "acquired": "2024-01-02",
            },
        ],
        "recent_trades": [],
        "settings": {},
        "parameters": {},
    }


def _analyzed(case: dict[str, Any]) -> dict[str, Any]:
    """The record the nightly run keeps: the case and today's engine answer to it."""
    parsed, problems = parse_case(case)
    assert parsed is not None, problems
    result = rebalance(parsed).as_dict()
    return {
        "case": case,
        "versions": ["target:BAL@1"],
        "settings": [],
        "result": result,
        "reasons": [],
    }


@pytest.fixture
def books() -> tuple[FakeRecords, FakeRecordUnitOfWork]:
    records = FakeRecords()
    records.record_analysis("A-1", "R.1", NIGHT_1, _analyzed(_case(NIGHT_1, 250.0)))
    held = {
        "case": None,
        "versions": [],
        "settings": [],
        "result": None,
        "reasons": ["held by the advisor"],
    }
    records.record_analysis("A-2", "R.1", NIGHT_1, held)
    records.append(
        [
            RecordDraft(
                RecordKind.DECISION,
                "R.1",
                "A-1",
                NIGHT_1,
                AT,
                {"action": "approve", "actor": "cli:ana"},
            ),
            RecordDraft(RecordKind.ORDER, "R.1", "A-1", None, AT, {"id": "O1", "side": "sell"}),
            RecordDraft(RecordKind.FILL, "R.1", "A-1", NIGHT_2, AT, {"id": "O1", "shares": "1"}),
        ]
    )
    records.record_analysis("A-1", "R.2", NIGHT_2, _analyzed(_case(NIGHT_2, 252.5)))
    return records, FakeRecordUnitOfWork(records)


Books = tuple[FakeRecords, FakeRecordUnitOfWork]


def test_show_gives_the_latest_analysis_and_what_happened_after_it(books: Books) -> None:
    _records, uow = books
    latest, problems = analysis_record(uow, "A-1")
    assert problems == []
    assert latest is not None
    assert latest.entry.draft.run_id == "R.2"
    assert latest.record["case"] == _case(NIGHT_2, 252.5)
    first, _ = analysis_record(uow, "A-1", as_of=NIGHT_1)
    assert first is not None
    assert [e.draft.kind for e in first.after] == [
        RecordKind.DECISION,
        RecordKind.ORDER,
        RecordKind.FILL,
    ]
    assert first.as_dict()["after"][0]["actor"] == "cli:ana"


def test_show_names_what_is_missing(books: Books) -> None:
    _records, uow = books
    found, problems = analysis_record(uow, "A-9", as_of=NIGHT_1)
    assert found is None
    assert [(p.path, p.kind) for p in problems] == [("account", ProblemKind.NOT_FOUND)]
    assert "A-9: no analysis record on 2025-06-30" in problems[0].message
    _found, problems = analysis_record(uow, "", analysis_id=3)  # record 3 is a decision
    assert "no analysis record 3" in problems[0].message


def test_export_gives_the_case_or_says_why_there_is_none(books: Books) -> None:
    _records, uow = books
    case, problems = export_case(uow, 1)
    assert problems == []
    assert case == _case(NIGHT_1, 250.0)
    none, problems = export_case(uow, 2)
    assert none is None
    assert "record 2 has no case: held by the advisor" in problems[0].message


def test_replay_is_identical_on_todays_engine_and_names_what_changed(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    _records, uow = books
    same, _ = replay(uow, 1)
    assert same is not None
    assert same.identical
    held, _ = replay(uow, 2)
    assert held is not None
    assert not held.replayed
    assert "nothing to replay: held by the advisor" in held.note

    real = records_service.rebalance

    def upgraded(case):  # type: ignore[no-untyped-def]
        import dataclasses

        result = real(case)
        return dataclasses.replace(result, status="infeasible")

    monkeypatch.setattr(records_service, "rebalance", upgraded)
    changed, _ = replay(uow, 1)
    assert changed is not None
    assert not changed.identical
    assert changed.differences[0].what == "status"
    assert (changed.differences[0].recorded, changed.differences[0].now) == (
        "optimal",
        "infeasible",
    )


def test_a_run_replays_in_bulk(books: Books) -> None:
    records, uow = books
    reads = records.part_reads
    summary, problems = replay_run(uow, "R.1")
    assert problems == []
    assert summary is not None
    assert (summary.identical, summary.changed, summary.not_replayed) == (1, (), 1)
    assert records.part_reads == reads + 1  # the run's parts read once, not per record
    missing, problems = replay_run(uow, "R.9")
    assert missing is None
    assert "no analysis records of run 'R.9'" in problems[0].message


def test_verify_passes_an_untouched_chain(books: Books) -> None:
    records, uow = books
    result = verify(uow)
    assert result.intact
    assert (result.records, result.head_seq) == (6, 6)
    assert result.parts == len(records.stored_parts)


def test_verify_names_a_record_altered(books: Books) -> None:
    records, uow = books
    records.tamper_content(4, {"id": "O1", "side": "buy"})
    found = verify(uow).first_break
    assert found is not None
    assert (found.seq, found.kind) == (4, BreakKind.ALTERED)
    assert "order O1 of A-1 in run R.1" in str(found)


def test_verify_names_the_first_record_using_an_altered_part(books: Books) -> None:
    records, uow = books
    first = records.entry(1)
    assert first is not None
    prices = first.draft.content["nightly"]["prices"]
    records.tamper_part(prices, [1.0, 75.0])
    result = verify(uow)
    assert result.bad_parts == (prices,)
    assert result.first_break is not None
    assert result.first_break.seq == 1
    assert f"its part prices ({prices[:12]}...) no longer matches its hash" in str(
        result.first_break
    )


def test_verify_names_the_record_after_a_deletion(books: Books) -> None:
    records, uow = books
    records.delete(3)
    found = verify(uow).first_break
    assert found is not None
    assert (found.seq, found.kind) == (4, BreakKind.DELETED)
    assert "follows a deletion: record 3 is missing before it" in str(found)


def test_verify_names_the_newest_records_deleted_against_the_head(books: Books) -> None:
    records, uow = books
    records.delete(6)  # the head still says record 6
    found = verify(uow).first_break
    assert found is not None
    assert found.seq == 5
    assert "the newest records were deleted" in str(found)


def test_verify_since_a_day_checks_from_its_first_record(books: Books) -> None:
    records, uow = books
    records.tamper_content(1, {"forged": True})  # before the day: not looked at
    since = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    assert verify(uow, since=since).intact
    assert verify(uow, since=since).records == 4
    assert not verify(uow).intact
