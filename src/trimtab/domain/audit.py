"""The audit trail: one record per write, chained so that tampering shows.

Problem: a firm must be able to say who changed what, when, why and on whose behalf, and
show that the record itself was not edited afterwards. Rows in a database can be
updated, deleted or slipped in by anyone with write access to the table.

Rule:
- Every write service produces one `AuditDraft` (time, principal, on-behalf-of, action,
  target ids, reason, a JSON-able summary). The trail numbers it (`seq`, from 1, no
  gaps) and chains it: `hash = sha256(canonical(draft, seq) + previous_hash)`, where the
  first entry's previous hash is 64 zeros (`GENESIS`).
- The canonical content is JSON with sorted keys, compact separators and the time in
  UTC ISO form with microseconds, so the same entry hashes the same on any machine and
  after any database round trip.
- `first_break` walks the entries in seq order and names the first one that does not
  fit: *altered* (its hash does not match its content), *deleted* (a gap, or a
  previous hash that points at an entry no longer there) or *inserted* (its previous
  hash points further back than the entry before it, or at nothing in the trail).

Worked example: two entries chain; changing the first one's reason breaks it.

    >>> import datetime as dt, dataclasses
    >>> at = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
    >>> draft = AuditDraft(at, "cli:alice", "alice", None, "settings.change",
    ...                    ("A-1",), "client asked", {"setting": "band", "to": "0.05"})
    >>> first = chain(draft, 1, GENESIS)
    >>> second = chain(dataclasses.replace(draft, action="review.approve"), 2, first.hash)
    >>> canonical(draft, 1)[:67]
    '{"action":"settings.change","at":"2026-01-05T14:30:00.000000+00:00"'
    >>> first_break([first, second]) is None
    True
    >>> tampered = dataclasses.replace(first, reason="nobody asked")
    >>> found = first_break([tampered, second])
    >>> found.kind, found.seq, found.action
    (<BreakKind.ALTERED: 'altered'>, 1, 'settings.change')
    >>> print(first_break([second]).detail)
    follows a deletion: entry 1 is missing before it

What the chain cannot show: someone who rewrites every entry from the point of change to
the end produces a new, consistent chain, and dropping the newest entries leaves a
shorter one. Keep the head hash somewhere else (docs/audit.md); `trimtab audit verify
--head HASH` checks the trail still contains it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "GENESIS",
    "AuditBreak",
    "AuditDraft",
    "AuditEntry",
    "BreakKind",
    "canonical",
    "chain",
    "content_hash",
    "first_break",
]

GENESIS = "0" * 64
"""The previous hash of the first entry."""

# How far back `first_break` remembers hashes to tell an insertion from a deletion; a
# break is detected at any distance, only the naming needs the window.
_WINDOW = 1000


def _utc_iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _dumps(value: object) -> str:
    # NaN and infinity are not JSON; refusing them keeps the content portable.
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclass(frozen=True)
class AuditDraft:
    """One write, as its service describes it, before the trail numbers and chains it.

    `summary` must be JSON-able (str, int, float, bool, None, lists and dicts with string
    keys); it is kept as a detached plain copy, so later changes to the caller's dict do
    not change the record.
    """

    at: dt.datetime
    principal: str
    principal_name: str
    on_behalf_of: str | None
    action: str
    targets: tuple[str, ...] = ()
    reason: str = ""
    summary: Mapping[str, object] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"an audit time must be timezone-aware, got {self.at!r}")
        family, dot, verb = self.action.partition(".")
        if not (family and dot and verb):
            raise ValueError(f"an action is 'family.verb' (settings.change), got {self.action!r}")
        if not self.principal:
            raise ValueError("an audit entry needs a principal")
        object.__setattr__(self, "targets", tuple(str(t) for t in self.targets))
        try:
            detached = json.loads(_dumps(dict(self.summary)))
        except (TypeError, ValueError) as error:
            raise ValueError(f"an audit summary must be JSON-able: {error}") from error
        object.__setattr__(self, "summary", detached)

    def content(self, seq: int) -> dict[str, object]:
        """The fields the hash covers, in their canonical (JSON) form."""
        return {
            "seq": seq,
            "at": _utc_iso(self.at),
            "principal": self.principal,
            "principal_name": self.principal_name,
            "on_behalf_of": self.on_behalf_of,
            "action": self.action,
            "targets": list(self.targets),
            "reason": self.reason,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class AuditEntry:
    """A recorded write: the draft's fields, its place in the trail and its chain links."""

    seq: int
    at: dt.datetime
    principal: str
    principal_name: str
    on_behalf_of: str | None
    action: str
    targets: tuple[str, ...]
    reason: str
    summary: Mapping[str, object] = field(hash=False)
    previous_hash: str
    hash: str

    @property
    def draft(self) -> AuditDraft:
        return AuditDraft(
            self.at,
            self.principal,
            self.principal_name,
            self.on_behalf_of,
            self.action,
            self.targets,
            self.reason,
            self.summary,
        )

    @property
    def recorded_as(self) -> str:
        """`cli:alice`, or `cli:alice for user:bob` when acting on someone's behalf."""
        if self.on_behalf_of is None:
            return self.principal
        return f"{self.principal} for {self.on_behalf_of}"

    def as_dict(self) -> dict[str, object]:
        """The entry as JSON-able data (`trimtab audit list --json`)."""
        return {
            **self.draft.content(self.seq),
            "at": self.at.astimezone(dt.UTC).isoformat(),
            "previous_hash": self.previous_hash,
            "hash": self.hash,
        }


