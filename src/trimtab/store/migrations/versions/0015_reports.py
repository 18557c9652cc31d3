"""Reports: tax-naive counterfactuals, nightly health checks and their exemptions.

Creates `counterfactuals` (one row per analysis record: what a tax-naive rebalance of
the same account on the same night would have realized), `health_checks` (one row per
account, night and check) and `health_exemptions` (a person's exemption of a failed
check, with a reason). See `trimtab.store.report_tables`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=40)
MONEY = sa.Numeric(precision=20, scale=6)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "counterfactuals",
        sa.Column("analysis_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("short_term_gains", MONEY, nullable=False),
        sa.Column("short_term_losses", MONEY, nullable=False),
        sa.Column("long_term_gains", MONEY, nullable=False),
        sa.Column("long_term_losses", MONEY, nullable=False),
        sa.Column("computed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("analysis_id", name=op.f("pk_counterfactuals")),
    )
    op.create_index(
        "ix_counterfactuals_account", "counterfactuals", ["account_id", "as_of"], unique=False
    )
    op.create_table(
        "health_checks",
        sa.Column("run_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("measure", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "account_id", "kind", name=op.f("pk_health_checks")),
    )
    op.create_index(
        "ix_health_checks_account", "health_checks", ["account_id", "as_of"], unique=False
    )
    op.create_table(
        "health_exemptions",
        sa.Column("run_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "account_id", "kind", name=op.f("pk_health_exemptions")),
    )


def downgrade() -> None:
    op.drop_table("health_exemptions")
    op.drop_index("ix_health_checks_account", table_name="health_checks")
    op.drop_table("health_checks")
    op.drop_index("ix_counterfactuals_account", table_name="counterfactuals")
    op.drop_table("counterfactuals")
