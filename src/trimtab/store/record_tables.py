"""Tables of the records: every analysis, decision, order and fill, chained; their parts.

    record_blobs   one row per distinct part (`domain/records.py`): the SHA-256 of its
                   canonical JSON and that JSON, compressed (`record_repository.encode`).
                   Written with INSERT ... ON CONFLICT DO NOTHING: a part many accounts
                   or nights share is stored once
    records        one row per record, numbered by `seq` (1, 2, ... no gaps) in the order
                   they were written: its kind, run, account, day and time, its content
                   (canonical JSON: an analysis's part hashes, tonight's inputs, result,
                   status, routing and reasons; a decision's, order's or fill's fields)
                   and its chain links. The content is `body`, compressed (an
                   analysis against its account's key frame: `record_repository`);
                   rows written before migration 0016 keep it as text in `content`
    records_head   one row (id = 1): the last seq and hash. Every append updates it
                   first, so concurrent writers queue instead of forking the chain

The records are evidence, not working state: the review queue reads `proposals` (whose
state changes when someone decides) and the orders desk `orders` and `fills`; each
decision, order and fill is *also* written here, once, in the same transaction. No
foreign keys: a record outlives the run, account or order it names (`trimtab demo load
--replace` clears the firm but leaves these tables, marked `APPEND_ONLY`), and on
PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on `records` and
`record_blobs` (migration 0011).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.audit_tables import APPEND_ONLY, HASH
from trimtab.store.tables import ID, Base

__all__ = ["RecordBlobRow", "RecordHeadRow", "RecordRow"]

KINDS = "kind IN ('analysis', 'decision', 'order', 'fill')"
ONE_OF = "(content IS NULL) <> (body IS NULL)"


class RecordBlobRow(Base):
    __tablename__ = "record_blobs"
    __table_args__ = ({"info": APPEND_ONLY},)
    hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class RecordRow(Base):
    __tablename__ = "records"
    __table_args__ = (
        CheckConstraint(KINDS, name="kind"),
        CheckConstraint(ONE_OF, name="content_or_body"),
        Index("ix_records_account", "account_id", "as_of"),
        Index("ix_records_run", "run_id", "account_id"),
        {"info": APPEND_ONLY},
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(8))
    run_id: Mapped[str | None] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ID)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # The canonical JSON the hash covers: compressed in `body` (`record_repository.encode`),
    # or as text in `content` for the rows written before migration 0016.
    content: Mapped[str | None] = mapped_column(Text)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_hash: Mapped[str] = mapped_column(HASH)
    hash: Mapped[str] = mapped_column(HASH)


class RecordHeadRow(Base):
    __tablename__ = "records_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), {"info": APPEND_ONLY})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(HASH)
