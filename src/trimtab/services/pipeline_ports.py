"""Ports of the daily pipeline and of the executions from the OMS.

Problem: the pipeline's state (each stage of each day), the scheduler's lease and the
execution reports received must outlive the process that wrote them — the scheduler is
killed and restarted at any moment — and be changed by one process at a time.

Rule: the store implements `PipelineRepository` and `ExecutionRepository`
(`trimtab.store.pipeline_repository`); a `PipelineUnitOfWork` exposes them as
`uow.pipeline` and `uow.executions`, beside the orders (`uow.orders`), the holds and the
audit trail. Every change of a stage's status is a compare-and-set on its `version`:
`update` returns False when someone changed the row since it was read, so two processes
can never both claim one stage.

    >>> # with new_uow() as uow: uow.pipeline.statuses(day)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from trimtab.domain.executions import Execution
from trimtab.domain.pipeline import StageStatus
from trimtab.services.alerts import AlertUnitOfWork
from trimtab.services.feed_ports import FeedLoadRepository, HoldRepository
from trimtab.services.order_ports import OrderLine, OrderUnitOfWork

__all__ = [
    "ExecutionRepository",
    "ExecutionState",
    "PipelineRepository",
    "PipelineUnitOfWork",
    "ReceivedExecution",
    "SchedulerLease",
]


@dataclass(frozen=True)
class SchedulerLease:
    name: str
    holder: str | None
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None


class ExecutionState:
    RECORDED = "recorded"  # its block is not final yet: more may come
    BOOKED = "booked"  # its block was booked
    UNMATCHED = "unmatched"  # no exported block has its ClOrdID
    REFUSED = "refused"  # its block was over-filled or corrected: a person decides


@dataclass(frozen=True)
class ReceivedExecution:
    execution: Execution
    file: str
    received_at: dt.datetime
    state: str
    note: str = ""


class PipelineRepository(Protocol):
    def open_day(self, day: dt.date, stages: Sequence[str]) -> None:
        """Add a waiting row for each stage the day does not have yet."""
        ...

    def statuses(self, day: dt.date) -> list[StageStatus]: ...

    def days(self, limit: int = 30) -> list[dt.date]:
        """The days with a pipeline, newest first."""
        ...

    def update(self, status: StageStatus, *, expected_version: int) -> bool:
        """Write the status if the row is still at `expected_version`; False otherwise."""
        ...

    def lease(self, name: str) -> SchedulerLease | None: ...

    def take_lease(self, name: str, *, holder: str, at: dt.datetime, seen: str | None) -> bool:
        """Take the lease if its holder is still `seen` (compare-and-set)."""
        ...

    def beat(self, name: str, *, holder: str, at: dt.datetime) -> bool: ...

    def release_lease(self, name: str, *, holder: str) -> None: ...

    def account_ids(self) -> list[str]: ...


class ExecutionRepository(Protocol):
    def add(self, executions: Sequence[Execution], *, file: str, at: dt.datetime) -> list[str]:
        """Store the reports whose ExecID is new (state recorded); their ExecIDs."""
        ...

    def for_blocks(self, blocks: Collection[str]) -> dict[str, list[Execution]]: ...

    def mark(self, exec_ids: Collection[str], state: str, note: str = "") -> None: ...

    def settled(self, blocks: Collection[str]) -> set[str]:
        """The blocks with an execution already booked or refused: nothing more to book."""
        ...

    def received(self, *, since: dt.datetime | None = None) -> list[ReceivedExecution]: ...

    def open_orders(self) -> list[OrderLine]:
        """Orders with no fill yet, of runs not voided (the exported blocks' allocations)."""
        ...


class PipelineUnitOfWork(OrderUnitOfWork, AlertUnitOfWork, Protocol):
    @property
    def pipeline(self) -> PipelineRepository: ...
    @property
    def executions(self) -> ExecutionRepository: ...
    @property
    def holds(self) -> HoldRepository: ...
    @property
    def feed_loads(self) -> FeedLoadRepository: ...
