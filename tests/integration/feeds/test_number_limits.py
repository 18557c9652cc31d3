"""Scenarios: a number the store cannot hold exactly is refused before anything is written.

Each number in a feed is checked against the column it is written to (its NUMERIC(p, s)
in store/tables.py and store/data_tables.py, and the 15 significant digits SQLite keeps,
so that both databases accept the same files): more digits before the point than the
column has, or more decimals than it keeps, and the file is rejected with the row, the
column and the range allowed. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.builders import FEEDS_NOW as NOW
from tests.builders import load_feeds_firm as build_firm
from trimtab.bootstrap import Database
from trimtab.domain.file_transfers import ArrivalOutcome
from trimtab.domain.principal import Principal
from trimtab.feeds.readers import open_feed
from trimtab.services.load_feed import LoadResult, load_feed

OPS = Principal.cli("ops")
LOTS = "lot_id,account,security,quantity,cost_basis,acquired\n"


def load(db: Database, path: Path) -> LoadResult:
    feed, problems = open_feed(path)
    assert feed is not None, problems
    return load_feed(db.unit_of_work, feed, principal=OPS, now=NOW)


def counts(db: Database) -> dict[str, int]:
    with db.unit_of_work() as uow:
        found = uow.bulk.counts()
    for table in ("feed_loads", "audit_entries", "audit_targets", "audit_head"):
        found.pop(table, None)
    return found


@pytest.fixture
def db(database: Database) -> Database:
    build_firm(database)
    return database


def test_a_price_of_ten_to_the_40th_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(f"security,date,close\nBND,2025-06-02,72.25\nXYZ,2025-06-02,1{'0' * 40}\n")
    before = counts(db)
    result = load(db, path)
    assert result.outcome is ArrivalOutcome.REJECTED
    (problem,) = result.problems
    assert (problem.row, problem.column) == (3, "close")
    assert "between -10^14 and 10^14" in problem.expected
    assert counts(db) == before


def test_a_quantity_beyond_the_column_s_digits_is_refused_not_rounded(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "lots.csv"
    path.write_text(LOTS + "L1,NB-1001,XYZ,123456789012345678.5,5000,2020-01-02\n")
    result = load(db, path)
    assert result.outcome is ArrivalOutcome.REJECTED
    (problem,) = result.problems
    assert (problem.row, problem.column, problem.value) == (2, "quantity", "123456789012345678.5")
    with db.unit_of_work() as uow:
        assert uow.lots.for_account("NB-1001") == []


def test_more_decimals_than_the_column_keeps_are_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "cash.csv"
    path.write_text("account,amount,as_of\nNB-1001,10.1234567,2025-06-02\n")
    result = load(db, path)
    assert result.outcome is ArrivalOutcome.REJECTED
    assert "at most 6 decimal places" in result.problems[0].expected


def test_more_significant_digits_than_both_databases_keep_are_refused(
    db: Database, tmp_path: Path
) -> None:
    # 17 significant digits fit NUMERIC(20, 6) on PostgreSQL, but not SQLite's double:
    # refused on both, so a file loads on one database exactly when it loads on the other.
    path = tmp_path / "cash.csv"
    path.write_text("account,amount,as_of\nNB-1001,12345678901.123456,2025-06-02\n")
    result = load(db, path)
    assert result.outcome is ArrivalOutcome.REJECTED
    assert "15 significant digits" in result.problems[0].expected


def test_the_largest_numbers_the_store_holds_load_exactly(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "lots.csv"
    path.write_text(LOTS + "L1,NB-1001,XYZ,99999999.123456,999999999.12,2020-01-02\n")
    result = load(db, path)
    assert result.loaded, [str(p) for p in result.problems]
    with db.unit_of_work() as uow:
        (lot,) = uow.lots.for_account("NB-1001")
    assert (lot.quantity, lot.cost_basis) == (D("99999999.123456"), D("999999999.12"))
    assert lot.acquired == dt.date(2020, 1, 2)


def test_each_kind_s_numbers_are_checked(db: Database, tmp_path: Path) -> None:
    big = "1" + "0" * 20
    files = {
        "transactions.csv": "account,security,date,side,quantity,price,realized_gain\n"
        f"NB-1001,XYZ,2025-06-02,sell,10,99.5,{big}\n",
        "positions.csv": f"account,security,quantity,as_of\nNB-1001,XYZ,{big},2025-06-02\n",
        "corporate_actions.csv": "action_id,kind,security,effective,ratio\n"
        "CA-1,split,XYZ,2025-06-02,1.00000000001\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        result = load(db, path)
        assert result.outcome is ArrivalOutcome.REJECTED, name
        assert result.problems[0].row == 2
