"""Keep the firm's taxes saved to date for the management dashboard.

ROLES.md gives management "taxes saved to date". The taxes-saved report reads every
analysis of the year (≈ 2 s at 2,000 accounts for one night, so minutes at 100,000):
too long for a page. Each night's counterfactuals are followed by the firm's report
from January 1, and its total is kept here; the dashboard reads the latest.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=20, scale=6)


def upgrade() -> None:
    op.create_table(
        "taxes_saved_totals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("analyses", sa.Integer(), nullable=False),
        sa.Column("not_counted", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("losses_harvested", MONEY, nullable=False),
        sa.Column("short_term_avoided", MONEY, nullable=False),
        sa.Column("gains_deferred", MONEY, nullable=False),
        sa.Column("portfolio_value", MONEY, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxes_saved_totals")),
    )


def downgrade() -> None:
    op.drop_table("taxes_saved_totals")
