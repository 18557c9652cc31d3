"""The data desk's read of synchronization holds: which accounts wait for which event.

Problem: `check_synchronization` suspends every account whose feeds disagree about a
corporate action and releases it when they agree again; between the two the data
manager needs to see the holds by event — how many accounts, since when, and why — to
chase the late feed, then run the check again (the action that resolves them).

Rule: `synchronization_holds` reads the active holds of cause `corporate_action` (the
ones `check_synchronization` places) and groups them by the event they wait for, oldest
hold first. Unknown-security holds are not here: they are resolved by classifying the
security (`security_master.classify_security`), listed with the unknown securities.

    >>> # [(g.action, len(g.accounts)) for g in synchronization_holds(db.unit_of_work)]
    >>> # [('CA-2025-017', 3)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from trimtab.services.feed_ports import DataUnitOfWork

__all__ = ["SYNC_CAUSE", "SyncHoldGroup", "synchronization_holds"]

NewUnitOfWork = Callable[[], DataUnitOfWork]
SYNC_CAUSE = "corporate_action"  # the cause `check_synchronization` holds accounts under


@dataclass(frozen=True, slots=True)
class SyncHoldGroup:
    action: str  # the corporate action's id
    accounts: tuple[str, ...]
    reason: str  # the first hold's reason (each names the disagreement it saw)
    since: dt.datetime  # the oldest hold's start


def synchronization_holds(new_uow: NewUnitOfWork) -> list[SyncHoldGroup]:
    with new_uow() as uow:
        holds = uow.holds.active(SYNC_CAUSE)
    by_action: dict[str, list[tuple[str, str, dt.datetime]]] = {}
    for h in holds:
        by_action.setdefault(h.key, []).append((h.account, h.reason, h.since))
    groups = []
    for action, found in by_action.items():
        first = min(found, key=lambda f: (f[2], f[0]))
        groups.append(
            SyncHoldGroup(action, tuple(sorted(a for a, _, _ in found)), first[1], first[2])
        )
    return sorted(groups, key=lambda g: (g.since, g.action))
