"""A hash chain's head row: how the audit trail and the records reserve their next seqs.

Problem: the audit trail (`audit_repository.py`) and the records (`record_repository.py`)
are each one chain that several processes append to at the same time. If two appenders
read the same head and each chain onto it, the chain forks.

Rule: an append's first statement is `UPDATE <head> SET seq = seq + n ... RETURNING seq,
hash` (`reserve`). On PostgreSQL that takes the head row's lock, so a second appender
waits for the first transaction to end and then sees its new head; on SQLite the UPDATE
takes the database's one write lock. Once the appender has sealed its entries it stores
the last hash (`advance`); the lock is held until the transaction ends.

Worked example: a head at seq 7 reserving 3 numbers returns (10, the hash of entry 7);
the caller seals entries 8, 9 and 10 and then calls `advance` with entry 10's hash.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from trimtab.store.audit_tables import AuditHeadRow
from trimtab.store.record_tables import RecordHeadRow

__all__ = ["advance", "reserve"]

Head = type[AuditHeadRow] | type[RecordHeadRow]


def reserve(session: Session, head: Head, n: int = 1) -> tuple[int, str]:
    """(the last of the n seqs now reserved, the hash of the entry before the first)."""
    last, previous_hash = session.execute(
        update(head).where(head.id == 1).values(seq=head.seq + n).returning(head.seq, head.hash)
    ).one()
    return last, previous_hash


def advance(session: Session, head: Head, last_hash: str) -> None:
    """Store the hash of the last entry sealed after `reserve`."""
    session.execute(update(head).where(head.id == 1).values(hash=last_hash))
