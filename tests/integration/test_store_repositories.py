"""Scenarios: every domain value goes into the store and comes back equal, on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trimtab.bootstrap import Database
from trimtab.domain import (
    Account,
    AccountStatus,
    Advisor,
    AssetAllocation,
    AssetClass,
    Branch,
    CashBalance,
    Firm,
    Household,
    Kind,
    Level,
    Model,
    Price,
    Program,
    Restriction,
    Security,
    SecurityType,
    TaxLot,
    TaxProfile,
    TaxStatus,
    TradeRecord,
    TradeSide,
)

DAY = dt.date(2025, 6, 2)
VTI = Security(
    "TTLC", cusip="123456789", name="Trimtab US Large Cap ETF", type=SecurityType.ETF,
    asset_class="US_LARGE", sector=None, wash_group="TT-LC",
)  # fmt: skip
AAPL = Security("AAPL", name="AAPL common stock", asset_class="US_LARGE", sector="IT")


def _firm(db: Database) -> None:
    """A firm with one household of a taxable account and an IRA."""
    with db.unit_of_work() as uow:
        uow.organization.add_firm(Firm("F", "Firm"))
        uow.organization.add_program(Program("ESG", "Sustainable"))
        uow.organization.add_branch(Branch("B1", "Boston office"))
        uow.organization.add_advisor(Advisor("ADV1", "A. Rivera", branch="B1"))
        uow.asset_classes.add(AssetClass("EQUITY", "Equity"))
        uow.asset_classes.add(AssetClass("US_LARGE", "US Large Cap", parent="EQUITY"))
        uow.securities.add(VTI)
        uow.securities.add(AAPL)
        uow.targets.add_allocation(AssetAllocation("GROWTH", "Growth", {"US_LARGE": D("1")}))
        uow.households.add(Household("H1", "The Rivera household"))
        uow.accounts.add(
            Account(
                "T1", household="H1", tax_status=TaxStatus.TAXABLE, name="Ana Rivera",
                status=AccountStatus.SUSPENDED, discretionary=False, approved_for_trading=False,
                tier="Gold", advisor="ADV1", branch="B1", fields={"paperwork": "incomplete"},
                program="ESG", target="GROWTH",
            )
        )  # fmt: skip
        uow.accounts.add(Account("IRA1", household="H1", tax_status=TaxStatus.TAX_DEFERRED))
        uow.commit()


def test_reference_data_round_trips(database: Database) -> None:
    _firm(database)
    with database.unit_of_work() as uow:
        assert uow.organization.firms() == [Firm("F", "Firm")]
        assert uow.organization.programs() == [Program("ESG", "Sustainable")]
        assert uow.organization.advisors() == [Advisor("ADV1", "A. Rivera", branch="B1")]
        assert uow.organization.branches() == [Branch("B1", "Boston office")]
        assert uow.asset_classes.get("US_LARGE") == AssetClass("US_LARGE", "US Large Cap", "EQUITY")
        assert uow.securities.get("TTLC") == VTI
        assert [s.ticker for s in uow.securities.list()] == ["AAPL", "TTLC"]
        growth = uow.targets.allocation("GROWTH")
        assert growth is not None
        assert dict(growth.weights) == {"US_LARGE": D("1")}


def test_an_account_with_every_ancillary_field_round_trips(database: Database) -> None:
    _firm(database)
    with database.unit_of_work() as uow:
        account = uow.accounts.get("T1")
        assert account is not None
        assert account.fields == {"paperwork": "incomplete"}
        assert (account.status, account.tier, account.program, account.target) == (
            AccountStatus.SUSPENDED, "Gold", "ESG", "GROWTH",
        )  # fmt: skip
        assert [a.id for a in uow.accounts.in_household("H1")] == ["IRA1", "T1"]
        uow.accounts.save(
            Account("T1", household="H1", tax_status=TaxStatus.TAXABLE, fields={"paperwork": "ok"})
        )
        uow.commit()
    with database.unit_of_work() as uow:
        saved = uow.accounts.get("T1")
        assert saved is not None
        assert saved.fields == {"paperwork": "ok"}


def test_lots_cash_tax_profile_and_prices_keep_every_digit(database: Database) -> None:
    _firm(database)
    lot = TaxLot(
        "L1", "T1", "TTLC", D("12.345678"), D("1234.567891"), acquired=DAY,
        holding_period_start=dt.date(2025, 1, 3), wash_sale_adjustment=D("45.67"),
    )  # fmt: skip
    profile = TaxProfile(
        "H1", short_term_rate=D("0.408"), long_term_rate=D("0.238"),
        realized_short_ytd=D("-1200.50"), realized_long_ytd=D("3400"), loss_carryforward=D("900"),
    )  # fmt: skip
    with database.unit_of_work() as uow:
        uow.lots.add(lot)
        uow.cash.set(CashBalance("T1", D("2500.01"), DAY))
        uow.households.set_tax_profile(profile)
        uow.prices.add(Price("TTLC", DAY, D("101.2345")))
        uow.prices.add(Price("TTLC", DAY + dt.timedelta(days=1), D("102.5")))
        uow.prices.add(Price("TTLC", DAY + dt.timedelta(days=9), D("99")))  # after as_of below
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.lots.for_account("T1") == [lot]
        assert uow.cash.get("T1") == CashBalance("T1", D("2500.01"), DAY)
        assert uow.households.tax_profile("H1") == profile
        assert uow.prices.on("TTLC", DAY) == Price("TTLC", DAY, D("101.2345"))
        latest = uow.prices.latest(["TTLC", "AAPL"], as_of=DAY + dt.timedelta(days=5))
        assert latest == {"TTLC": Price("TTLC", DAY + dt.timedelta(days=1), D("102.5"))}
        assert uow.prices.latest(["TTLC"], as_of=DAY - dt.timedelta(days=1)) == {}
        assert len(uow.prices.history("TTLC", DAY, DAY + dt.timedelta(days=1))) == 2
        uow.lots.remove("L1")
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.lots.for_account("T1") == []


def test_an_account_sees_the_restrictions_of_its_firm_program_household_and_itself(
    database: Database,
) -> None:
    _firm(database)
    mine = [
        Restriction(Level.FIRM, "F", "AAPL", Kind.NO_BUY, "firm watch list"),
        Restriction(Level.PROGRAM, "ESG", "AAPL", Kind.NO_SELL, "screen"),
        Restriction(Level.HOUSEHOLD, "H1", "TTLC", Kind.NO_SELL, "inherited"),
        Restriction(Level.ACCOUNT, "T1", "AAPL", Kind.MUST_SELL, "client request"),
    ]
    others = [
        Restriction(Level.ACCOUNT, "IRA1", "AAPL", Kind.NO_BUY, "another account"),
        Restriction(Level.FIRM, "OTHER-FIRM", "TTLC", Kind.NO_BUY, "another firm"),
    ]
    with database.unit_of_work() as uow:
        for r in mine + others:
            uow.restrictions.add(r)
        uow.commit()
    with database.unit_of_work() as uow:
        account = uow.accounts.get("T1")
        assert account is not None
        assert uow.restrictions.applicable(account, firm="F") == mine


def test_the_wash_sale_lookback_sees_recent_trades_of_every_account_in_the_household(
    database: Database,
) -> None:
    _firm(database)
    sale = TradeRecord(
        "T1", "TTLC", DAY, TradeSide.SELL, D("10"), D("95"), realized_gain=D("-120.00")
    )
    ira_buy = TradeRecord(
        "IRA1", "TTLC", DAY + dt.timedelta(days=2), TradeSide.BUY, D("3"), D("96")
    )
    old = TradeRecord("T1", "AAPL", DAY - dt.timedelta(days=90), TradeSide.BUY, D("1"), D("150"))
    with database.unit_of_work() as uow:
        for trade in (old, sale, ira_buy):
            uow.trades.add(trade)
        uow.commit()
    with database.unit_of_work() as uow:
        recent = uow.trades.in_household_since("H1", DAY - dt.timedelta(days=30))
    assert recent == [sale, ira_buy]


def test_models_keep_their_weights(database: Database) -> None:
    _firm(database)
    model = Model("DI", "Direct index", {"AAPL": D("0.25"), "TTLC": D("0.75")})
    with database.unit_of_work() as uow:
        uow.targets.add_model(model)
        uow.commit()
    with database.unit_of_work() as uow:
        stored = uow.targets.model("DI")
    assert stored is not None
    assert dict(stored.weights) == dict(model.weights)


def _add_a_security_then_fail(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.securities.add(Security("XYZ"))
        raise RuntimeError("boom")


def test_leaving_a_unit_of_work_without_commit_rolls_everything_back(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.households.add(Household("H9", "uncommitted"))
        uow.securities.add(Security("XYZ"))
    with pytest.raises(RuntimeError, match="boom"):
        _add_a_security_then_fail(database)
    with database.unit_of_work() as uow:
        assert uow.households.get("H9") is None
        assert uow.securities.list() == []
        assert uow.bulk.is_empty()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.decimals(min_value=D("-999999999.999999"), max_value=D("999999999.999999"), places=6)
)
def test_any_amount_to_the_millionth_survives_the_database(database: Database, amount: D) -> None:
    with database.unit_of_work() as uow:
        uow.households.add(Household("H", ""))
        uow.households.set_tax_profile(
            TaxProfile("H", D("0.3"), D("0.2"), realized_short_ytd=amount)
        )
        uow.session.flush()
        uow.session.expire_all()
        stored = uow.households.tax_profile("H")
    assert stored is not None
    assert stored.realized_short_ytd == amount
