"""`FakeRoutingRepository`: the firm's filters and the routing policy's versions in memory.

>>> from trimtab.domain.routing import RoutingPolicy, RoutingRule, Stage
>>> import datetime as dt
>>> repo = FakeRoutingRepository()
>>> policy = RoutingPolicy((RoutingRule(Stage.REVIEW, "large"),))
>>> repo.record_policy(policy, actor="cli:ops", at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
...                    reason="first")
1
>>> repo.policy().version
1
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable

from trimtab.domain.filters import SavedFilter
from trimtab.domain.routing import RoutingPolicy

__all__ = ["FakeRoutingRepository", "RecordedPolicy"]


@dataclasses.dataclass(frozen=True)
class RecordedPolicy:
    policy: RoutingPolicy
    actor: str
    at: dt.datetime
    reason: str


class FakeRoutingRepository:
    def __init__(self, filters: Iterable[tuple[str, str]] = ()) -> None:
        self.filters: dict[str, SavedFilter] = {
            name: SavedFilter(name, expression, "", None, "test") for name, expression in filters
        }
        self.versions: list[RecordedPolicy] = []

    def firm_filters(self, names: Collection[str] | None = None) -> dict[str, str]:
        return {
            name: f.expression for name, f in self.filters.items() if names is None or name in names
        }

    def save_firm_filters(self, filters: Iterable[SavedFilter]) -> None:
        for f in filters:
            self.filters[f.name] = f

    def policy(self) -> RoutingPolicy | None:
        if not self.versions:
            return None
        return dataclasses.replace(self.versions[-1].policy, version=len(self.versions))

    def record_policy(
        self, policy: RoutingPolicy, *, actor: str, at: dt.datetime, reason: str
    ) -> int:
        self.versions.append(RecordedPolicy(policy, actor, at, reason))
        return len(self.versions)
