"""`FakeRecords` and `FakeRecordUnitOfWork`: the records port in memory, chained and split
exactly like the store's (store/record_repository.py), with no compression.

Parts and record contents are kept as the canonical JSON text the store would hash, so a
scenario can alter, delete or slip in a record or a part (`tamper_*`) and `verify` sees
what it would see in the database.

>>> import datetime as dt
>>> from trimtab.domain.records import RecordDraft, RecordKind
>>> records = FakeRecords()
>>> at = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
>>> records.append([RecordDraft(RecordKind.FILL, "R.1", "A-1", None, at, {"id": "F1"})])[0].seq
1
>>> records.head()[0]
1
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from trimtab.domain.chain import GENESIS, dumps
from trimtab.domain.records import (
    RecordDraft,
    RecordEntry,
    RecordKind,
    join_analysis,
    part_hash,
    seal,
    split_analysis,
)
from trimtab.services.record_ports import Records, RecordUnitOfWork

__all__ = ["FakeRecordUnitOfWork", "FakeRecords"]


@dataclass
class _Row:
    """A `records` row: its fields, its content as the text the hash covers."""

    seq: int
    draft: RecordDraft
    content_text: str
    previous_hash: str
    hash: str

    def entry(self) -> RecordEntry:
        d = self.draft
        draft = RecordDraft(
            d.kind, d.run_id, d.account, d.as_of, d.at, json.loads(self.content_text)
        )
        return RecordEntry(self.seq, draft, self.previous_hash, self.hash)


class FakeRecords:
    """Rows in a list in seq order, parts in a dict by hash; a filter here means what
    it means in SQL."""

    def __init__(self) -> None:
        self.rows: list[_Row] = []
        self.stored_parts: dict[str, str] = {}  # hash -> canonical JSON
        self.head_row = (0, GENESIS)
        self.part_reads = 0  # how many times parts were asked for (a bulk read is one)

    # -- writing, as the nightly run and the desks do (not part of the port) ----------

    def append(
        self, drafts: Sequence[RecordDraft], parts: Mapping[str, object] | None = None
    ) -> list[RecordEntry]:
        for key, value in (parts or {}).items():
            self.stored_parts.setdefault(key, dumps(value))
        seq, previous = self.head_row
        entries = []
        for draft in drafts:
            seq += 1
            entry = seal(draft, seq, previous)
            self.rows.append(_Row(seq, draft, draft.content_text, previous, entry.hash))
            entries.append(entry)
            previous = entry.hash
        self.head_row = (seq, previous)
        return entries

    def record_analysis(
        self, account: str, run_id: str, as_of: dt.date, record: Mapping[str, Any]
    ) -> RecordEntry:
        """Split an analysis record and append it, as the nightly run's chunk write does."""
        content, parts = split_analysis(record, account=account, as_of=as_of.isoformat())
        at = dt.datetime.combine(as_of, dt.time(22), tzinfo=dt.UTC)
        draft = RecordDraft(RecordKind.ANALYSIS, run_id, account, as_of, at, content)
        return self.append([draft], parts)[0]

    # -- tampering, as someone with the database's privileges could -------------------

    def tamper_content(self, seq: int, content: Mapping[str, Any]) -> None:
        self._row(seq).content_text = dumps(content)

    def tamper_part(self, key: str, value: object) -> None:
        self.stored_parts[key] = dumps(value)

    def delete(self, seq: int) -> None:
        self.rows.remove(self._row(seq))

    def _row(self, seq: int) -> _Row:
        return next(r for r in self.rows if r.seq == seq)

    # -- the port ---------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        return self.head_row

    def entry(self, seq: int) -> RecordEntry | None:
        return next((r.entry() for r in self.rows if r.seq == seq), None)

    def entries(
        self,
        *,
        account: str | None = None,
        run_id: str | None = None,
        as_of: dt.date | None = None,
        kinds: Collection[RecordKind] | None = None,
        after_seq: int = 0,
    ) -> list[RecordEntry]:
        return [
            r.entry()
            for r in self.rows
            if r.seq > after_seq
            and (account is None or r.draft.account == account)
            and (run_id is None or r.draft.run_id == run_id)
            and (as_of is None or r.draft.as_of == as_of)
            and (kinds is None or r.draft.kind in kinds)
        ]

    def latest_analysis(
        self, account: str, *, as_of: dt.date | None = None, run_id: str | None = None
    ) -> RecordEntry | None:
        found = self.entries(
            account=account, as_of=as_of, run_id=run_id, kinds=[RecordKind.ANALYSIS]
        )
        return found[-1] if found else None

    def parts(self, hashes: Collection[str]) -> dict[str, Any]:
        self.part_reads += 1
        return {h: json.loads(self.stored_parts[h]) for h in hashes if h in self.stored_parts}

    def analysis(self, entry: RecordEntry) -> dict[str, Any]:
        return self.analyses([entry])[0]

    def analyses(self, entries: Sequence[RecordEntry]) -> list[dict[str, Any]]:
        found = self.parts(set(self.stored_parts))  # one read, like the store's bulk read
        out = []
        for e in entries:
            d = e.draft
            as_of = "" if d.as_of is None else d.as_of.isoformat()
            out.append(join_analysis(d.content, found.__getitem__, account=d.account, as_of=as_of))
        return out

    def in_order(self, after_seq: int = 0) -> Iterator[RecordEntry]:
        return iter(
            [r.entry() for r in sorted(self.rows, key=lambda r: r.seq) if r.seq > after_seq]
        )

    def first_seq_since(self, at: dt.datetime) -> int | None:
        return next((r.seq for r in self.rows if r.draft.at >= at), None)

    def all_parts(self) -> Iterator[tuple[str, str | None, Any]]:
        for key in sorted(self.stored_parts):
            value = json.loads(self.stored_parts[key])
            yield key, part_hash(value), value


class FakeRecordUnitOfWork:
    """A unit of work holding one `FakeRecords`; reads only, so nothing to commit."""

    def __init__(self, records: FakeRecords | None = None) -> None:
        self._records = records or FakeRecords()

    @property
    def records(self) -> FakeRecords:
        return self._records

    def __call__(self) -> Self:
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def _is_the_port(
    records: FakeRecords, uow: FakeRecordUnitOfWork
) -> tuple[Records, RecordUnitOfWork]:
    """mypy checks the fake against the port here: a method the port gains fails it."""
    return records, uow
