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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal

from trimtab.domain.holdings import TaxLot, Term
from trimtab.domain.money import ZERO, round_cents
from trimtab.domain.problems import Problem
from trimtab.domain.trade_history import TradeRecord, TradeSide

__all__ = [
    "BlockFill",
    "Books",
    "Execution",
    "Fill",
    "allocate_block",
    "block_fill",
    "book_fills",
    "lot_id",
    "lots_for",
]


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


# -- executions back from the order management system --------------------------------------
#
# The desk's OMS answers each block order (ClOrdID = the block's client order id) with
# FIX 4.4 ExecutionReports: trades (ExecType F, or 1/2 from older engines) carry the
# shares and price of that trade (LastQty 32, LastPx 31); the order's status (OrdStatus
# 39) says whether more may come (0 new, 1 partially filled) or not (2 filled, 3 done
# for day, 4 canceled, 8 rejected, C expired). A block is booked once, when its status
# is final, at the average price of its trades, allocated back to the accounts.

TRADE_TYPES = frozenset({"1", "2", "F"})  # partial fill, fill (FIX 4.2 style), trade
CORRECTION_TYPES = frozenset({"G", "H"})  # trade correct, trade cancel (bust)
FINAL_STATUSES = frozenset({"2", "3", "4", "8", "C"})
PRICE_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Execution:
    """One ExecutionReport (35=8) as trimtab reads it, from FIX or the CSV layout."""

    exec_id: str  # 17: unique per report; a report seen again is the same report
    client_order_id: str  # 11, or 41 (OrigClOrdID) on a cancel: the exported block's id
    exec_type: str  # 150
    order_status: str  # 39
    security: str  # 55
    side: TradeSide  # 54
    last_quantity: Decimal = ZERO  # 32
    last_price: Decimal = ZERO  # 31
    trade_date: dt.date | None = None  # 75, else the day of TransactTime (60)

    @property
    def is_trade(self) -> bool:
        return self.exec_type in TRADE_TYPES and self.last_quantity > 0

    @property
    def is_final(self) -> bool:
        return self.order_status in FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class BlockFill:
    """What the executions of one block add up to."""

    block: str
    ordered: Decimal
    filled: Decimal
    price: Decimal  # average over the trades, to the millionth; 0 with nothing filled
    final: bool  # no more executions will come: book it
    trade_date: dt.date | None


def block_fill(
    block: str, ordered: Decimal, executions: Iterable[Execution]
) -> tuple[BlockFill, list[Problem]]:
    """Add up a block's executions (each report once, by ExecID).

    More shares than ordered, a side or security other than the block's, or a trade
    correction are problems: the block is not booked (a person decides, never a guess).

        >>> from trimtab.domain.trade_history import TradeSide as S
        >>> ex = [Execution("E1", "B", "F", "1", "X", S.BUY, Decimal(60), Decimal(10)),
        ...       Execution("E2", "B", "F", "2", "X", S.BUY, Decimal(40), Decimal(11))]
        >>> fill, problems = block_fill("B", Decimal(100), ex)
        >>> fill.filled, fill.price, fill.final, problems
        (Decimal('100'), Decimal('10.400000'), True, [])
    """
    seen: dict[str, Execution] = {}
    for e in executions:
        seen.setdefault(e.exec_id, e)
    reports = list(seen.values())
    problems: list[Problem] = []
    trades = [e for e in reports if e.is_trade]
    filled = sum((e.last_quantity for e in trades), ZERO)
    value = sum((e.last_quantity * e.last_price for e in trades), ZERO)
    where = f"executions.{block}"
    if filled > ordered:
        problems.append(
            Problem(where, f"over-filled: {filled} shares executed of {ordered} ordered")
        )
    if any(e.exec_type in CORRECTION_TYPES for e in reports):
        problems.append(
            Problem(where, "a trade correction or bust: book this block by hand after checking")
        )
    if len({(e.security, e.side) for e in reports}) > 1:
        problems.append(Problem(where, "executions disagree on the security or side"))
    price = (value / filled).quantize(PRICE_PLACES) if filled else ZERO
    dates = [e.trade_date for e in trades if e.trade_date is not None]
    final = any(e.is_final for e in reports)
    return BlockFill(block, ordered, filled, price, final, max(dates, default=None)), problems


def allocate_block(filled: Decimal, ordered: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Share a block's filled quantity among its accounts, pro rata to what each ordered.

    Rule: a block filled in full gives each account exactly what it ordered. Otherwise
    each account gets the whole shares of its pro-rata part (rounded down, never more
    than it ordered); the whole shares left go one at a time to the accounts with the
    largest fractional part of their pro-rata share (ties: the larger order, then the
    account id), and a fraction of a share left (a block filled in a fractional quantity)
    goes to the first account in that same order with room for it. So the parts add up
    to the fill exactly, no account gets more than it ordered, and the same fill always
    gives the same allocation.

    Worked example: 7 shares of a block ordered as A 5 and B 5 → pro rata 3.5 each →
    3 each, one share left, tie on the fraction and the order → A (the lower id): A 4, B 3.

        >>> allocate_block(Decimal(7), [("A", Decimal(5)), ("B", Decimal(5))])
        {'A': Decimal('4'), 'B': Decimal('3')}
    """
    total = sum((q for _, q in ordered), ZERO)
    if filled >= total:
        return dict(ordered)
    if filled <= 0 or total <= 0:
        return {account: ZERO for account, _ in ordered}
    share = {account: filled * q / total for account, q in ordered}
    limit = dict(ordered)
    parts = {a: min(s.to_integral_value(rounding=ROUND_FLOOR), limit[a]) for a, s in share.items()}
    queue = sorted(ordered, key=lambda aq: (-(share[aq[0]] - parts[aq[0]]), -aq[1], aq[0]))
    left = filled - sum(parts.values(), ZERO)
    while left >= 1:
        progressed = False
        for account, _ in queue:
            if left >= 1 and parts[account] + 1 <= limit[account]:
                parts[account] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    for account, _ in queue:
        if left <= 0:
            break
        room = min(left, limit[account] - parts[account])
        parts[account] += room
        left -= room
    return {account: parts[account] for account, _ in ordered}


def lots_for(
    picks: Sequence[tuple[str, Decimal]], quantity: Decimal
) -> tuple[tuple[str, Decimal], ...]:
    """The lots a partly filled sale relieves: the proposal's picks in the order the
    proposal gave them, each up to its shares, until `quantity` is reached.

        >>> lots_for((("L1", Decimal(4)), ("L2", Decimal(6))), Decimal(7))
        (('L1', Decimal('4')), ('L2', Decimal('3')))
    """
    taken: list[tuple[str, Decimal]] = []
    left = quantity
    for lot, shares in picks:
        if left <= 0:
            break
        part = min(shares, left)
        taken.append((lot, part))
        left -= part
    return tuple(taken)
