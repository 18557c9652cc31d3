"""Scenarios: the model book stored in a real database, through the use cases.

Runs on SQLite and PostgreSQL through the store's `database_url` fixture.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.builders import (
    BALANCED,
    CLASSES,
    DIRECT_INDEX,
    FIRM_TARGET,
    SECURITIES,
    SP500,
    child,
)
from trimtab.bootstrap import Database
from trimtab.domain import Account, CashBalance, Firm, Household, Price, TaxLot, TaxStatus
from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.model_hub import ModelProvider, Subscription
from trimtab.domain.principal import Principal
from trimtab.domain.resolution import Resolver
from trimtab.domain.restrictions import Kind, Level, Restriction
from trimtab.domain.targets import DropClass, Product, ReplaceProduct, Tilt
from trimtab.services.model_book import (
    assign_target,
    history,
    load_catalog,
    load_catalog_for,
    preview_customization,
    record_definitions,
    resolve_account,
)
from trimtab.services.model_hub import add_provider, provider_fees, subscribe, upload_model

JAN_1 = dt.date(2026, 1, 1)
NOW = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
# Who makes each change: the investment committee, an advisor, operations, a provider.
IPC, ADVISOR, ADV, OPS, PIM = (Principal.cli(n) for n in ("ipc", "advisor", "adv", "ops", "pim"))


@pytest.fixture
def db(database: Database) -> Database:
    """The migrated database with a small firm and its initial model book."""
    with database.unit_of_work() as uow:
        uow.organization.add_firm(Firm("FIRM", "Demo Wealth"))
        for c in CLASSES.classes.values():
            uow.asset_classes.add(c)
        uow.commit()
    with database.unit_of_work() as uow:
        for s in SECURITIES.values():
            uow.securities.add(s)
        uow.households.add(Household("H1"))
        uow.commit()
    with database.unit_of_work() as uow:
        uow.accounts.add(Account("A1", "H1", TaxStatus.TAXABLE))
        uow.commit()
    result = record_definitions(
        database.unit_of_work,
        [BALANCED, DIRECT_INDEX, SP500, FIRM_TARGET],
        principal=IPC,
        reason="initial book",
        now=NOW,
        effective=JAN_1,
    )
    assert result.saved, result.problems
    return database


def test_a_customized_account_follows_a_parent_change_at_its_next_resolution(
    db: Database,
) -> None:
    no_reit = child("A1-CUSTOM", DropClass("REAL_ESTATE"))
    assert record_definitions(
        db.unit_of_work, [no_reit], principal=ADVISOR, reason="client asked", now=NOW
    ).saved
    assert assign_target(db.unit_of_work, "A1", "A1-CUSTOM", principal=ADVISOR, as_of=JAN_1) == []

    mid_heavy = AssetAllocation(
        "BAL", "Balanced", {**BALANCED.weights, "US_LARGE": D("0.35"), "US_MID": D("0.15")}
    )
    change = record_definitions(
        db.unit_of_work,
        [mid_heavy],
        principal=IPC,
        reason="overweight mid cap",
        now=NOW,
        effective=dt.date(2026, 2, 1),
    )
    assert change.saved

    before, _ = resolve_account(db.unit_of_work, "A1", dt.date(2026, 1, 31))
    after, _ = resolve_account(db.unit_of_work, "A1", dt.date(2026, 2, 1))
    assert before is not None
    assert after is not None
    vo = {
        r: next(g.target for g in x.groups if g.id == "VO")
        for r, x in (("b", before), ("a", after))
    }
    assert vo["b"] == pytest.approx(0.10 / 0.95)
    assert vo["a"] == pytest.approx(0.15 / 0.95)
    assert "allocation:BAL@2" in after.versions
    assert [(v.number, v.reason) for v in history(db.unit_of_work, "allocation", "BAL")] == [
        (1, "initial book"),
        (2, "overweight mid cap"),
    ]


def test_a_parent_change_that_pushes_a_child_out_of_limits_is_reported_and_not_saved(
    db: Database,
) -> None:
    edge = child("EDGE", DropClass("REAL_ESTATE"), Tilt("US_LARGE", D("0.05"), "US_BOND"))
    assert record_definitions(db.unit_of_work, [edge], principal=ADV, reason="r", now=NOW).saved
    riskier = AssetAllocation(
        "BAL", "Balanced", {**BALANCED.weights, "US_LARGE": D("0.48"), "US_BOND": D("0.22")}
    )
    result = record_definitions(db.unit_of_work, [riskier], principal=IPC, reason="r", now=NOW)
    assert not result.saved
    assert [i.target for i in result.impacts] == ["EDGE"]
    assert len(history(db.unit_of_work, "allocation", "BAL")) == 1
    confirmed = record_definitions(
        db.unit_of_work, [riskier], principal=IPC, reason="r", now=NOW, confirm_impact=True
    )
    assert confirmed.saved


def test_an_out_of_limits_customization_is_rejected_and_nothing_is_saved(db: Database) -> None:
    swap = child("BAD", ReplaceProduct("US_LARGE", Product.fund("BND")))
    preview = preview_customization(db.unit_of_work, swap, JAN_1)
    assert preview.resolved is not None  # the advisor sees the effect...
    assert "not an allowed product for US_LARGE" in preview.problems[0].message  # ...and why not
    result = record_definitions(db.unit_of_work, [swap], principal=ADV, reason="r", now=NOW)
    assert not result.saved
    assert history(db.unit_of_work, "target", "BAD") == []


def test_an_account_buys_the_alternate_when_the_preferred_member_is_restricted(
    db: Database,
) -> None:
    with db.unit_of_work() as uow:
        uow.restrictions.add(Restriction(Level.FIRM, "FIRM", "VOO", Kind.NO_BUY, "watch list"))
        uow.commit()
    assign_target(db.unit_of_work, "A1", "BAL-ETF", principal=OPS, as_of=JAN_1)
    resolved, _ = resolve_account(db.unit_of_work, "A1", JAN_1)
    assert resolved is not None
    sp500 = next(g for g in resolved.groups if g.id == "SP500")
    assert (sp500.buy, sp500.members) == ("IVV", ("VOO", "IVV", "SPLG"))


def test_hub_upload_is_versioned_and_earns_its_provider_a_monthly_fee(db: Database) -> None:
    add_provider(db.unit_of_work, ModelProvider("PIM", "Pacific Income", D("25")), principal=OPS)
    bad = upload_model(
        db.unit_of_work,
        "PIM",
        "PIM-BOND",
        [("BND", D("0.5")), ("ZZZ", D("0.5"))],
        principal=PIM,
        now=NOW,
        source="bond.csv",
    )
    assert [str(p) for p in bad.problems] == [
        "lines[1].security: unknown security ZZZ: not in the master"
    ]
    good = upload_model(
        db.unit_of_work,
        "PIM",
        "PIM-BOND",
        [("BND", D("0.7")), ("EMB", D("0.3"))],
        principal=PIM,
        now=NOW,
        source="bond.csv",
        asset_class="US_BOND",
    )
    assert good.change.saved
    assert good.change.versions[0].number == 1
    assert subscribe(db.unit_of_work, Subscription("PIM", "PIM-BOND", JAN_1), principal=OPS) == []
    uma = child("A1-UMA", ReplaceProduct("US_BOND", Product.model("PIM-BOND")))
    assert record_definitions(db.unit_of_work, [uma], principal=ADV, reason="r", now=NOW).saved
    assign_target(db.unit_of_work, "A1", "A1-UMA", principal=OPS, as_of=JAN_1)
    with db.unit_of_work() as uow:
        uow.prices.add(Price("BND", dt.date(2025, 12, 31), D("100")))
        uow.lots.add(TaxLot("L1", "A1", "BND", D("10000"), D("950000"), dt.date(2024, 1, 2)))
        uow.cash.set(CashBalance("A1", D("0"), JAN_1))
        uow.commit()
    (fee,) = provider_fees(db.unit_of_work, JAN_1)
    # $1,000,000 account, 30% of it in PIM's bond model, 25 bps/year, 31 days.
    assert fee.month == "2026-01"
    assert fee.average_assets == D("300000.00")
    assert fee.fee == (D("300000") * D("0.0025") * 31 / 365).quantize(D("0.01"))


def test_one_accounts_catalog_holds_its_target_chain_and_resolves_as_the_whole_book(
    db: Database,
) -> None:
    mine, other = child("A1-CUSTOM", DropClass("REAL_ESTATE")), child("B-CUSTOM")
    assert record_definitions(
        db.unit_of_work, [mine, other], principal=ADVISOR, reason="clients asked", now=NOW
    ).saved
    with db.unit_of_work() as uow:
        whole = load_catalog(uow, JAN_1)
        narrow = load_catalog_for(uow, JAN_1, ["A1-CUSTOM", "NO-SUCH-TARGET"])
    assert set(narrow.targets) == {"A1-CUSTOM", FIRM_TARGET.id}
    assert set(whole.targets) > set(narrow.targets)
    assert Resolver(narrow).resolve("A1-CUSTOM") == Resolver(whole).resolve("A1-CUSTOM")
    missing, problems = Resolver(narrow).resolve("NO-SUCH-TARGET")
    assert missing is None
    assert problems
