"""`FakeTradingDesk`: one in-memory unit of work for review, orders, fills and routing.

It holds the runs (`tests.fakes.runs`), proposals, orders, routing and audit fakes, and is what the
review, orders, executions and routing services see as their unit of work
(`ReviewUnitOfWork`, `OrderUnitOfWork`, `RoutingUnitOfWork`). Like the SQL one, leaving
`with desk:` without `commit()` rolls back: every fake's state returns to what it was
when the block began (values are frozen, so copying the containers is enough). The desk
is its own factory, so a service takes it as `new_uow`:

>>> desk = FakeTradingDesk()
>>> with desk() as uow:
...     _ = uow.routing.record_policy(POLICY, actor="cli:ops", at=AT, reason="tried")
>>> desk.routing.policy() is None, desk.commits
(True, 0)
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from types import TracebackType
from typing import Any, Self

from tests.fakes.audit import FakeAuditTrail
from tests.fakes.orders import FakeOrderRepository
from tests.fakes.reviews import FakeProposalRepository
from tests.fakes.routing import FakeRoutingRepository
from tests.fakes.runs import FakeRunRepository
from trimtab.domain.routing import RoutingPolicy, RoutingRule, Stage
from trimtab.services.run_ports import RunRecord, RunState

__all__ = ["FakeRunLookup", "FakeTradingDesk"]

AT = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
POLICY = RoutingPolicy((RoutingRule(Stage.REVIEW, "large"),))


class FakeRunLookup(FakeRunRepository):
    """The run fake (`tests.fakes.runs`), with runs set up directly in any state."""

    def add(self, run: RunRecord) -> None:
        self.all[run.id] = run


class FakeTradingDesk:
    def __init__(
        self,
        *,
        runs: FakeRunLookup | None = None,
        proposals: FakeProposalRepository | None = None,
        orders: FakeOrderRepository | None = None,
        routing: FakeRoutingRepository | None = None,
    ) -> None:
        self.runs = runs or FakeRunLookup()
        self.proposals = proposals or FakeProposalRepository()
        self.orders = orders or FakeOrderRepository()
        self.routing = routing or FakeRoutingRepository()
        self.audit = FakeAuditTrail()
        self.commits = 0
        self._saved: list[tuple[object, dict[str, Any]]] | None = None

    def _fakes(self) -> tuple[object, ...]:
        return (self.runs, self.proposals, self.orders, self.routing, self.audit)

    def __call__(self) -> Self:
        return self

    def __enter__(self) -> Self:
        self._saved = [(f, {k: copy.copy(v) for k, v in vars(f).items()}) for f in self._fakes()]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._saved = None

    def commit(self) -> None:
        self.commits += 1
        self._saved = [(f, {k: copy.copy(v) for k, v in vars(f).items()}) for f in self._fakes()]

    def rollback(self) -> None:
        for fake, state in self._saved or ():
            vars(fake).clear()
            vars(fake).update({k: copy.copy(v) for k, v in state.items()})


def finished_run(run_id: str = "2025-06-30.1", **changes: Any) -> RunRecord:
    """A finished run of 2025-06-30, for test setup."""
    run = RunRecord(
        run_id,
        dt.date(2025, 6, 30),
        RunState.FINISHED,
        AT - dt.timedelta(hours=1),
        AT,
        "system:nightly",
        "local",
        3,
        1,
    )
    return dataclasses.replace(run, **changes)
