"""Scenarios: filled orders booked into one account's lots, cash and trades — a sale
relieves exactly the proposal's lots, a buy is a new lot dated the trade day, and books
that no longer fit the orders are left untouched with a problem naming the order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from trimtab.domain.executions import Fill, book_fills, lot_id
from trimtab.domain.holdings import TaxLot
from trimtab.domain.trade_history import TradeSide

DAY = dt.date(2025, 6, 30)
OLD = TaxLot("L-old", "A", "X", D(10), D(400), dt.date(2023, 1, 3))  # long-term, $40/share
NEW = TaxLot("L-new", "A", "X", D(5), D(350), dt.date(2025, 3, 3))  # short-term, $70/share
OTHER = TaxLot("L-y", "A", "Y", D(3), D(90), dt.date(2024, 1, 2))


def sell(quantity: str, *lots: tuple[str, str], order: str = "R:A:X:sell") -> Fill:
    picks = tuple((lot, D(q)) for lot, q in lots)
    return Fill(order, "A", "X", TradeSide.SELL, D(quantity), D(60), DAY, picks)


def test_a_sale_relieves_the_proposed_lots_and_realizes_each_lots_gain_by_term() -> None:
    books, problems = book_fills((OLD, NEW, OTHER), (sell("9", ("L-new", "5"), ("L-old", "4")),))
    assert problems == []
    left = {lot.id: lot for lot in books.lots}
    assert books.closed == ("L-new",)  # sold whole, though FIFO would have taken L-old
    assert (left["L-old"].quantity, left["L-old"].cost_basis) == (D(6), D(240))
    assert left["L-y"] == OTHER
    assert books.realized_short == D(5) * 60 - 350  # -$50 on the newer lot
    assert books.realized_long == D(4) * 60 - 160  # +$80 on the older one
    assert books.cash_change == D(9) * 60
    (trade,) = books.trades
    assert (trade.side, trade.quantity, trade.realized_gain) == (TradeSide.SELL, D(9), D(30))


def test_a_buy_is_a_new_lot_dated_the_trade_day_at_the_fill_price() -> None:
    buy = Fill("R:A:Z:buy", "A", "Z", TradeSide.BUY, D("2.5"), D("41.333"), DAY)
    books, problems = book_fills((OLD,), (buy,))
    assert problems == []
    lot = next(x for x in books.lots if x.security == "Z")
    assert (lot.id, lot.quantity, lot.acquired) == (lot_id("R:A:Z:buy"), D("2.5"), DAY)
    assert lot.cost_basis == D("103.33")  # to the cent
    assert books.cash_change == -D("103.33")
    assert books.trades[0].realized_gain is None


def test_books_that_no_longer_fit_the_orders_are_left_untouched() -> None:
    too_much, problems = book_fills((OLD,), (sell("12", ("L-old", "12")),))
    assert [p.path for p in problems] == ["orders.R:A:X:sell.lots.L-old"]
    assert too_much.lots == (OLD,)
    assert too_much.cash_change == 0
    assert too_much.trades == ()

    _gone, problems = book_fills((OLD,), (sell("1", ("L-sold", "1")),))
    assert [p.path for p in problems] == ["orders.R:A:X:sell.lots.L-sold"]

    short, problems = book_fills((OLD,), (sell("5", ("L-old", "4")),))
    assert [p.path for p in problems] == ["orders.R:A:X:sell"]
    assert short.lots == (OLD,)
