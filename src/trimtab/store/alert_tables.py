"""Tables for process alerts: the episodes, and the outbox of their deliveries.

    alert_episodes    one row per episode of a cause (`trimtab.domain.alerts`): opened when
                      first raised, resolved when the cause clears. At most one episode of
                      a cause is open at a time: a partial unique index on `cause` where
                      the state is not `resolved` (SQLite and PostgreSQL both have them),
                      so two processes raising the same new cause cannot both open it.
    alert_deliveries  the outbox: one row per (episode, notice, channel), the notice being
                      `alert` or `resolution`. The unique key is what makes "sent once per
                      cause" hold however many processes plan deliveries; a row stays
                      `pending` until a send succeeds (a failure moves `next_attempt_at`
                      on), so a failed send is retried later and never lost.

The legacy `alerts` table (`data_tables.AlertRow`) is the data desk's log of a day's
file findings; people are told from these tables.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import Base

__all__ = ["AlertDeliveryRow", "AlertEpisodeRow"]

TIME = DateTime(timezone=True)
WHO = String(200)
OPEN_EPISODE = text("state <> 'resolved'")


class AlertEpisodeRow(Base):
    __tablename__ = "alert_episodes"
    __table_args__ = (
        CheckConstraint("severity IN ('info', 'warning', 'critical')", name="severity"),
        CheckConstraint("state IN ('open', 'acknowledged', 'resolved')", name="state"),
        Index(
            "ix_alert_episodes_open_cause",
            "cause",
            unique=True,
            sqlite_where=OPEN_EPISODE,
            postgresql_where=OPEN_EPISODE,
        ),
        Index("ix_alert_episodes_state_last_seen", "state", "last_seen"),
        Index("ix_alert_episodes_kind", "kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cause: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(80))  # family.kind, for prefix queries
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[dt.datetime] = mapped_column(TIME)
    last_seen: Mapped[dt.datetime] = mapped_column(TIME)
    raised_by: Mapped[str] = mapped_column(WHO)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(TIME)
    acknowledged_by: Mapped[str | None] = mapped_column(WHO)
    acknowledge_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(TIME)
    resolved_by: Mapped[str | None] = mapped_column(WHO)
    resolve_note: Mapped[str | None] = mapped_column(Text)


class AlertDeliveryRow(Base):
    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "notice", "channel"),
        CheckConstraint("notice IN ('alert', 'resolution')", name="notice"),
        CheckConstraint("state IN ('pending', 'sent', 'cancelled')", name="state"),
        Index("ix_alert_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert_episodes.id", ondelete="CASCADE"))
    notice: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(TIME)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(TIME)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(TIME)
    sent_at: Mapped[dt.datetime | None] = mapped_column(TIME)
    last_error: Mapped[str | None] = mapped_column(Text)
