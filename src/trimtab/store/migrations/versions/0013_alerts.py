"""Process alerts: their episodes and the outbox of their deliveries.

Creates `alert_episodes` (one row per episode of a cause; a partial unique index keeps
one open episode per cause) and `alert_deliveries` (one row per episode, notice and
channel: the outbox the e-mail and webhook senders work from). See
`trimtab.store.alert_tables`. Downgrading drops both (and the alerts' history).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
WHO = sa.String(length=200)
OPEN_EPISODE = sa.text("state <> 'resolved'")


def upgrade() -> None:
    op.create_table(
        "alert_episodes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("first_seen", TIME, nullable=False),
        sa.Column("last_seen", TIME, nullable=False),
        sa.Column("raised_by", WHO, nullable=False),
        sa.Column("acknowledged_at", TIME, nullable=True),
        sa.Column("acknowledged_by", WHO, nullable=True),
        sa.Column("acknowledge_note", sa.Text(), nullable=True),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("resolved_by", WHO, nullable=True),
        sa.Column("resolve_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'critical')",
            name=op.f("ck_alert_episodes_severity"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'acknowledged', 'resolved')", name=op.f("ck_alert_episodes_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_episodes")),
    )
    op.create_index(
        "ix_alert_episodes_open_cause",
        "alert_episodes",
        ["cause"],
        unique=True,
        sqlite_where=OPEN_EPISODE,
        postgresql_where=OPEN_EPISODE,
    )
    op.create_index(
        "ix_alert_episodes_state_last_seen", "alert_episodes", ["state", "last_seen"], unique=False
    )
    op.create_index("ix_alert_episodes_kind", "alert_episodes", ["kind"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("notice", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("claimed_until", TIME, nullable=True),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "notice IN ('alert', 'resolution')", name=op.f("ck_alert_deliveries_notice")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'cancelled')", name=op.f("ck_alert_deliveries_state")
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert_episodes.id"],
            name=op.f("fk_alert_deliveries_alert_id_alert_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint(
            "alert_id", "notice", "channel", name=op.f("uq_alert_deliveries_alert_id")
        ),
    )
    op.create_index(
        "ix_alert_deliveries_state_next_attempt_at",
        "alert_deliveries",
        ["state", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_alert_deliveries_state_next_attempt_at", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alert_episodes_kind", table_name="alert_episodes")
    op.drop_index("ix_alert_episodes_state_last_seen", table_name="alert_episodes")
    op.drop_index("ix_alert_episodes_open_cause", table_name="alert_episodes")
    op.drop_table("alert_episodes")
