"""Ports: what the use cases need from storage, as `typing.Protocol`s.

Services depend on these protocols only; `trimtab.store` implements them with SQLAlchemy
and tests can implement them with in-memory fakes. One `UnitOfWork` is one transaction:

    with uow:
        uow.accounts.add(account)
        uow.lots.add(lot)
        uow.commit()          # leaving the block without commit() rolls everything back

Repositories are grouped by aggregate (an account with its lots and cash; a household
with its tax profile; a security with its prices). `BulkLoader` is the fast path for
loading a whole firm: it takes `Batch`es of domain values, in dependency order, inside
the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from trimtab.domain import (
    Account,
    Advisor,
    AssetAllocation,
    AssetClass,
    Branch,
    CashBalance,
    Firm,
    Household,
    Model,
    Price,
    Program,
    Restriction,
    Security,
    TaxLot,
    TaxProfile,
    TradeRecord,
)
from trimtab.domain.wash_sales import WashGroupPolicy
from trimtab.services.audit import AuditTrail

__all__ = [
    "AccountRepository",
    "AssetClassRepository",
    "Batch",
    "BulkLoader",
    "CashRepository",
    "HouseholdRepository",
    "LotRepository",
    "OrganizationRepository",
    "PriceRepository",
    "RestrictionRepository",
    "SecurityRepository",
    "TargetRepository",
    "TradeHistoryRepository",
    "UnitOfWork",
    "WashGroupStore",
]


class OrganizationRepository(Protocol):
    """The firm, its programs, branches and advisors."""

    def add_firm(self, firm: Firm) -> None: ...
    def add_program(self, program: Program) -> None: ...
    def add_branch(self, branch: Branch) -> None: ...
    def add_advisor(self, advisor: Advisor) -> None: ...
    def firms(self) -> list[Firm]: ...
    def programs(self) -> list[Program]: ...
    def branches(self) -> list[Branch]: ...
    def advisors(self) -> list[Advisor]: ...
    def advisor(self, id: str) -> Advisor | None: ...


class AssetClassRepository(Protocol):
    def add(self, asset_class: AssetClass) -> None: ...
    def get(self, id: str) -> AssetClass | None: ...
    def list(self) -> list[AssetClass]: ...


class SecurityRepository(Protocol):
    def add(self, security: Security) -> None: ...
    def get(self, ticker: str) -> Security | None: ...
    def list(self) -> list[Security]: ...


class WashGroupStore(Protocol):
    """The firm's wash groups and share-class policy (`services/wash_groups.py`)."""

    def policy(self) -> WashGroupPolicy: ...
    def members(self) -> dict[str, str]: ...
    def set_members(
        self, tickers: Collection[str], group: str, *, by: str, at: dt.datetime
    ) -> None: ...
    def remove_members(self, tickers: Collection[str]) -> None: ...
    def set_share_classes_identical(self, on: bool, *, by: str, at: dt.datetime) -> None: ...


class PriceRepository(Protocol):
    def add(self, price: Price) -> None: ...
    def on(self, ticker: str, date: dt.date) -> Price | None: ...
    def latest(self, tickers: Iterable[str], as_of: dt.date) -> dict[str, Price]:
        """The last close on or before `as_of` of each ticker that has one."""
        ...

    def history(self, ticker: str, start: dt.date, end: dt.date) -> list[Price]: ...


class HouseholdRepository(Protocol):
    def add(self, household: Household) -> None: ...
    def get(self, id: str) -> Household | None: ...
    def set_tax_profile(self, profile: TaxProfile) -> None: ...
    def tax_profile(self, household: str) -> TaxProfile | None: ...


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...
    def get(self, id: str) -> Account | None: ...
    def save(self, account: Account) -> None:
        """Replace the stored account with this value (same id)."""
        ...

    def in_household(self, household: str) -> list[Account]: ...
    def count(self) -> int: ...


class LotRepository(Protocol):
    def add(self, lot: TaxLot) -> None: ...
    def for_account(self, account: str) -> list[TaxLot]: ...
    def remove(self, lot_id: str) -> None: ...


class CashRepository(Protocol):
    def set(self, balance: CashBalance) -> None: ...
    def get(self, account: str) -> CashBalance | None: ...


class RestrictionRepository(Protocol):
    def add(self, restriction: Restriction) -> None: ...
    def applicable(self, account: Account, *, firm: str) -> list[Restriction]:
        """Every restriction whose scope is this account's firm, program, household or self."""
        ...


class TradeHistoryRepository(Protocol):
    def add(self, trade: TradeRecord) -> None: ...
    def in_household_since(self, household: str, since: dt.date) -> list[TradeRecord]:
        """Trades of every account of the household on or after `since` (wash-sale lookback)."""
        ...


class TargetRepository(Protocol):
    """Asset allocations and models (placeholders until targets are versioned)."""

    def add_allocation(self, allocation: AssetAllocation) -> None: ...
    def allocation(self, id: str) -> AssetAllocation | None: ...
    def allocations(self) -> list[AssetAllocation]: ...
    def add_model(self, model: Model) -> None: ...
    def model(self, id: str) -> Model | None: ...


@dataclass(frozen=True, slots=True)
class Batch:
    """Domain values to insert together; a loader writes the fields in this order."""

    firms: Sequence[Firm] = ()
    programs: Sequence[Program] = ()
    branches: Sequence[Branch] = ()
    advisors: Sequence[Advisor] = ()
    asset_classes: Sequence[AssetClass] = ()
    securities: Sequence[Security] = ()
    prices: Sequence[Price] = ()
    allocations: Sequence[AssetAllocation] = ()
    models: Sequence[Model] = ()
    households: Sequence[Household] = ()
    tax_profiles: Sequence[TaxProfile] = ()
    accounts: Sequence[Account] = ()
    lots: Sequence[TaxLot] = ()
    cash: Sequence[CashBalance] = ()
    restrictions: Sequence[Restriction] = ()
    trades: Sequence[TradeRecord] = ()


class BulkLoader(Protocol):
    def is_empty(self) -> bool:
        """True when no firm data (securities, households, accounts, ...) is stored."""
        ...

    def clear(self) -> None:
        """Delete every firm row (inside the current transaction)."""
        ...

    def write(self, batch: Batch) -> None: ...
    def refresh_statistics(self) -> None:
        """Let the database's planner see what was loaded (its statistics)."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows per table, for reports."""
        ...


class UnitOfWork(Protocol):
    """One transaction; the repositories are valid inside `with uow:` only."""

    @property
    def organization(self) -> OrganizationRepository: ...
    @property
    def asset_classes(self) -> AssetClassRepository: ...
    @property
    def securities(self) -> SecurityRepository: ...
    @property
    def wash_groups(self) -> WashGroupStore: ...
    @property
    def prices(self) -> PriceRepository: ...
    @property
    def households(self) -> HouseholdRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def lots(self) -> LotRepository: ...
    @property
    def cash(self) -> CashRepository: ...
    @property
    def restrictions(self) -> RestrictionRepository: ...
    @property
    def trades(self) -> TradeHistoryRepository: ...
    @property
    def targets(self) -> TargetRepository: ...
    @property
    def bulk(self) -> BulkLoader: ...
    @property
    def audit(self) -> AuditTrail:
        """The audit trail: every write service appends its one entry here (`record`)."""
        ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
