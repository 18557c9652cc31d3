"""`SqlRecords`: the records port on SQLite and PostgreSQL — parts stored once, one chain.

Problem: a night writes 100,000 analysis records. The parts a target's accounts share
(its groups and versions, tonight's prices of a set of securities) are mostly stored
already; the rest of each record is mostly what the same account's record said the
night before. Storing either again would cost the disk, sending and compressing them
again the chunk write its speed; and several workers write chunks at the same time.

Rule:
- Parts: the chunk's parts are deduplicated in memory, the database is asked which of
  them it has (`IN (...)` by hash), and only the others are compressed and inserted,
  with `INSERT ... ON CONFLICT DO NOTHING` — another worker may store the same part
  between the question and the insert, and that is fine: the content is the same.
  A part's body is its canonical JSON — the very text its hash was made from
  (`domain.records.Parts`) — compressed with zlib against a fixed preset dictionary of
  the words records repeat (`_ZDICT`, codec 1). The first byte names the codec, so a
  later dictionary is a new codec and old bodies still read.
- A record's content (canonical JSON, made once: `RecordDraft.content_text`) is stored
  compressed in `records.body`. Decisions, orders and fills: codec 1. An analysis
  (codec 2): against the account's latest *key frame* — its latest analysis, or the
  key frame that one was compressed against, so reading any record needs at most one
  other — when that comes to at most half the key frame's size, or at most three
  quarters of a new key frame's; otherwise it becomes the account's next key frame,
  compressed against a dictionary of typical contents (`_ZDICT2`). Rows written before
  migration 0016 keep their text in `records.content`; all read back to the same value.
- Reading: a page of rows is decoded with the key frames it needs read in one query
  and kept in a bounded cache (`_Lru`); `analyses` joins many records with their parts
  read in one query per level, and a reader keeps the parts it has read (most are
  shared), so reports and bulk replay do not read each record's parts one at a time.
  A body that cannot be read (or whose key frame is missing) reads as
  `{"unreadable": ...}`: `records verify` names it instead of stopping at it.
- Chain: an append first runs `UPDATE records_head SET seq = seq + n ... RETURNING`,
  which holds the head's row lock (PostgreSQL) or the write lock (SQLite) until the
  transaction ends, like the audit trail (store/audit_repository.py); a chunk reserves
  its n numbers at once. Appends come before the audit entry in every transaction, so
  the two heads are always locked in the same order.

    >>> # with db.unit_of_work() as uow: uow.records.analyses(uow.records.entries(run_id=r))
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from trimtab.domain.chain import dumps
from trimtab.domain.records import (
    Parts,
    RecordDraft,
    RecordEntry,
    RecordKind,
    join_analysis,
    part_hash,
    part_refs,
    seal,
)
from trimtab.store.bulk import insert_rows
from trimtab.store.chain_head import advance, reserve
from trimtab.store.mapping import as_utc
from trimtab.store.record_tables import RecordBlobRow, RecordHeadRow, RecordRow

__all__ = ["Prepared", "SqlRecords", "base_of", "decode", "encode", "encode_against", "encode_text"]

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
# Codec 2 (analysis records of format 3): the number of the record it is compressed
# against (uvarint, 0 for none), then the content's canonical JSON in sections of
# `_SECTION` bytes. Most of an account's content is the same as on the night of its base
# (the lots it did not trade, its securities, its recent trades), but zlib only looks
# 32 KB back and a direct-index account's content is several times that. So each
# section is raw deflate against a window of the base found by content: where a
# stretch of the section's first bytes occurs in the base (`_anchor`), stored as a
# uvarint before the section's length. Without a base there is one section, against
# `_ZDICT2`.
_CODEC_DELTA = 2
_WINDOW = 32 * 1024  # how far back deflate looks; a longer dictionary is cut from the front
_SECTION = _WINDOW // 2
_PROBE = 64  # bytes of a section looked for in the base: long enough to be unique
_LEVEL = 6  # level 9 took up to 1.9x as long on record contents for 0.2-0.6% fewer bytes
_BASES_CACHED = 4096  # decoded base contents a reader keeps (a page of verify needs ~1000)
_PARTS_CACHED = 20_000  # parts a reader keeps: the shared ones are read once per session
# Codec 2's dictionary for a record with no base, fixed forever like `_ZDICT` (a new one
# is a new codec; tests/integration/records pins its SHA-256): `_ZDICT`, then the start
# of a direct-index account's content and three model accounts' contents, of format 3,
# from night 1 of the 2,000-account demo (bench/record_dictionary.py).
_ZDICT2 = (resources.files("trimtab.store") / "record_dictionary_2.bin").read_bytes()


def encode(value: object) -> bytes:
    """A part's stored body: codec byte + its canonical JSON, compressed."""
    return encode_text(dumps(value))


