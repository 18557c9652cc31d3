"""Ports for model management: the versioned model book and the hub, as `Protocol`s.

The model-management use cases (`trimtab.services.model_book`, `model_hub`) need the
foundation repositories (`trimtab.services.ports`) plus `ModelBookRepository`; the
store's `SqlUnitOfWork` provides all of them, and tests use an in-memory fake.
"""

from __future__ import annotations

from collections.abc import Collection
from types import TracebackType
from typing import Protocol, Self

from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.model_hub import ModelProvider, Subscription
from trimtab.domain.models import Model
from trimtab.domain.targets import Target
from trimtab.domain.versions import Version
from trimtab.services.ports import (
    AccountRepository,
    AssetClassRepository,
    CashRepository,
    LotRepository,
    OrganizationRepository,
    PriceRepository,
    RestrictionRepository,
    SecurityRepository,
    TargetRepository,
    TradeHistoryRepository,
)

__all__ = ["Definition", "ModelBookRepository", "ModelUnitOfWork"]

Definition = AssetAllocation | Model | EquivalenceSet | Target


class ModelBookRepository(Protocol):
    def record(self, version: Version[Definition]) -> None:
        """Append a version (its kind follows from its value) and make it current."""
        ...

    def history(self, kind: str, key: str) -> list[Version[Definition]]: ...
    def histories(self, kind: str) -> dict[str, list[Version[Definition]]]: ...
    def target_of(self, account: str) -> str | None: ...
    def assign(self, account: str, target: str) -> None: ...
    def accounts_following(self, targets: Collection[str]) -> dict[str, str]:
        """Account → target, for the accounts that follow one of `targets`."""
        ...

    def account_allocations(self) -> dict[str, tuple[str | None, str | None]]:
        """Every account → (the allocation it follows, its program)."""
        ...

    def add_provider(self, provider: ModelProvider) -> None: ...
    def provider(self, id: str) -> ModelProvider | None: ...
    def providers(self) -> list[ModelProvider]: ...
    def subscribe(self, subscription: Subscription) -> None: ...
    def subscriptions(self) -> list[Subscription]: ...


class ModelUnitOfWork(Protocol):
    # Read-only members, so any unit of work whose repositories satisfy these ports fits.
    @property
    def model_book(self) -> ModelBookRepository: ...
    @property
    def organization(self) -> OrganizationRepository: ...
    @property
    def asset_classes(self) -> AssetClassRepository: ...
    @property
    def securities(self) -> SecurityRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def lots(self) -> LotRepository: ...
    @property
    def cash(self) -> CashRepository: ...
    @property
    def prices(self) -> PriceRepository: ...
    @property
    def restrictions(self) -> RestrictionRepository: ...
    @property
    def trades(self) -> TradeHistoryRepository: ...
    @property
    def targets(self) -> TargetRepository: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
