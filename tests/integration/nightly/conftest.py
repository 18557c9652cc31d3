"""A small demo firm, migrated and loaded, with its model book and routing policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from trimtab.bootstrap import Database, open_database
from trimtab.domain.principal import Principal
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.demo_models import seed_model_book
from trimtab.services.load_demo import load_demo_firm
from trimtab.services.routing import install_demo_policy

AS_OF = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)


def load_small_firm(db: Database, accounts: int = 40) -> None:
    spec = DemoSpec(accounts=accounts, as_of=AS_OF, seed=3, days=60, households_per_chunk=10)
    assert load_demo_firm(db.unit_of_work, spec, principal=Principal.cli("test")).loaded
    seed_model_book(db.unit_of_work, as_of=AS_OF, principal=Principal.cli("test"), now=NOW)
    install_demo_policy(db.unit_of_work, principal=Principal.cli("test"), now=NOW)


@pytest.fixture
def firm(database_url: str) -> Iterator[tuple[str, Database]]:
    """(url, database) of a migrated database holding a 40-account demo firm."""
    db = open_database(database_url)
    db.upgrade()
    load_small_firm(db)
    yield database_url, db
    db.close()
