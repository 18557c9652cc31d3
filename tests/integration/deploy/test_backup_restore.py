"""Scenarios: `trimtab db backup FILE` and `trimtab db restore FILE`, on SQLite and on
PostgreSQL — a firm backed up and restored into a new database has the same rows in every
table and an audit trail that verifies to the same head; a restore never lands on a
database that holds something; a backup never overwrites a file; a missing pg_dump is
named, with what to install."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from tests.builders import load_small_firm
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.services.audit import AuditFilter, audit_entries


def _ten_accounts(url: str, db: Database) -> None:
    load_small_firm(db, accounts=10)


@pytest.fixture
def firm(database_url: str, snapshots: Snapshots) -> Iterator[Database]:
    snapshots.restore(database_url, _ten_accounts)
    db = open_database(database_url)
    yield db
    db.close()


@pytest.fixture
def new_database(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """The URL of a new, empty database of the same kind (for PostgreSQL: a database of
    its own, selecting the same schema name, which the restore recreates)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/restored.db"
        return
    admin = request.getfixturevalue("postgres_admin")
    name = f"trimtab_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _trimtab(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _every_row(url: str) -> dict[str, list[str]]:
    """Each table's rows, as sorted reprs: equal when the two databases hold the same."""
    db = open_database(url, create=False)
    try:
        with db.engine.connect() as connection:
            return {
                table: sorted(
                    repr(tuple(row))
                    for row in connection.execute(text(f'SELECT * FROM "{table}"')).all()
                )
                for table in inspect(connection).get_table_names()
            }
    finally:
        db.close()


def test_a_backup_restored_into_a_new_database_holds_every_row_and_a_verifying_audit_trail(
    firm: Database,
    database_url: str,
    new_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = tmp_path / "firm.backup"
    code, said = _trimtab(monkeypatch, database_url, "db", "backup", str(file))
    assert code == 0, said
    assert f"to {file}" in said
    assert not list(tmp_path.glob("*.partial"))

    code, said = _trimtab(monkeypatch, new_database, "db", "restore", str(file))
    assert code == 0, said
    assert "schema at revision" in said
    assert "db upgrade" not in said  # a backup of this version's schema needs no upgrade

    before, after = _every_row(database_url), _every_row(new_database)
    assert after == before
    assert len(before["audit_entries"]) >= 3
    assert len(before["tax_lots"]) > 10
    code, said = _trimtab(monkeypatch, new_database, "audit", "verify")
    assert code == 0, said
    assert "chain intact" in said
    head = audit_entries(firm.unit_of_work, AuditFilter(limit=1))[0].hash
    assert head in said  # the restored chain ends where the firm's did

    # A second restore would land on a firm: refused (conflict), nothing touched.
    code, said = _trimtab(monkeypatch, new_database, "db", "restore", str(file))
    assert code == 4, said
    assert "restore goes only into a new database" in said
    assert _every_row(new_database) == before


def test_a_backup_never_overwrites_a_file_and_a_restore_refuses_what_is_not_a_backup(
    firm: Database,
    database_url: str,
    new_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = tmp_path / "yesterday.backup"
    kept.write_bytes(b"yesterday's backup")
    code, said = _trimtab(monkeypatch, database_url, "db", "backup", str(kept))
    assert code == 4, said
    assert "exists already" in said
    assert kept.read_bytes() == b"yesterday's backup"

    code, said = _trimtab(monkeypatch, new_database, "db", "restore", str(kept))
    assert code == 2, said
    assert "is not a trimtab backup" in said
    code, said = _trimtab(monkeypatch, new_database, "db", "restore", str(tmp_path / "none"))
    assert code == 3, said


@pytest.mark.postgres
def test_without_the_postgresql_client_tools_the_backup_says_what_to_install(
    firm: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite needs no tools")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    code, said = _trimtab(monkeypatch, database_url, "db", "backup", str(tmp_path / "f.dump"))
    assert code == 6, said
    assert "pg_dump is not installed" in said
    assert "postgresql-client" in said
    assert not list(tmp_path.glob("f.dump*"))


def test_a_sqlite_backup_is_refused_by_a_postgresql_database_and_back(
    firm: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "firm.backup"
    assert _trimtab(monkeypatch, database_url, "db", "backup", str(file))[0] == 0
    other = (
        "postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"
        if database_url.startswith("sqlite")
        else f"sqlite:///{tmp_path}/restored.db"
    )
    code, said = _trimtab(monkeypatch, other, "db", "restore", str(file))
    assert code == 2, said
    assert "backup; restore it into a" in said
