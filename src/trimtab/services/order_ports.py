"""Ports and values of orders and fills: a run's orders, and the books their fills leave.

Problem: approved and auto-traded proposals become one order per account, security and
side; the desk's fills (or the simulation at the close) are booked back into lots, cash,
trades, custodian positions and realized gains, all of a batch in one transaction.

Rule: the store implements `OrderRepository` (`trimtab.store.order_repository`); the
unit of work exposes it as `uow.orders`. Values crossing it are frozen: an `OrderLine`
carries the lots its sale relieves as the engine's `LotPick`s (the proposal's own picks),
a `Booking` the fills of some accounts and everything they change.

    >>> import datetime as dt
    >>> at = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
    >>> line = OrderLine("R:A-1:VOO:buy", "R", "A-1", "VOO", TradeSide.BUY, Decimal(3),
    ...                  Decimal("500"), (), "cli:ops", at)
    >>> line.value
    Decimal('1500')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from trimtab.domain.executions import Fill
from trimtab.domain.holdings import TaxLot
from trimtab.domain.trade_history import TradeRecord, TradeSide
from trimtab.engine.result import LotPick
from trimtab.services.audit import AuditUnitOfWork
from trimtab.services.review_ports import ProposalRepository
from trimtab.services.run_ports import RunLookup

__all__ = ["Booking", "OrderLine", "OrderRepository", "OrderUnitOfWork"]


@dataclass(frozen=True)
class OrderLine:
    """One account's order in one security and side: an allocation of the run's block
    order for that security and side. Its id, `run:account:security:side`, is the same
    every time the orders are created, so creating them twice adds nothing."""

    id: str
    run_id: str
    account: str
    security: str
    side: TradeSide
    quantity: Decimal
    price: Decimal  # the reference price: the analysis' close
    lots: tuple[LotPick, ...]  # a sale's lots, as the proposal picked them
    created_by: str  # the principal, as recorded
    created_at: dt.datetime

    @property
    def value(self) -> Decimal:
        return self.quantity * self.price


@dataclass(frozen=True)
class Booking:
    """Filled orders of some accounts and the books they leave (written in one transaction).

    `trades[i]` is `fills[i]` as a trade record (a sale's with its realized gain); `cash`
    is each account's balance after its fills; `positions` the shares each traded
    (account, security) holds after them, for the custodian's positions."""

    run_id: str
    source: str  # how the fills came about: "close_simulation"
    actor: str  # the principal, as recorded
    at: dt.datetime
    fills: tuple[Fill, ...]
    trades: tuple[TradeRecord, ...]
    changed: tuple[TaxLot, ...] = ()
    new: tuple[TaxLot, ...] = ()
    closed: tuple[str, ...] = ()
    cash: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    realized: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # short, long


class OrderRepository(Protocol):
    def add_orders(self, orders: Sequence[OrderLine]) -> list[OrderLine]:
        """Store the orders whose ids are not stored yet; those (the new ones)."""
        ...

    def orders(self, run_id: str) -> list[OrderLine]:
        """The run's orders by security, side and account."""
        ...

    def unfilled_orders(self, run_id: str) -> list[OrderLine]: ...

    def books(self, accounts: Sequence[str]) -> dict[str, tuple[list[TaxLot], Decimal]]:
        """Each account's open lots (in id order) and cash."""
        ...

    def closes_on(self, day: dt.date, securities: Collection[str]) -> dict[str, Decimal]:
        """Each security's latest close on or before `day` (within three weeks)."""
        ...

    def book(self, booking: Booking) -> None:
        """Write the fills and the books they leave; the caller commits."""
        ...


class OrderUnitOfWork(AuditUnitOfWork, Protocol):
    """One transaction over what creating and filling orders reads and writes."""

    @property
    def runs(self) -> RunLookup: ...
    @property
    def proposals(self) -> ProposalRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    def commit(self) -> None: ...
