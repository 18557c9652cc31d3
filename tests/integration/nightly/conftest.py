"""A small demo firm, migrated and loaded, with its model book and routing policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.builders import load_small_firm
from trimtab.bootstrap import Database, open_database


@pytest.fixture
def firm(database_url: str) -> Iterator[tuple[str, Database]]:
    """(url, database) of a migrated database holding a 40-account demo firm."""
    db = open_database(database_url)
    db.upgrade()
    load_small_firm(db)
    yield database_url, db
    db.close()
