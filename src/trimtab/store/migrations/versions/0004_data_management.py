"""Data management: feed loads, expected files, alerts, custodian positions, holds,
corporate-action events, unknown securities, data errors and factor risk models.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("day", "kind", "subject", name="uq_alerts_day_kind_subject"),
    )
    op.create_table(
        "corporate_action_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("new_security", sa.String(length=16), nullable=True),
        sa.Column("ratio", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("cash_per_share", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("basis_allocation", sa.Numeric(precision=20, scale=10), nullable=True),
        sa.Column("new_security_price", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("new_cusip", sa.String(length=9), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "kind IN ('split', 'spin_off', 'merger', 'rename')",
            name=op.f("ck_corporate_action_events_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corporate_action_events")),
    )
    with op.batch_alter_table("corporate_action_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corporate_action_events_security"), ["security"], unique=False
        )

    op.create_table(
        "expected_files",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("feed", sa.String(length=24), nullable=False),
        sa.Column("deadline", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("source", "feed", name=op.f("pk_expected_files")),
    )
    op.create_table(
        "factor_covariances",
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("factor", sa.String(length=40), nullable=False),
        sa.Column("other", sa.String(length=40), nullable=False),
        sa.Column("covariance", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("model", "factor", "other", name=op.f("pk_factor_covariances")),
    )
    op.create_table(
        "feed_loads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("feed", sa.String(length=24), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('loaded', 'rejected', 'duplicate')", name=op.f("ck_feed_loads_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_loads")),
    )
    with op.batch_alter_table("feed_loads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_loads_checksum"), ["checksum"], unique=False)
        batch_op.create_index("ix_feed_loads_received_at", ["received_at"], unique=False)

    op.create_table(
        "risk_exposures",
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("factor", sa.String(length=40), nullable=False),
        sa.Column("exposure", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("model", "security", "factor", name=op.f("pk_risk_exposures")),
    )
    op.create_table(
        "specific_risks",
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("variance", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("model", "security", name=op.f("pk_specific_risks")),
    )
    op.create_table(
        "unknown_securities",
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("classified_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticker"],
            ["securities.ticker"],
            name=op.f("fk_unknown_securities_ticker_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticker", name=op.f("pk_unknown_securities")),
    )
    op.create_table(
        "account_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prior_status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "cause IN ('unknown_security', 'corporate_action')", name=op.f("ck_account_holds_cause")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_holds_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_holds")),
    )
    with op.batch_alter_table("account_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_holds_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index("ix_account_holds_cause_key", ["cause", "key"], unique=False)

    op.create_table(
        "custodian_positions",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_custodian_positions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["security"],
            ["securities.ticker"],
            name=op.f("fk_custodian_positions_security_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "security", name=op.f("pk_custodian_positions")),
    )
    op.create_table(
        "data_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_data_errors_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_errors")),
    )
    with op.batch_alter_table("data_errors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_errors_account_id"), ["account_id"], unique=False)

    op.create_table(
        "lots_basis_unknown",
        sa.Column("lot_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["tax_lots.id"],
            name=op.f("fk_lots_basis_unknown_lot_id_tax_lots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_lots_basis_unknown")),
    )


def downgrade() -> None:
    op.drop_table("lots_basis_unknown")
    with op.batch_alter_table("data_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_errors_account_id"))

    op.drop_table("data_errors")
    op.drop_table("custodian_positions")
    with op.batch_alter_table("account_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_account_holds_cause_key")
        batch_op.drop_index(batch_op.f("ix_account_holds_account_id"))

    op.drop_table("account_holds")
    op.drop_table("unknown_securities")
    op.drop_table("specific_risks")
    op.drop_table("risk_exposures")
    with op.batch_alter_table("feed_loads", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_loads_received_at")
        batch_op.drop_index(batch_op.f("ix_feed_loads_checksum"))

    op.drop_table("feed_loads")
    op.drop_table("factor_covariances")
    op.drop_table("expected_files")
    with op.batch_alter_table("corporate_action_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corporate_action_events_security"))

    op.drop_table("corporate_action_events")
    op.drop_table("alerts")
