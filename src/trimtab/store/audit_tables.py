"""Tables for the audit trail: the entries, their targets, and the head of the chain.

    audit_entries   one row per write, numbered by `seq` (1, 2, ... no gaps), each with
                    the hash of its canonical content and the previous entry's hash
    audit_targets   (seq, position) → target id: the entry's targets, in order; indexed
                    by target so `trimtab audit list --account A-1` is an index look-up
    audit_head      one row (id = 1): the last seq and hash. Every append updates it
                    first, so concurrent writers queue on that row lock (PostgreSQL) or
                    the database write lock (SQLite) instead of forking the chain.

`summary` is kept as the exact canonical JSON text that was hashed. The entries and
targets are append-only: on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE
(migration 0008), and `BulkLoader.clear` leaves these tables alone (`info`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import Base

__all__ = ["APPEND_ONLY", "AuditEntryRow", "AuditHeadRow", "AuditTargetRow"]

# Marks tables that no bulk clear or reset may empty.
APPEND_ONLY = {"append_only": True}
PRINCIPAL = String(80)
HASH = String(64)


class AuditEntryRow(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_principal", "principal"),
        Index("ix_audit_entries_on_behalf_of", "on_behalf_of"),
        Index("ix_audit_entries_action", "action"),
        {"info": APPEND_ONLY},
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    principal: Mapped[str] = mapped_column(PRINCIPAL)
    principal_name: Mapped[str] = mapped_column(String(200))
    on_behalf_of: Mapped[str | None] = mapped_column(PRINCIPAL)
    action: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as hashed
    previous_hash: Mapped[str] = mapped_column(HASH)
    hash: Mapped[str] = mapped_column(HASH, unique=True)


class AuditTargetRow(Base):
    __tablename__ = "audit_targets"
    __table_args__ = (Index("ix_audit_targets_target", "target", "seq"), {"info": APPEND_ONLY})
    seq: Mapped[int] = mapped_column(ForeignKey("audit_entries.seq"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    target: Mapped[str] = mapped_column(String(200))


class AuditHeadRow(Base):
    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), {"info": APPEND_ONLY})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(HASH)
