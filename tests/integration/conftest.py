"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

`database_url` is parametrized over a fresh SQLite file and a fresh PostgreSQL schema.
PostgreSQL comes from TRIMTAB_TEST_POSTGRES_URL (default: the local server's `test`
database). Each test gets its own schema (a unique name, selected through libpq's
`options=-csearch_path=...` in the URL, so subprocesses and parallel workers stay
isolated) and the schema is dropped afterwards. An unreachable server skips those tests
with the reason shown, or fails them when CI=true.

`snapshots` copies a state built once per test process (a firm, a night) into a test's
fresh database (tests/integration/snapshots.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.integration.snapshots import Snapshots, migrated, schema_url
from trimtab.bootstrap import Database, open_database

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("TRIMTAB_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[object]:
    engine = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as error:
        engine.dispose()
        reason = f"PostgreSQL at {make_url(postgres_admin_url())!r} is unreachable: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL: {reason}")
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/trimtab.db"
        return
    admin = request.getfixturevalue("postgres_admin")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema_url(postgres_admin_url(), schema)
    finally:
        with admin.connect() as connection:  # type: ignore[attr-defined]
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def database(database_url: str, snapshots: Snapshots) -> Iterator[Database]:
    """A migrated, empty database (the migration run once per test process, then copied)."""
    snapshots.restore(database_url, migrated)
    db = open_database(database_url)
    yield db
    db.close()


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshots]:
    """This test process's built databases, copied into a test's own on request."""
    kept = Snapshots(tmp_path_factory.mktemp("snapshots"), postgres_admin_url())
    yield kept
    kept.close()
