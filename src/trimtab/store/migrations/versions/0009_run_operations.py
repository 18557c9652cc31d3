"""Run operations: the run's lease, a forced run's reason, and voided runs.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter a CHECK constraint in place, it copies the table.
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("forced_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("voided_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.String(length=500), nullable=True))
        batch_op.drop_constraint(op.f("ck_runs_state"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_runs_state"), "state IN ('running', 'finished', 'voided')"
        )


def downgrade() -> None:
    op.execute("UPDATE runs SET state = 'finished' WHERE state = 'voided'")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_runs_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_runs_state"), "state IN ('running', 'finished')")
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_by")
        batch_op.drop_column("voided_at")
        batch_op.drop_column("forced_reason")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("holder")
