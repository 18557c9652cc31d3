"""Hash chains: a sequence of records, each sealed to the one before it, so tampering shows.

Problem: the audit trail (`domain/audit.py`) and the analysis records, decisions, orders
and fills (`domain/records.py`) must both prove they were not altered, deleted or slipped
in after the fact. One chain implementation serves both, so a fix to how a break is
found or named reaches every trail at once.

Rule:
- A trail numbers its entries (`seq`, from 1, no gaps) and seals each one:
  `hash = sha256(canonical content + previous entry's hash)`, the first entry's previous
  hash being 64 zeros (`GENESIS`). The canonical content is JSON with sorted keys and
  no spaces (`dumps`), so the same entry hashes the same on any machine and after any
  database round trip.
- An entry says what it records (`action`, `at`) and can recompute its own hash as if it
  had been written at another seq (`hash_at`): that is all `first_break` needs.
- `first_break` walks the entries in seq order and names the first one that does not
  fit: *altered* (its hash does not match its content), *deleted* (a gap, or an entry
  renumbered after one before it was removed) or *inserted* (its previous hash points
  further back than the entry before it, or at nothing in the trail).

Worked example: three entries of a trail; removing the middle one is named at the third.

    >>> import datetime as dt
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Note:
    ...     seq: int
    ...     text: str
    ...     previous_hash: str
    ...     hash: str = ""
    ...     at: dt.datetime = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    ...     action: str = "note"
    ...     def hash_at(self, seq: int) -> str:
    ...         return link(dumps({"seq": seq, "text": self.text}), self.previous_hash)
    >>> def seal(seq, text, previous):
    ...     return Note(seq, text, previous, Note(seq, text, previous).hash_at(seq))
    >>> one = seal(1, "a", GENESIS); two = seal(2, "b", one.hash); three = seal(3, "c", two.hash)
    >>> first_break([one, two, three]) is None
    True
    >>> print(first_break([one, three], noun="record"))
    record 3 (note at 2026-01-05T00:00:00+00:00) follows a deletion: record 2 is missing before it

What a chain cannot show: someone who rewrites every entry from the point of change to
the end produces a new, consistent chain, and dropping the newest entries leaves a
shorter one. Keep the head hash somewhere else (docs/audit.md, docs/records.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = [
    "GENESIS",
    "BreakKind",
    "ChainBreak",
    "Linked",
    "dumps",
    "first_break",
    "link",
    "utc_iso",
]

GENESIS = "0" * 64
"""The previous hash of the first entry."""

# How far back `first_break` remembers hashes to tell an insertion from a deletion; a
# break is detected at any distance, only the naming needs the window.
_WINDOW = 1000


def dumps(value: object) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept as is.

    NaN and infinity are not JSON; refusing them keeps the content portable."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def utc_iso(at: dt.datetime) -> str:
    """A time as the canonical content holds it: UTC, ISO form, always with microseconds."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def link(canonical_text: str, previous_hash: str) -> str:
    """The hash sealing content (its canonical text) to the entry before it."""
    return hashlib.sha256((canonical_text + previous_hash).encode()).hexdigest()


class Linked(Protocol):
    """An entry of a chain, as `first_break` reads it."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def action(self) -> str: ...
    @property
    def previous_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...
    def hash_at(self, seq: int) -> str:
        """The entry's hash, were its content written at `seq` (after its previous hash)."""
        ...


class BreakKind(StrEnum):
    ALTERED = "altered"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class ChainBreak:
    """The first place a trail does not fit together, and what most likely happened."""

    kind: BreakKind
    seq: int
    action: str  # what the entry records: `review.approve`, `analysis A-1 in run R`...
    at: dt.datetime
    detail: str
    noun: str = "entry"

    def __str__(self) -> str:
        when = self.at.astimezone(dt.UTC).isoformat()
        return f"{self.noun} {self.seq} ({self.action} at {when}) {self.detail}"


def _plural(noun: str) -> str:
    return f"{noun[:-1]}ies" if noun.endswith("y") else f"{noun}s"


def _intact(entry: Linked, seq: int | None = None) -> bool:
    return entry.hash_at(entry.seq if seq is None else seq) == entry.hash


