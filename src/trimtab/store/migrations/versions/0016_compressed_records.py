"""Records stored compressed: `records.body`, `records.content` for the older rows only.

Problem: a record's content is canonical JSON kept as text. An analysis record's content
now holds the night's answer itself (trades, reasons, post-trade weights: format 2 of
`trimtab.domain.records`, ≈ 2 KB of JSON), and a decision keeps the trades before and
after (≈ 3 KB); as text, on SQLite, that is most of the records' bytes.

Rule: a new column `body` holds the content compressed exactly like a part
(`trimtab.store.record_repository.encode`: codec byte + zlib with the records'
dictionary); `content` becomes nullable and stays as it was for the rows written before
this migration — nothing is rewritten (on PostgreSQL the records refuse UPDATE). A
check keeps exactly one of the two set. The chain is unchanged: a record's hash covers
its canonical content, whichever column it is read from.

Downgrading writes each compressed row's content back as text (on PostgreSQL with the
append-only trigger disabled for the time of it) and drops `body`.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_OF = "(content IS NULL) <> (body IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.LargeBinary(), nullable=True))
        batch_op.alter_column("content", existing_type=sa.Text(), nullable=True)
        batch_op.create_check_constraint(op.f("ck_records_content_or_body"), ONE_OF)


def downgrade() -> None:
    from trimtab.store.record_repository import decode

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    records = sa.table(
        "records",
        sa.column("seq", sa.Integer()),
        sa.column("content", sa.Text()),
        sa.column("body", sa.LargeBinary()),
    )
    if postgres:
        op.execute("ALTER TABLE records DISABLE TRIGGER records_append_only")
    rows = bind.execute(sa.select(records.c.seq, records.c.body).where(records.c.body.is_not(None)))
    for seq, body in rows.all():
        bind.execute(
            records.update().where(records.c.seq == seq).values(content=decode(body)[0], body=None)
        )
    if postgres:
        op.execute("ALTER TABLE records ENABLE TRIGGER records_append_only")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_records_content_or_body"), type_="check")
        batch_op.alter_column("content", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("body")
