"""The audit trail: hash-chained entries, their targets, the chain's head; append-only
on PostgreSQL.

`audit_head` starts with its one row (seq 0, the genesis hash of 64 zeros): every append
updates it first, which is what serializes concurrent writers. On PostgreSQL a trigger
refuses UPDATE, DELETE and TRUNCATE on `audit_entries` and `audit_targets`, so changing
the record needs a privilege to disable the trigger (the table owner's or a
superuser's), not just write access; SQLite has no such protection, and
`trimtab audit verify` is what shows tampering there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
APPEND_ONLY_TABLES = ("audit_entries", "audit_targets")

REFUSE_CHANGE = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit entries are never changed or removed; record a new entry instead';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("principal", sa.String(length=80), nullable=False),
        sa.Column("principal_name", sa.String(length=200), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_entries_hash")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_entries_principal", ["principal"], unique=False)
        batch_op.create_index("ix_audit_entries_on_behalf_of", ["on_behalf_of"], unique=False)
        batch_op.create_index("ix_audit_entries_action", ["action"], unique=False)

    op.create_table(
        "audit_targets",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"], ["audit_entries.seq"], name=op.f("fk_audit_targets_seq_audit_entries")
        ),
        sa.PrimaryKeyConstraint("seq", "position", name=op.f("pk_audit_targets")),
    )
    with op.batch_alter_table("audit_targets", schema=None) as batch_op:
        batch_op.create_index("ix_audit_targets_target", ["target", "seq"], unique=False)

    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_CHANGE)
        for table in APPEND_ONLY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION audit_refuse_change()")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_targets_target")
    op.drop_table("audit_targets")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_action")
        batch_op.drop_index("ix_audit_entries_on_behalf_of")
        batch_op.drop_index("ix_audit_entries_principal")
        batch_op.drop_index("ix_audit_entries_at")
    op.drop_table("audit_entries")
