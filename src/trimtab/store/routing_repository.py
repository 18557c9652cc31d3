"""SQL for the routing policy: the firm's saved filters and the policy's versions.

Firm filters are the saved filters with owner `''` (a user's own filters carry their
login); policy versions are append-only rows numbered from 1, the latest in force.

    >>> # with db.unit_of_work() as uow: uow.routing.policy()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trimtab.domain.filters import SavedFilter
from trimtab.domain.routing import RoutingPolicy, RoutingRule, Stage
from trimtab.store.nightly_tables import RoutingPolicyRow
from trimtab.store.workflow_tables import SavedFilterRow

__all__ = ["SqlRoutingRepository"]

FIRM = ""  # the owner of the firm's filters


class SqlRoutingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def firm_filters(self, names: Collection[str] | None = None) -> dict[str, str]:
        query = select(SavedFilterRow.name, SavedFilterRow.expression).where(
            SavedFilterRow.owner == FIRM
        )
        if names is not None:
            query = query.where(SavedFilterRow.name.in_(list(names)))
        return dict(self.session.execute(query).all())

    def save_firm_filters(self, filters: Iterable[SavedFilter]) -> None:
        for f in filters:
            row = self.session.scalars(
                select(SavedFilterRow).where(
                    SavedFilterRow.owner == FIRM, SavedFilterRow.name == f.name
                )
            ).first()
            if row is None:
                row = SavedFilterRow(owner=FIRM, name=f.name)
                self.session.add(row)
            row.description = f.description
            row.expression = f.expression
            row.created_by = f.created_by
            row.updated_at = f.updated_at or dt.datetime.now(dt.UTC)
        self.session.flush()

    def policy(self) -> RoutingPolicy | None:
        row = self.session.scalars(
            select(RoutingPolicyRow).order_by(RoutingPolicyRow.version.desc())
        ).first()
        if row is None:
            return None
        rules = tuple(RoutingRule(Stage(r["stage"]), r["filter"]) for r in row.rules)
        return RoutingPolicy(rules, row.version)

    def record_policy(
        self, policy: RoutingPolicy, *, actor: str, at: dt.datetime, reason: str
    ) -> int:
        latest = self.session.scalar(select(func.max(RoutingPolicyRow.version))) or 0
        version = latest + 1
        self.session.add(
            RoutingPolicyRow(
                version=version,
                rules=[r.as_dict() for r in policy.rules],
                actor=actor,
                at=at,
                reason=reason,
            )
        )
        self.session.flush()
        return version
