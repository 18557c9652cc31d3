"""The daily pipeline and executions from the OMS.

Creates `pipeline_stages` (one row per business day and stage: its state, attempts,
next attempt, reason, holder and a version for compare-and-set claims),
`pipeline_scheduler` (the lease of the one scheduler process) and `executions` (one row
per execution report, ExecID unique). See `trimtab.store.pipeline_tables`. An account
may now be held for a source's missing file (`account_holds.cause` = `missing_file`).
Downgrading drops the three (the pipeline's history and the reports received) and the
holds of that cause.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
HOLD_CAUSES = "cause IN ('unknown_security', 'corporate_action')"
HOLD_CAUSES_NOW = "cause IN ('unknown_security', 'corporate_action', 'missing_file')"
HOLDER = sa.String(length=120)


def upgrade() -> None:
    op.create_table(
        "pipeline_stages",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("holder", HOLDER, nullable=True),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "stage", name=op.f("pk_pipeline_stages")),
    )
    op.create_table(
        "pipeline_scheduler",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", HOLDER, nullable=True),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("heartbeat_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pipeline_scheduler")),
    )
    op.create_table(
        "executions",
        sa.Column("exec_id", sa.String(length=80), nullable=False),
        sa.Column("client_order_id", sa.String(length=80), nullable=False),
        sa.Column("exec_type", sa.String(length=2), nullable=False),
        sa.Column("order_status", sa.String(length=2), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("last_quantity", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("last_price", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("trade_date", sa.Date(), nullable=True),
        sa.Column("file", sa.String(length=255), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("exec_id", name=op.f("pk_executions")),
    )
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.create_index("ix_executions_client_order_id", ["client_order_id"], unique=False)
    with op.batch_alter_table("account_holds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_account_holds_cause"), type_="check")
        batch_op.create_check_constraint(op.f("ck_account_holds_cause"), HOLD_CAUSES_NOW)


def downgrade() -> None:
    op.execute("DELETE FROM account_holds WHERE cause = 'missing_file'")
    with op.batch_alter_table("account_holds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_account_holds_cause"), type_="check")
        batch_op.create_check_constraint(op.f("ck_account_holds_cause"), HOLD_CAUSES)
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_index("ix_executions_client_order_id")
    op.drop_table("executions")
    op.drop_table("pipeline_scheduler")
    op.drop_table("pipeline_stages")
