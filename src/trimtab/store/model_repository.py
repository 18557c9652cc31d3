"""The model book in SQL: versioned definitions, account targets, providers, subscriptions.

Implements `trimtab.services.model_ports.ModelBookRepository`. Recording a version
appends a `definition_versions` row and refreshes the current-state tables the rest of
the store reads (`asset_allocations`/`models` with their weights, `targets`,
`equivalence_sets`), all inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.model_hub import ModelProvider, Subscription
from trimtab.domain.models import Model
from trimtab.domain.versions import Version
from trimtab.services.model_ports import Definition, kind_of
from trimtab.store.model_codec import definition_from_json, definition_to_json
from trimtab.store.model_tables import (
    AccountTargetRow,
    DefinitionVersionRow,
    EquivalenceSetRow,
    ModelProviderRow,
    ModelSubscriptionRow,
    TargetRow,
)
from trimtab.store.tables import (
    AccountRow,
    AllocationWeightRow,
    AssetAllocationRow,
    ModelRow,
    ModelWeightRow,
)

__all__ = ["SqlModelBookRepository"]

# Parsed histories per database (engine) and kind, with the stamp they were read at.
# Problem: the model book of a large firm is tens of thousands of versions (a customized
# child target per account); parsing them all took 1.3 s of every account page at 10,000
# accounts (13 s at 100,000). Rule: versions are only ever appended (`record`), so a
# kind's history is unchanged while its stamp (count, latest recorded_at) is, and the
# parsed versions (frozen values) are reused; when the stamp moves, only the versions
# recorded after the cached ones are read, provided they account for every new row
# (else — a firm replaced, a version recorded with an older time — the kind is read
# whole). A session that recorded a version reads past the cache (its rows may roll
# back). Worked example: 31,000 targets cached; an advisor saves a customization (one
# version); the next page reads that one row, not 31,001.
_HISTORIES: WeakKeyDictionary[Any, dict[str, tuple[tuple[Any, ...], Any]]] = WeakKeyDictionary()
_HISTORIES_LOCK = threading.Lock()


class SqlModelBookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._recorded = False
        self._stamped: dict[str, tuple[int, Any]] | None = None

    def record(self, version: Version[Definition]) -> None:
        self._recorded = True
        value = version.value
        kind = kind_of(value)
        self._make_current(value)
        self.session.add(
            DefinitionVersionRow(
                kind=kind,
                key=value.id,
                number=version.number,
                effective=version.effective,
                author=version.author,
                recorded_at=version.recorded_at,
                reason=version.reason,
                definition=definition_to_json(value),
            )
        )
        self.session.flush()

    def _make_current(self, value: Definition) -> None:
        s = self.session
        if isinstance(value, AssetAllocation):
            s.merge(AssetAllocationRow(id=value.id, name=value.name))
            s.flush()
            s.execute(
                delete(AllocationWeightRow).where(AllocationWeightRow.allocation_id == value.id)
            )
            s.add_all(
                AllocationWeightRow(allocation_id=value.id, asset_class_id=c, weight=w)
                for c, w in value.weights.items()
            )
        elif isinstance(value, Model):
            s.merge(ModelRow(id=value.id, name=value.name))
            s.flush()
            s.execute(delete(ModelWeightRow).where(ModelWeightRow.model_id == value.id))
            s.add_all(
                ModelWeightRow(model_id=value.id, security=t, weight=w)
                for t, w in value.weights.items()
            )
        elif isinstance(value, EquivalenceSet):
            s.merge(EquivalenceSetRow(id=value.id, name=value.name))
        else:
            # A parent is recorded before its children (the services record in chain order).
            s.merge(TargetRow(id=value.id, name=value.name, parent_id=value.parent))
        s.flush()

    def history(self, kind: str, key: str) -> list[Version[Definition]]:
        rows = self.session.scalars(
            select(DefinitionVersionRow)
            .where(DefinitionVersionRow.kind == kind, DefinitionVersionRow.key == key)
            .order_by(DefinitionVersionRow.number)
        )
        return [_version(r) for r in rows]

    def histories(self, kind: str) -> Mapping[str, Sequence[Version[Definition]]]:
        if self._recorded:
            return self._read_histories(kind)
        engine = self.session.get_bind()
        count, latest = self._stamps().get(kind, (0, None))
        with _HISTORIES_LOCK:
            stamped, cached = _HISTORIES.get(engine, {}).get(kind, ((0, None), None))
        if cached is None or stamped != (count, latest):
            cached = self._refreshed(kind, stamped, cached, count)
            with _HISTORIES_LOCK:
                _HISTORIES.setdefault(engine, {})[kind] = ((count, latest), cached)
        return MappingProxyType(cached)  # read-only: shared by every request of the process

    def _stamps(self) -> dict[str, tuple[int, Any]]:
        """Every kind's stamp, read once per unit of work in one statement (an account's
        page reads four kinds)."""
        if self._stamped is None:
            rows = self.session.execute(
                select(
                    DefinitionVersionRow.kind,
                    func.count(),
                    func.max(DefinitionVersionRow.recorded_at),
                ).group_by(DefinitionVersionRow.kind)
            )
            self._stamped = {kind: (count, latest) for kind, count, latest in rows}
        return self._stamped

    def _refreshed(
        self,
        kind: str,
        stamped: tuple[int, Any],
        cached: dict[str, tuple[Version[Definition], ...]] | None,
        count: int,
    ) -> dict[str, tuple[Version[Definition], ...]]:
        """The cached histories brought up to `count` versions: the appended ones only
        when they are all the new rows, else the kind read whole."""
        if cached is not None and stamped[1] is not None:
            newer = self._read_histories(kind, after=stamped[1])
            if stamped[0] + sum(len(v) for v in newer.values()) == count:
                merged = dict(cached)
                for key, versions in newer.items():
                    # By number: a version committed between the stamp's read and the
                    # rows' (read committed) may be in the cache already.
                    both = {v.number: v for v in (*merged.get(key, ()), *versions)}
                    merged[key] = tuple(both[n] for n in sorted(both))
                return merged
        return {key: tuple(v) for key, v in self._read_histories(kind).items()}

    def _read_histories(
        self, kind: str, *, after: dt.datetime | None = None
    ) -> dict[str, list[Version[Definition]]]:
        query = select(DefinitionVersionRow).where(DefinitionVersionRow.kind == kind)
        if after is not None:
            query = query.where(DefinitionVersionRow.recorded_at > after)
        rows = self.session.scalars(
            query.order_by(DefinitionVersionRow.key, DefinitionVersionRow.number)
        )
        found: dict[str, list[Version[Definition]]] = {}
        for r in rows:
            found.setdefault(r.key, []).append(_version(r))
        return found

    def target_of(self, account: str) -> str | None:
        row = self.session.get(AccountTargetRow, account)
        return row.target_id if row is not None else None

    def assign(self, account: str, target: str) -> None:
        self.session.merge(AccountTargetRow(account_id=account, target_id=target))
        self.session.flush()

    def accounts_following(self, targets: Collection[str]) -> dict[str, str]:
        rows = self.session.execute(
            select(AccountTargetRow.account_id, AccountTargetRow.target_id)
            .where(AccountTargetRow.target_id.in_(list(targets)))
            .order_by(AccountTargetRow.account_id)
        )
        return dict(rows.all())

    def account_allocations(self) -> dict[str, tuple[str | None, str | None]]:
        rows = self.session.execute(
            select(AccountRow.id, AccountRow.target_id, AccountRow.program_id).order_by(
                AccountRow.id
            )
        )
        return {account: (allocation, program) for account, allocation, program in rows}

    def add_provider(self, provider: ModelProvider) -> None:
        self.session.merge(
            ModelProviderRow(id=provider.id, name=provider.name, fee_bps=provider.fee_bps)
        )
        self.session.flush()

    def provider(self, id: str) -> ModelProvider | None:
        row = self.session.get(ModelProviderRow, id)
        return ModelProvider(row.id, row.name, row.fee_bps) if row is not None else None

    def providers(self) -> list[ModelProvider]:
        rows = self.session.scalars(select(ModelProviderRow).order_by(ModelProviderRow.id))
        return [ModelProvider(r.id, r.name, r.fee_bps) for r in rows]

    def subscribe(self, subscription: Subscription) -> None:
        self.session.merge(
            ModelSubscriptionRow(
                provider_id=subscription.provider,
                model_id=subscription.model,
                start=subscription.start,
                end=subscription.end,
            )
        )
        self.session.flush()

    def subscriptions(self) -> list[Subscription]:
        rows = self.session.scalars(
            select(ModelSubscriptionRow).order_by(
                ModelSubscriptionRow.provider_id,
                ModelSubscriptionRow.model_id,
                ModelSubscriptionRow.start,
            )
        )
        return [Subscription(r.provider_id, r.model_id, r.start, r.end) for r in rows]


def _version(row: DefinitionVersionRow) -> Version[Definition]:
    recorded = row.recorded_at
    if recorded.tzinfo is None:
        # SQLite keeps no zone; trimtab writes UTC, so a naive value read back is UTC.
        recorded = recorded.replace(tzinfo=dt.UTC)
    return Version(
        row.number,
        definition_from_json(row.kind, row.key, row.definition),
        row.author,
        recorded,
        row.reason,
        row.effective,
    )
