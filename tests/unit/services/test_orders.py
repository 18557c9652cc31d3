"""Scenarios of order creation on in-memory fakes: the latest finished run's approved and
auto-traded proposals become one order per account, security and side; creating them
again adds (and records) nothing; block orders add up to their allocations."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from tests.builders import OPS
from tests.fakes.trading_desk import FakeTradingDesk, finished_run
from trimtab.domain.problems import ProblemKind
from trimtab.domain.trade_history import TradeSide
from trimtab.engine.result import LotPick, Trade
from trimtab.services.orders import block_orders, create_orders, run_orders
from trimtab.services.review_ports import ProposalState, ProposalView
from trimtab.services.run_ports import RunState

NOW = dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC)
RUN = "2025-06-30.1"
SELL = Trade("VOO", "sell", 2.0, 1000.0, (LotPick("L2", 2.0, 100.0, "short"),), "trims VOO")
BUY = Trade("BND", "buy", 10.5, 1050.0, (), "brings bonds to target")


def proposal(account: str, state: ProposalState, *trades: Trade) -> ProposalView:
    return ProposalView(
        RUN,
        account,
        dt.date(2025, 6, 30),
        state,
        Decimal(10000),
        trades,
        Decimal(0),
        Decimal("0.1"),
        "auto_trade",
    )


@pytest.fixture
def desk() -> FakeTradingDesk:
    desk = FakeTradingDesk()
    desk.runs.add(finished_run(RUN))
    desk.proposals.add(proposal("A-1", ProposalState.APPROVED, SELL, BUY))
    desk.proposals.add(proposal("A-2", ProposalState.AUTO, BUY))
    desk.proposals.add(proposal("A-3", ProposalState.PENDING, BUY))
    desk.proposals.add(proposal("A-4", ProposalState.REJECTED, SELL))
    return desk


def test_approved_and_auto_traded_proposals_become_orders_once(desk: FakeTradingDesk) -> None:
    assert create_orders(desk, principal=OPS, now=NOW) == (RUN, 3, [])

    orders = {o.id: o for o in run_orders(desk, RUN)}
    assert sorted(orders) == [f"{RUN}:A-1:BND:buy", f"{RUN}:A-1:VOO:sell", f"{RUN}:A-2:BND:buy"]
    sale = orders[f"{RUN}:A-1:VOO:sell"]
    assert (sale.side, sale.quantity, sale.price) == (TradeSide.SELL, Decimal(2), Decimal(500))
    assert sale.lots == SELL.lots  # the proposal's own lots, typed
    assert (sale.created_by, sale.created_at) == ("cli:ops", NOW)
    [entry] = desk.audit.appended
    assert entry.action == "orders.create"
    assert entry.targets == ("A-1", "A-2", f"run:{RUN}")
    assert entry.summary == {"orders": 3, "accounts": 2, "bought": "2100.00", "sold": "1000.00"}

    # Again (a retry, a second export): nothing new, nothing recorded.
    assert create_orders(desk, principal=OPS, now=NOW) == (RUN, 0, [])
    assert len(run_orders(desk, RUN)) == 3
    assert desk.audit.actions() == ["orders.create"]
    assert desk.commits == 1


def test_an_approval_after_the_first_export_adds_only_its_own_orders(
    desk: FakeTradingDesk,
) -> None:
    create_orders(desk, principal=OPS, now=NOW)
    desk.proposals.add(proposal("A-3", ProposalState.APPROVED, BUY))
    assert create_orders(desk, principal=OPS, now=NOW)[1] == 1
    second = desk.audit.appended[-1]
    assert second.targets == ("A-3", f"run:{RUN}")


def test_no_finished_run_means_no_orders(desk: FakeTradingDesk) -> None:
    desk.runs.all = {RUN: finished_run(RUN, state=RunState.RUNNING)}
    run_id, added, [problem] = create_orders(desk, principal=OPS)
    assert (run_id, added, problem.kind) == (None, 0, ProblemKind.NOT_FOUND)
    assert "trimtab run" in problem.message
    assert desk.audit.appended == []


def test_a_voided_run_makes_no_orders_the_run_before_it_does(desk: FakeTradingDesk) -> None:
    void = finished_run("2025-07-01.1", state=RunState.VOIDED, started_at=NOW, finished_at=NOW)
    desk.runs.add(void)
    desk.proposals.add(
        dataclasses.replace(proposal("A-9", ProposalState.AUTO, BUY), run_id=void.id)
    )
    assert create_orders(desk, principal=OPS, now=NOW)[:2] == (RUN, 3)


def test_block_orders_add_up_to_their_allocations(desk: FakeTradingDesk) -> None:
    desk.proposals.add(proposal("A-3", ProposalState.APPROVED, BUY))
    create_orders(desk, principal=OPS, now=NOW)
    blocks = block_orders(run_orders(desk, RUN))
    assert [(b.security, b.side, b.quantity, len(b.allocations)) for b in blocks] == [
        ("BND", TradeSide.BUY, Decimal("31.5"), 3),
        ("VOO", TradeSide.SELL, Decimal(2), 1),
    ]
    assert blocks == block_orders(run_orders(desk, RUN))  # same ids on every export
