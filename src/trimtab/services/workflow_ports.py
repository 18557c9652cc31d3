"""Ports for workflow use cases: selecting accounts by filter, saved filters, settings.

`WorkflowUnitOfWork` is the store's `UnitOfWork` plus three repositories; the store
implements it (`trimtab.store.unit_of_work.SqlUnitOfWork`), services see only these protocols.

    with uow:
        ids = uow.selection.matching(checked_filter)
        uow.settings.record(request, actor="ops", at=now)
        uow.commit()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Protocol

from trimtab.domain.bulk_changes import BulkChange, BulkChangeRequest, Exemption
from trimtab.domain.filters import Filter, SavedFilter
from trimtab.domain.settings_levels import ChangeRequest, Placement, SettingChange
from trimtab.services.ports import UnitOfWork

__all__ = [
    "AccountSelection",
    "SavedFilterRepository",
    "SettingsRepository",
    "WorkflowUnitOfWork",
]


class AccountSelection(Protocol):
    """Accounts as filters and settings see them."""

    def matching(self, f: Filter, *, limit: int | None = None) -> list[str]:
        """Ids of the accounts the filter matches, in id order (the first `limit`)."""
        ...

    def count(self, f: Filter) -> int: ...

    def placements(self, ids: Iterable[str] | None = None) -> list[Placement]:
        """Where each account sits (household, program, firm); every account if None."""
        ...

    def existing(self, ids: Iterable[str]) -> set[str]: ...

    def count_all(self) -> int: ...


class SavedFilterRepository(Protocol):
    def save(self, saved: SavedFilter) -> None:
        """Insert, or replace the filter with the same owner and name."""
        ...

    def get(self, name: str, *, user: str) -> SavedFilter | None:
        """The user's own filter of that name, else the firm's."""
        ...

    def visible_to(self, user: str) -> list[SavedFilter]: ...


class SettingsRepository(Protocol):
    def history(self) -> list[SettingChange]:
        """Every settings change ever recorded (the whole book)."""
        ...

    def get(self, change_id: int) -> SettingChange | None: ...

    def record(
        self, request: ChangeRequest, *, actor: str, at: dt.datetime, bulk: int | None = None
    ) -> SettingChange: ...

    def record_bulk(
        self,
        request: BulkChangeRequest,
        *,
        actor: str,
        at: dt.datetime,
        counts: Mapping[str, int],
        exemptions: Iterable[tuple[Exemption, str]],
    ) -> int:
        """Record the bulk change and its exemptions (each with its source); its id."""
        ...

    def bulk(self, bulk_id: int) -> BulkChange | None: ...


class WorkflowUnitOfWork(UnitOfWork, Protocol):
    @property
    def selection(self) -> AccountSelection: ...
    @property
    def filters(self) -> SavedFilterRepository: ...
    @property
    def settings(self) -> SettingsRepository: ...
