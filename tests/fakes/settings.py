"""`FakeSettings`, `FakeAccountSelection` and `FakeWorkflowDesk`: the settings and
workflow ports (`trimtab.services.workflow_ports`) in memory.

`FakeSettings` follows `SettingsRepository` as the SQL one does: changes and bulk changes
get ids 1, 2, ... in recording order and history is never rewritten. `FakeAccountSelection`
answers from the desk's accounts (`tests.fakes.foundation.FakeAccounts`): a filter is run
with `trimtab.domain.filters.evaluate.matches`, the SQL's in-memory twin, over the
account's own fields (the analysis fields, such as `value`, are absent: unknown, as for an
account never analyzed); placements name the first firm, or `firm` when there is none,
like the store. `FakeWorkflowDesk` is the `WorkflowUnitOfWork` the settings and filters
services see; like the SQL one, leaving `with desk:` without `commit()` rolls back
settings, saved filters, accounts and audit entries alike. The desk is its own factory:

>>> from trimtab.domain.restrictions import Level
>>> from trimtab.domain.settings_levels import ChangeRequest, Scope
>>> desk = FakeWorkflowDesk()
>>> with desk() as uow:
...     _ = uow.settings.record(
...         ChangeRequest("commission_schedule", Scope(Level.FIRM, "firm"), "B", "tried"),
...         actor="cli:ops", at=AT)
>>> desk.settings.history(), desk.commits
([], 0)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from tests.fakes.filters import FakeSavedFilters
from tests.fakes.foundation import FakeAccounts, FakeFoundation, FakeOrganization
from trimtab.domain import Account, Firm, Household, TaxStatus
from trimtab.domain.bulk_changes import BulkChange, BulkChangeRequest, Exemption
from trimtab.domain.filters import Filter
from trimtab.domain.filters.evaluate import matches
from trimtab.domain.settings_levels import ChangeRequest, Placement, SettingChange

__all__ = ["AT", "FakeAccountSelection", "FakeSettings", "FakeWorkflowDesk", "account"]

AT = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
DEFAULT_FIRM = "firm"  # the store's name for the firm when none is loaded


class FakeSettings:
    def __init__(self) -> None:
        self.changes: list[SettingChange] = []
        self.bulks: dict[int, BulkChange] = {}

    def history(self) -> list[SettingChange]:
        return list(self.changes)

    def get(self, change_id: int) -> SettingChange | None:
        return next((c for c in self.changes if c.id == change_id), None)

    def record(
        self, request: ChangeRequest, *, actor: str, at: dt.datetime, bulk: int | None = None
    ) -> SettingChange:
        change = SettingChange(
            len(self.changes) + 1,
            request.setting,
            request.scope,
            request.value,
            actor,
            at,
            request.reason,
            request.reverts,
            bulk,
        )
        self.changes.append(change)
        return change

    def record_bulk(
        self,
        request: BulkChangeRequest,
        *,
        actor: str,
        at: dt.datetime,
        counts: Mapping[str, int],
        exemptions: Iterable[tuple[Exemption, str]],
    ) -> int:
        bulk_id = len(self.bulks) + 1
        exempted = tuple(e for e, _ in exemptions)
        self.bulks[bulk_id] = BulkChange(bulk_id, request, actor, at, dict(counts), exempted)
        return bulk_id

    def bulk(self, bulk_id: int) -> BulkChange | None:
        return self.bulks.get(bulk_id)


class FakeAccountSelection:
    """A view over the desk's accounts; it holds no state of its own."""

    def __init__(self, accounts: FakeAccounts, organization: FakeOrganization) -> None:
        self._accounts = accounts
        self._organization = organization

    def _record(self, account: Account) -> dict[str, object]:
        record: dict[str, object] = {
            "id": account.id,
            "status": account.status.value,
            "tax_status": account.tax_status.value,
            "tier": account.tier,
            "discretionary": account.discretionary,
            "approved": account.approved_for_trading,
            "advisor": account.advisor,
            "branch": account.branch,
            "household": account.household,
            "program": account.program,
        }
        return record | {f"field.{k}": v for k, v in account.fields.items()}

    def matching(self, f: Filter, *, limit: int | None = None) -> list[str]:
        found = [
            a.id for _, a in sorted(self._accounts.by_id.items()) if matches(f, self._record(a))
        ]
        return found[:limit]

    def count(self, f: Filter) -> int:
        return len(self.matching(f))

    def placements(self, ids: Iterable[str] | None = None) -> list[Placement]:
        firms = self._organization.firms()
        firm = firms[0].id if firms else DEFAULT_FIRM
        wanted = sorted(self._accounts.by_id if ids is None else set(ids))
        accounts = [self._accounts.by_id[i] for i in wanted if i in self._accounts.by_id]
        return [Placement(a.id, a.household, a.program, firm) for a in accounts]

    def existing(self, ids: Iterable[str]) -> set[str]:
        return set(ids) & set(self._accounts.by_id)

    def count_all(self) -> int:
        return len(self._accounts.by_id)


class FakeWorkflowDesk(FakeFoundation):
    """`WorkflowUnitOfWork` in memory: the foundation fakes plus settings and filters."""

    def __init__(self) -> None:
        super().__init__()
        self.settings = FakeSettings()
        self.filters = FakeSavedFilters()

    def _fakes(self) -> tuple[object, ...]:
        return (*super()._fakes(), self.settings, self.filters)

    @property
    def selection(self) -> FakeAccountSelection:
        return FakeAccountSelection(self.accounts, self.organization)

    @classmethod
    def with_accounts(cls, *accounts: Account, firm: str = "F-1") -> FakeWorkflowDesk:
        """A desk holding `accounts`, their households and one firm (set up, committed)."""
        desk = cls()
        desk.organization.add_firm(Firm(firm, firm))
        for account in accounts:
            desk.households.add(Household(account.household))
            desk.accounts.add(account)
        return desk


def account(id: str, household: str = "H-1", **changes: Any) -> Account:
    """A taxable account of `household`, for test setup (`tier="Gold"`, `program=...`)."""
    return dataclasses.replace(Account(id, household, TaxStatus.TAXABLE), **changes)
