"""Orders: approved and auto-traded proposals become orders, aggregated into block orders.

Problem: the trading desk sends one order per security and side for the whole firm,
not thousands of small ones, and must know how each fill is allocated back to accounts;
exporting twice (a retry, a lost file) must never send an order twice.

Rule: `create_orders` turns every trade of the latest finished run's approved and
auto-traded proposals into an `OrderLine` whose id is `run:account:security:side`, so
creating orders again adds nothing (ids already stored are skipped); each call that adds
orders records one audit entry (`orders.create`: the run and the accounts, how many
orders, bought and sold), a call that adds none records nothing. `block_orders`
groups a run's orders by security and side: each block's quantity is the sum of its
allocations, and its client order id is a hash of (run, security, side) — the same on
every export, so a re-sent file is recognized as the same orders by the receiver.

    >>> from decimal import Decimal as D
    >>> import datetime as dt
    >>> at = dt.datetime(2025, 6, 30, tzinfo=dt.UTC)
    >>> lines = [OrderLine(f"R:{a}:VOO:buy", "R", a, "VOO", TradeSide.BUY, D(q), D("500"), (),
    ...                    "cli:ops", at) for a, q in (("A-1", "3"), ("A-2", "4.5"))]
    >>> [(b.security, b.side.value, b.quantity, len(b.allocations)) for b in block_orders(lines)]
    [('VOO', 'buy', Decimal('7.5'), 2)]
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.money import round_cents_even, round_shares, round_stored
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.trade_history import TradeSide
from trimtab.engine.result import Trade
from trimtab.services.audit import record, write_service
from trimtab.services.order_ports import OrderLine, OrderUnitOfWork
from trimtab.services.review_ports import TRADED

__all__ = [
    "BlockOrder",
    "block_orders",
    "client_order_id",
    "create_orders",
    "reference_prices",
    "run_orders",
]

NewUnitOfWork = Callable[[], OrderUnitOfWork]
NO_FINISHED_RUN = "no finished nightly run yet: `trimtab run` first"


@dataclass(frozen=True)
class BlockOrder:
    id: str  # the client order id (FIX tag 11)
    run_id: str
    security: str
    side: TradeSide
    quantity: Decimal
    allocations: tuple[OrderLine, ...]

    @property
    def created_at(self) -> dt.datetime:
        return min(a.created_at for a in self.allocations)


def client_order_id(*parts: str) -> str:
    """A short id that depends only on `parts`: re-exports repeat it exactly."""
    return "TT" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:18].upper()


def block_orders(orders: Sequence[OrderLine]) -> list[BlockOrder]:
    groups: dict[tuple[str, str, TradeSide], list[OrderLine]] = {}
    for o in orders:
        groups.setdefault((o.run_id, o.security, o.side), []).append(o)
    return [
        BlockOrder(
            client_order_id(run, security, side),
            run,
            security,
            side,
            sum((a.quantity for a in allocations), Decimal(0)),
            tuple(sorted(allocations, key=lambda a: a.account)),
        )
        for (run, security, side), allocations in sorted(groups.items())
    ]


def reference_prices(closes: Mapping[str, Decimal], trades: Iterable[Trade]) -> dict[str, Decimal]:
    """One reference price per security for a run's orders: its close on the as-of day.

    Every export of a run (orders, blocks, allocations) shows this one price. Dividing
    each trade's value by its shares would not do: values are rounded to the cent, so
    3 shares for $584.44 and 6 for $1,168.87 at a close of $194.8125 give $194.813333
    and $194.811667. `closes` is each security's latest close on or before the as-of
    day (the price the analysis used); a security without one gets the run's own
    average (its total value over its total shares), still one price for all accounts.

        >>> from trimtab.engine.result import Trade
        >>> trades = [Trade("VTI", "buy", 3.0, 584.44), Trade("VTI", "buy", 6.0, 1168.87)]
        >>> reference_prices({"VTI": Decimal("194.8125")}, trades)
        {'VTI': Decimal('194.812500')}
        >>> reference_prices({}, trades)
        {'VTI': Decimal('194.812222')}
    """
    value: dict[str, Decimal] = {}
    shares: dict[str, Decimal] = {}
    for t in trades:
        value[t.security] = value.get(t.security, Decimal(0)) + Decimal(str(t.value))
        shares[t.security] = shares.get(t.security, Decimal(0)) + Decimal(str(t.quantity))
    prices = {}
    for security in value:
        close = closes.get(security)
        if close is None and shares[security] > 0:
            close = value[security] / shares[security]
        prices[security] = round_stored(close or Decimal(0))
    return prices


@write_service("orders.create")
def create_orders(
    new_uow: NewUnitOfWork, *, principal: Principal, now: dt.datetime | None = None
) -> tuple[str | None, int, list[Problem]]:
    """Orders for the latest finished run's approved and auto-traded proposals (of the
    accounts in the principal's scope).

    Returns the run, how many orders were new, and problems (no finished run yet).
    """
    at = now or dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        run = uow.runs.latest_finished_run()
        if run is None:
            return None, 0, [Problem("run", NO_FINISHED_RUN, ProblemKind.NOT_FOUND)]
        lines = []
        # Only the accounts the principal may act on: an administrator acting for an
        # advisor creates that advisor's orders, never the firm's (the CLI is firm-wide).
        scope = principal.effective_scope
        proposals = uow.proposals.proposals(
            run.id, states=TRADED, advisors=None if scope.firm_wide else scope
        )
        trades = [t for p in proposals for t in p.trades]
        prices = reference_prices(
            uow.orders.closes_on(run.as_of, {t.security for t in trades}), trades
        )
        for p in proposals:
            for t in p.trades:
                quantity = round_shares(Decimal(str(t.quantity)))
                if quantity <= 0:
                    continue
                price = prices[t.security]
                lines.append(
                    OrderLine(
                        f"{run.id}:{p.account}:{t.security}:{t.side}",
                        run.id,
                        p.account,
                        t.security,
                        TradeSide(t.side),
                        quantity,
                        price,
                        t.lots,
                        principal.recorded_as,
                        at,
                    )
                )
        added = uow.orders.add_orders(lines)
        if added:  # a repeat adds nothing, changes nothing and records nothing
            accounts = sorted({o.account for o in added})
            record(
                uow,
                principal,
                "orders.create",
                targets=[*accounts, f"run:{run.id}"],
                summary={
                    "orders": len(added),
                    "accounts": len(accounts),
                    "bought": _dollars(o for o in added if o.side is TradeSide.BUY),
                    "sold": _dollars(o for o in added if o.side is TradeSide.SELL),
                },
                at=at,
            )
            uow.commit()
    return run.id, len(added), []


def _dollars(orders: Iterable[OrderLine]) -> Decimal:
    return round_cents_even(sum((o.value for o in orders), Decimal(0)))


def run_orders(new_uow: NewUnitOfWork, run_id: str) -> list[OrderLine]:
    with new_uow() as uow:
        return uow.orders.orders(run_id)
