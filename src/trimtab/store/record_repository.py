"""`SqlRecords`: the records port on SQLite and PostgreSQL — parts stored once, one chain.

Problem: a night writes 100,000 analysis records, most of whose parts (prices of a set of
securities, a target's groups, an account's lots since last night) are already stored.
Sending and compressing each of them again would cost the chunk write its speed; storing
them again would cost the disk; and several workers write chunks at the same time.

Rule:
- Parts: the chunk's parts are deduplicated in memory, the database is asked which of
  them it has (`IN (...)` by hash), and only the others are compressed and inserted,
  with `INSERT ... ON CONFLICT DO NOTHING` — another worker may store the same part
  between the question and the insert, and that is fine: the content is the same.
- A part's body is its canonical JSON compressed with zlib against a fixed preset
  dictionary of the words records repeat (`_ZDICT`): a few hundred bytes of JSON have
  too little context of their own to compress well. The first byte names the codec, so
  a later dictionary is a new codec and old parts still read.
- A record's content (canonical JSON) is stored the same way, in `records.body`: an
  analysis's content holds the night's answer, a decision the trades before and after,
  and uncompressed they would be most of the bytes. Rows written before migration 0016
  keep their text in `records.content`; both read back to the same value.
- Chain: an append first runs `UPDATE records_head SET seq = seq + n ... RETURNING`,
  which holds the head's row lock (PostgreSQL) or the write lock (SQLite) until the
  transaction ends, like the audit trail (store/audit_repository.py); a chunk reserves
  its n numbers at once. Appends come before the audit entry in every transaction, so
  the two heads are always locked in the same order.

    >>> # with db.unit_of_work() as uow: uow.records.analysis("2025-06-30.1", "A0000001")
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from trimtab.domain.chain import dumps
from trimtab.domain.records import (
    RecordDraft,
    RecordEntry,
    RecordKind,
    join_analysis,
    part_hash,
    seal,
)
from trimtab.store.bulk import insert_rows
from trimtab.store.chain_head import advance, reserve
from trimtab.store.mapping import as_utc
from trimtab.store.record_tables import RecordBlobRow, RecordHeadRow, RecordRow

__all__ = ["SqlRecords", "decode", "encode"]

_IN = 500  # hashes per IN (...) list

# Words the parts repeat. Fixed forever for codec 1: changing it would make every stored
# part unreadable; a better dictionary is codec 2.
_ZDICT = (
    b'{"acquired":"20","cost_basis":,"holding_period_start":"20","id":"A0,"quantity":'
    b',"security":"TT,"cost_rate":0.0005,"wash_group":"TT,"date":"2025-0,"realized_gain":'
    b',"side":"sell","side":"buy","lot":"A0,"term":"short","term":"long","mandated":false,'
    b'"effects":{"drift":,"harvest":0.0,"tax":0.0,"trading":},"reason":"Sold TT. Bought TT.'
    b" Group  was % over its % target (band \xc2\xb1%); now %, drift penalty -$"
    b'. Realizes a $ short-term gain. long-term loss.","value":,"lots":[{"trades":[{'
    b'"status":"optimal","solver":{"name":"highs + integer heuristic","seconds":0.0,'
    b'"bound":,"gap":,"lp_solves":1},"objective":{"total":,"cost_benefit":{"score":'
    b'"turnover":,"estimated_tax":,"short_term_gain":,"long_term_gain":,"columns":{'
    b'"drift":[0.0,"out_of_band":[0.0,0.0,0.0,0.0,"weight":[0.0,"frame":"post_trade":'
    b'{"rest":{"cash":,"cash_weight":0.0},"result":{"parameters":"'
)
_CODEC_ZLIB_DICT = 1


def encode(value: object) -> bytes:
    """A part's stored body: codec byte + its canonical JSON, compressed."""
    packer = zlib.compressobj(9, zdict=_ZDICT)
    body = packer.compress(dumps(value).encode()) + packer.flush()
    return bytes([_CODEC_ZLIB_DICT]) + body


def decode(body: bytes) -> tuple[str, Any]:
    """(the canonical JSON text, its value) of a stored body."""
    if not body or body[0] != _CODEC_ZLIB_DICT:
        raise ValueError(f"unknown record codec {body[:1]!r}")
    unpacker = zlib.decompressobj(zdict=_ZDICT)
    text = (unpacker.decompress(body[1:]) + unpacker.flush()).decode()
    return text, json.loads(text)


def _content(row: RecordRow) -> Any:
    if row.content is not None:
        return json.loads(row.content)
    try:
        return decode(row.body or b"")[1]
    except (ValueError, zlib.error, UnicodeDecodeError) as exc:
        # A body nobody can read is a record altered: `records verify` names it (its
        # content no longer matches its hash) instead of stopping at it.
        return {"unreadable": f"{type(exc).__name__}: {exc}"}


def _entry(row: RecordRow) -> RecordEntry:
    draft = RecordDraft(
        RecordKind(row.kind),
        row.run_id,
        row.account_id,
        row.as_of,
        as_utc(row.at),
        _content(row),
    )
    return RecordEntry(row.seq, draft, row.previous_hash, row.hash)


