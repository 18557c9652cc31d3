"""Scenarios: corporate actions, synchronization, unknown securities, file monitoring.

Runs on SQLite and PostgreSQL; every change arrives through a feed file, as it would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.builders import FEEDS_NOW, OPS, load_feeds_firm
from trimtab.bootstrap import Database
from trimtab.domain.accounts import AccountStatus
from trimtab.domain.file_transfers import ExpectedFile, FileState
from trimtab.domain.principal import Principal
from trimtab.domain.restrictions import Kind, Level, Restriction
from trimtab.feeds.readers import open_feed
from trimtab.services.corporate_action_processing import apply_corporate_actions
from trimtab.services.file_monitoring import expect_files, feed_status
from trimtab.services.load_feed import LoadResult, load_feed
from trimtab.services.security_master import classify_security, unknown_securities
from trimtab.services.synchronization import check_synchronization

MON = dt.date(2025, 6, 2)
TUE = dt.date(2025, 6, 3)
DM, BATCH = Principal.cli("dm"), Principal.cli("batch")


@pytest.fixture
def db(database: Database) -> Database:
    load_feeds_firm(database)
    return database


def load(db: Database, path: Path, text: str, *, at: dt.datetime = FEEDS_NOW) -> LoadResult:
    path.write_text(text, encoding="utf-8")
    feed, problems = open_feed(path)
    assert feed is not None, problems
    return load_feed(db.unit_of_work, feed, principal=OPS, now=at)


def status(db: Database, account: str) -> AccountStatus:
    with db.unit_of_work() as uow:
        found = uow.accounts.get(account)
    assert found is not None
    return found.status


def test_a_two_for_one_split_reaches_lots_models_and_restrictions(
    db: Database, tmp_path: Path
) -> None:
    load(
        db,
        tmp_path / "lots.csv",
        "lot_id,account,security,quantity,cost_basis,acquired\n"
        "L1,NB-1001,XYZ,100,5000,2020-01-02\nL2,NB-1001,XYZ,30,4500,2024-05-01\n"
        "L3,NB-1002,XYZ,10,900,2023-01-03\nL4,NB-1002,BND,20,1400,2023-01-03\n",
    )
    load(
        db,
        tmp_path / "restrictions.csv",
        "level,scope,security,kind,reason\naccount,NB-1002,XYZ,no_sell,client wish\n",
    )
    load(
        db,
        tmp_path / "corporate_actions.csv",
        "action_id,kind,security,effective,ratio\nCA-1,split,XYZ,2025-06-02,2\n",
    )
    (applied,) = apply_corporate_actions(db.unit_of_work, principal=DM, now=FEEDS_NOW)
    assert applied.accounts == ("NB-1001", "NB-1002")
    with db.unit_of_work() as uow:
        lots = {lot.id: lot for a in ("NB-1001", "NB-1002") for lot in uow.lots.for_account(a)}
        core = uow.model_book.history("model", "CORE")
        restrictions = uow.feed_data.all_restrictions()
        (action,) = uow.feed_data.actions()
    assert {i: (x.quantity, x.cost_basis, x.acquired) for i, x in lots.items()} == {
        "L1": (D(200), D(5000), dt.date(2020, 1, 2)),
        "L2": (D(60), D(4500), dt.date(2024, 5, 1)),
        "L3": (D(20), D(900), dt.date(2023, 1, 3)),
        "L4": (D(20), D(1400), dt.date(2023, 1, 3)),  # not XYZ: untouched
    }
    # A split moves no weight and lifts no restriction: both stay exactly as they were.
    assert len(core) == 1
    assert restrictions == [
        Restriction(Level.ACCOUNT, "NB-1002", "XYZ", Kind.NO_SELL, "client wish")
    ]
    assert action.applied_by == "cli:dm"
    assert apply_corporate_actions(db.unit_of_work, principal=DM, now=FEEDS_NOW) == []


def test_a_ticker_change_moves_lots_model_weight_restrictions_and_set_membership(
    db: Database, tmp_path: Path
) -> None:
    load(
        db,
        tmp_path / "lots.csv",
        "lot_id,account,security,quantity,cost_basis,acquired\nL1,NB-1001,VOO,5,2000,2022-02-02\n",
    )
    load(
        db,
        tmp_path / "restrictions.csv",
        "level,scope,security,kind,reason\nfirm,FIRM,XYZ,no_buy,under review\n",
    )
    load(
        db,
        tmp_path / "corporate_actions.csv",
        "action_id,kind,security,effective,new_security,new_cusip\n"
        "CA-2,rename,XYZ,2025-06-02,XYZN,98412X200\nCA-3,rename,VOO,2025-06-02,VOOX,\n",
    )
    results = apply_corporate_actions(db.unit_of_work, principal=DM, now=FEEDS_NOW)
    assert [(r.action, r.models, r.equivalence_sets) for r in results] == [
        ("CA-2", ("CORE",), ()),
        ("CA-3", (), ("SP500",)),
    ]
    with db.unit_of_work() as uow:
        core = uow.model_book.history("model", "CORE")[-1].value
        sp500 = uow.model_book.history("equivalence_set", "SP500")[-1].value
        new = uow.securities.get("XYZN")
        (lot,) = uow.lots.for_account("NB-1001")
        restrictions = uow.feed_data.all_restrictions()
    assert dict(core.weights) == {"XYZN": D("0.6"), "BND": D("0.4")}  # type: ignore[union-attr]
    assert sp500.members == ("VOOX", "IVV")  # type: ignore[union-attr]
    assert new is not None
    assert (new.asset_class, new.cusip) == ("US_LARGE", "98412X200")
    assert (lot.security, lot.quantity, lot.cost_basis) == ("VOOX", D(5), D(2000))
    assert restrictions == [Restriction(Level.FIRM, "FIRM", "XYZN", Kind.NO_BUY, "under review")]


def test_a_desynchronized_split_suspends_accounts_until_the_feeds_agree(
    db: Database, tmp_path: Path
) -> None:
    load(
        db,
        tmp_path / "lots.csv",
        "lot_id,account,security,quantity,cost_basis,acquired\n"
        "L1,NB-1001,XYZ,100,5000,2020-01-02\nL2,NB-1002,XYZ,10,900,2023-01-03\n",
    )
    load(
        db,
        tmp_path / "corporate_actions.csv",
        "action_id,kind,security,effective,ratio\nCA-1,split,XYZ,2025-06-03,2\n",
    )
    apply_corporate_actions(db.unit_of_work, principal=DM, now=FEEDS_NOW)
    # Prices show the split on Tuesday; NB-1001's custodian still reports 100 shares,
    # NB-1002's already reports the 20 after the split.
    load(
        db,
        tmp_path / "prices_1.csv",
        "security,date,close\nXYZ,2025-06-02,100\nXYZ,2025-06-03,50.5\n",
    )
    load(
        db,
        tmp_path / "positions_1.csv",
        "account,security,quantity,as_of\nNB-1001,XYZ,100,2025-06-03\nNB-1002,XYZ,20,2025-06-03\n",
    )
    report = check_synchronization(db.unit_of_work, day=TUE, principal=BATCH, now=FEEDS_NOW)
    assert [(a, e) for a, e, _ in report.suspended] == [("NB-1001", "CA-1")]
    assert "holdings feed does not show the split of XYZ" in report.suspended[0][2]
    assert status(db, "NB-1001") is AccountStatus.SUSPENDED
    assert status(db, "NB-1002") is AccountStatus.OPEN
    with db.unit_of_work() as uow:
        assert [a.kind for a in uow.feed_loads.alerts(TUE)] == ["desynchronized"]
    # Checking again changes nothing; the custodian catching up releases the account.
    assert (
        check_synchronization(db.unit_of_work, day=TUE, principal=BATCH, now=FEEDS_NOW).suspended
        == ()
    )
    load(
        db,
        tmp_path / "positions_2.csv",
        "account,security,quantity,as_of\nNB-1001,XYZ,200,2025-06-03\n",
    )
    report = check_synchronization(db.unit_of_work, day=TUE, principal=BATCH, now=FEEDS_NOW)
    assert report.released == (("NB-1001", "CA-1"),)
    assert status(db, "NB-1001") is AccountStatus.OPEN


def test_an_unknown_security_is_detected_held_and_released_by_classification(
    db: Database, tmp_path: Path
) -> None:
    result = load(
        db,
        tmp_path / "lots.csv",
        "lot_id,account,security,quantity,cost_basis,acquired\n"
        "L1,NB-1001,NEWCO,10,500,2025-05-01\nL2,AB-2001,NEWCO,4,210,2025-05-02\n"
        "L3,NB-1002,XYZ,10,900,2023-01-03\n",
    )
    assert result.loaded
    assert result.unknown_securities == {"NEWCO": ("AB-2001", "NB-1001")}
    (unknown,) = unknown_securities(db.unit_of_work)
    assert (unknown.ticker, unknown.accounts) == ("NEWCO", ("AB-2001", "NB-1001"))
    assert status(db, "NB-1001") is AccountStatus.SUSPENDED
    assert status(db, "NB-1002") is AccountStatus.OPEN
    refused = classify_security(db.unit_of_work, "NEWCO", principal=DM, now=FEEDS_NOW)
    assert [p.path for p in refused.problems] == ["classification"]
    done = classify_security(
        db.unit_of_work, "NEWCO", proxy="XYZ", sector="Technology", principal=DM, now=FEEDS_NOW
    )
    assert done.released == ("AB-2001", "NB-1001")
    assert unknown_securities(db.unit_of_work) == []
    assert status(db, "NB-1001") is AccountStatus.OPEN
    with db.unit_of_work() as uow:
        newco = uow.securities.get("NEWCO")
    assert newco is not None
    assert (newco.asset_class, newco.sector) == ("US_LARGE", "Technology")


def test_file_monitoring_reports_each_of_the_five_states(db: Database, tmp_path: Path) -> None:
    ny = dt.timezone(dt.timedelta(hours=-4))  # New York in June
    expect_files(
        db.unit_of_work,
        "canonical",
        [
            ExpectedFile("canonical", kind, dt.time(7, 0))
            for kind in ("prices", "lots", "cash", "positions", "transactions")
        ],
        timezone="America/New_York",
        principal=DM,
    )
    at = dt.datetime(2025, 6, 2, 6, 30, tzinfo=ny)
    assert load(
        db, tmp_path / "prices.csv", "security,date,close\nXYZ,2025-06-02,100\n", at=at
    ).loaded
    late = dt.datetime(2025, 6, 2, 8, 15, tzinfo=ny)
    load(
        db, tmp_path / "lots.csv", "lot_id,account,security,quantity,cost_basis,acquired\n", at=late
    )
    load(db, tmp_path / "cash.csv", "account,amount,as_of\nNB-1001,ten,2025-06-02\n", at=at)
    positions = "account,security,quantity,as_of\nNB-1001,XYZ,1,2025-06-02\n"
    load(db, tmp_path / "positions.csv", positions, at=at)
    load(db, tmp_path / "positions_again.csv", positions, at=at + dt.timedelta(minutes=5))
    day = feed_status(db.unit_of_work, day=MON, now=dt.datetime(2025, 6, 2, 9, tzinfo=ny))
    assert {s.expected.feed: s.state for s in day.files} == {
        "prices": FileState.ARRIVED,
        "lots": FileState.LATE,
        "cash": FileState.MALFORMED,
        "positions": FileState.DUPLICATE,
        "transactions": FileState.MISSING,
    }
    assert sorted(a.kind for a in day.alerts) == ["duplicate", "late", "malformed", "missing"]
    again = feed_status(db.unit_of_work, day=MON, now=dt.datetime(2025, 6, 2, 10, tzinfo=ny))
    assert len(again.alerts) == 4  # asked twice, alerted once
    good_friday = feed_status(db.unit_of_work, day=dt.date(2025, 4, 18), now=FEEDS_NOW)
    assert not good_friday.business_day
    assert good_friday.files == ()
