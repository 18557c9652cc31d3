"""Scenarios: feed files loaded into a real database (SQLite and PostgreSQL).

Each feed kind is written in both custodians' layouts (examples/feeds/*.toml) and loaded
through the same door a morning's files use; a bad file changes nothing and names its
problems; the same file twice is a no-op.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.builders import FEEDS_NOW, OPS, load_feeds_firm
from trimtab.bootstrap import Database
from trimtab.domain.corporate_action_events import ActionKind, CorporateActionEvent
from trimtab.domain.feed_records import (
    CustodianPosition,
    FeedKind,
    FeedRecord,
    ModelWeight,
    ReportedLot,
)
from trimtab.domain.file_transfers import ArrivalOutcome
from trimtab.domain.holdings import CashBalance, TaxLot
from trimtab.domain.restrictions import Kind, Level, Restriction
from trimtab.domain.risk_model import FactorCovariance, FactorExposure, SpecificRisk
from trimtab.domain.securities import Price, Security, SecurityType
from trimtab.domain.trade_history import TradeRecord, TradeSide
from trimtab.feeds.mappings import SourceMapping, load_mapping
from trimtab.feeds.readers import open_feed
from trimtab.feeds.writers import write_feed
from trimtab.services.load_feed import LoadResult, load_feed

EXAMPLES = Path(__file__).parents[3] / "examples" / "feeds"
DAY = dt.date(2025, 6, 2)


def mapping(source: str) -> SourceMapping:
    found, problems = load_mapping(EXAMPLES / f"{source}.toml")
    assert found is not None, problems
    return found


def records(provider: str) -> dict[FeedKind, list[FeedRecord]]:
    """One small file's worth of each kind, in the order a firm would load them."""
    return {
        FeedKind.SECURITIES: [
            Security("NEWF", name="New Fund", type=SecurityType.ETF, asset_class="US_BOND")
        ],
        FeedKind.PRICES: [Price("XYZ", DAY, D("100.5")), Price("BND", DAY, D("72.25"))],
        FeedKind.LOTS: [
            ReportedLot(TaxLot("L1", "NB-1001", "XYZ", D(100), D(5000), dt.date(2020, 1, 2))),
            ReportedLot(
                TaxLot("L2", "NB-1001", "BND", D("50.5"), D(0), dt.date(2021, 3, 4)),
                basis_known=False,
            ),
        ],
        FeedKind.POSITIONS: [CustodianPosition("NB-1001", "XYZ", D(100), DAY)],
        FeedKind.TRANSACTIONS: [
            TradeRecord("NB-1001", "XYZ", DAY, TradeSide.SELL, D(10), D("99.5"), D("-12.5"))
        ],
        FeedKind.CASH: [CashBalance("NB-1001", D("1234.56"), DAY)],
        FeedKind.CORPORATE_ACTIONS: [
            CorporateActionEvent("CA-9", ActionKind.SPLIT, "XYZ", dt.date(2025, 7, 1), ratio=D(2))
        ],
        FeedKind.RESTRICTIONS: [Restriction(Level.FIRM, "FIRM", "ABC", Kind.NO_BUY, "watch list")],
        FeedKind.MODEL_WEIGHTS: [
            ModelWeight(provider, "INC", "BND", D("0.7"), "Income"),
            ModelWeight(provider, "INC", "XYZ", D("0.3"), "Income"),
        ],
        FeedKind.RISK_EXPOSURES: [FactorExposure("STAT", "XYZ", "PC1", 1.1)],
        FeedKind.RISK_COVARIANCE: [FactorCovariance("STAT", "PC1", "PC1", 0.04)],
        FeedKind.SPECIFIC_RISK: [SpecificRisk("STAT", "XYZ", 0.02)],
    }


def load(db: Database, path: Path, source: SourceMapping | None = None) -> LoadResult:
    feed, problems = open_feed(path, mapping=source)
    assert feed is not None, problems
    return load_feed(db.unit_of_work, feed, principal=OPS, now=FEEDS_NOW)


def snapshot(db: Database) -> dict[str, int]:
    """Rows per table, but for the records every arrival leaves (its load record and its
    audit entry): what must not change when a file is refused or a duplicate."""
    with db.unit_of_work() as uow:
        counts = uow.bulk.counts()
    for table in ("feed_loads", "audit_entries", "audit_targets", "audit_head"):
        counts.pop(table, None)
    return counts


@pytest.fixture
def db(database: Database) -> Database:
    load_feeds_firm(database)
    return database


