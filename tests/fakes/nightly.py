"""`FakeNightlyUnitOfWork`: the nightly run's unit of work in memory, with transactions.

What a unit of work promises is kept: changes are seen by later units of work only after
`commit()`; leaving the block without it (an early return, an exception such as
`AlreadyWritten`) drops them, audit entries included.

>>> store = NightlyStore.with_population(["A-1"])
>>> with FakeNightlyUnitOfWork(store) as uow:
...     uow.runs.refresh_statistics()      # not committed
>>> store.runs.statistics_refreshed
0
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Self

from tests.fakes.audit import FakeAuditTrail
from tests.fakes.routing import FakeRoutingRepository
from tests.fakes.runs import FakeNightInputs, FakeRunRepository

__all__ = ["FakeNightlyUnitOfWork", "NightlyStore"]


@dataclass
class NightlyStore:
    """The committed state the fake units of work share."""

    runs: FakeRunRepository = field(default_factory=FakeRunRepository)
    audit: FakeAuditTrail = field(default_factory=FakeAuditTrail)
    routing: FakeRoutingRepository = field(default_factory=FakeRoutingRepository)
    night: FakeNightInputs = field(default_factory=FakeNightInputs)
    commits: int = 0

    @classmethod
    def with_population(cls, accounts: Iterable[str]) -> NightlyStore:
        return cls(runs=FakeRunRepository(accounts))

    def unit_of_work(self) -> FakeNightlyUnitOfWork:
        return FakeNightlyUnitOfWork(self)


class FakeNightlyUnitOfWork:
    runs: FakeRunRepository
    audit: FakeAuditTrail
    routing: FakeRoutingRepository
    night: FakeNightInputs

    def __init__(self, store: NightlyStore) -> None:
        self.store = store

    def __enter__(self) -> Self:
        # A private copy of what may change: only commit() makes it the store's.
        self.runs = copy.deepcopy(self.store.runs)
        self.audit = copy.deepcopy(self.store.audit)
        self.routing = copy.deepcopy(self.store.routing)
        self.night = self.store.night
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.store.runs = self.runs
        self.store.audit = self.audit
        self.store.routing = self.routing
        self.store.commits += 1
        self.__enter__()  # keep working on a fresh copy of what is now committed

    def rollback(self) -> None:
        self.__enter__()
