"""Scenarios: the audit trail on SQLite and PostgreSQL, through `record` and `trimtab audit`.

Writes are recorded and listed by every filter; a row altered, deleted or inserted by
raw SQL is named by `trimtab audit verify`; PostgreSQL refuses UPDATE and DELETE on the
trail unless someone with the privilege disables its trigger first; and two processes
appending at once build one unbroken chain.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, insert, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.domain.audit import AuditDraft, chain, first_break
from trimtab.domain.principal import NIGHTLY, Principal
from trimtab.services.audit import AuditFilter, audit_entries, record, verify
from trimtab.store.audit_tables import AuditEntryRow

T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
ALICE = Principal.cli("alice")
BOB = Principal.cli("bob")


@pytest.fixture
def trail(database: Database) -> Database:
    """A database holding five recorded writes, one a day from T0."""
    writes: list[tuple[Principal, str, list[str], dict[str, Any]]] = [
        (ALICE, "settings.change", ["A-1"], {"setting": "band", "to": Decimal("0.05")}),
        (BOB.acting_for(ALICE), "review.approve", ["A-2", "run:2026-01-06.1"], {"trades": 3}),
        (NIGHTLY, "run.start", ["run:2026-01-07.1"], {"as_of": dt.date(2026, 1, 7)}),
        (BOB, "review.reject", ["A-1"], {"trades": 0}),
        (ALICE, "filters.save", ["filter:drifted"], {"expression": "drift > 5%"}),
    ]
    for day, (who, action, targets, summary) in enumerate(writes):
        with database.unit_of_work() as uow:
            record(
                uow,
                who,
                action,
                targets=targets,
                reason=f"reason {day}",
                summary=summary,
                at=T0 + dt.timedelta(days=day),
            )
            uow.commit()
    return database


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", database_url)
    return CliRunner()


def _seqs(db: Database, **query: Any) -> list[int]:
    return [e.seq for e in audit_entries(db.unit_of_work, AuditFilter(**query))]


def test_recorded_writes_come_back_exactly_and_chained(trail: Database) -> None:
    entries = audit_entries(trail.unit_of_work)
    assert [e.seq for e in entries] == [5, 4, 3, 2, 1]
    approve = entries[3]
    assert approve.action == "review.approve"
    assert (approve.principal, approve.on_behalf_of) == ("cli:bob", "cli:alice")
    assert approve.targets == ("A-2", "run:2026-01-06.1")
    assert approve.at == T0 + dt.timedelta(days=1)
    assert entries[4].summary == {"setting": "band", "to": "0.05"}
    assert entries[2].summary == {"as_of": "2026-01-07"}
    assert first_break(reversed(entries)) is None
    assert verify(trail.unit_of_work).entries == 5


def test_each_filter_narrows_the_list(trail: Database) -> None:
    assert _seqs(trail, principal="cli:alice") == [5, 2, 1]  # 2: bob acting for alice
    assert _seqs(trail, principal="system:nightly") == [3]
    assert _seqs(trail, action="review") == [4, 2]
    assert _seqs(trail, action="review.reject") == [4]
    assert _seqs(trail, account="A-1") == [4, 1]
    assert _seqs(trail, account="run:2026-01-06.1") == [2]
    assert _seqs(trail, since=T0 + dt.timedelta(days=3)) == [5, 4]
    assert _seqs(trail, until=T0 + dt.timedelta(days=1)) == [1]
    assert _seqs(trail, principal="cli:bob", account="A-1") == [4]
    assert _seqs(trail, limit=2) == [5, 4]


def test_a_write_that_is_rolled_back_leaves_no_entry_and_no_gap(database: Database) -> None:
    with database.unit_of_work() as uow:
        record(uow, ALICE, "settings.change", at=T0)
        # no commit: the change and its entry go together
    with database.unit_of_work() as uow:
        entry = record(uow, ALICE, "settings.change", at=T0)
        uow.commit()
    assert entry.seq == 1
    assert verify(database.unit_of_work).intact


def test_reloading_the_firm_keeps_the_audit_trail(trail: Database) -> None:
    with trail.unit_of_work() as uow:
        uow.bulk.clear()
        record(uow, ALICE, "demo.load", reason="replace the demo firm")
        uow.commit()
    result = verify(trail.unit_of_work)
    assert (result.entries, result.first_break) == (6, None)


def test_audit_list_prints_a_table_or_json_filtered_from_the_command_line(
    trail: Database, cli: CliRunner
) -> None:
    table = cli.invoke(app, ["audit", "list"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "review.approve" in table.output
    assert "cli:bob for cli:alice" in table.output

    args = ["audit", "list", "--json", "--who", "cli:alice", "--since", "2026-01-06"]
    listed = cli.invoke(app, [*args, "--until", "2026-01-09"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [row["seq"] for row in rows] == [5, 2]  # --until a day includes that day
    assert rows[1]["targets"] == ["A-2", "run:2026-01-06.1"]
    assert rows[1]["hash"] == audit_entries(trail.unit_of_work)[3].hash

    by_account = cli.invoke(app, ["audit", "list", "--json", "--account", "A-1"])
    assert [row["seq"] for row in json.loads(by_account.output)] == [4, 1]
    by_action = cli.invoke(app, ["audit", "list", "--json", "--action", "run", "--limit", "1"])
    assert [row["action"] for row in json.loads(by_action.output)] == ["run.start"]

    bad = cli.invoke(app, ["audit", "list", "--since", "last tuesday"])
    assert bad.exit_code == 2
    assert "--since" in bad.output


def test_audit_verify_says_the_chain_is_intact_and_prints_the_head(
    trail: Database, cli: CliRunner
) -> None:
    verified = cli.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "5 entries, chain intact" in verified.output
    head = audit_entries(trail.unit_of_work, AuditFilter(limit=1))[0].hash
    assert head in verified.output
    assert cli.invoke(app, ["audit", "verify", "--head", head]).exit_code == 0


# --- tampering ------------------------------------------------------------------------


@contextlib.contextmanager
def _untriggered(db: Database) -> Iterator[Connection]:
    """A raw connection to the trail as someone with the privilege to switch off the
    PostgreSQL trigger (the table owner or a superuser) has it; SQLite has no trigger."""
    tables = ("audit_entries", "audit_targets")
    postgres = db.dialect == "postgresql"
    with db.engine.begin() as connection:
        if postgres:
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield connection
        if postgres:
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def _tamper(db: Database, *statements: str) -> None:
    with _untriggered(db) as connection:
        for statement in statements:
            connection.execute(text(statement))


def _verify_fails(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, ["audit", "verify", *args])
    assert result.exit_code == 1, result.output
    return result.output


def test_verify_names_an_entry_altered_in_the_database(trail: Database, cli: CliRunner) -> None:
    _tamper(trail, "UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 3")
    output = _verify_fails(cli)
    assert "entry 3 (run.start at 2026-01-07T14:30:00+00:00) was altered" in output


def test_verify_names_an_entry_whose_target_was_changed(trail: Database, cli: CliRunner) -> None:
    _tamper(trail, "UPDATE audit_targets SET target = 'A-9' WHERE seq = 4")
    assert "entry 4 (review.reject" in _verify_fails(cli)


def test_verify_names_the_entry_after_a_deleted_one(trail: Database, cli: CliRunner) -> None:
    _tamper(
        trail, "DELETE FROM audit_targets WHERE seq = 2", "DELETE FROM audit_entries WHERE seq = 2"
    )
    output = _verify_fails(cli)
    assert "entry 3 (run.start at 2026-01-07T14:30:00+00:00) follows a deletion" in output
    assert "entry 2 is missing" in output


def test_verify_names_an_inserted_entry(trail: Database, cli: CliRunner) -> None:
    # A forged entry, hashed correctly over its own content but not chained to the head.
    forged = chain(AuditDraft(T0, "cli:mallory", "mallory", None, "orders.cancel"), 6, "0" * 64)
    row = {
        field: getattr(forged, field)
        for field in ("seq", "at", "principal", "principal_name", "action", "reason", "hash")
    }
    with _untriggered(trail) as connection:
        connection.execute(
            insert(AuditEntryRow).values(
                **row, on_behalf_of=None, summary="{}", previous_hash=forged.previous_hash
            )
        )
    output = _verify_fails(cli)
    assert "entry 6 (orders.cancel at 2026-01-05T14:30:00+00:00) was inserted" in output


def test_verify_with_the_kept_head_finds_entries_removed_from_the_end(
    trail: Database, cli: CliRunner
) -> None:
    head = audit_entries(trail.unit_of_work, AuditFilter(limit=1))[0].hash
    _tamper(
        trail, "DELETE FROM audit_targets WHERE seq = 5", "DELETE FROM audit_entries WHERE seq = 5"
    )
    assert cli.invoke(app, ["audit", "verify"]).exit_code == 0  # a shorter chain is consistent
    assert head in _verify_fails(cli, "--head", head)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET reason = 'x' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 5",
        "UPDATE audit_targets SET target = 'x' WHERE seq = 1",
        "DELETE FROM audit_targets WHERE seq = 1",
        "TRUNCATE audit_entries CASCADE",
    ],
)
def test_postgresql_refuses_to_change_or_remove_audit_rows(trail: Database, statement: str) -> None:
    if trail.dialect != "postgresql":
        pytest.skip("SQLite has no triggers for this; `audit verify` is its protection")
    refused = pytest.raises(DBAPIError, match="the audit trail is append-only")
    with refused, trail.engine.begin() as connection:
        connection.execute(text(statement))
    assert verify(trail.unit_of_work).entries == 5


# --- concurrent appends -------------------------------------------------------------------


def _append_many(url: str, who: str, count: int, start: Any) -> None:
    """One process's writes: `count` transactions, each appending one entry."""
    db = open_database(url)
    start.wait()
    try:
        for i in range(count):
            with db.unit_of_work() as uow:
                record(uow, Principal.cli(who), "testing.append", targets=[f"{who}-{i}"])
                uow.commit()
    finally:
        db.close()


@pytest.mark.slow
def test_two_processes_appending_at_once_make_one_intact_chain(
    database: Database, database_url: str
) -> None:
    # spawn, not fork: each process opens its own engine, as separate commands would
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(2)
    workers = [
        spawn.Process(target=_append_many, args=(database_url, who, 50, start))
        for who in ("p1", "p2")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]

    result = verify(database.unit_of_work)
    assert (result.entries, result.head_seq, result.first_break) == (100, 100, None)
    entries = audit_entries(database.unit_of_work)
    assert sorted(e.seq for e in entries) == list(range(1, 101))
    assert sorted(e.principal for e in entries).count("cli:p1") == 50
