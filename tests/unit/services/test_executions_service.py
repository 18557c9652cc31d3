"""Scenarios of the fill simulation on in-memory fakes: the latest finished run's orders
are filled at the run day's close and booked (lots, cash, positions, trades), once; an
account whose books no longer fit its orders is left untouched and reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.builders import OPS
from tests.fakes.orders import FakeOrderRepository
from tests.fakes.trading_desk import FakeTradingDesk, finished_run
from trimtab.domain.executions import lot_id
from trimtab.domain.holdings import TaxLot
from trimtab.domain.problems import ProblemKind
from trimtab.engine.result import LotPick, Trade
from trimtab.services.executions import CLOSE_SIMULATION, fill_at_close
from trimtab.services.review_ports import ProposalState, ProposalView

DAY = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC)
RUN = "2025-06-30.1"


def proposal(account: str, *trades: Trade) -> ProposalView:
    return ProposalView(
        RUN, account, DAY, ProposalState.AUTO, Decimal(10000), trades, Decimal(0), Decimal(0), ""
    )


@pytest.fixture
def desk() -> FakeTradingDesk:
    orders = FakeOrderRepository(
        lots=[
            TaxLot("L1", "A-1", "VOO", Decimal(10), Decimal(4000), dt.date(2020, 1, 2)),
            TaxLot("L2", "A-1", "VOO", Decimal(4), Decimal(1800), dt.date(2025, 1, 2)),
            TaxLot("L9", "A-2", "VOO", Decimal(1), Decimal(450), dt.date(2025, 1, 2)),
        ],
        cash={"A-1": Decimal(1000), "A-2": Decimal(5000)},
        closes={"VOO": [(DAY, Decimal(500))], "BND": [(dt.date(2025, 6, 27), Decimal(100))]},
        positions={("A-1", "VOO"): Decimal(14)},
    )
    desk = FakeTradingDesk(orders=orders)
    desk.runs.add(finished_run(RUN))
    sale = Trade("VOO", "sell", 2.0, 1000.0, (LotPick("L2", 2.0, 100.0, "short"),))
    desk.proposals.add(proposal("A-1", sale, Trade("BND", "buy", 10.0, 1000.0)))
    return desk


def test_orders_are_filled_at_the_close_and_booked_once(desk: FakeTradingDesk) -> None:
    summary = fill_at_close(desk, principal=OPS, now=NOW)

    assert (summary.run_id, summary.trade_date, summary.filled, summary.accounts) == (
        RUN,
        DAY,
        2,
        1,
    )
    assert (summary.bought, summary.sold, summary.problems) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        (),
    )
    books = desk.orders
    assert books.lots["L2"].quantity == Decimal(2)  # the proposal's own lot relieved
    new = books.lots[lot_id(f"{RUN}:A-1:BND:buy")]
    assert (new.security, new.quantity, new.acquired) == ("BND", Decimal(10), DAY)
    assert books.cash["A-1"] == Decimal(1000)  # +$1,000 sold, −$1,000 bought
    assert books.positions[("A-1", "VOO")] == Decimal(12)  # the custodian's view follows
    assert ("A-1", "BND") in books.positions
    assert {(t.security, t.side.value, t.date) for t in books.trades} == {
        ("VOO", "sell", DAY),
        ("BND", "buy", DAY),
    }
    assert books.bookings[0].source == CLOSE_SIMULATION
    assert books.bookings[0].actor == "cli:ops"
    assert desk.audit.actions() == ["orders.create", "orders.fill"]
    fill = desk.audit.appended[-1]
    assert fill.targets == ("A-1", f"run:{RUN}")
    assert fill.summary["orders"] == 2
    assert fill.summary["trade_date"] == "2025-06-30"

    again = fill_at_close(desk, principal=OPS, now=NOW)
    assert (again.filled, again.accounts) == (0, 0)
    assert desk.audit.actions() == ["orders.create", "orders.fill"]


def test_an_account_whose_lots_changed_is_left_untouched(desk: FakeTradingDesk) -> None:
    sale = Trade("VOO", "sell", 3.0, 1500.0, (LotPick("L9", 3.0, 150.0, "short"),))
    desk.proposals.add(proposal("A-2", sale))  # L9 holds 1 share now
    summary = fill_at_close(desk, principal=OPS, now=NOW)

    assert summary.accounts == 1
    assert [p.path for p in summary.problems] == [f"orders.{RUN}:A-2:VOO:sell.lots.L9"]
    assert desk.orders.lots["L9"].quantity == Decimal(1)
    assert desk.orders.cash["A-2"] == Decimal(5000)
    assert [o.account for o in desk.orders.unfilled_orders(RUN)] == ["A-2"]


def test_no_finished_run_fills_nothing(desk: FakeTradingDesk) -> None:
    desk.runs.all = {}
    summary = fill_at_close(desk, principal=OPS)
    assert summary.run_id is None
    assert [p.kind for p in summary.problems] == [ProblemKind.NOT_FOUND]
    assert desk.audit.appended == []
