"""Scenarios: the migrations build the schema the ORM describes, on both databases."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import trimtab.store
from trimtab.bootstrap import Database, open_database
from trimtab.domain import TaxLot
from trimtab.store.tables import Base


def _import_every_table_module() -> None:
    # Tables register on Base.metadata when their module is imported; compare them all.
    for module in pkgutil.iter_modules(trimtab.store.__path__):
        if module.name != "migrations":
            importlib.import_module(f"trimtab.store.{module.name}")


def test_upgrade_brings_an_empty_database_to_the_newest_revision(database_url: str) -> None:
    db = open_database(database_url)
    assert db.current_revision() is None
    db.upgrade()
    assert db.current_revision() == db.head_revision() is not None
    db.upgrade()  # a second run has nothing to do
    assert db.current_revision() == db.head_revision()
    db.close()


def test_the_migrated_schema_matches_the_orm_tables_exactly(database: Database) -> None:
    _import_every_table_module()
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def _add_a_lot_of_an_unknown_account(db: Database) -> None:
    with db.unit_of_work() as uow:
        lot = TaxLot("L1", "NO-SUCH-ACCOUNT", "NOPE", Decimal(1), Decimal(1), dt.date(2025, 1, 2))
        uow.lots.add(lot)
        uow.commit()


def test_a_lot_of_an_unknown_account_is_refused_by_a_foreign_key(database: Database) -> None:
    with pytest.raises(IntegrityError):
        _add_a_lot_of_an_unknown_account(database)
    with database.unit_of_work() as uow:
        assert uow.bulk.counts()["tax_lots"] == 0


def test_proposal_trades_are_compressed_with_lz4_on_postgresql(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("compression methods are PostgreSQL's")
    with database.engine.connect() as connection:
        available = connection.scalar(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        )
        if "lz4" not in available:
            pytest.skip("this PostgreSQL server was built without LZ4")
        methods = dict(
            connection.execute(
                text(
                    "SELECT a.attname, a.attcompression FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relname = 'proposals' AND n.nspname = current_schema() "
                    "AND a.attname = 'trades'"
                )
            ).all()
        )
    # (the analysis records are compressed by trimtab itself since migration 0011)
    assert methods == {"trades": "l"}
