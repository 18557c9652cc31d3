"""Records of every analysis, decision, order and fill: parts stored once, one chain.

Creates `record_blobs` (content-addressed parts), `records` (one chained row per
analysis, decision, order and fill) and `records_head` (seq 0, the genesis hash), moves
every row of `analysis_records` into them — in the order the runs started, then by
account, chained as if written then — and drops `analysis_records`. Decisions, orders
and fills already written stay where they are (the review desk and the orders desk read
them there) and enter the chain from this migration on: their records start with the
first decision, order or fill written after it.

On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on `records` and
`record_blobs` (like the audit trail, migration 0008).

The conversion uses trimtab's own split and chain (`trimtab.domain.records`): a record
converted here is exactly one written by the nightly run. Downgrading drops the record
tables (and their records) and recreates an empty `analysis_records`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-20
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
APPEND_ONLY_TABLES = ("records", "record_blobs")

REFUSE_CHANGE = """
CREATE FUNCTION records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the records are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'records are never changed or removed; write a new record instead';
END
$$
"""


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _move_analysis_records(blobs: sa.Table, records: sa.Table, head: sa.Table) -> None:
    from trimtab.domain.chain import dumps
    from trimtab.domain.records import RecordDraft, RecordKind, seal, split_analysis
    from trimtab.store.record_repository import encode

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            'SELECT r.run_id, r.account_id, r.as_of, r."case", r.versions, r.settings, '
            "r.result, r.reasons, runs.started_at FROM analysis_records r "
            "JOIN runs ON runs.id = r.run_id ORDER BY runs.started_at, r.run_id, r.account_id"
        )
    )
    seq, previous = 0, GENESIS
    stored: set[str] = set()
    for run_id, account, as_of, case, versions, settings, result, reasons, at in rows:
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of)[:10])
        when = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
        when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when
        record = {
            "case": _json(case),
            "versions": _json(versions),
            "settings": _json(settings),
            "result": _json(result),
            "reasons": _json(reasons),
        }
        content, parts = split_analysis(record, account=account, as_of=day.isoformat())
        new = [{"hash": h, "body": encode(v)} for h, v in parts.items() if h not in stored]
        if new:
            bind.execute(blobs.insert(), new)
            stored.update(str(p["hash"]) for p in new)
        seq += 1
        entry = seal(
            RecordDraft(RecordKind.ANALYSIS, run_id, account, day, when, content), seq, previous
        )
        previous = entry.hash
        bind.execute(
            records.insert(),
            [
                {
                    "seq": seq,
                    "kind": "analysis",
                    "run_id": run_id,
                    "account_id": account,
                    "as_of": day,
                    "at": when,
                    "content": dumps(content),
                    "previous_hash": entry.previous_hash,
                    "hash": entry.hash,
                }
            ],
        )
    bind.execute(head.update().values(seq=seq, hash=previous))


def upgrade() -> None:
    blobs = op.create_table(
        "record_blobs",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_record_blobs")),
    )
    records = op.create_table(
        "records",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=True),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('analysis', 'decision', 'order', 'fill')", name=op.f("ck_records_kind")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_account", ["account_id", "as_of"], unique=False)
        batch_op.create_index("ix_records_run", ["run_id", "account_id"], unique=False)
    head = op.create_table(
        "records_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_records_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    _move_analysis_records(blobs, records, head)
    op.drop_table("analysis_records")

    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_CHANGE)
        for table in APPEND_ONLY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION records_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION records_refuse_change()"
            )


def downgrade() -> None:
    op.create_table(
        "analysis_records",
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("case", sa.JSON(), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_analysis_records_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_analysis_records_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "account_id", name=op.f("pk_analysis_records")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION records_refuse_change()")
    op.drop_table("records_head")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_run")
        batch_op.drop_index("ix_records_account")
    op.drop_table("records")
    op.drop_table("record_blobs")
