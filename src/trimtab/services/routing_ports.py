"""Ports of the routing policy: the firm's saved filters and the policy's versions.

Problem: the nightly run routes each account by the firm's policy (saved firm filters in
stage order); changing the policy is a write by someone, for a reason, and keeps every
earlier version.

Rule: the store implements `RoutingRepository` (`trimtab.store.routing_repository`); the
unit of work exposes it as `uow.routing`. Firm filters are the saved filters owned by
the firm (not by a user); a policy version, once recorded, never changes.

    >>> # with uow: policy = uow.routing.policy(); texts = uow.routing.firm_filters(policy.filters)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Protocol

from trimtab.domain.filters import SavedFilter
from trimtab.domain.routing import RoutingPolicy
from trimtab.services.audit import AuditUnitOfWork

__all__ = ["RoutingRepository", "RoutingUnitOfWork"]


class RoutingRepository(Protocol):
    def firm_filters(self, names: Collection[str] | None = None) -> dict[str, str]:
        """The expression of each firm filter (of these names), by name."""
        ...

    def save_firm_filters(self, filters: Iterable[SavedFilter]) -> None:
        """Add or replace firm filters by name."""
        ...

    def policy(self) -> RoutingPolicy | None:
        """The policy in force: the latest version."""
        ...

    def record_policy(
        self, policy: RoutingPolicy, *, actor: str, at: dt.datetime, reason: str
    ) -> int:
        """Record a new version (append-only); its version number."""
        ...


class RoutingUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def routing(self) -> RoutingRepository: ...
    def commit(self) -> None: ...
