"""A small demo firm, migrated and loaded, with its model book and routing policy; and
the same firm after one night. Both are built once per test process and database kind
and copied into each test's own database (tests/integration/snapshots.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.builders import small_firm, small_firm_night
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import Database, open_database


@pytest.fixture
def firm(database_url: str, snapshots: Snapshots) -> Iterator[tuple[str, Database]]:
    """(url, database) of a migrated database holding a 40-account demo firm."""
    snapshots.restore(database_url, small_firm)
    db = open_database(database_url)
    yield database_url, db
    db.close()


@pytest.fixture
def night(database_url: str, snapshots: Snapshots) -> Iterator[tuple[str, Database, str]]:
    """(url, database, run id): the 40-account demo firm after one night as of
    DEMO_AS_OF, started by TESTER (`tests.builders.small_firm_night`)."""
    run_id = snapshots.restore(database_url, small_firm_night)
    db = open_database(database_url)
    yield database_url, db, run_id
    db.close()