class SqlRecords:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writing ----------------------------------------------------------------------

    def store_parts(self, parts: Mapping[str, object]) -> int:
        """Store the parts not stored yet; how many were new to this transaction's view."""
        s = self._session
        wanted = list(parts)
        have: set[str] = set()
        for start in range(0, len(wanted), _IN):
            have.update(
                s.scalars(
                    select(RecordBlobRow.hash).where(
                        RecordBlobRow.hash.in_(wanted[start : start + _IN])
                    )
                )
            )
        rows = [{"hash": h, "body": encode(parts[h])} for h in wanted if h not in have]
        if rows:
            dialect = s.connection().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            for start in range(0, len(rows), _IN):
                s.execute(
                    insert(RecordBlobRow).on_conflict_do_nothing(index_elements=["hash"]),
                    rows[start : start + _IN],
                )
        return len(rows)

    def append(
        self, drafts: Sequence[RecordDraft], parts: Mapping[str, object] | None = None
    ) -> list[RecordEntry]:
        """Chain `drafts` after the head, in order, and store them with their parts."""
        if parts:
            self.store_parts(parts)
        if not drafts:
            return []
        last, previous = reserve(self._session, RecordHeadRow, len(drafts))
        entries = []
        for seq, draft in enumerate(drafts, start=last - len(drafts) + 1):
            entry = seal(draft, seq, previous)
            entries.append(entry)
            previous = entry.hash
        advance(self._session, RecordHeadRow, previous)
        insert_rows(
            self._session,
            RecordRow,
            [
                {
                    "seq": e.seq,
                    "kind": e.draft.kind.value,
                    "run_id": e.draft.run_id,
                    "account_id": e.draft.account,
                    "as_of": e.draft.as_of,
                    "at": e.draft.at.astimezone(dt.UTC),
                    "content": None,
                    "body": encode(e.draft.content),
                    "previous_hash": e.previous_hash,
                    "hash": e.hash,
                }
                for e in entries
            ],
        )
        return entries

    # -- reading ----------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        seq, hash_ = self._session.execute(
            select(RecordHeadRow.seq, RecordHeadRow.hash).where(RecordHeadRow.id == 1)
        ).one()
        return seq, hash_

    def entry(self, seq: int) -> RecordEntry | None:
        row = self._session.get(RecordRow, seq)
        return None if row is None else _entry(row)

    def entries(
        self,
        *,
        account: str | None = None,
        run_id: str | None = None,
        as_of: dt.date | None = None,
        kinds: Collection[RecordKind] | None = None,
        after_seq: int = 0,
    ) -> list[RecordEntry]:
        query = select(RecordRow).where(RecordRow.seq > after_seq)
        if account is not None:
            query = query.where(RecordRow.account_id == account)
        if run_id is not None:
            query = query.where(RecordRow.run_id == run_id)
        if as_of is not None:
            query = query.where(RecordRow.as_of == as_of)
        if kinds is not None:
            query = query.where(RecordRow.kind.in_([k.value for k in kinds]))
        return [_entry(r) for r in self._session.scalars(query.order_by(RecordRow.seq))]

    def latest_analysis(
        self, account: str, *, as_of: dt.date | None = None, run_id: str | None = None
    ) -> RecordEntry | None:
        query = select(RecordRow).where(
            RecordRow.account_id == account, RecordRow.kind == RecordKind.ANALYSIS.value
        )
        if as_of is not None:
            query = query.where(RecordRow.as_of == as_of)
        if run_id is not None:
            query = query.where(RecordRow.run_id == run_id)
        row = self._session.scalars(query.order_by(RecordRow.seq.desc()).limit(1)).first()
        return None if row is None else _entry(row)

    def parts(self, hashes: Collection[str]) -> dict[str, Any]:
        """The parts stored under these hashes (absent ones are left out)."""
        wanted, found = list(hashes), {}
        for start in range(0, len(wanted), _IN):
            for hash_, body in self._session.execute(
                select(RecordBlobRow.hash, RecordBlobRow.body).where(
                    RecordBlobRow.hash.in_(wanted[start : start + _IN])
                )
            ):
                found[hash_] = decode(body)[1]
        return found

    def analysis(self, entry: RecordEntry) -> dict[str, Any]:
        """The analysis record `entry` holds, joined from its parts (`record_of`'s shape)."""
        cache: dict[str, Any] = {}

        def get(key: str) -> Any:
            if key not in cache:
                cache.update(self.parts([key]))
            return cache[key]

        d = entry.draft
        as_of = "" if d.as_of is None else d.as_of.isoformat()
        return join_analysis(d.content, get, account=d.account, as_of=as_of)

    def in_order(self, after_seq: int = 0, page: int = 1000) -> Iterator[RecordEntry]:
        after = after_seq
        while True:
            rows = self._session.scalars(
                select(RecordRow).where(RecordRow.seq > after).order_by(RecordRow.seq).limit(page)
            ).all()
            yield from (_entry(r) for r in rows)
            if len(rows) < page:
                return
            after = rows[-1].seq

    def first_seq_since(self, at: dt.datetime) -> int | None:
        return self._session.scalar(
            select(RecordRow.seq).where(RecordRow.at >= at).order_by(RecordRow.seq).limit(1)
        )

    def all_parts(self, page: int = 2000) -> Iterator[tuple[str, str | None, Any]]:
        """(stored hash, hash of its content or None when unreadable, value) of every part."""
        after = ""
        while True:
            rows = self._session.execute(
                select(RecordBlobRow.hash, RecordBlobRow.body)
                .where(RecordBlobRow.hash > after)
                .order_by(RecordBlobRow.hash)
                .limit(page)
            ).all()
            for hash_, body in rows:
                try:
                    _text, value = decode(body)
                except (ValueError, zlib.error, UnicodeDecodeError):
                    yield hash_, None, None
                    continue
                yield hash_, part_hash(value), value
            if len(rows) < page:
                return
            after = rows[-1][0]
