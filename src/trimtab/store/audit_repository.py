"""`SqlAuditTrail`: the audit trail port on SQLite and PostgreSQL.

Problem: several processes append at the same time (the nightly run's chunk writes from
a pool of workers, a user changing a setting meanwhile). If two of them read the same
head and each chain an entry onto it, the trail forks: two entries claim one place.

Rule: an append's first statement is `UPDATE audit_head SET seq = seq + 1 ... RETURNING
seq, hash`. On PostgreSQL that takes the head row's lock, so a second appender's UPDATE
waits for the first transaction to end and then sees its new head (READ COMMITTED
re-reads the updated row). On SQLite any write takes the database's one write lock, and
the driver waits for it (pysqlite's busy timeout) rather than failing; because the
UPDATE is a write, no appender ever reads a head it cannot then write. The lock is held
until the transaction ends, which is why `record` is the last thing before `commit()`.
`seq` being the primary key and `hash` unique make a fork impossible even if a writer
bypassed the head.

Times are stored in UTC (SQLite keeps no zone: a naive value read back is UTC).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from itertools import groupby

from sqlalchemy import Select, insert, or_, select
from sqlalchemy.orm import Session

from trimtab.domain.audit import AuditDraft, AuditEntry, chain
from trimtab.domain.chain import dumps
from trimtab.store.audit_tables import AuditEntryRow, AuditHeadRow, AuditTargetRow
from trimtab.store.chain_head import advance, reserve
from trimtab.store.mapping import as_utc

__all__ = ["SqlAuditTrail"]

_PAGE = 500  # entries per query when streaming, ids per IN (...): under SQLite's limit


class SqlAuditTrail:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, draft: AuditDraft) -> AuditEntry:
        seq, previous_hash = reserve(self._session, AuditHeadRow)
        entry = chain(draft, seq, previous_hash)
        advance(self._session, AuditHeadRow, entry.hash)
        self._session.add(
            AuditEntryRow(
                seq=entry.seq,
                at=entry.at.astimezone(dt.UTC),
                principal=entry.principal,
                principal_name=entry.principal_name,
                on_behalf_of=entry.on_behalf_of,
                action=entry.action,
                reason=entry.reason,
                summary=dumps(entry.summary),
                previous_hash=entry.previous_hash,
                hash=entry.hash,
            )
        )
        self._session.flush()
        if entry.targets:
            # Core executemany, not ORM objects: a feed load names every account of the
            # firm (100,000 targets: 1.3 s this way, 7.5 s as ORM rows on SQLite).
            self._session.execute(
                insert(AuditTargetRow),
                [
                    {"seq": entry.seq, "position": i, "target": target}
                    for i, target in enumerate(entry.targets)
                ],
            )
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
        query = select(AuditEntryRow).order_by(AuditEntryRow.seq.desc())
        if principal is not None:
            query = query.where(
                or_(AuditEntryRow.principal == principal, AuditEntryRow.on_behalf_of == principal)
            )
        if action is not None:
            query = query.where(
                or_(AuditEntryRow.action == action, AuditEntryRow.action.startswith(f"{action}."))
            )
        if account is not None:
            query = query.where(
                AuditEntryRow.seq.in_(
                    select(AuditTargetRow.seq).where(AuditTargetRow.target == account)
                )
            )
        if since is not None:
            query = query.where(AuditEntryRow.at >= since.astimezone(dt.UTC))
        if until is not None:
            query = query.where(AuditEntryRow.at < until.astimezone(dt.UTC))
        if limit is not None:
            query = query.limit(limit)
        return self._load(query)

    def in_order(self, since_seq: int = 0) -> Iterator[AuditEntry]:
        after = since_seq
        while True:
            page = self._load(
                select(AuditEntryRow)
                .where(AuditEntryRow.seq > after)
                .order_by(AuditEntryRow.seq)
                .limit(_PAGE)
            )
            yield from page
            if len(page) < _PAGE:
                return
            after = page[-1].seq

    def _load(self, query: Select[AuditEntryRow]) -> list[AuditEntry]:
        rows: Sequence[AuditEntryRow] = self._session.scalars(query).all()
        targets = self._targets([row.seq for row in rows])
        return [
            AuditEntry(
                seq=row.seq,
                at=as_utc(row.at),
                principal=row.principal,
                principal_name=row.principal_name,
                on_behalf_of=row.on_behalf_of,
                action=row.action,
                targets=targets.get(row.seq, ()),
                reason=row.reason,
                summary=json.loads(row.summary),
                previous_hash=row.previous_hash,
                hash=row.hash,
            )
            for row in rows
        ]

    def _targets(self, seqs: list[int]) -> dict[int, tuple[str, ...]]:
        found: dict[int, tuple[str, ...]] = {}
        for start in range(0, len(seqs), _PAGE):
            rows = self._session.execute(
                select(AuditTargetRow.seq, AuditTargetRow.target)
                .where(AuditTargetRow.seq.in_(seqs[start : start + _PAGE]))
                .order_by(AuditTargetRow.seq, AuditTargetRow.position)
            ).all()
            for seq, group in groupby(rows, lambda row: row[0]):
                found[seq] = tuple(target for _, target in group)
        return found
