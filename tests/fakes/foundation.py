"""`FakeFoundation`: the foundation unit of work (`trimtab.services.ports.UnitOfWork`) in
memory, for the workflow and model fakes that extend it.

Problem: `WorkflowUnitOfWork` and `ModelUnitOfWork` are the store's `UnitOfWork` plus one
or two repositories, so a fake of either must also be a whole `UnitOfWork`, or mypy will
not accept it where the services type it. Rule: the repositories the settings and model
services read (organization, asset classes, securities, households, accounts) are held
in memory; the others (prices, lots, cash, restrictions, trades, targets, the bulk
loader) are not read by those services and raise `NotFaked` when touched, so a test
that starts to need one fails loudly instead of reading an empty stand-in. Like the SQL
unit of work, leaving `with uow:` without `commit()` restores every fake's state
(values are frozen, so copying each fake's containers is enough):

>>> from trimtab.domain.accounts import Household
>>> uow = FakeFoundation()
>>> with uow:
...     uow.households.add(Household("H-1"))
>>> uow.households.get("H-1") is None, uow.commits
(True, 0)
"""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Any, NoReturn, Self

from tests.fakes.audit import FakeAuditTrail
from trimtab.domain import (
    Account,
    Advisor,
    AssetClass,
    Branch,
    Firm,
    Household,
    Program,
    Security,
    TaxProfile,
)
from trimtab.services.ports import (
    BulkLoader,
    CashRepository,
    LotRepository,
    PriceRepository,
    RestrictionRepository,
    TargetRepository,
    TradeHistoryRepository,
)

__all__ = [
    "FakeAccounts",
    "FakeAssetClasses",
    "FakeFoundation",
    "FakeHouseholds",
    "FakeOrganization",
    "FakeSecurities",
    "NotFaked",
]


class NotFaked(AssertionError):
    """A repository the settings and model services do not read was read."""


class FakeOrganization:
    def __init__(self) -> None:
        self.all_firms: list[Firm] = []
        self.all_programs: list[Program] = []
        self.all_branches: list[Branch] = []
        self.all_advisors: list[Advisor] = []

    def add_firm(self, firm: Firm) -> None:
        self.all_firms.append(firm)

    def add_program(self, program: Program) -> None:
        self.all_programs.append(program)

    def add_branch(self, branch: Branch) -> None:
        self.all_branches.append(branch)

    def add_advisor(self, advisor: Advisor) -> None:
        self.all_advisors.append(advisor)

    def firms(self) -> list[Firm]:
        return sorted(self.all_firms, key=lambda f: f.id)

    def programs(self) -> list[Program]:
        return sorted(self.all_programs, key=lambda p: p.id)

    def branches(self) -> list[Branch]:
        return sorted(self.all_branches, key=lambda b: b.id)

    def advisors(self) -> list[Advisor]:
        return sorted(self.all_advisors, key=lambda a: a.id)

    def advisor(self, id: str) -> Advisor | None:
        return next((a for a in self.all_advisors if a.id == id), None)


class FakeAssetClasses:
    def __init__(self) -> None:
        self.by_id: dict[str, AssetClass] = {}

    def add(self, asset_class: AssetClass) -> None:
        self.by_id[asset_class.id] = asset_class

    def get(self, id: str) -> AssetClass | None:
        return self.by_id.get(id)

    def list(self) -> list[AssetClass]:
        return [self.by_id[k] for k in sorted(self.by_id)]


class FakeSecurities:
    def __init__(self) -> None:
        self.by_ticker: dict[str, Security] = {}

    def add(self, security: Security) -> None:
        self.by_ticker[security.ticker] = security

    def get(self, ticker: str) -> Security | None:
        return self.by_ticker.get(ticker)

    def list(self) -> list[Security]:
        return [self.by_ticker[k] for k in sorted(self.by_ticker)]


class FakeHouseholds:
    def __init__(self) -> None:
        self.by_id: dict[str, Household] = {}
        self.profiles: dict[str, TaxProfile] = {}

    def add(self, household: Household) -> None:
        self.by_id[household.id] = household

    def get(self, id: str) -> Household | None:
        return self.by_id.get(id)

    def set_tax_profile(self, profile: TaxProfile) -> None:
        self.profiles[profile.household] = profile

    def tax_profile(self, household: str) -> TaxProfile | None:
        return self.profiles.get(household)


class FakeAccounts:
    def __init__(self) -> None:
        self.by_id: dict[str, Account] = {}

    def add(self, account: Account) -> None:
        self.by_id[account.id] = account

    def get(self, id: str) -> Account | None:
        return self.by_id.get(id)

    def save(self, account: Account) -> None:
        self.by_id[account.id] = account

    def in_household(self, household: str) -> list[Account]:
        return [a for _, a in sorted(self.by_id.items()) if a.household == household]

    def count(self) -> int:
        return len(self.by_id)


def _copied(value: object) -> object:
    """A container's copy (its values are frozen); anything else, such as a reference
    from one fake to another (restored on its own), kept as it is."""
    return copy.copy(value) if isinstance(value, dict | list | set) else value


def _not_faked(name: str) -> NoReturn:
    raise NotFaked(f"uow.{name} is not faked: no settings or model service reads it")


class FakeFoundation:
    """The foundation repositories in memory; the unit of work is its own factory."""

    def __init__(self) -> None:
        self.organization = FakeOrganization()
        self.asset_classes = FakeAssetClasses()
        self.securities = FakeSecurities()
        self.households = FakeHouseholds()
        self.accounts = FakeAccounts()
        self.audit = FakeAuditTrail()
        self.commits = 0
        self._saved: list[tuple[object, dict[str, Any]]] | None = None

    def _fakes(self) -> tuple[object, ...]:
        """Every fake whose state a rollback restores (subclasses add theirs)."""
        return (
            self.organization,
            self.asset_classes,
            self.securities,
            self.households,
            self.accounts,
            self.audit,
        )

    @property
    def prices(self) -> PriceRepository:
        _not_faked("prices")

    @property
    def lots(self) -> LotRepository:
        _not_faked("lots")

    @property
    def cash(self) -> CashRepository:
        _not_faked("cash")

    @property
    def restrictions(self) -> RestrictionRepository:
        _not_faked("restrictions")

    @property
    def trades(self) -> TradeHistoryRepository:
        _not_faked("trades")

    @property
    def targets(self) -> TargetRepository:
        _not_faked("targets")

    @property
    def bulk(self) -> BulkLoader:
        _not_faked("bulk")

    def _snapshot(self) -> list[tuple[object, dict[str, Any]]]:
        return [(f, {k: _copied(v) for k, v in vars(f).items()}) for f in self._fakes()]

    def __call__(self) -> Self:
        return self

    def __enter__(self) -> Self:
        self._saved = self._snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._saved = None

    def commit(self) -> None:
        self.commits += 1
        self._saved = self._snapshot()

    def rollback(self) -> None:
        for fake, state in self._saved or ():
            vars(fake).clear()
            vars(fake).update({k: _copied(v) for k, v in state.items()})
