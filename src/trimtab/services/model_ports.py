"""Ports for model management: the versioned model book and the hub, as `Protocol`s.

The model-management use cases (`trimtab.services.model_book`, `model_hub`) need the
foundation unit of work (`trimtab.services.ports.UnitOfWork`) plus `ModelBookRepository`;
the store's `SqlUnitOfWork` provides both. Every definition is versioned: `record`
appends a version and makes it current, and history is never rewritten.

    with new_uow() as uow:
        uow.model_book.record(version)      # AssetAllocation, Model, EquivalenceSet or Target
        uow.commit()
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.model_hub import ModelProvider, Subscription
from trimtab.domain.models import Model
from trimtab.domain.targets import Target
from trimtab.domain.versions import Version
from trimtab.services.ports import UnitOfWork

__all__ = ["Definition", "ModelBookRepository", "ModelUnitOfWork", "kind_of"]

Definition = AssetAllocation | Model | EquivalenceSet | Target


def kind_of(definition: Definition) -> str:
    """The kind a definition's history is filed under (`history(kind, key)`)."""
    if isinstance(definition, AssetAllocation):
        return "allocation"
    if isinstance(definition, Model):
        return "model"
    if isinstance(definition, EquivalenceSet):
        return "equivalence_set"
    return "target"


class ModelBookRepository(Protocol):
    def record(self, version: Version[Definition]) -> None:
        """Append a version (its kind follows from its value) and make it current."""
        ...

    def history(self, kind: str, key: str) -> list[Version[Definition]]: ...
    def histories(self, kind: str) -> Mapping[str, Sequence[Version[Definition]]]:
        """Every key's versions of `kind`, oldest first (read-only: may be shared)."""
        ...

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


class ModelUnitOfWork(UnitOfWork, Protocol):
    @property
    def model_book(self) -> ModelBookRepository: ...
