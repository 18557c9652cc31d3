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
        for ticker in sorted(tickers):
            row = self.session.get(WashGroupMemberRow, ticker)
            if row is None:
                self.session.add(
                    WashGroupMemberRow(ticker=ticker, wash_group=group, set_by=by, set_at=at)
                )
            else:
                row.wash_group, row.set_by, row.set_at = group, by, at
        self.session.flush()

    def remove_members(self, tickers: Collection[str]) -> None:
        self.session.execute(
            delete(WashGroupMemberRow).where(WashGroupMemberRow.ticker.in_(sorted(tickers)))
        )

    def set_share_classes_identical(self, on: bool, *, by: str, at: dt.datetime) -> None:
        row = self.session.get(WashGroupPolicyRow, POLICY_ROW)
        if row is None:
            self.session.add(
                WashGroupPolicyRow(id=POLICY_ROW, share_classes_identical=on, set_by=by, set_at=at)
            )
        else:
            row.share_classes_identical, row.set_by, row.set_at = on, by, at
        self.session.flush()
