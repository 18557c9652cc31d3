"""Ports and values of the nightly run's use cases: runs, routing, review and orders.

The store implements `NightlyRepository` (`trimtab.store.nightly_repository`); the unit
of work exposes it as `uow.nightly`. Values crossing the port are frozen dataclasses:

    RunRecord       a run: as-of day, start/end, how it ran, counts by outcome
    ProposalView    one account's proposal in a run and where it stands in review
    DecisionRecord  one review decision: who, when, why, the trades before and after
    OrderLine       one account's order in one security and side (an allocation of the
                    run's block order for that security and side)
    Booking         a batch of filled orders and what they change in the books

    >>> # with uow: uow.nightly.proposals(run.id, states=["pending"])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from trimtab.domain.executions import Fill
from trimtab.domain.filters import SavedFilter
from trimtab.domain.holdings import TaxLot
from trimtab.domain.routing import RoutingPolicy
from trimtab.domain.trade_history import TradeRecord
from trimtab.services.workflow_ports import WorkflowUnitOfWork

__all__ = [
    "Booking",
    "DecisionRecord",
    "NightlyRepository",
    "NightlyUnitOfWork",
    "OrderLine",
    "ProposalView",
    "RunRecord",
]


@dataclass(frozen=True)
class RunRecord:
    id: str
    as_of: dt.date
    state: str  # running, finished
    started_at: dt.datetime
    finished_at: dt.datetime | None
    actor: str
    executor: str
    accounts: int
    policy_version: int | None
    attempts: int = 1
    counts: dict[str, int] = field(default_factory=dict)
    trades: int = 0
    estimated_tax: Decimal = Decimal(0)
    seconds: float | None = None


@dataclass(frozen=True)
class ProposalView:
    run_id: str
    account: str
    as_of: dt.date
    state: str  # pending, approved, rejected, auto
    value: Decimal
    trades: tuple[dict[str, Any], ...]
    estimated_tax: Decimal
    turnover: Decimal
    rule: str
    edited: bool = False
    decided_by: str | None = None
    decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class DecisionRecord:
    run_id: str
    account: str
    action: str  # approve, edit, reject
    actor: str
    at: dt.datetime
    reason: str
    before: tuple[dict[str, Any], ...]
    after: tuple[dict[str, Any], ...]
    estimated_tax: Decimal = Decimal(0)
    turnover: Decimal = Decimal(0)


@dataclass(frozen=True)
class OrderLine:
    id: str
    run_id: str
    account: str
    security: str
    side: str
    quantity: Decimal
    price: Decimal
    lots: tuple[dict[str, Any], ...]
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Booking:
    """Filled orders of some accounts and the books they leave (written in one transaction).

    `trades[i]` is `fills[i]` as a trade record (a sale's with its realized gain); `cash`
    is each account's balance after its fills; `positions` the shares each traded
    (account, security) holds after them, for the custodian's positions."""

    run_id: str
    source: str  # how the fills came about: "close_simulation"
    actor: str
    at: dt.datetime
    fills: tuple[Fill, ...]
    trades: tuple[TradeRecord, ...]
    changed: tuple[TaxLot, ...] = ()
    new: tuple[TaxLot, ...] = ()
    closed: tuple[str, ...] = ()
    cash: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    realized: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # short, long


class NightlyRepository(Protocol):
    def firm_filters(self, names: Collection[str] | None = None) -> dict[str, str]: ...
    def save_firm_filters(self, filters: Iterable[SavedFilter]) -> None: ...
    def policy(self) -> RoutingPolicy | None: ...
    def record_policy(
        self, policy: RoutingPolicy, *, actor: str, at: dt.datetime, reason: str
    ) -> int: ...
    def runs(self, limit: int = 10) -> list[RunRecord]: ...
    def run(self, run_id: str) -> RunRecord | None: ...
    def latest_finished_run(self) -> RunRecord | None: ...
    def refresh_statistics(self) -> None: ...
    def population(self) -> list[str]: ...
    def done(self, run_id: str) -> set[str]: ...
    def tally(self, run_id: str) -> tuple[dict[str, int], int, Decimal]: ...
    def failures(self, run_id: str, limit: int = 50) -> list[tuple[str, str, str]]: ...
    def proposals(
        self, run_id: str, *, states: Collection[str] | None = None
    ) -> list[ProposalView]: ...
    def proposal(self, run_id: str, account_id: str) -> ProposalView | None: ...
    def record_of(self, run_id: str, account_id: str) -> dict[str, Any] | None: ...
    def decide(self, decision: DecisionRecord, *, state: str, edited: bool) -> None: ...
    def decisions(self, run_id: str, account_id: str) -> list[DecisionRecord]: ...
    def add_orders(self, orders: Sequence[OrderLine]) -> int: ...
    def orders(self, run_id: str) -> list[OrderLine]: ...
    def unfilled_orders(self, run_id: str) -> list[OrderLine]: ...
    def books(self, accounts: Sequence[str]) -> dict[str, tuple[list[TaxLot], Decimal]]: ...
    def closes_on(self, day: dt.date, securities: Collection[str]) -> dict[str, Decimal]: ...
    def book(self, booking: Booking) -> None: ...


class NightlyUnitOfWork(WorkflowUnitOfWork, Protocol):
    @property
    def nightly(self) -> NightlyRepository: ...
