"""Scenarios: the onboarding feed (kind `accounts`) creates and updates accounts with their
households, advisors and tax profiles, all or nothing, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.builders import FEEDS_NOW as NOW
from tests.builders import load_feeds_firm as build_firm
from trimtab.bootstrap import Database
from trimtab.domain.accounts import AccountStatus, TaxStatus
from trimtab.domain.file_transfers import ArrivalOutcome
from trimtab.domain.principal import Principal
from trimtab.feeds.readers import open_feed
from trimtab.services.load_feed import LoadResult, load_feed

OPS = Principal.cli("ops")
HEADER = (
    "account,household,tax_status,name,household_name,advisor,advisor_name,status,"
    "discretionary,short_term_rate,long_term_rate,loss_carryforward\n"
)


def load(db: Database, tmp_path: Path, name: str, rows: str) -> LoadResult:
    path = tmp_path / name
    path.write_text(HEADER + rows)
    feed, problems = open_feed(path)
    assert feed is not None, problems
    return load_feed(db.unit_of_work, feed, principal=OPS, now=NOW)


@pytest.fixture
def db(database: Database) -> Database:
    build_firm(database)
    return database


def test_new_accounts_come_with_their_household_advisor_and_tax_profile(
    db: Database, tmp_path: Path
) -> None:
    result = load(
        db,
        tmp_path,
        "accounts_1.csv",
        "N-1,HN,taxable,Lee Brokerage,The Lees,ADV-1,Dana W,,,37%,20%,1500\n"
        "N-2,HN,tax_exempt,Lee Roth,,ADV-1,,,no,37%,20%,1500\n",
    )
    assert result.loaded, [str(p) for p in result.problems]
    with db.unit_of_work() as uow:
        first, second = uow.accounts.get("N-1"), uow.accounts.get("N-2")
        household = uow.households.get("HN")
        profile = uow.households.tax_profile("HN")
    assert first is not None
    assert second is not None
    assert (first.name, first.advisor, first.status, first.discretionary) == (
        "Lee Brokerage",
        "ADV-1",
        AccountStatus.OPEN,
        True,
    )
    assert (second.tax_status, second.discretionary) == (TaxStatus.TAX_EXEMPT, False)
    assert household is not None
    assert household.name == "The Lees"
    assert profile is not None
    assert (profile.short_term_rate, profile.loss_carryforward) == (D("0.37"), D(1500))


def test_an_update_changes_what_the_file_gives_and_keeps_what_it_leaves_blank(
    db: Database, tmp_path: Path
) -> None:
    assert load(db, tmp_path, "accounts_1.csv", "N-1,HN,taxable,Lee,,ADV-1,Dana W,,no,,,\n").loaded
    result = load(db, tmp_path, "accounts_2.csv", "N-1,HN,taxable,,,,,closed,,,,\n")
    assert result.loaded, [str(p) for p in result.problems]
    with db.unit_of_work() as uow:
        account = uow.accounts.get("N-1")
    assert account is not None
    assert (account.name, account.advisor, account.discretionary, account.status) == (
        "Lee",
        "ADV-1",
        False,
        AccountStatus.CLOSED,
    )


def test_rows_that_disagree_or_name_nothing_the_firm_has_change_nothing(
    db: Database, tmp_path: Path
) -> None:
    with db.unit_of_work() as uow:
        before = uow.bulk.counts()["accounts"]
    result = load(
        db,
        tmp_path,
        "accounts_bad.csv",
        "N-1,HN,taxable,,The Lees,ADV-9,,,,,,\n"  # ADV-9: no such advisor, no row names it
        "N-2,HN,taxable,,The Smiths,,,,,,,\n"  # one household, two names
        "N-3,HM,taxable,,,,,suspended,,,,\n"  # trimtab suspends, not the custodian
        "N-4,HK,taxable,,,,,,,40%,,\n",  # half a tax profile
    )
    assert result.outcome is ArrivalOutcome.REJECTED
    found = {(p.row, p.column) for p in result.problems}
    assert {(2, "advisor"), (3, "household_name"), (4, "status"), (5, "long_term_rate")} <= found
    with db.unit_of_work() as uow:
        assert uow.bulk.counts()["accounts"] == before
        assert uow.accounts.get("N-1") is None
