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
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from trimtab.domain.chain import GENESIS, BreakKind, ChainBreak, dumps, link, utc_iso
from trimtab.domain.chain import first_break as _first_break

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
            detached = json.loads(dumps(dict(self.summary)))
        except (TypeError, ValueError) as error:
            raise ValueError(f"an audit summary must be JSON-able: {error}") from error
        object.__setattr__(self, "summary", detached)

    def content(self, seq: int) -> dict[str, object]:
        """The fields the hash covers, in their canonical (JSON) form."""
        return {
            "seq": seq,
            "at": utc_iso(self.at),
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

    def hash_at(self, seq: int) -> str:
        """The entry's hash, were it written at `seq` (how the chain finds renumbering)."""
        return content_hash(self.draft, seq, self.previous_hash)

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
    return dumps(draft.content(seq))


def content_hash(draft: AuditDraft, seq: int, previous_hash: str) -> str:
    return link(canonical(draft, seq), previous_hash)


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


AuditBreak = ChainBreak
"""The first place the trail does not fit together (`domain.chain`, one implementation)."""


def first_break(entries: Iterable[AuditEntry]) -> AuditBreak | None:
    """The first entry, in seq order, that was altered, deleted around or inserted; or None
    (the chain's rule: `trimtab.domain.chain.first_break`)."""
    return _first_break(entries)
