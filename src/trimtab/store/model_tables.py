"""Tables for model management: versioned definitions, targets, the hub.

The foundation schema (`tables.py`) holds the *current* asset allocations and models
(`asset_allocations`, `models` and their weights). Model management adds the history
and what is new:

    definition_versions   every version of every allocation, model, equivalence set and
                          target: (kind, key, number) with author, aware time, reason,
                          the date it is in force from, and the definition as JSON
                          (`model_codec.py`); rows are append-only
    targets               the identity of each target, its parent (a child stores only
                          its differences) and name, kept at the latest version
    equivalence_sets      the identity of each equivalence set
    account_targets       which target an account follows (→ accounts, targets)
    model_providers       third-party model providers and their fee (bps per year)
    model_subscriptions   the firm's subscriptions to provider models, with dates

A definition is stored whole per version (not as a diff against the previous one): a
resolution "as of" any date reads one row per definition, and a child target's
*customizations* are already only its differences from its parent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import ID, NAME, Base
from trimtab.store.types import ExactDecimal

__all__ = [
    "AccountTargetRow",
    "DefinitionVersionRow",
    "EquivalenceSetRow",
    "ModelProviderRow",
    "ModelSubscriptionRow",
    "TargetRow",
]

KINDS = ("allocation", "model", "equivalence_set", "target")


class DefinitionVersionRow(Base):
    __tablename__ = "definition_versions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint("number >= 1", name="number"),
        # A kind's (count, latest recorded_at): the stamp of the parsed-book cache
        # (store/model_repository.py), read from this index alone (migration 0014).
        Index("ix_definition_versions_recorded", "kind", "recorded_at"),
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(ID, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective: Mapped[dt.date] = mapped_column(Date, index=True)
    author: Mapped[str] = mapped_column(NAME)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(500))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)


# The book's latest versions in the committee dashboard's order (migration 0020).
Index(
    "ix_definition_versions_latest",
    DefinitionVersionRow.recorded_at.desc(),
    DefinitionVersionRow.kind,
    DefinitionVersionRow.key,
    DefinitionVersionRow.number.desc(),
)


class TargetRow(Base):
    __tablename__ = "targets"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("targets.id"), index=True)


class EquivalenceSetRow(Base):
    __tablename__ = "equivalence_sets"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class AccountTargetRow(Base):
    __tablename__ = "account_targets"
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("targets.id"), index=True)


class ModelProviderRow(Base):
    __tablename__ = "model_providers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    fee_bps: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4))


class ModelSubscriptionRow(Base):
    __tablename__ = "model_subscriptions"
    provider_id: Mapped[str] = mapped_column(ForeignKey("model_providers.id"), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), primary_key=True)
    start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    end: Mapped[dt.date | None] = mapped_column(Date)
