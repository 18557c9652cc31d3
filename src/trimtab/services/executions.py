"""Recording executions: a run's filled orders booked back into the accounts' books.

Problem: after the desk trades, the next night must start from the holdings the trades
left — or it proposes the same trades again. Until a firm's execution feed is wired in,
the demo and the benchmark need a stand-in that is honest about being one.

Rule: `fill_at_close` is a **simulation of execution**: it fills every order of the
latest finished run that has no fill yet (creating the run's orders first from its
approved and auto-traded proposals, as `orders export` does) in full at each security's
close on the run's day — the price the analysis used — with the run's day as trade date.
Each account's fills are booked by `book_orders` — the one booking, shared with the
fills imported from the OMS (`services.fills_import`) — through
`domain.executions.book_fills` (new lots for buys, the proposal's own lots relieved for
sells, cash, trades for the wash-sale lookback, realized gains this year on the
household's tax profile) and, since no custodian file follows a simulation, the
custodian positions of the traded securities are set to the lots' new totals. Accounts
are booked in batches of `batch` accounts, one transaction each, and each batch that
books fills records one audit entry (`orders.fill`: the accounts and the run, orders
filled, bought and sold); creating the run's orders first records its own
(`orders.create`). An order already filled is never filled again, so running it twice
books (and records) nothing the second time. An account whose fills do not fit its books
(a lot sold or changed since the proposal) is left untouched and reported.

    >>> # summary = fill_at_close(db.unit_of_work, principal=Principal.cli("ops"))
    >>> # summary.filled, summary.accounts, summary.problems
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.executions import Fill, book_fills
from trimtab.domain.holdings import TaxLot
from trimtab.domain.money import round_cents_even, round_shares
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.domain.trade_history import TradeRecord, TradeSide
from trimtab.services.audit import record, write_service
from trimtab.services.order_ports import Booking, OrderLine, OrderUnitOfWork
from trimtab.services.orders import create_orders

__all__ = ["CLOSE_SIMULATION", "Booked", "FillSummary", "book_orders", "fill_at_close"]

CLOSE_SIMULATION = "close_simulation"
NewUnitOfWork = Callable[[], OrderUnitOfWork]


@dataclass(frozen=True)
class FillSummary:
    run_id: str | None
    trade_date: dt.date | None
    filled: int  # orders filled now
    accounts: int  # accounts booked now
    bought: Decimal = Decimal(0)  # dollars
    sold: Decimal = Decimal(0)
    problems: tuple[Problem, ...] = ()


def _fill(order: OrderLine, price: Decimal, day: dt.date) -> Fill:
    lots = tuple((p.lot, round_shares(Decimal(str(p.quantity)))) for p in order.lots)
    return Fill(
        order.id,
        order.account,
        order.security,
        order.side,
        order.quantity,
        price,
        day,
        tuple((lot, q) for lot, q in lots if q > 0),
    )


@write_service("orders.fill")
def fill_at_close(
    new_uow: NewUnitOfWork,
    *,
    principal: Principal,
    batch: int = 500,
    now: dt.datetime | None = None,
) -> FillSummary:
    """Fill the latest finished run's unfilled orders at the day's close (a simulation)."""
    at = now or dt.datetime.now(dt.UTC)
    run_id, _added, problems = create_orders(new_uow, principal=principal, now=at)
    if run_id is None:
        return FillSummary(None, None, 0, 0, problems=tuple(problems))
    with new_uow() as uow:
        run = uow.runs.run(run_id)
        orders = uow.orders.unfilled_orders(run_id)
        closes = uow.orders.closes_on(run.as_of, {o.security for o in orders}) if run else {}
    assert run is not None  # create_orders found it
    day = run.as_of
    by_account: defaultdict[str, list[OrderLine]] = defaultdict(list)
    for order in orders:
        by_account[order.account].append(order)
    accounts = sorted(by_account)
    filled = booked = 0
    bought = sold = Decimal(0)
    found: list[Problem] = []
    for start in range(0, len(accounts), batch):
        part = accounts[start : start + batch]
        fills: list[Fill] = []
        for account in part:
            unpriced = [o for o in by_account[account] if o.security not in closes]
            if unpriced:
                found += [Problem(f"orders.{o.id}", "no close to fill at") for o in unpriced]
                continue
            fills += [_fill(o, closes[o.security], day) for o in by_account[account]]
        with new_uow() as uow:
            booked_now, why = book_orders(
                uow, run_id, fills, source=CLOSE_SIMULATION, actor=principal.recorded_as, at=at
            )
            found += why
            if not booked_now.fills:  # every account of the batch was refused: nothing to book
                continue
            record(
                uow,
                principal,
                "orders.fill",
                targets=[*booked_now.accounts, f"run:{run_id}"],
                summary={
                    "source": CLOSE_SIMULATION,
                    "trade_date": day,
                    "orders": len(booked_now.fills),
                    "accounts": len(booked_now.accounts),
                    "bought": _cents(booked_now.bought),
                    "sold": _cents(booked_now.sold),
                },
                at=at,
            )
            uow.commit()
            filled += len(booked_now.fills)
            booked += len(booked_now.accounts)
            bought += booked_now.bought
            sold += booked_now.sold
    return FillSummary(
        run_id,
        day,
        filled,
        booked,
        _cents(bought),
        _cents(sold),
        tuple(found),
    )


@dataclass(frozen=True)
class Booked:
    """What `book_orders` booked: the fills, the accounts, dollars bought and sold."""

    fills: tuple[Fill, ...] = ()
    accounts: tuple[str, ...] = ()
    bought: Decimal = Decimal(0)
    sold: Decimal = Decimal(0)


def book_orders(
    uow: OrderUnitOfWork,
    run_id: str,
    fills: Sequence[Fill],
    *,
    source: str,
    actor: str,
    at: dt.datetime,
) -> tuple[Booked, list[Problem]]:
    """Book one run's fills into the accounts' books, inside the caller's transaction.

    The one booking of executions, whatever they came from (the close simulation, the
    OMS's reports): each account's fills go through `domain.executions.book_fills`, all
    or none; an account whose fills do not fit its books is left untouched and its
    problems returned. Everything booked is written as one `Booking` (lots, cash, trades,
    custodian positions, realized gains, one fill row per order). The caller records
    the audit entry and commits.
    """
    by_account: defaultdict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        by_account[f.account].append(f)
    books = uow.orders.books(sorted(by_account))
    booked: list[Fill] = []
    value = {TradeSide.BUY: Decimal(0), TradeSide.SELL: Decimal(0)}
    trades: list[TradeRecord] = []
    changed: list[TaxLot] = []
    new: list[TaxLot] = []
    closed: list[str] = []
    cash: dict[str, Decimal] = {}
    positions: dict[tuple[str, str], Decimal] = {}
    realized: dict[str, tuple[Decimal, Decimal]] = {}
    problems: list[Problem] = []
    for account in sorted(by_account):
        these = by_account[account]
        lots, balance = books[account]
        after, why = book_fills(lots, these)
        if why:
            problems += why
            continue
        before = {lot.id: lot for lot in lots}
        changed += [x for x in after.lots if x.id in before and x != before[x.id]]
        new += [x for x in after.lots if x.id not in before]
        closed += after.closed
        booked += these
        trades += after.trades
        cash[account] = balance + after.cash_change
        held: defaultdict[str, Decimal] = defaultdict(Decimal)
        for lot in after.lots:
            held[lot.security] += lot.quantity
        for f in these:
            positions[(account, f.security)] = held[f.security]
            value[f.side] += f.quantity * f.price
        if after.realized_short or after.realized_long:
            realized[account] = (after.realized_short, after.realized_long)
    if booked:
        uow.orders.book(
            Booking(
                run_id,
                source,
                actor,
                at,
                tuple(booked),
                tuple(trades),
                tuple(changed),
                tuple(new),
                tuple(closed),
                cash,
                positions,
                realized,
            )
        )
    summary = Booked(
        tuple(booked), tuple(sorted(cash)), value[TradeSide.BUY], value[TradeSide.SELL]
    )
    return summary, problems


def _cents(dollars: Decimal) -> Decimal:
    return round_cents_even(dollars)