def first_break(
    entries: Iterable[Linked], *, noun: str = "entry", after: Linked | None = None
) -> ChainBreak | None:
    """The first entry, in seq order, that was altered, deleted around or inserted; or None.

    `after`: the entry just before `entries` (trusted, not checked) when checking a
    trail from some point on rather than from its start.

    Each entry is checked against its own hash, then against the entry before it:
    - its previous hash is the hash of the entry before it and its seq follows: only its
      own content is in question (altered when the hash does not match);
    - its previous hash is the hash of an entry further back: the entries after that one
      were not there when it was written: the first of them was inserted;
    - a gap in seq, or content that hashes right under a higher, original seq: entries
      before it were deleted (and the rest renumbered);
    - otherwise its previous hash fits nothing: it was inserted (or the entry before it
      was altered and re-hashed, which looks the same from here).
    """

    def broken(kind: BreakKind, entry: Linked, detail: str) -> ChainBreak:
        return ChainBreak(kind, entry.seq, entry.action, entry.at, detail, noun)

    recent: OrderedDict[str, Linked] = OrderedDict()
    previous: Linked | None = after
    first: Linked | None = after
    if after is not None:
        recent[after.hash] = after
    for entry in entries:
        first = first or entry
        expected_hash = previous.hash if previous else GENESIS
        expected_seq = previous.seq + 1 if previous else 1
        intact = _intact(entry)
        if entry.previous_hash == expected_hash:
            if not intact:
                return broken(
                    BreakKind.ALTERED, entry, "was altered: its content no longer matches its hash"
                )
            if entry.seq != expected_seq:
                return broken(
                    BreakKind.ALTERED,
                    entry,
                    f"was altered: it was written as {noun} {expected_seq}",
                )
        else:
            found = _unlinked(entry, previous, first, expected_seq, intact, recent, noun)
            if found is not None:
                return found
        recent[entry.hash] = entry
        if len(recent) > _WINDOW:
            recent.popitem(last=False)
        previous = entry
    return None


def _unlinked(
    entry: Linked,
    previous: Linked | None,
    first: Linked,
    expected_seq: int,
    intact: bool,
    recent: OrderedDict[str, Linked],
    noun: str,
) -> ChainBreak:
    """Name the break at an entry whose previous hash is not that of the entry before it."""

    def broken(kind: BreakKind, at: Linked, detail: str) -> ChainBreak:
        return ChainBreak(kind, at.seq, at.action, at.at, detail, noun)

    origin = recent.get(entry.previous_hash)
    if origin is not None and previous is not None and origin.seq < previous.seq:
        # `entry` was chained to `origin`: whatever now stands between them came later.
        hashes = list(recent)
        inserted = recent[hashes[hashes.index(origin.hash) + 1]]
        return broken(
            BreakKind.INSERTED,
            inserted,
            f"was inserted: {noun} {entry.seq} was chained directly to {noun} {origin.seq}",
        )
    if previous is not None and not intact and _intact(entry, 1):
        # It was written as the first entry (its previous hash is the genesis hash).
        return broken(
            BreakKind.INSERTED,
            first,
            f"was inserted: {noun} {entry.seq} was written as the first {noun}",
        )
    if entry.seq > expected_seq:
        missing = (
            f"{noun} {expected_seq} is missing"
            if entry.seq == expected_seq + 1
            else f"{_plural(noun)} {expected_seq} to {entry.seq - 1} are missing"
        )
        return broken(BreakKind.DELETED, entry, f"follows a deletion: {missing} before it")
    if not intact:
        for original in range(entry.seq + 1, entry.seq + _WINDOW + 1):
            if _intact(entry, original):
                return broken(
                    BreakKind.DELETED,
                    entry,
                    f"follows a deletion: it was written as {noun} {original} and renumbered",
                )
        return broken(
            BreakKind.ALTERED, entry, "was altered: its content no longer matches its hash"
        )
    after = f"{noun} {previous.seq}" if previous else "the start of the trail"
    return broken(
        BreakKind.INSERTED,
        entry,
        f"was inserted: its previous hash is not that of {after} "
        f"(or {after} was altered and re-hashed)",
    )
