"""The pure rules of data management: corporate-action restatement, synchronization,
data quality and file-transfer states."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from trimtab.domain.corporate_action_events import (
    ActionKind,
    CorporateActionEvent,
    restate_equivalence_set,
    restate_lots,
    restate_model,
    restate_restrictions,
)
from trimtab.domain.data_quality import AccountInputs, ErrorCode, PricePoint, check_account
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.file_transfers import (
    Arrival,
    ArrivalOutcome,
    ExpectedFile,
    FileState,
    file_states,
)
from trimtab.domain.holdings import TaxLot
from trimtab.domain.models import Model
from trimtab.domain.restrictions import Kind, Level, Restriction
from trimtab.domain.securities import Price
from trimtab.domain.synchronization import holdings_show, prices_show

DAY = dt.date(2025, 6, 2)
SPIN = CorporateActionEvent(
    "S", ActionKind.SPIN_OFF, "P", DAY, new_security="C", ratio=D("0.5"), basis_allocation=D("0.2")
)
CASH_DEAL = CorporateActionEvent("M", ActionKind.MERGER, "Q", DAY, cash_per_share=D(30))
LOT = TaxLot("L1", "A", "P", D(100), D(1000), dt.date(2020, 1, 2))


def test_a_spin_off_splits_lots_and_model_weight_by_the_basis_allocation() -> None:
    restated = restate_lots([LOT], SPIN)
    assert [(x.id, x.security, x.quantity, x.cost_basis) for x in restated.lots] == [
        ("L1", "P", D(100), D(800)),
        ("L1/S", "C", D(50), D(200)),
    ]
    model = Model("M", "m", {"P": D("0.5"), "B": D("0.5")})
    assert dict(restate_model(model, SPIN).weights) == {
        "P": D("0.4"),
        "C": D("0.1"),
        "B": D("0.5"),
    }
    screen = Restriction(Level.PROGRAM, "ESG", "P", Kind.NO_BUY, "screen")
    assert restate_restrictions([screen], SPIN) == [
        screen,
        Restriction(Level.PROGRAM, "ESG", "C", Kind.NO_BUY, "screen"),
    ]


def test_a_cash_merger_sells_lots_and_spreads_the_weight_over_the_rest() -> None:
    lot = TaxLot("L1", "A", "Q", D(10), D(200), dt.date(2020, 1, 2))
    restated = restate_lots([lot], CASH_DEAL)
    assert restated.lots == ()
    assert [(d.proceeds, d.gain) for d in restated.disposals] == [(D(300), D(100))]
    model = Model("M", "m", {"Q": D("0.2"), "A": D("0.6"), "B": D("0.2")})
    assert dict(restate_model(model, CASH_DEAL).weights) == {"A": D("0.75"), "B": D("0.25")}
    only = EquivalenceSet("E", "e", "Q")
    assert restate_equivalence_set(only, CASH_DEAL) is None
    assert restate_equivalence_set(EquivalenceSet("E", "e", "Q", ("R",)), CASH_DEAL) == (
        EquivalenceSet("E", "e", "R")
    )


def test_a_rename_is_seen_in_prices_and_holdings() -> None:
    rename = CorporateActionEvent("R", ActionKind.RENAME, "OLD", DAY, new_security="NEW")
    old_still = [Price("OLD", DAY - dt.timedelta(1), D(10)), Price("OLD", DAY, D(10))]
    assert prices_show(rename, old_still) is False
    assert prices_show(rename, [Price("NEW", DAY, D(10))]) is True
    assert prices_show(rename, old_still[:1]) is None
    assert holdings_show(rename, lots_quantity=D(5), custodian={"OLD": D(5)}) is False
    assert holdings_show(rename, lots_quantity=D(5), custodian={"NEW": D(5)}) is True


def test_each_data_error_is_named() -> None:
    lots = (
        TaxLot("L1", "A", "OLDPX", D(1), D(1), DAY),
        TaxLot("L2", "A", "NOPX", D(1), D(1), DAY),
        TaxLot("L3", "A", "OK", D(1), D(1), DAY),
    )
    inputs = AccountInputs(
        "A",
        lots=lots,
        positions={"OLDPX": D(1), "NOPX": D(1), "OK": D(1)},
        cash=D(-5),
        closes={
            "OLDPX": (PricePoint(DAY - dt.timedelta(days=7), D(10)),),
            "OK": (PricePoint(DAY - dt.timedelta(days=1), D(10)), PricePoint(DAY, D(11))),
        },
        unknown_basis=frozenset({"L3"}),
    )
    assert [(e.code, e.security) for e in check_account(inputs, day=DAY)] == [
        (ErrorCode.MISSING_PRICE, "NOPX"),
        (ErrorCode.STALE_PRICE, "OLDPX"),
        (ErrorCode.NEGATIVE_CASH, None),
        (ErrorCode.MISSING_COST_BASIS, "OK"),
    ]
    jump = AccountInputs(
        "A",
        lots=lots[2:],
        closes={"OK": (PricePoint(DAY - dt.timedelta(1), D(10)), PricePoint(DAY, D(20)))},
    )
    assert [e.code for e in check_account(jump, day=DAY)] == [ErrorCode.PRICE_JUMP]
    explained = AccountInputs("A", lots=lots[2:], closes=jump.closes, actions=frozenset({"OK"}))
    assert check_account(explained, day=DAY) == []


def test_a_file_not_yet_due_is_pending_and_then_missing() -> None:
    tz = dt.UTC
    expected = [ExpectedFile("s", "prices", dt.time(7))]
    before = file_states(expected, [], day=DAY, tz=tz, now=dt.datetime(2025, 6, 2, 6, tzinfo=tz))
    after = file_states(expected, [], day=DAY, tz=tz, now=dt.datetime(2025, 6, 2, 8, tzinfo=tz))
    assert [before[0].state, after[0].state] == [FileState.PENDING, FileState.MISSING]
    fixed = [
        Arrival("s", "prices", "a", dt.datetime(2025, 6, 2, 6, tzinfo=tz), ArrivalOutcome.REJECTED),
        Arrival(
            "s", "prices", "b", dt.datetime(2025, 6, 2, 6, 30, tzinfo=tz), ArrivalOutcome.LOADED
        ),
    ]
    now = dt.datetime(2025, 6, 2, 9, tzinfo=tz)
    assert file_states(expected, fixed, day=DAY, tz=tz, now=now)[0].state is FileState.ARRIVED
