"""Scenarios: every analysis of a night is recorded once, retrievable, replayable and
exportable; altering, deleting or inserting any record is named by `records verify`
(both databases); PostgreSQL refuses to change or remove a record."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tests.builders import TESTER
from trimtab.bootstrap import Database
from trimtab.cli import app
from trimtab.domain.records import RecordKind
from trimtab.services.records import analysis_record, replay_run, verify
from trimtab.store.record_repository import decode, encode

SCHEMA = Path(__file__).parents[3] / "src/trimtab/contracts/rebalance-case.schema.json"
Night = tuple[str, Database, str]


@pytest.fixture
def cli(night: Night, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", night[0])
    return CliRunner()


def _entries(db: Database, kind: RecordKind | None = None) -> list:  # type: ignore[type-arg]
    with db.unit_of_work() as uow:
        return uow.records.entries(kinds=None if kind is None else [kind])


def test_every_analysis_decision_order_and_fill_is_a_record(night: Night) -> None:
    _url, db, run_id = night
    kinds = {e.draft.kind for e in _entries(db)}
    assert kinds == set(RecordKind)
    with db.unit_of_work() as uow:
        accounts = set(uow.runs.population())
        recorded = [
            e.draft.account
            for e in uow.records.entries(run_id=run_id)
            if e.draft.kind is RecordKind.ANALYSIS
        ]
        # `record_of`, which the review desk reads, answers from the records.
        one = recorded[0]
        assert set(uow.proposals.record_of(run_id, one) or {}) == {
            "case",
            "versions",
            "settings",
            "result",
            "reasons",
        }
    assert sorted(recorded) == sorted(accounts)
    assert verify(db.unit_of_work).intact


def test_show_has_the_inputs_the_result_and_what_happened_after(night: Night) -> None:
    _url, db, run_id = night
    with db.unit_of_work() as uow:
        decided = uow.records.entries(kinds=[RecordKind.DECISION])[0].draft.account
    found, problems = analysis_record(db.unit_of_work, decided)
    assert problems == []
    assert found is not None
    data = found.as_dict()
    assert data["run"] == run_id
    assert data["record"]["case"]["account"]["id"] == decided
    kinds = [e["kind"] for e in data["after"]]
    assert kinds[0] == "decision"
    assert "order" in kinds
    assert "fill" in kinds
    assert data["after"][0]["actor"] == TESTER.recorded_as


def test_every_stored_analysis_of_the_night_replays_identically(night: Night) -> None:
    _url, db, run_id = night
    summary, problems = replay_run(db.unit_of_work, run_id)
    assert problems == []
    assert summary is not None
    assert summary.changed == ()
    assert summary.identical >= 12


def test_a_replay_names_what_changed(night: Night, monkeypatch: pytest.MonkeyPatch) -> None:
    """An "engine upgrade" that doubles every trade's quantity shows trade by trade."""
    _url, db, run_id = night
    from trimtab.services import records

    real = records.rebalance

    def upgraded(case):  # type: ignore[no-untyped-def]
        import dataclasses

        result = real(case)
        trades = tuple(dataclasses.replace(t, quantity=t.quantity * 2) for t in result.trades)
        return dataclasses.replace(result, trades=trades)

    monkeypatch.setattr(records, "rebalance", upgraded)
    summary, _ = replay_run(db.unit_of_work, run_id)
    assert summary is not None
    assert summary.changed
    first = summary.changed[0].differences[0]
    assert first.what.startswith("trade ")
    assert first.now["quantity"] == 2 * first.recorded["quantity"]  # type: ignore[index]


