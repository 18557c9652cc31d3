"""The firm's wash groups and its share-class policy (`services/wash_groups.py`'s port).

Two small tables from migration 0017: `wash_group_members` (ticker → the group the firm
defined) and `wash_group_policy` (one row; absent, the default policy applies).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from types import MappingProxyType

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from trimtab.domain.wash_sales import WashGroupPolicy
from trimtab.store.tables import WashGroupMemberRow, WashGroupPolicyRow

__all__ = ["SqlWashGroups"]

POLICY_ROW = 1


class SqlWashGroups:
    def __init__(self, session: Session) -> None:
        self.session = session

    def policy(self) -> WashGroupPolicy:
        """The firm's policy: its groups and its share-class reading (default on)."""
        members = self.members()
        row = self.session.get(WashGroupPolicyRow, POLICY_ROW)
        return WashGroupPolicy(
            firm_groups=MappingProxyType(members),
            share_classes_identical=True if row is None else row.share_classes_identical,
        )

    def members(self) -> dict[str, str]:
        rows = self.session.execute(
            select(WashGroupMemberRow.ticker, WashGroupMemberRow.wash_group).order_by(
                WashGroupMemberRow.ticker
            )
        )
        return {str(ticker): str(group) for ticker, group in rows}

    def set_members(
        self, tickers: Collection[str], group: str, *, by: str, at: dt.datetime
    ) -> None:
        for ticker in sorted(tickers):  # a member moves to `group`, a new one joins it
            self.session.merge(
                WashGroupMemberRow(ticker=ticker, wash_group=group, set_by=by, set_at=at)
            )
        self.session.flush()

    def remove_members(self, tickers: Collection[str]) -> None:
        self.session.execute(
            delete(WashGroupMemberRow).where(WashGroupMemberRow.ticker.in_(sorted(tickers)))
        )

    def set_share_classes_identical(self, on: bool, *, by: str, at: dt.datetime) -> None:
        self.session.merge(
            WashGroupPolicyRow(id=POLICY_ROW, share_classes_identical=on, set_by=by, set_at=at)
        )
        self.session.flush()