def encode_text(text: str) -> bytes:
    """`encode` of a value whose canonical JSON `text` is already made."""
    packer = zlib.compressobj(9, zdict=_ZDICT)
    body = packer.compress(text.encode()) + packer.flush()
    return bytes([_CODEC_ZLIB_DICT]) + body


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_uvarint(body: bytes, at: int) -> tuple[int, int]:
    n, shift = 0, 0
    while True:
        if at >= len(body) or shift > 63:
            raise ValueError("a record body is cut short")
        byte = body[at]
        n |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return n, at


def _anchor(piece: bytes, base: bytes, index: int) -> int:
    """Where in the base the text of `piece` (section `index`) most likely starts: the
    first of a few 64-byte probes found in the base, else the section's own place."""
    for k in range(0, max(1, len(piece) - _PROBE), _SECTION // 8):
        found = base.find(piece[k : k + _PROBE])
        if found >= 0:
            return max(0, found - k)
    return min(index * _SECTION, len(base))


def _window(base: bytes | None, anchor: int) -> bytes:
    """A section's preset dictionary: the base from half a section before its anchor to
    a section and a half after it (deflate reaches back furthest from the section's
    start, so the text just before the anchor stays in reach while the section moves
    on), behind codec 1's words; `_ZDICT2` without a base."""
    if base is None:
        return _ZDICT2
    start = max(0, anchor - _SECTION // 2)
    return (_ZDICT + base[start : anchor + _SECTION + _SECTION // 2])[-_WINDOW:]


def _deflate(piece: bytes, dictionary: bytes) -> bytes:
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, zdict=dictionary)
    return packer.compress(piece) + packer.flush()


_KEY_FRAME = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, zdict=_ZDICT2)


def encode_against(text: str, base_seq: int, base_text: str | None) -> bytes:
    """A record content's stored body (codec 2), compressed against record `base_seq`'s
    content `base_text` (`base_seq` 0 and `base_text` None: against nothing)."""
    raw = text.encode()
    out = [bytes([_CODEC_DELTA]), _uvarint(base_seq)]
    if base_text is None:
        packer = _KEY_FRAME.copy()  # primed with `_ZDICT2` once, not per record
        packed = packer.compress(raw) + packer.flush()
        return b"".join([*out, _uvarint(len(packed)), packed])
    base = base_text.encode()
    for index, at in enumerate(range(0, max(1, len(raw)), _SECTION)):
        piece = raw[at : at + _SECTION]
        anchor = _anchor(piece, base, index)
        packed = _deflate(piece, _window(base, anchor))
        out += [_uvarint(anchor), _uvarint(len(packed)), packed]
    return b"".join(out)


def base_of(body: bytes) -> int:
    """The record a stored body is compressed against; 0 for none."""
    if len(body) > 1 and body[0] == _CODEC_DELTA:
        return _read_uvarint(body, 1)[0]
    return 0


def _decode_sections(body: bytes, at: int, base: bytes | None) -> bytes:
    pieces = []
    while at < len(body):
        anchor = 0
        if base is not None:
            anchor, at = _read_uvarint(body, at)
        size, at = _read_uvarint(body, at)
        if at + size > len(body):
            raise ValueError("a record body is cut short")
        unpacker = zlib.decompressobj(-15, zdict=_window(base, anchor))
        pieces.append(unpacker.decompress(body[at : at + size]) + unpacker.flush())
        if not unpacker.eof:
            raise ValueError("a section of a record body is cut short")
        at += size
    return b"".join(pieces)


def decode(body: bytes, base_text: str | None = None) -> tuple[str, Any]:
    """(the canonical JSON text, its value) of a stored body; `base_text` is the content
    of the record a codec-2 body names as its base (`base_of`)."""
    if body and body[0] == _CODEC_DELTA:
        base, start = _read_uvarint(body, 1)
        if base and base_text is None:
            raise ValueError(f"the body is compressed against record {base}, which was not given")
        given = base_text.encode() if base and base_text is not None else None
        raw = _decode_sections(body, start, given)
    elif body and body[0] == _CODEC_ZLIB_DICT:
        unpacker = zlib.decompressobj(zdict=_ZDICT)
        raw = unpacker.decompress(body[1:]) + unpacker.flush()
    else:
        raise ValueError(f"unknown record codec {body[:1]!r}")
    text = raw.decode()
    return text, json.loads(text)


_UNREADABLE = (ValueError, zlib.error, UnicodeDecodeError)


def _unreadable(exc: Exception) -> dict[str, str]:
    # A body nobody can read is a record altered: `records verify` names it (its
    # content no longer matches its hash) instead of stopping at it.
    return {"unreadable": f"{type(exc).__name__}: {exc}"}


def _entry(row: RecordRow, content: Any) -> RecordEntry:
    draft = RecordDraft(
        RecordKind(row.kind),
        row.run_id,
        row.account_id,
        row.as_of,
        as_utc(row.at),
        content,
    )
    return RecordEntry(row.seq, draft, row.previous_hash, row.hash)


class _Lru(OrderedDict[Any, Any]):
    """A dict that forgets its least recently used entries beyond `size`: a reader's
    caches stay bounded however many records it walks (`records verify` of a year)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            return default
        self.move_to_end(key)
        return self[key]

    def keep(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


@dataclass(frozen=True)
class _Base:
    """What an analysis is compressed against: the account's latest key frame."""

    seq: int
    text: str
    stored: int  # bytes of its body: what a key frame of this account costs


def _same(prepared: Sequence[RecordDraft], drafts: Sequence[RecordDraft]) -> bool:
    return len(prepared) == len(drafts) and all(
        a is b for a, b in zip(prepared, drafts, strict=True)
    )


@dataclass(frozen=True)
class Prepared:
    """Records ready to append (`SqlRecords.prepare`): the parts not stored yet, with
    their bodies, and each draft's body."""

    drafts: tuple[RecordDraft, ...]
    part_rows: list[dict[str, Any]]
    bodies: list[bytes]


class SqlRecords:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._texts = _Lru(_BASES_CACHED)  # seq -> canonical content of a base
        self._parts = _Lru(_PARTS_CACHED)  # hash -> part

    # -- writing ----------------------------------------------------------------------

    def prepare(
        self, drafts: Sequence[RecordDraft], parts: Mapping[str, object] | None = None
    ) -> Prepared:
        """Everything `append` needs that is reading and compressing, done before the
        transaction's first write: on SQLite the database's write lock is held from that
        write to the commit, and other workers wait for it.

        Parts already stored are left out; the others are compressed from the canonical
        text a `Parts` (domain/records.py) brings, any other mapping's values serialized
        here. Each analysis is compressed against its account's latest key frame, unless
        that saves too little (`_body`)."""
        s = self._session
        parts = parts or {}
        texts = parts.texts if isinstance(parts, Parts) else {}
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
        part_rows = [
            {"hash": h, "body": encode_text(texts[h]) if h in texts else encode(parts[h])}
            for h in wanted
            if h not in have
        ]
        bases = self._key_frames({d.account for d in drafts if d.kind is RecordKind.ANALYSIS})
        bodies = [self._body(d, bases.get(d.account)) for d in drafts]
        return Prepared(tuple(drafts), part_rows, bodies)

    def store_parts(self, parts: Mapping[str, object]) -> int:
        """Store the parts not stored yet; how many were new to this transaction's view."""
        prepared = self.prepare([], parts)
        self._insert_parts(prepared.part_rows)
        return len(prepared.part_rows)

    def _insert_parts(self, rows: list[dict[str, Any]]) -> None:
        # ON CONFLICT DO NOTHING: another worker may have stored the same part since
        # `prepare` asked, and that is fine — the content is the same.
        if rows:
            dialect = self._session.connection().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            for start in range(0, len(rows), _IN):
                self._session.execute(
                    insert(RecordBlobRow).on_conflict_do_nothing(index_elements=["hash"]),
                    rows[start : start + _IN],
                )

    def append(
        self,
        drafts: Sequence[RecordDraft],
        parts: Mapping[str, object] | None = None,
        *,
        prepared: Prepared | None = None,
    ) -> list[RecordEntry]:
        """Chain `drafts` after the head, in order, and store them with their parts —
        as `prepared` for them, or prepared now."""
        if prepared is None or not _same(prepared.drafts, drafts):
            prepared = self.prepare(drafts, parts)
        self._insert_parts(prepared.part_rows)
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
                    "body": body,
                    "previous_hash": e.previous_hash,
                    "hash": e.hash,
                }
                for e, body in zip(entries, prepared.bodies, strict=True)
            ],
        )
        return entries

    @staticmethod
    def _body(draft: RecordDraft, base: _Base | None) -> bytes:
        text = draft.content_text
        if draft.kind is not RecordKind.ANALYSIS:
            return encode_text(text)
        if base is None:
            return encode_against(text, 0, None)
        delta = encode_against(text, base.seq, base.text)
        if 2 * len(delta) <= base.stored:
            return delta  # the usual night: no need to try a key frame
        frame = encode_against(text, 0, None)
        # A delta saving less than a quarter of a key frame: the account has moved on
        # from its base, and tomorrow's delta against a new key frame will be smaller.
        return delta if 4 * len(delta) <= 3 * len(frame) else frame

    def _key_frames(self, accounts: Collection[str]) -> dict[str, _Base]:
        """Each account's latest key frame: the base its next analysis is compressed
        against (its latest analysis, or the key frame that one was compressed against)."""
        s, wanted = self._session, sorted(accounts)
        latest: dict[int, str] = {}  # the latest analysis's seq -> its account
        for start in range(0, len(wanted), _IN):
            for account, seq in s.execute(
                select(RecordRow.account_id, func.max(RecordRow.seq))
                .where(
                    RecordRow.kind == RecordKind.ANALYSIS.value,
                    RecordRow.account_id.in_(wanted[start : start + _IN]),
                )
                .group_by(RecordRow.account_id)
            ):
                latest[seq] = account
        frames = {seq: base_of(body) or seq for seq, body in self._bodies(latest).items()}
        bodies = self._bodies(set(frames.values()))
        found: dict[str, _Base] = {}
        for seq, frame in frames.items():
            body = bodies.get(frame)
            text = self._text(frame, bodies)
            if body is not None and text is not None and base_of(body) == 0:
                found[latest[seq]] = _Base(frame, text, len(body))
        return found

    def _bodies(self, seqs: Collection[int]) -> dict[int, bytes]:
        """Stored bodies by seq (rows kept as text before migration 0016 are left out)."""
        wanted, found = sorted(seqs), {}
        for start in range(0, len(wanted), _IN):
            for seq, body in self._session.execute(
                select(RecordRow.seq, RecordRow.body).where(
                    RecordRow.seq.in_(wanted[start : start + _IN]), RecordRow.body.is_not(None)
                )
            ):
                if body is not None:
                    found[seq] = body
        return found

    def _text(self, seq: int, bodies: Mapping[int, bytes]) -> str | None:
        """Record `seq`'s canonical content (a key frame's), from `bodies` or the cache."""
        if seq in self._texts:
            return str(self._texts[seq])
        body = bodies.get(seq)
        if body is None or base_of(body):
            return None  # a key frame is compressed against nothing
        try:
            text = decode(body)[0]
        except _UNREADABLE:
            return None
        self._texts.keep(seq, text)
        return text

    # -- reading ----------------------------------------------------------------------

    def entries_of(self, rows: Sequence[RecordRow]) -> list[RecordEntry]:
        """The entries of stored rows, the bases they are compressed against read in one
        query."""
        needed = {base_of(r.body) for r in rows if r.body is not None} - {0}
        # The page's bases held here, not only in the cache: decoding one page's new
        # bases may push out of the cache others the same page still needs.
        texts = {seq: self._texts.get(seq) for seq in needed}
        bodies = self._bodies({seq for seq, text in texts.items() if text is None})
        texts.update({seq: self._text(seq, bodies) for seq in bodies})
        out = []
        for row in rows:
            if row.content is not None:
                out.append(_entry(row, json.loads(row.content)))
                continue
            body = row.body or b""
            base = base_of(body)
            try:
                base_text = None
                if base:
                    base_text = texts.get(base)
                    if base_text is None:
                        raise ValueError(f"its base record {base} is missing or unreadable")
                content = decode(body, base_text)[1]
            except _UNREADABLE as exc:
                content = _unreadable(exc)
            out.append(_entry(row, content))
        return out

    def head(self) -> tuple[int, str]:
        seq, hash_ = self._session.execute(
            select(RecordHeadRow.seq, RecordHeadRow.hash).where(RecordHeadRow.id == 1)
        ).one()
        return seq, hash_

    def entry(self, seq: int) -> RecordEntry | None:
        row = self._session.get(RecordRow, seq)
        return None if row is None else self.entries_of([row])[0]

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
        return self.entries_of(self._session.scalars(query.order_by(RecordRow.seq)).all())

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
        return None if row is None else self.entries_of([row])[0]

    def parts(self, hashes: Collection[str]) -> dict[str, Any]:
        """The parts stored under these hashes (absent ones are left out)."""
        found = {h: self._parts[h] for h in hashes if h in self._parts}
        wanted = [h for h in hashes if h not in found]
        for start in range(0, len(wanted), _IN):
            for hash_, body in self._session.execute(
                select(RecordBlobRow.hash, RecordBlobRow.body).where(
                    RecordBlobRow.hash.in_(wanted[start : start + _IN])
                )
            ):
                found[hash_] = decode(body)[1]
                self._parts.keep(hash_, found[hash_])
        return found

    def analysis(self, entry: RecordEntry) -> dict[str, Any]:
        """The analysis record `entry` holds, joined from its parts (`record_of`'s shape)."""
        return self.analyses([entry])[0]

    def analyses(self, entries: Sequence[RecordEntry]) -> list[dict[str, Any]]:
        """The analysis records of `entries`, their parts read together: one query for
        the parts the contents name, one for the parts those name (format 2's manifest),
        and none for a part this reader already holds."""
        found: dict[str, Any] = {}
        pending = [r for e in entries for r in part_refs("content", e.draft.content)]
        while pending:
            fresh = self.parts({key for _name, key in pending} - found.keys())
            found.update(fresh)
            pending = [
                r for name, key in pending if key in fresh for r in part_refs(name, fresh[key])
            ]

        def get(key: str) -> Any:
            if key not in found:
                found.update(self.parts([key]))  # KeyError names a part that is missing
            return found[key]

        out = []
        for e in entries:
            d = e.draft
            as_of = "" if d.as_of is None else d.as_of.isoformat()
            out.append(join_analysis(d.content, get, account=d.account, as_of=as_of))
        return out

    def in_order(self, after_seq: int = 0, page: int = 1000) -> Iterator[RecordEntry]:
        after = after_seq
        while True:
            rows = self._session.scalars(
                select(RecordRow).where(RecordRow.seq > after).order_by(RecordRow.seq).limit(page)
            ).all()
            yield from self.entries_of(rows)
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
                except _UNREADABLE:
                    yield hash_, None, None
                    continue
                yield hash_, part_hash(value), value
            if len(rows) < page:
                return
            after = rows[-1][0]