def test_export_validates_and_optimize_gives_the_recorded_result(
    night: Night, cli: CliRunner, tmp_path: Path
) -> None:
    _url, db, _run = night
    with db.unit_of_work() as uow:
        entry = next(
            e
            for e in uow.records.entries(kinds=[RecordKind.ANALYSIS])
            if (uow.records.analysis(e)["result"] or {}).get("trades")
        )
        recorded = uow.records.analysis(entry)["result"]
    out = tmp_path / "case.json"
    exported = cli.invoke(app, ["records", "export", str(entry.seq), "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    case = json.loads(out.read_text())
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(case)
    optimized = cli.invoke(app, ["optimize", str(out)])
    assert optimized.exit_code == 0, optimized.output
    answer = json.loads(optimized.output)
    assert answer["status"] == recorded["status"]
    assert answer["trades"] == recorded["trades"]
    assert answer["objective"] == recorded["objective"]
    replayed = cli.invoke(app, ["records", "replay", str(entry.seq)])
    assert replayed.exit_code == 0
    assert "identical" in replayed.output


# --- tampering ------------------------------------------------------------------------


@contextlib.contextmanager
def _untriggered(db: Database) -> Iterator[Connection]:
    """A connection as the table owner has it: able to switch off PostgreSQL's trigger."""
    tables = ("records", "record_blobs")
    postgres = db.dialect == "postgresql"
    with db.engine.begin() as connection:
        if postgres:
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield connection
        if postgres:
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def _tamper(db: Database, statement: str, **values: object) -> None:
    with _untriggered(db) as connection:
        connection.execute(text(statement), values)


def _verify_fails(cli: CliRunner) -> str:
    result = cli.invoke(app, ["records", "verify"])
    assert result.exit_code == 1, result.output
    return result.output


def test_verify_names_a_record_altered(night: Night, cli: CliRunner) -> None:
    _url, db, _run = night
    assert cli.invoke(app, ["records", "verify"]).exit_code == 0
    target = _entries(db, RecordKind.DECISION)[0]
    with db.engine.connect() as c:
        body = c.scalar(text("SELECT body FROM records WHERE seq = :seq"), {"seq": target.seq})
    text_, _value = decode(body)
    _tamper(
        db,
        "UPDATE records SET body = :body WHERE seq = :seq",
        body=encode(json.loads(text_.replace("checked", "unchecked"))),
        seq=target.seq,
    )
    output = _verify_fails(cli)
    assert f"record {target.seq} (decision approve of {target.draft.account}" in output
    assert "was altered" in output


def test_verify_names_a_record_whose_part_was_altered(night: Night, cli: CliRunner) -> None:
    _url, db, _run = night
    analyses = _entries(db, RecordKind.ANALYSIS)
    target = analyses[3]
    shared = target.draft.content["shared"]
    with db.unit_of_work() as uow:
        value = uow.records.parts([shared])[shared]

    value["versions"] = ["target:tampered@1"]
    _tamper(
        db,
        "UPDATE record_blobs SET body = :body WHERE hash = :hash",
        body=encode(value),
        hash=shared,
    )
    output = _verify_fails(cli)
    # The first record that uses the part is named (the part may be shared).
    first = next(e for e in analyses if e.draft.content["shared"] == shared)
    assert f"record {first.seq} (analysis of {first.draft.account}" in output
    assert f"was altered: its part shared ({shared[:12]}...) no longer matches its hash" in output


def test_verify_names_the_record_after_a_deleted_one(night: Night, cli: CliRunner) -> None:
    _url, db, _run = night
    target = _entries(db, RecordKind.ORDER)[0]
    _tamper(db, "DELETE FROM records WHERE seq = :seq", seq=target.seq)
    output = _verify_fails(cli)
    assert f"record {target.seq + 1} (" in output
    assert f"follows a deletion: record {target.seq} is missing" in output


def test_verify_names_a_record_inserted(night: Night, cli: CliRunner) -> None:
    _url, db, _run = night
    entries = _entries(db)
    last = entries[-1]
    # Someone slips in a fill that never happened, chained as best they can.
    _tamper(
        db,
        "INSERT INTO records (seq, kind, run_id, account_id, as_of, at, content, body, "
        "previous_hash, hash) SELECT seq + 1, 'fill', run_id, account_id, as_of, at, content, "
        "body, hash, hash FROM records WHERE seq = :seq",
        seq=last.seq,
    )
    _tamper(db, "UPDATE records_head SET seq = seq + 1")
    output = _verify_fails(cli)
    assert f"record {last.seq + 1} (fill" in output
    assert "was altered" in output or "was inserted" in output


def test_verify_names_newest_records_deleted_against_the_head(night: Night, cli: CliRunner) -> None:
    _url, db, _run = night
    last = _entries(db)[-1]
    _tamper(db, "DELETE FROM records WHERE seq = :seq", seq=last.seq)
    output = _verify_fails(cli)
    assert "the newest records were deleted" in output


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE records SET content = '{}' WHERE seq = 1",
        "DELETE FROM records WHERE seq = 2",
        "UPDATE record_blobs SET body = 'x'",
        "DELETE FROM record_blobs",
        "TRUNCATE records",
    ],
)
def test_postgresql_refuses_to_change_or_remove_records(night: Night, statement: str) -> None:
    _url, db, _run = night
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no triggers for this; `records verify` is its protection")
    before = verify(db.unit_of_work).records
    with pytest.raises(DBAPIError, match="the records are append-only"), db.engine.begin() as c:
        c.execute(text(statement))
    assert verify(db.unit_of_work).records == before
