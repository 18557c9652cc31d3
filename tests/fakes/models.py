"""`FakeModelBook` and `FakeModelDesk`: the model book ports (`trimtab.services.model_ports`)
in memory.

`FakeModelBook` follows `ModelBookRepository` as the SQL one does: versions are filed by
(kind, key), kind following from the value (`kind_of`), oldest first, and never
rewritten; an assignment replaces the account's previous target; an account's allocation
is its `target` field, as the store reads it. `FakeModelDesk` is the `ModelUnitOfWork` the
model services see (the foundation fakes of `tests.fakes.foundation` plus the book); like
the SQL one, leaving `with desk:` without `commit()` drops what the block recorded. The
desk is its own factory:

>>> from tests.builders import BALANCED
>>> at = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
>>> desk = FakeModelDesk()
>>> with desk() as uow:
...     uow.model_book.record(Version(1, BALANCED, "cli:ipc", at, "tried", at.date()))
>>> desk.model_book.history("allocation", "BAL"), desk.commits
([], 0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from tests.fakes.foundation import FakeAccounts, FakeFoundation
from trimtab.domain.model_hub import ModelProvider, Subscription
from trimtab.domain.versions import Version
from trimtab.services.model_ports import Definition, kind_of

__all__ = ["FakeModelBook", "FakeModelDesk"]


class FakeModelBook:
    def __init__(self, accounts: FakeAccounts) -> None:
        self.accounts = accounts  # read by account_allocations, as the SQL joins accounts
        self.versions: dict[tuple[str, str], list[Version[Definition]]] = {}
        self.assigned: dict[str, str] = {}  # account -> target
        self.all_providers: dict[str, ModelProvider] = {}
        self.all_subscriptions: dict[tuple[str, str, dt.date], Subscription] = {}

    def record(self, version: Version[Definition]) -> None:
        key = (kind_of(version.value), version.value.id)
        # A new list, not an append: a rollback restores the dict, whose lists it shares.
        self.versions[key] = [*self.versions.get(key, []), version]

    def history(self, kind: str, key: str) -> list[Version[Definition]]:
        return list(self.versions.get((kind, key), []))

    def histories(self, kind: str) -> Mapping[str, Sequence[Version[Definition]]]:
        return {key: list(v) for (k, key), v in sorted(self.versions.items()) if k == kind}

    def target_of(self, account: str) -> str | None:
        return self.assigned.get(account)

    def assign(self, account: str, target: str) -> None:
        self.assigned[account] = target

    def accounts_following(self, targets: Collection[str]) -> dict[str, str]:
        wanted = set(targets)
        return {a: t for a, t in sorted(self.assigned.items()) if t in wanted}

    def account_allocations(self) -> dict[str, tuple[str | None, str | None]]:
        return {a.id: (a.target, a.program) for _, a in sorted(self.accounts.by_id.items())}

    def add_provider(self, provider: ModelProvider) -> None:
        self.all_providers[provider.id] = provider

    def provider(self, id: str) -> ModelProvider | None:
        return self.all_providers.get(id)

    def providers(self) -> list[ModelProvider]:
        return [self.all_providers[k] for k in sorted(self.all_providers)]

    def subscribe(self, subscription: Subscription) -> None:
        key = (subscription.provider, subscription.model, subscription.start)
        self.all_subscriptions[key] = subscription

    def subscriptions(self) -> list[Subscription]:
        return [self.all_subscriptions[k] for k in sorted(self.all_subscriptions)]


class FakeModelDesk(FakeFoundation):
    """`ModelUnitOfWork` in memory: the foundation fakes plus the model book."""

    def __init__(self) -> None:
        super().__init__()
        self.model_book = FakeModelBook(self.accounts)

    def _fakes(self) -> tuple[object, ...]:
        return (*super()._fakes(), self.model_book)
