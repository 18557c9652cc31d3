"""The order book of a run: its block orders, their allocations, and which are filled.

Problem: the overlay desk exports the night's orders and later books their fills; before
sending a file and after, it needs to see what the file holds — one block order per
security and side (the shares, the reference price, the value, how many accounts), each
account's allocation, and which have been filled — for the run the export acts on, and
for an earlier run when a question comes back from the trading desk.

Rule: the run is the latest finished (not voided) run, the one `orders.create_orders`
and the export act on, unless `run` names another; an unknown run is not found. A voided
run is shown as it is (its orders were sent, or not, before it was set aside), marked
voided, and is never the export's. Blocks are `orders.block_orders` over the run's stored
orders, so the page shows exactly the blocks the export writes; an allocation is filled
when a fill was booked for it (`unfilled_orders` is the rest). Before the first export a
run has no orders yet: `to_order` counts the approved and auto-traded proposals the export
will turn into orders.

The `viewer`'s scope is a condition of every read (`advisors=`): an administrator acting
for an advisor sees that advisor's accounts' orders only, and blocks summed over them,
as `scoped_orders` answers the export file's; the firm's desk (a firm-wide scope) sees
the whole run.

    >>> # book, problems = order_book(db.unit_of_work)
    >>> # [(b.security, b.side.value, b.quantity) for b in book.blocks]
    >>> # [('BND', 'buy', Decimal('41.5')), ('VOO', 'sell', Decimal('12'))]
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from trimtab.domain.money import round_cents
from trimtab.domain.principal import Principal, Scope
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.order_ports import OrderLine, OrderRepository, OrderUnitOfWork
from trimtab.services.orders import NO_FINISHED_RUN, BlockOrder, block_orders
from trimtab.services.review_ports import TRADED, ProposalRepository, ProposalState
from trimtab.services.run_ports import RunRecord, RunState

__all__ = ["BlockLine", "OrderBook", "order_book", "scoped_orders"]


class ScopedOrders(OrderRepository, Protocol):
    def orders(self, run_id: str, *, advisors: Scope | None = None) -> list[OrderLine]:
        """The run's orders of accounts in scope (None: the firm's)."""
        ...

    def unfilled_orders(self, run_id: str, *, advisors: Scope | None = None) -> list[OrderLine]: ...


class CountedProposals(ProposalRepository, Protocol):
    def count(
        self,
        run_id: str,
        *,
        states: Collection[ProposalState] | None = None,
        advisors: Scope | None = None,
    ) -> int: ...


class OrderBookUnitOfWork(OrderUnitOfWork, Protocol):
    @property
    def orders(self) -> ScopedOrders: ...
    @property
    def proposals(self) -> CountedProposals: ...


NewUnitOfWork = Callable[[], OrderBookUnitOfWork]


def _scope(viewer: Principal | None) -> Scope | None:
    if viewer is None:
        return None
    scope = viewer.effective_scope
    return None if scope.firm_wide else scope


@dataclass(frozen=True)
class BlockLine:
    """A block order as the desk reads it: its allocations and how many are filled."""

    block: BlockOrder
    filled: int  # allocations with a booked fill

    @property
    def price(self) -> Decimal:
        """The reference price: one per security and run (`orders.reference_prices`)."""
        return self.block.allocations[0].price

    @property
    def value(self) -> Decimal:
        """Shares times the reference price, in cents (half up, as on a statement)."""
        return round_cents(sum((a.value for a in self.block.allocations), Decimal(0)))

    @property
    def accounts(self) -> int:
        return len(self.block.allocations)

    @property
    def fill_state(self) -> str:
        """`filled`, `partly filled` (some allocations) or `open`."""
        if self.filled == self.accounts:
            return "filled"
        return "partly filled" if self.filled else "open"


@dataclass(frozen=True)
class OrderBook:
    run: RunRecord
    exported: bool  # the run the export acts on (the latest finished run)
    blocks: tuple[BlockLine, ...]
    allocations: tuple[OrderLine, ...]  # by security, side and account
    filled: frozenset[str]  # ids of the allocations filled
    to_order: int  # approved and auto-traded proposals (orders once exported)

    @property
    def voided(self) -> bool:
        return self.run.state is RunState.VOIDED

    @property
    def value(self) -> Decimal:
        return round_cents(sum((a.value for a in self.allocations), Decimal(0)))


def order_book(
    new_uow: NewUnitOfWork, *, run: str | None = None, viewer: Principal | None = None
) -> tuple[OrderBook | None, list[Problem]]:
    """The run's block orders and allocations (the latest finished run's by default), of
    the accounts in the viewer's scope."""
    advisors = _scope(viewer)
    with new_uow() as uow:
        latest = uow.runs.latest_finished_run()
        found = latest if run is None else uow.runs.run(run)
        if found is None:
            message = (
                NO_FINISHED_RUN if run is None else f"no run {run!r} (see `trimtab run status`)"
            )
            return None, [Problem("run", message, ProblemKind.NOT_FOUND)]
        orders = uow.orders.orders(found.id, advisors=advisors)
        open_ids = {o.id for o in uow.orders.unfilled_orders(found.id, advisors=advisors)}
        to_order = uow.proposals.count(found.id, states=TRADED, advisors=advisors)
    filled = frozenset(o.id for o in orders if o.id not in open_ids)
    blocks = tuple(
        BlockLine(b, sum(1 for a in b.allocations if a.id in filled)) for b in block_orders(orders)
    )
    allocations = tuple(a for b in blocks for a in b.block.allocations)
    exported = latest is not None and latest.id == found.id
    return OrderBook(found, exported, blocks, allocations, filled, to_order), []


def scoped_orders(new_uow: NewUnitOfWork, run_id: str, *, viewer: Principal) -> list[OrderLine]:
    """The run's orders of the accounts in the viewer's scope (what its export file holds)."""
    with new_uow() as uow:
        return uow.orders.orders(run_id, advisors=_scope(viewer))
