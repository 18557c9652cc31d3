"""Workflow: saved filters, versioned settings at four levels, bulk changes with their
exemptions, and the per-account analyses the nightly run writes (filters read the latest).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("setting", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("target_filter", sa.Text(), nullable=False),
        sa.Column("exempt_filter", sa.Text(), nullable=True),
        sa.Column("exempt_filter_reason", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.Column("exempted", sa.Integer(), nullable=False),
        sa.Column("overridden", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "level IN ('firm', 'program', 'household', 'account')",
            name=op.f("ck_bulk_changes_level"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_changes")),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("owner", "name", name="uq_saved_filters_owner_name"),
    )
    op.create_table(
        "setting_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("setting", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("reverts", sa.Integer(), nullable=True),
        sa.Column("bulk_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "level IN ('firm', 'program', 'household', 'account')",
            name=op.f("ck_setting_changes_level"),
        ),
        sa.ForeignKeyConstraint(
            ["bulk_id"], ["bulk_changes.id"], name=op.f("fk_setting_changes_bulk_id_bulk_changes")
        ),
        sa.ForeignKeyConstraint(
            ["reverts"],
            ["setting_changes.id"],
            name=op.f("fk_setting_changes_reverts_setting_changes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setting_changes")),
    )
    with op.batch_alter_table("setting_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_setting_changes_bulk_id"), ["bulk_id"], unique=False)
        batch_op.create_index("ix_setting_changes_scope", ["level", "scope"], unique=False)

    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("drift", sa.Numeric(precision=16, scale=10), nullable=True),
        sa.Column("turnover", sa.Numeric(precision=16, scale=10), nullable=True),
        sa.Column("estimated_tax", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("cost_benefit", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("data_errors", sa.Integer(), nullable=False),
        sa.Column("mandate", sa.Boolean(), nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_analyses_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyses")),
    )
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.create_index("ix_analyses_account_as_of", ["account_id", "as_of"], unique=False)

    op.create_table(
        "bulk_exemptions",
        sa.Column("bulk_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "source IN ('listed', 'filter')", name=op.f("ck_bulk_exemptions_source")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_bulk_exemptions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["bulk_id"], ["bulk_changes.id"], name=op.f("fk_bulk_exemptions_bulk_id_bulk_changes")
        ),
        sa.PrimaryKeyConstraint("bulk_id", "account_id", name=op.f("pk_bulk_exemptions")),
    )


def downgrade() -> None:
    op.drop_table("bulk_exemptions")
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_analyses_account_as_of")

    op.drop_table("analyses")
    with op.batch_alter_table("setting_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_setting_changes_scope")
        batch_op.drop_index(batch_op.f("ix_setting_changes_bulk_id"))

    op.drop_table("setting_changes")
    op.drop_table("saved_filters")
    op.drop_table("bulk_changes")
