"""Tables for workflow: saved filters, versioned settings, bulk changes, latest analyses.

    saved_filters                        (owner '' = the firm's; else the user's own)
    setting_changes → bulk_changes       (append-only: one row per version of a setting
                    → setting_changes      at one level and scope; `reverts` points at
                                           the change a revert undoes)
    bulk_changes ← bulk_exemptions → accounts
    analyses → accounts                  (written by the nightly run)
    latest_analyses → accounts, analyses (each account's latest analysis, kept by the
                                           writes that change it; filters read it)

Settings rows are never updated or deleted: the history *is* the settings. `value` is
JSON (a word, a number, or a [low, high] range); SQL NULL means "cleared at this scope".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import ID, MONEY, Base
from trimtab.store.types import ExactDecimal

__all__ = [
    "AnalysisRow",
    "BulkChangeRow",
    "BulkExemptionRow",
    "LatestAnalysisRow",
    "SavedFilterRow",
    "SettingChangeRow",
]

_LEVELS = "level IN ('firm', 'program', 'household', 'account')"
USER = String(80)
REASON = String(500)
FRACTION = ExactDecimal(16, 10)
# A JSON column whose Python None is SQL NULL, so "cleared" is queryable as IS NULL.
SETTING_VALUE = JSON(none_as_null=True)


class SavedFilterRow(Base):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_saved_filters_owner_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(USER)  # '' for a firm-wide filter
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500))
    expression: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(USER)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BulkChangeRow(Base):
    __tablename__ = "bulk_changes"
    __table_args__ = (CheckConstraint(_LEVELS, name="level"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(SETTING_VALUE)
    level: Mapped[str] = mapped_column(String(16))
    target_filter: Mapped[str] = mapped_column(Text)
    exempt_filter: Mapped[str | None] = mapped_column(Text)
    exempt_filter_reason: Mapped[str] = mapped_column(REASON)
    reason: Mapped[str] = mapped_column(REASON)
    actor: Mapped[str] = mapped_column(USER)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    affected: Mapped[int] = mapped_column(Integer)
    exempted: Mapped[int] = mapped_column(Integer)
    overridden: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)


class BulkExemptionRow(Base):
    __tablename__ = "bulk_exemptions"
    __table_args__ = (CheckConstraint("source IN ('listed', 'filter')", name="source"),)
    bulk_id: Mapped[int] = mapped_column(ForeignKey("bulk_changes.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(REASON)


class SettingChangeRow(Base):
    __tablename__ = "setting_changes"
    __table_args__ = (
        CheckConstraint(_LEVELS, name="level"),
        Index("ix_setting_changes_scope", "level", "scope"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(ID)
    value: Mapped[Any] = mapped_column(SETTING_VALUE, nullable=True)
    actor: Mapped[str] = mapped_column(USER)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(REASON)
    reverts: Mapped[int | None] = mapped_column(ForeignKey("setting_changes.id"))
    bulk_id: Mapped[int | None] = mapped_column(ForeignKey("bulk_changes.id"), index=True)


class AnalysisRow(Base):
    """One account's analysis by one nightly run: what filters read as "latest analysis".

    Fractions (drift, turnover) are of the account's value; dollars are exact.
    """

    __tablename__ = "analyses"
    __table_args__ = (Index("ix_analyses_account_as_of", "account_id", "as_of"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal | None] = mapped_column(MONEY)
    drift: Mapped[Decimal | None] = mapped_column(FRACTION)
    turnover: Mapped[Decimal | None] = mapped_column(FRACTION)
    estimated_tax: Mapped[Decimal | None] = mapped_column(MONEY)
    cost_benefit: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 6))
    data_errors: Mapped[int] = mapped_column(Integer)
    mandate: Mapped[bool] = mapped_column(Boolean)
    trades: Mapped[int] = mapped_column(Integer)


class LatestAnalysisRow(Base):
    """Each account's latest analysis: newest `as_of`, then highest id, voided runs left
    out; no row for an account with none.

    Kept instead of ranked: finding it with a window over every analysis of the firm cost
    each filter on an analysis field a sort of the whole table (≈ 180 ms at 100,000
    accounts). The writes that change the answer keep it in their own transaction
    (run_repository.py: a chunk's insert, a run's void). `as_of` and `run_id` are the
    analysis' own, copied so the newer-wins upsert and the void find theirs here.
    """

    __tablename__ = "latest_analyses"
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[str] = mapped_column(ID)
