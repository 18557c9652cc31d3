"""Scenarios: the web app's read caches never show a stale model book, and the reads
rewritten for speed answer exactly what the plain ones did.

The model book's parsed versions are reused while the book is unchanged
(`store.model_repository`): these scenarios record versions between reads — appended
later, recorded with an earlier time, the firm's book replaced — and check that every
read sees them, on SQLite and PostgreSQL (`database_url`).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete

from tests.builders import BALANCED, CLASSES, DIRECT_INDEX, FIRM_TARGET, SECURITIES, SP500, child
from trimtab.bootstrap import Database
from trimtab.domain import Account, Firm, Household, TaxStatus
from trimtab.domain.principal import Principal
from trimtab.domain.targets import DropClass, ExcludeSecurity, Target
from trimtab.services.model_book import load_catalog, record_definitions
from trimtab.store.model_repository import SqlModelBookRepository
from trimtab.store.model_tables import DefinitionVersionRow

JAN_1 = dt.date(2026, 1, 1)
NOW = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
IPC, ADVISOR = Principal.cli("ipc"), Principal.cli("advisor")


@pytest.fixture
def db(database: Database) -> Database:
    with database.unit_of_work() as uow:
        uow.organization.add_firm(Firm("FIRM", "Demo Wealth"))
        for c in CLASSES.classes.values():
            uow.asset_classes.add(c)
        uow.commit()
    with database.unit_of_work() as uow:
        for s in SECURITIES.values():
            uow.securities.add(s)
        uow.households.add(Household("H1"))
        uow.accounts.add(Account("A1", "H1", TaxStatus.TAXABLE))
        uow.commit()
    saved = record_definitions(
        database.unit_of_work,
        [BALANCED, DIRECT_INDEX, SP500, FIRM_TARGET],
        principal=IPC,
        reason="initial book",
        now=NOW,
        effective=JAN_1,
    )
    assert saved.saved, saved.problems
    return database


def _targets(db: Database) -> dict[str, list[tuple[int, str]]]:
    with db.unit_of_work() as uow:
        histories = uow.model_book.histories("target")
    return {k: [(v.number, v.reason) for v in vs] for k, vs in histories.items()}


def _fresh_targets(db: Database) -> dict[str, list[tuple[int, str]]]:
    """The same read with the cache bypassed: the oracle."""
    with db.unit_of_work() as uow:
        histories = SqlModelBookRepository(uow.session)._read_histories("target")
    return {k: [(v.number, v.reason) for v in vs] for k, vs in histories.items()}


def _record(db: Database, target: Target, reason: str, now: dt.datetime) -> None:
    result = record_definitions(
        db.unit_of_work, [target], principal=ADVISOR, reason=reason, now=now, effective=JAN_1
    )
    assert result.saved, result.problems


def test_an_unchanged_book_is_parsed_once_and_then_reused(db: Database) -> None:
    with db.unit_of_work() as uow:
        first = uow.model_book.histories("target")
    with db.unit_of_work() as uow:
        again = uow.model_book.histories("target")
    assert again == first
    assert again["BAL-ETF"][0] is first["BAL-ETF"][0]  # the same parsed version, not re-read


def test_every_version_recorded_between_reads_is_seen(db: Database) -> None:
    assert _targets(db) == _fresh_targets(db)
    _record(db, child("A1-C", DropClass("REAL_ESTATE")), "appended later", NOW.replace(hour=10))
    assert _targets(db)["A1-C"] == [(1, "appended later")]
    # A version recorded with an earlier time than the newest cached one (a clock behind,
    # a back-dated import) is not "after" the cache: the count gives it away.
    _record(db, child("A1-C", ExcludeSecurity("VOO")), "recorded back in time", NOW)
    assert _targets(db)["A1-C"] == [(1, "appended later"), (2, "recorded back in time")]
    assert _targets(db) == _fresh_targets(db)
    with db.unit_of_work() as uow:
        catalog = load_catalog(uow, JAN_1)
    assert catalog.targets["A1-C"].customizations == (ExcludeSecurity("VOO"),)


def test_a_replaced_book_is_read_whole(db: Database) -> None:
    _record(db, child("A1-C", DropClass("REAL_ESTATE")), "customized", NOW.replace(hour=10))
    assert set(_targets(db)) == {"BAL-ETF", "A1-C"}
    with db.unit_of_work() as uow:  # a firm's book replaced (as `demo load --replace` does)
        uow.session.execute(
            delete(DefinitionVersionRow).where(DefinitionVersionRow.kind == "target")
        )
        uow.commit()
    _record(db, FIRM_TARGET, "a new book", NOW.replace(hour=11))
    assert _targets(db) == _fresh_targets(db) == {"BAL-ETF": [(1, "a new book")]}
