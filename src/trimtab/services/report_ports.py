"""Ports of the reports (taxes saved, health checks, explained activity) and their values.

`store/report_repository.py` implements `ReportStore` on SQLite and PostgreSQL; the
unit tests use `tests/fakes/reports.py`. Every read takes the viewer's scope and applies
it inside the query (store/scope_sql.py), so a report's accounts, totals and lists agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from trimtab.domain.principal import Scope
from trimtab.domain.records import RecordEntry
from trimtab.services.audit import AuditTrail

__all__ = [
    "AccountFacts",
    "Counterfactual",
    "Exemption",
    "HealthCheck",
    "OutcomeFacts",
    "ReportStore",
    "ReportUnitOfWork",
]


@dataclass(frozen=True, slots=True)
class AccountFacts:
    id: str
    name: str
    household_id: str
    household_name: str
    advisor_id: str | None
    tax_status: str


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """What a tax-naive rebalance of the account would have realized that night (>= 0)."""

    analysis_id: int
    run_id: str | None
    account: str
    as_of: dt.date
    status: str
    trades: int
    short_term_gains: Decimal
    short_term_losses: Decimal
    long_term_gains: Decimal
    long_term_losses: Decimal


@dataclass(frozen=True, slots=True)
class TaxesSavedTotal:
    """The firm's taxes saved from `start` (January 1) to the night `end`, as the
    taxes-saved report counted them when `computed_at`."""

    start: dt.date
    end: dt.date
    analyses: int
    not_counted: int
    missing: int
    losses_harvested: Decimal
    short_term_avoided: Decimal
    gains_deferred: Decimal
    portfolio_value: Decimal
    computed_at: dt.datetime

    @property
    def total(self) -> Decimal:
        return self.losses_harvested + self.short_term_avoided + self.gains_deferred


@dataclass(frozen=True, slots=True)
class HealthCheck:
    run_id: str
    account: str
    as_of: dt.date
    kind: str  # drift, cash, restrictions, risk, data
    passed: bool
    measure: float | None
    threshold: float | None
    detail: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Exemption:
    run_id: str
    account: str
    kind: str
    reason: str
    actor: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class OutcomeFacts:
    """One account's night: its routing outcome and what became of its proposal."""

    run_id: str
    account: str
    as_of: dt.date
    outcome: str  # auto_trade, review, suspended, no_trade
    at: dt.datetime
    proposal_state: str | None  # pending, approved, rejected, auto; None: no proposal
    decided_by: str | None
    decided_at: dt.datetime | None


class ReportStore(Protocol):
    def accounts(
        self,
        scope: Scope,
        *,
        account: str | None = None,
        household: str | None = None,
        advisor: str | None = None,
    ) -> list[AccountFacts]:
        """The accounts in `scope` matching every filter given, by id."""
        ...

    def analyses(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[RecordEntry]:
        """Analysis records of these accounts with start <= as_of <= end, oldest first,
        leaving out those of voided runs."""
        ...

    def run_analyses(self, run_id: str) -> list[RecordEntry]: ...

    def latest_run(self) -> tuple[str, dt.date] | None:
        """(id, day) of the newest run that is not voided; None before the first run."""
        ...

    def analysis(self, entry: RecordEntry) -> dict[str, Any]:
        """The analysis record joined from its parts (case, versions, settings, ...)."""
        ...

    def counterfactuals(self, analysis_ids: Collection[int]) -> dict[int, Counterfactual]: ...

    def add_counterfactuals(self, items: Sequence[Counterfactual], at: dt.datetime) -> None: ...

    def add_taxes_saved_total(self, total: TaxesSavedTotal) -> None: ...

    def latest_taxes_saved_total(self) -> TaxesSavedTotal | None:
        """The total kept last (the latest night, the latest computation of it)."""
        ...

    def outcomes(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[OutcomeFacts]: ...

    def health_checks(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[HealthCheck]: ...

    def run_has_health_checks(self, run_id: str) -> bool: ...

    def add_health_checks(self, items: Sequence[HealthCheck]) -> None: ...

    def exemptions(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[Exemption]: ...

    def exemption(self, run_id: str, account: str, kind: str) -> Exemption | None: ...

    def add_exemption(self, item: Exemption) -> None: ...


class ReportUnitOfWork(Protocol):
    @property
    def reports(self) -> ReportStore: ...

    @property
    def audit(self) -> AuditTrail: ...

    def commit(self) -> None: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
