"""Orders: approved and auto-traded proposals become orders, aggregated into block orders.

Problem: the trading desk sends one order per security and side for the whole firm,
not thousands of small ones, and must know how each fill is allocated back to accounts;
exporting twice (a retry, a lost file) must never send an order twice.

Rule: `create_orders` turns every trade of the latest finished run's approved and
auto-traded proposals into an `OrderLine` whose id is `run:account:security:side`, so
creating orders again adds nothing (ids already stored are skipped). `block_orders`
groups a run's orders by security and side: each block's quantity is the sum of its
allocations, and its client order id is a hash of (run, security, side) — the same on
every export, so a re-sent file is recognized as the same orders by the receiver.

    >>> from decimal import Decimal as D
    >>> import datetime as dt
    >>> at = dt.datetime(2025, 6, 30, tzinfo=dt.UTC)
    >>> lines = [OrderLine(f"R:{a}:VOO:buy", "R", a, "VOO", "buy", D(q), D("500"), (), "ops", at)
    ...          for a, q in (("A-1", "3"), ("A-2", "4.5"))]
    >>> [(b.security, b.side, b.quantity, len(b.allocations)) for b in block_orders(lines)]
    [('VOO', 'buy', Decimal('7.5'), 2)]
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.money import round_shares
from trimtab.domain.problems import Problem
from trimtab.services.nightly_ports import NightlyUnitOfWork, OrderLine

__all__ = ["BlockOrder", "block_orders", "client_order_id", "create_orders", "run_orders"]

NewUnitOfWork = Callable[[], NightlyUnitOfWork]


@dataclass(frozen=True)
class BlockOrder:
    id: str  # the client order id (FIX tag 11)
    run_id: str
    security: str
    side: str
    quantity: Decimal
    allocations: tuple[OrderLine, ...]

    @property
    def created_at(self) -> dt.datetime:
        return min(a.created_at for a in self.allocations)


def client_order_id(*parts: str) -> str:
    """A short id that depends only on `parts`: re-exports repeat it exactly."""
    return "TT" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:18].upper()


def block_orders(orders: Sequence[OrderLine]) -> list[BlockOrder]:
    groups: dict[tuple[str, str, str], list[OrderLine]] = {}
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


def create_orders(
    new_uow: NewUnitOfWork, *, actor: str, now: dt.datetime | None = None
) -> tuple[str | None, int, list[Problem]]:
    """Orders for the latest finished run's approved and auto-traded proposals.

    Returns the run, how many orders were new, and problems (no finished run yet).
    """
    at = now or dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        run = uow.nightly.latest_finished_run()
        if run is None:
            return None, 0, [Problem("run", "no finished nightly run yet: `trimtab run` first")]
        lines = []
        for p in uow.nightly.proposals(run.id, states=["approved", "auto"]):
            for t in p.trades:
                quantity = round_shares(Decimal(str(t["quantity"])))
                if quantity <= 0:
                    continue
                price = Decimal(str(t.get("value", 0))) / Decimal(str(t["quantity"]))
                lines.append(
                    OrderLine(
                        f"{run.id}:{p.account}:{t['security']}:{t['side']}",
                        run.id,
                        p.account,
                        t["security"],
                        t["side"],
                        quantity,
                        price.quantize(Decimal("0.000001")),
                        tuple(t.get("lots", ())),
                        actor,
                        at,
                    )
                )
        added = uow.nightly.add_orders(lines)
        uow.commit()
    return run.id, added, []


def run_orders(new_uow: NewUnitOfWork, run_id: str) -> list[OrderLine]:
    with new_uow() as uow:
        return uow.nightly.orders(run_id)