@pytest.mark.parametrize("source", ["northbank", "alpenbank"])
def test_every_feed_kind_loads_from_the_custodian_layout(
    db: Database, tmp_path: Path, source: str
) -> None:
    layout = mapping(source)
    provider = "ALPINE" if source == "alpenbank" else "PIM"
    for kind, rows in records(provider).items():
        path = tmp_path / layout.layouts[kind].pattern.replace("*", "20250602")
        write_feed(path, kind, rows, mapping=layout)
        result = load(db, path, layout)
        assert result.loaded, [str(p) for p in result.problems]
    with db.unit_of_work() as uow:
        assert uow.securities.get("NEWF") == Security(
            "NEWF", name="New Fund", type=SecurityType.ETF, asset_class="US_BOND"
        )
        assert uow.prices.on("XYZ", DAY) == Price("XYZ", DAY, D("100.5"))
        lots = uow.lots.for_account("NB-1001")
        assert [(lot.id, lot.quantity, lot.cost_basis) for lot in lots] == [
            ("L2", D("50.5"), D(0)),
            ("L1", D(100), D(5000)),
        ]
        assert uow.feed_data.unknown_basis("NB-1001") == {"L2"}
        assert uow.feed_data.positions("NB-1001") == {"XYZ": D(100)}
        assert uow.cash.get("NB-1001") == CashBalance("NB-1001", D("1234.56"), DAY)
        sale = uow.trades.in_household_since("H1", DAY)
        assert [(t.side, t.quantity, t.realized_gain) for t in sale] == [
            (TradeSide.SELL, D(10), D("-12.5"))
        ]
        (action,) = uow.feed_data.actions()
        assert (action.event.id, action.event.ratio, action.source) == ("CA-9", D(2), source)
        assert Restriction(Level.FIRM, "FIRM", "ABC", Kind.NO_BUY, "watch list") in (
            uow.feed_data.all_restrictions()
        )
        (model_version,) = uow.model_book.history("model", "INC")
        assert dict(model_version.value.weights) == {"BND": D("0.7"), "XYZ": D("0.3")}
        assert model_version.value.provider == provider  # type: ignore[union-attr]
        assert uow.feed_data.risk_model_parts("STAT") == (
            [FactorExposure("STAT", "XYZ", "PC1", 1.1)],
            [FactorCovariance("STAT", "PC1", "PC1", 0.04)],
            [SpecificRisk("STAT", "XYZ", 0.02)],
        )


@pytest.mark.parametrize(
    ("source", "files"),
    [
        ("northbank", ["NB_PRICES_20250602.csv", "NB_TAXLOTS_20250602.csv"]),
        ("alpenbank", ["kurse_20250602.csv", "steuerlose_20250602.csv"]),
    ],
)
def test_the_shipped_custodian_samples_load(
    db: Database, tmp_path: Path, source: str, files: list[str]
) -> None:
    for name in files:
        path = tmp_path / name
        shutil.copy(EXAMPLES / name, path)
        result = load(db, path, mapping(source))
        assert result.loaded, [str(p) for p in result.problems]
    with db.unit_of_work() as uow:
        account = "NB-1001" if source == "northbank" else "AB-2001"
        assert uow.lots.for_account(account)
        assert uow.prices.on("XYZ", DAY) is not None


def test_loading_the_same_file_twice_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "lots.csv"
    write_feed(path, FeedKind.LOTS, records("PIM")[FeedKind.LOTS])
    assert load(db, path).loaded
    before = snapshot(db)
    again = tmp_path / "lots_copy.csv"
    shutil.copy(path, again)
    second = load(db, again)
    assert second.outcome is ArrivalOutcome.DUPLICATE
    assert "nothing changed" in second.notes[0]
    assert snapshot(db) == before
    with db.unit_of_work() as uow:
        latest = uow.audit.entries(action="feeds.load", limit=1)[0]
    assert latest.summary["outcome"] == "duplicate"
    assert latest.targets == ("file:lots_copy.csv",)  # no account's data changed
    assert latest.principal == OPS.id


BAD_FILES = {
    "wrong column": (
        "lots.csv",
        b"lot_id,acct,security,quantity,cost_basis,acquired\nL1,NB-1001,XYZ,1,1,2020-01-02\n",
        [(1, "account", "", "a column named account (lots)"), (1, "acct", "acct", "only the")],
    ),
    "bad number": (
        "prices.csv",
        b"security,date,close\nXYZ,2025-06-02,10O.5\n",
        [(2, "close", "10O.5", "a number like 12.5")],
    ),
    "bad date": (
        "prices.csv",
        b"security,date,close\nXYZ,06/02/2025,100.5\n",
        [(2, "date", "06/02/2025", "a date like 2025-06-30")],
    ),
    "unknown account": (
        "cash.csv",
        b"account,amount,as_of\nNB-9999,10,2025-06-02\n",
        [(2, "account", "NB-9999", "an account of the firm")],
    ),
    "unknown security in prices": (
        "prices.csv",
        b"security,date,close\nQQQQ,2025-06-02,10\n",
        [(2, "security", "QQQQ", "a security in the master")],
    ),
    "duplicate": (
        "prices.csv",
        b"security,date,close\nXYZ,2025-06-02,10\nBND,2025-06-02,70\nXYZ,2025-06-02,11\n",
        [(4, "date", "XYZ / 2025-06-02", "a duplicate of row 2")],
    ),
    "truncated": (
        "lots.csv",
        b"lot_id,account,security,quantity,cost_basis,acquired\nL1,NB-1001,XYZ,1,1,2020-01-02\nL2,NB-10",
        [(3, "", "2 fields", "the file ends mid-row")],
    ),
    "wrong encoding": (
        "securities.csv",
        b"ticker,name\nXYZ,Soci\xe9t\xe9 G\xe9n\xe9rale\n",
        [(2, "", "bytes e9", "text in utf-8")],
    ),
}


def test_a_malformed_file_changes_nothing_and_names_its_problems(
    db: Database, tmp_path: Path
) -> None:
    before = snapshot(db)
    for case, (name, content, expected) in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = load(db, path)
        assert result.outcome is ArrivalOutcome.REJECTED, case
        found = [(p.row, p.column, p.value, p.expected) for p in result.problems]
        for row, column, value, hint in expected:
            assert any(
                r == row and c == column and v == value and hint in e for r, c, v, e in found
            ), (case, found)
        assert snapshot(db) == before, case
    with db.unit_of_work() as uow:
        loads = uow.feed_loads.received_between(
            FEEDS_NOW - dt.timedelta(1), FEEDS_NOW + dt.timedelta(1)
        )
    assert [x.outcome for x in loads] == [ArrivalOutcome.REJECTED] * len(BAD_FILES)
    assert all(x.problems for x in loads)
