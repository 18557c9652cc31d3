"""Executions: filled orders booked back into an account's lots, cash and trade history.

Problem: the night after a rebalance must see the account as the trades left it. A buy
is a new tax lot; a sale relieves the very lots the proposal chose (the tax estimate,
the reviewer's edit and the wash-sale checks were all about those lots, so a different
relief would realize a different gain); cash moves by each trade's amount; and the
trade joins the household's recent trades, which the wash-sale lookback reads.

Rule (`book_fills`), for one account's fills, all or none:
- buy of q shares at p on day d → a new lot of q shares, basis round_cents(q × p),
  acquired d, id `lot_id(order)` (deterministic: booking is repeatable);
- sell → for each (lot, shares) of the order, the lot loses those shares and the same
  fraction of its basis and wash-sale adjustment; a lot sold whole is closed. The gain
  is the proceeds round_cents(shares × p) less the basis relieved, short- or long-term
  by the lot's holding period. The picks must add up to the order's quantity and may
  not take more than a lot holds: otherwise the account's fills are refused with a
  problem naming the order (the books changed since the proposal; nothing is booked);
- cash changes by − cost of buys + proceeds of sells; one `TradeRecord` per fill.

Worked example: lot L1 of 10 X with basis $500; sell 4 at $60 → L1 keeps 6 shares and
$300 basis, proceeds $240, gain $240 − $200 = $40; buy 2 Y at $30 → lot of 2 Y, basis
$60; cash + $240 − $60 = + $180.

    >>> import datetime as dt
    >>> from trimtab.domain.trade_history import TradeSide
    >>> d = dt.date(2025, 6, 30)
    >>> l1 = TaxLot("L1", "A", "X", Decimal(10), Decimal(500), dt.date(2025, 1, 2))
    >>> books, problems = book_fills((l1,), (
    ...     Fill("o1", "A", "X", TradeSide.SELL, Decimal(4), Decimal(60), d,
    ...          (("L1", Decimal(4)),)),
    ...     Fill("o2", "A", "Y", TradeSide.BUY, Decimal(2), Decimal(30), d),
    ... ))
    >>> [(lot.id, lot.quantity, lot.cost_basis) for lot in books.lots]  # doctest: +ELLIPSIS
    [('L1', Decimal('6'), Decimal('300.00')), ('F...', Decimal('2'), Decimal('60.00'))]
    >>> books.cash_change, books.realized_short, books.closed
    (Decimal('180.00'), Decimal('40.00'), ())
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from trimtab.domain.holdings import TaxLot, Term
from trimtab.domain.money import ZERO, round_cents
from trimtab.domain.problems import Problem
from trimtab.domain.trade_history import TradeRecord, TradeSide

__all__ = ["Books", "Fill", "book_fills", "lot_id"]


@dataclass(frozen=True, slots=True)
class Fill:
    """One order executed: its shares, price and trade date; a sale's lots as proposed."""

    order: str
    account: str
    security: str
    side: TradeSide
    quantity: Decimal
    price: Decimal
    date: dt.date
    lots: tuple[tuple[str, Decimal], ...] = ()  # sells: (lot id, shares)


@dataclass(frozen=True, slots=True)
class Books:
    """One account after its fills: its open lots, what closed, and what moved."""

    lots: tuple[TaxLot, ...]  # every open lot after the fills (changed, new and untouched)
    closed: tuple[str, ...]  # lots sold whole
    cash_change: Decimal
    trades: tuple[TradeRecord, ...]
    realized_short: Decimal = ZERO
    realized_long: Decimal = ZERO


def lot_id(order: str) -> str:
    """The lot a buy order's fill creates: stable, so booking a fill twice is detectable."""
    return "F" + hashlib.sha256(order.encode()).hexdigest()[:20].upper()


def book_fills(lots: Sequence[TaxLot], fills: Sequence[Fill]) -> tuple[Books, list[Problem]]:
    """Book one account's fills (see module doc); with problems the books are unchanged."""
    open_lots = {lot.id: lot for lot in lots}
    closed: list[str] = []
    new: list[TaxLot] = []
    trades: list[TradeRecord] = []
    problems: list[Problem] = []
    cash = ZERO
    realized = {Term.SHORT: ZERO, Term.LONG: ZERO}
    for fill in fills:
        amount = round_cents(fill.quantity * fill.price)
        where = f"orders.{fill.order}"
        if fill.side is TradeSide.BUY:
            new.append(
                TaxLot(
                    lot_id(fill.order),
                    fill.account,
                    fill.security,
                    fill.quantity,
                    amount,
                    fill.date,
                )
            )
            trades.append(
                TradeRecord(
                    fill.account, fill.security, fill.date, fill.side, fill.quantity, fill.price
                )
            )
            cash -= amount
            continue
        if sum((q for _, q in fill.lots), ZERO) != fill.quantity:
            problems.append(Problem(where, "the sale's lots do not add up to its quantity"))
            continue
        gain = ZERO
        for lot_ref, shares in fill.lots:
            lot = open_lots.get(lot_ref)
            if lot is None or lot.security != fill.security or shares > lot.quantity:
                problems.append(
                    Problem(
                        f"{where}.lots.{lot_ref}",
                        f"the lot does not hold {shares} {fill.security} any more: "
                        "the books changed since the proposal; re-run the analysis",
                    )
                )
                continue
            basis = (
                lot.cost_basis
                if shares == lot.quantity
                else round_cents(lot.cost_basis * shares / lot.quantity)
            )
            lot_gain = round_cents(shares * fill.price) - basis
            realized[lot.term_on(fill.date)] += lot_gain
            gain += lot_gain
            if shares == lot.quantity:
                del open_lots[lot_ref]
                closed.append(lot_ref)
            else:
                wash = round_cents(lot.wash_sale_adjustment * shares / lot.quantity)
                open_lots[lot_ref] = replace(
                    lot,
                    quantity=lot.quantity - shares,
                    cost_basis=lot.cost_basis - basis,
                    wash_sale_adjustment=lot.wash_sale_adjustment - wash,
                )
        trades.append(
            TradeRecord(
                fill.account, fill.security, fill.date, fill.side, fill.quantity, fill.price, gain
            )
        )
        cash += amount
    if problems:
        return Books(tuple(lots), (), ZERO, ()), problems
    books = Books(
        (*open_lots.values(), *new),
        tuple(closed),
        cash,
        tuple(trades),
        realized[Term.SHORT],
        realized[Term.LONG],
    )
    return books, []
