"""`FakeAuditTrail`: the audit trail port in memory, chained exactly like the store's.

>>> import datetime as dt
>>> from trimtab.domain.audit import AuditDraft, first_break
>>> trail = FakeAuditTrail()
>>> at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
>>> trail.append(AuditDraft(at, "cli:alice", "alice", None, "settings.change")).seq
1
>>> first_break(trail.in_order()) is None
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from trimtab.domain.audit import GENESIS, AuditDraft, AuditEntry, chain

__all__ = ["FakeAuditTrail"]


class FakeAuditTrail:
    """Entries in a list, in seq order; a filter here means what it means in SQL."""

    def __init__(self) -> None:
        self.appended: list[AuditEntry] = []

    def append(self, draft: AuditDraft) -> AuditEntry:
        head = self.appended[-1] if self.appended else None
        entry = chain(draft, head.seq + 1 if head else 1, head.hash if head else GENESIS)
        self.appended.append(entry)
        return entry

    def entries(
        self,
        *,
        principal: str | None = None,
        action: str | None = None,
        account: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        found = [
            e
            for e in reversed(self.appended)
            if (principal is None or principal in (e.principal, e.on_behalf_of))
            and (action is None or e.action == action or e.action.startswith(f"{action}."))
            and (account is None or account in e.targets)
            and (since is None or e.at >= since)
            and (until is None or e.at < until)
        ]
        return found if limit is None else found[:limit]

    def in_order(self, since_seq: int = 0) -> Iterator[AuditEntry]:
        return iter([e for e in self.appended if e.seq > since_seq])

    def actions(self) -> list[str]:
        """The actions recorded, oldest first (what most service tests assert on)."""
        return [e.action for e in self.appended]