def canonical(draft: AuditDraft, seq: int) -> str:
    """The exact text the hash covers: sorted keys, no spaces, UTC times."""
    return _dumps(draft.content(seq))


def content_hash(draft: AuditDraft, seq: int, previous_hash: str) -> str:
    return hashlib.sha256((canonical(draft, seq) + previous_hash).encode()).hexdigest()


def chain(draft: AuditDraft, seq: int, previous_hash: str) -> AuditEntry:
    """The entry `draft` becomes at `seq`, after the entry whose hash is `previous_hash`."""
    if seq < 1:
        raise ValueError(f"audit entries are numbered from 1, got {seq}")
    return AuditEntry(
        seq=seq,
        at=draft.at,
        principal=draft.principal,
        principal_name=draft.principal_name,
        on_behalf_of=draft.on_behalf_of,
        action=draft.action,
        targets=draft.targets,
        reason=draft.reason,
        summary=draft.summary,
        previous_hash=previous_hash,
        hash=content_hash(draft, seq, previous_hash),
    )


class BreakKind(StrEnum):
    ALTERED = "altered"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class AuditBreak:
    """The first place the trail does not fit together, and what most likely happened."""

    kind: BreakKind
    seq: int
    action: str
    at: dt.datetime
    detail: str

    def __str__(self) -> str:
        when = self.at.astimezone(dt.UTC).isoformat()
        return f"entry {self.seq} ({self.action} at {when}) {self.detail}"


def _break(kind: BreakKind, entry: AuditEntry, detail: str) -> AuditBreak:
    return AuditBreak(kind, entry.seq, entry.action, entry.at, detail)


def _intact(entry: AuditEntry, seq: int | None = None) -> bool:
    return content_hash(entry.draft, entry.seq if seq is None else seq, entry.previous_hash) == (
        entry.hash
    )


def first_break(entries: Iterable[AuditEntry]) -> AuditBreak | None:
    """The first entry, in seq order, that was altered, deleted around or inserted; or None.

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
    recent: OrderedDict[str, AuditEntry] = OrderedDict()
    previous: AuditEntry | None = None
    first: AuditEntry | None = None
    for entry in entries:
        first = first or entry
        expected_hash = previous.hash if previous else GENESIS
        expected_seq = previous.seq + 1 if previous else 1
        intact = _intact(entry)
        if entry.previous_hash == expected_hash:
            if not intact:
                return _break(
                    BreakKind.ALTERED, entry, "was altered: its content no longer matches its hash"
                )
            if entry.seq != expected_seq:
                return _break(
                    BreakKind.ALTERED, entry, f"was altered: it was written as entry {expected_seq}"
                )
        else:
            found = _unlinked(entry, previous, first, expected_seq, intact, recent)
            if found is not None:
                return found
        recent[entry.hash] = entry
        if len(recent) > _WINDOW:
            recent.popitem(last=False)
        previous = entry
    return None


def _unlinked(
    entry: AuditEntry,
    previous: AuditEntry | None,
    first: AuditEntry,
    expected_seq: int,
    intact: bool,
    recent: OrderedDict[str, AuditEntry],
) -> AuditBreak:
    """Name the break at an entry whose previous hash is not that of the entry before it."""
    origin = recent.get(entry.previous_hash)
    if origin is not None and previous is not None and origin.seq < previous.seq:
        # `entry` was chained to `origin`: whatever now stands between them came later.
        hashes = list(recent)
        inserted = recent[hashes[hashes.index(origin.hash) + 1]]
        return _break(
            BreakKind.INSERTED,
            inserted,
            f"was inserted: entry {entry.seq} was chained directly to entry {origin.seq}",
        )
    if previous is not None and not intact and _intact(entry, 1):
        # It was written as the first entry (its previous hash is the genesis hash).
        return _break(
            BreakKind.INSERTED,
            first,
            f"was inserted: entry {entry.seq} was written as the first entry",
        )
    if entry.seq > expected_seq:
        missing = (
            f"entry {expected_seq} is missing"
            if entry.seq == expected_seq + 1
            else f"entries {expected_seq} to {entry.seq - 1} are missing"
        )
        return _break(BreakKind.DELETED, entry, f"follows a deletion: {missing} before it")
    if not intact:
        for original in range(entry.seq + 1, entry.seq + _WINDOW + 1):
            if _intact(entry, original):
                return _break(
                    BreakKind.DELETED,
                    entry,
                    f"follows a deletion: it was written as entry {original} and renumbered",
                )
        return _break(
            BreakKind.ALTERED, entry, "was altered: its content no longer matches its hash"
        )
    after = f"entry {previous.seq}" if previous else "the start of the trail"
    return _break(
        BreakKind.INSERTED,
        entry,
        f"was inserted: its previous hash is not that of {after} "
        f"(or {after} was altered and re-hashed)",
    )
