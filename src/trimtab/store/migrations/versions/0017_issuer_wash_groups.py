"""Issuers and the firm's wash groups: share classes of one company are one wash group.

Problem: the wash-sale rule disallows a loss when "substantially identical" shares are
bought within 30 days; two share classes of one company (FOX and FOXA) are the plainest
case, yet every security without an explicit `wash_group` was its own group. The firm
also needs its own groups (two S&P 500 funds of different sponsors) and a say on the
share-class reading.

Rule: `securities.issuer_id` (nullable; the security master feed's optional column);
`wash_group_members` (ticker → the firm-defined group, who set it, when) and
`wash_group_policy` (one row, id 1: "share classes are substantially identical"; no
row means the default, on). The rule that reads them is
`trimtab.domain.wash_sales.WashGroupPolicy`.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("securities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_id", sa.String(length=40), nullable=True))
    op.create_table(
        "wash_group_members",
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("wash_group", sa.String(length=40), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticker"],
            ["securities.ticker"],
            name=op.f("fk_wash_group_members_ticker_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticker", name=op.f("pk_wash_group_members")),
    )
    with op.batch_alter_table("wash_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wash_group_members_wash_group"), ["wash_group"], unique=False
        )
    op.create_table(
        "wash_group_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("share_classes_identical", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_wash_group_policy_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wash_group_policy")),
    )


def downgrade() -> None:
    op.drop_table("wash_group_policy")
    with op.batch_alter_table("wash_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wash_group_members_wash_group"))
    op.drop_table("wash_group_members")
    with op.batch_alter_table("securities", schema=None) as batch_op:
        batch_op.drop_column("issuer_id")
