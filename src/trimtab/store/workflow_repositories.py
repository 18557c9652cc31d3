"""SQL repositories for workflow: account selection by filter, saved filters, settings.

Settings rows are append-only; `record` inserts, nothing updates. Times are stored
timezone-aware and come back aware in UTC on both databases (SQLite keeps no zone, so
a naive value read back is UTC by construction: every writer passes UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trimtab.domain.bulk_changes import BulkChange, BulkChangeRequest, Exemption
from trimtab.domain.filters import Filter, SavedFilter
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import SettingValue
from trimtab.domain.settings_levels import ChangeRequest, Placement, Scope, SettingChange
from trimtab.store.filter_sql import account_query
from trimtab.store.mapping import as_utc
from trimtab.store.tables import AccountRow, FirmRow
from trimtab.store.workflow_tables import (
    BulkChangeRow,
    BulkExemptionRow,
    SavedFilterRow,
    SettingChangeRow,
)

__all__ = ["SqlAccountSelection", "SqlSavedFilterRepository", "SqlSettingsRepository"]

# The firm every account belongs to when the database holds no firm row yet.
DEFAULT_FIRM = "firm"
_CHUNK = 500  # ids per IN (...) list: well under SQLite's parameter limit


class SqlAccountSelection:
    def __init__(self, session: Session) -> None:
        self._session = session

    def matching(self, f: Filter, *, limit: int | None = None) -> list[str]:
        query = account_query(f)
        if limit is not None:
            query = query.limit(limit)
        return list(self._session.scalars(query))

    def count(self, f: Filter) -> int:
        inner = account_query(f).order_by(None).subquery()
        return self._session.scalar(select(func.count()).select_from(inner)) or 0

    def count_all(self) -> int:
        return self._session.scalar(select(func.count()).select_from(AccountRow)) or 0

    def _firm(self) -> str:
        return self._session.scalar(select(FirmRow.id).order_by(FirmRow.id).limit(1)) or (
            DEFAULT_FIRM
        )

    def placements(self, ids: Iterable[str] | None = None) -> list[Placement]:
        firm = self._firm()
        columns = select(AccountRow.id, AccountRow.household_id, AccountRow.program_id)
        if ids is None:
            rows: list[Any] = list(self._session.execute(columns.order_by(AccountRow.id)))
        else:
            wanted = sorted(set(ids))
            rows = []
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                rows += self._session.execute(columns.where(AccountRow.id.in_(chunk)))
            rows.sort(key=lambda r: r[0])
        return [Placement(r[0], r[1], r[2], firm) for r in rows]

    def existing(self, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        found: set[str] = set()
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            found.update(
                self._session.scalars(select(AccountRow.id).where(AccountRow.id.in_(chunk)))
            )
        return found


class SqlSavedFilterRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def save(self, saved: SavedFilter) -> None:
        owner = saved.owner or ""
        row = self._session.scalar(
            select(SavedFilterRow).where(
                SavedFilterRow.owner == owner, SavedFilterRow.name == saved.name
            )
        )
        if row is None:
            row = SavedFilterRow(owner=owner, name=saved.name)
            self._session.add(row)
        row.expression = saved.expression
        row.description = saved.description
        row.created_by = saved.created_by
        row.updated_at = saved.updated_at or dt.datetime.now(dt.UTC)
        self._session.flush()

    def get(self, name: str, *, user: str) -> SavedFilter | None:
        rows = self._session.scalars(
            select(SavedFilterRow).where(
                SavedFilterRow.name == name, SavedFilterRow.owner.in_([user, ""])
            )
        ).all()
        # The user's own filter shadows the firm's of the same name.
        best = sorted(rows, key=lambda r: r.owner == "")
        return _saved(best[0]) if best else None

    def visible_to(self, user: str) -> list[SavedFilter]:
        rows = self._session.scalars(
            select(SavedFilterRow)
            .where(SavedFilterRow.owner.in_([user, ""]))
            .order_by(SavedFilterRow.name, SavedFilterRow.owner.desc())
        )
        return [_saved(r) for r in rows]


def _saved(row: SavedFilterRow) -> SavedFilter:
    return SavedFilter(
        row.name,
        row.expression,
        row.description,
        row.owner or None,
        row.created_by,
        as_utc(row.updated_at),
    )


def _value(raw: Any) -> SettingValue | None:
    # JSON has no tuple: a [low, high] range comes back as a list.
    value: SettingValue | None = tuple(raw) if isinstance(raw, list) else raw
    return value


def _stored(value: SettingValue | None) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _change(row: SettingChangeRow) -> SettingChange:
    return SettingChange(
        row.id,
        row.setting,
        Scope(Level[row.level.upper()], row.scope),
        _value(row.value),
        row.actor,
        as_utc(row.at),
        row.reason,
        row.reverts,
        row.bulk_id,
    )


class SqlSettingsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def history(self) -> list[SettingChange]:
        rows = self._session.scalars(select(SettingChangeRow).order_by(SettingChangeRow.id))
        return [_change(r) for r in rows]

    def get(self, change_id: int) -> SettingChange | None:
        row = self._session.get(SettingChangeRow, change_id)
        return _change(row) if row else None

    def record(
        self, request: ChangeRequest, *, actor: str, at: dt.datetime, bulk: int | None = None
    ) -> SettingChange:
        row = SettingChangeRow(
            setting=request.setting,
            level=request.scope.level.name.lower(),
            scope=request.scope.id,
            value=_stored(request.value),
            actor=actor,
            at=at,
            reason=request.reason,
            reverts=request.reverts,
            bulk_id=bulk,
        )
        self._session.add(row)
        self._session.flush()
        return _change(row)

    def record_bulk(
        self,
        request: BulkChangeRequest,
        *,
        actor: str,
        at: dt.datetime,
        counts: Mapping[str, int],
        exemptions: Iterable[tuple[Exemption, str]],
    ) -> int:
        row = BulkChangeRow(
            setting=request.setting,
            value=_stored(request.value),
            level=request.level.name.lower(),
            target_filter=request.target,
            exempt_filter=request.exempt_filter,
            exempt_filter_reason=request.exempt_filter_reason,
            reason=request.reason,
            actor=actor,
            at=at,
            affected=counts.get("affected", 0),
            exempted=counts.get("exempted", 0),
            overridden=counts.get("overridden", 0),
            unchanged=counts.get("unchanged", 0),
        )
        self._session.add(row)
        self._session.flush()
        self._session.add_all(
            BulkExemptionRow(bulk_id=row.id, account_id=e.account, source=source, reason=e.reason)
            for e, source in exemptions
        )
        self._session.flush()
        return row.id

    def bulk(self, bulk_id: int) -> BulkChange | None:
        row = self._session.get(BulkChangeRow, bulk_id)
        if row is None:
            return None
        exemptions = self._session.scalars(
            select(BulkExemptionRow)
            .where(BulkExemptionRow.bulk_id == bulk_id)
            .order_by(BulkExemptionRow.account_id)
        )
        value = _value(row.value)
        assert value is not None, f"bulk change {bulk_id} has no value"
        request = BulkChangeRequest(
            row.setting,
            value,
            row.target_filter,
            row.reason,
            Level[row.level.upper()],
            exempt_filter=row.exempt_filter,
            exempt_filter_reason=row.exempt_filter_reason,
        )
        counts = {
            "affected": row.affected,
            "exempted": row.exempted,
            "overridden": row.overridden,
            "unchanged": row.unchanged,
        }
        listed = tuple(Exemption(e.account_id, e.reason) for e in exemptions)
        return BulkChange(row.id, request, row.actor, as_utc(row.at), counts, listed)
