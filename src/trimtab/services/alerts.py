"""Alerts' use cases: raise a cause, acknowledge it, resolve it, list them.

Problem: the pipeline, the process checks and people all speak about the same alerts.
A check that runs every few minutes must be able to say "this is still wrong" without
alerting anyone again, and "this is fine now" so the people told get a resolution
notice; a person must be able to say "I have seen it" and "I fixed it", on the record.

Rule (the model is `trimtab.domain.alerts`):
- `raise_alert(uow_or_new_uow, alert, *, principal)` opens an episode of `alert.cause`
  unless one is open; if one is open it only moves its last-seen time (and takes the
  newest wording and severity) and records nothing in the audit trail: being found again
  is not a change anyone made. Opening records one `alerts.raise` entry.
  Two processes raising the same new cause at once still make one episode: the store
  keeps one open episode per cause (a partial unique index) and the loser of the race
  gets the winner's episode.
- `resolve_alert(uow_or_new_uow, cause_or_id, *, principal, note)` closes the open
  episode (`alerts.resolve`); resolving a cause with nothing open is a no-op, so checks
  may resolve freely. `acknowledge_alert` marks an episode seen (`alerts.acknowledge`).
- Nothing here sends anything: who is told is decided after commit, from the stored
  episodes, by `trimtab.services.alert_delivery` (an outbox of deliveries), so a rolled
  back transaction never told anyone and a committed one always will.
- The first argument is either a unit-of-work factory (the service runs its own
  transaction) or an open unit of work (the change joins the caller's transaction and
  the caller commits; its audit entry is in that transaction too).

    >>> # raise_alert(db.unit_of_work, Alert("stage.failed:load:2025-06-30",
    >>> #             Severity.CRITICAL, "stage load failed: feed rejected",
    >>> #             "fix the file and run `trimtab pipeline run-now load`"),
    >>> #             principal=SCHEDULER)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from trimtab.domain.alerts import Alert, AlertRecord, AlertState, Severity
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.audit import AuditUnitOfWork, record, write_service

__all__ = [
    "AlertCount",
    "AlertQuery",
    "AlertRepository",
    "AlertUnitOfWork",
    "NewAlertUnitOfWork",
    "acknowledge_alert",
    "alert_counts",
    "get_alert",
    "list_alerts",
    "open_alerts",
    "raise_alert",
    "resolve_alert",
]


@dataclass(frozen=True)
class AlertQuery:
    """What `trimtab alerts list` asks for."""

    state: AlertState | None = None  # None: every state
    open_only: bool = False  # open or acknowledged
    kind_prefix: str | None = None  # `file.` or `file.missing`
    limit: int | None = 100


@dataclass(frozen=True)
class AlertCount:
    severity: Severity
    state: AlertState
    count: int


class AlertRepository(Protocol):
    """Alert episodes, at most one open per cause."""

    def get(self, id: int) -> AlertRecord | None: ...

    def open_for(self, cause: str) -> AlertRecord | None:
        """The open (or acknowledged) episode of `cause`, if any."""
        ...

    def open_episode(self, alert: Alert, *, at: dt.datetime, by: str) -> tuple[AlertRecord, bool]:
        """A new open episode of `alert.cause`, or — when another writer opened one first
        (the unique index says so) — that episode; True when this call opened it. Leaves
        the caller's transaction usable either way."""
        ...

    def save(self, alert: AlertRecord) -> None:
        """Store the episode's state, times, wording and notes (same id)."""
        ...

    def query(self, query: AlertQuery) -> list[AlertRecord]:
        """Matching episodes, open ones first, then newest last-seen first."""
        ...

    def counts(self) -> list[AlertCount]: ...


class AlertUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def alerts(self) -> AlertRepository: ...
    def commit(self) -> None: ...


NewAlertUnitOfWork = Callable[[], AlertUnitOfWork]
UowOrNew = AlertUnitOfWork | NewAlertUnitOfWork


@contextmanager
def _transaction(uow_or_new: UowOrNew) -> Iterator[tuple[AlertUnitOfWork, bool]]:
    """The unit of work to use and whether this call owns it (and so commits it)."""
    if callable(uow_or_new):
        with uow_or_new() as uow:
            yield uow, True
    else:
        yield uow_or_new, False


def _now(at: dt.datetime | None) -> dt.datetime:
    moment = at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        raise ValueError("alert times are aware datetimes (UTC)")
    return moment


@write_service("alerts.raise")
def raise_alert(
    uow_or_new_uow: UowOrNew,
    alert: Alert,
    *,
    principal: Principal,
    at: dt.datetime | None = None,
) -> AlertRecord:
    """The open episode of `alert.cause`: opened now (one `alerts.raise` entry), or the
    open one seen again (last-seen moved, nothing recorded, nobody told again)."""
    moment = _now(at)
    with _transaction(uow_or_new_uow) as (uow, owned):
        existing = uow.alerts.open_for(alert.cause)
        opened = False
        if existing is None:
            episode, opened = uow.alerts.open_episode(alert, at=moment, by=principal.recorded_as)
        else:
            episode = existing
        if not opened:
            episode = episode.seen_again(alert, at=moment)
            uow.alerts.save(episode)
        else:
            record(
                uow,
                principal,
                "alerts.raise",
                targets=[f"alert:{episode.id}", f"cause:{alert.cause}"],
                summary={
                    "cause": alert.cause,
                    "severity": alert.severity.value,
                    "summary": alert.summary,
                    "action": alert.action,
                },
                at=moment,
            )
        if owned:
            uow.commit()
    return episode


def _find(uow: AlertUnitOfWork, cause_or_id: str | int) -> AlertRecord | None:
    if isinstance(cause_or_id, int):
        return uow.alerts.get(cause_or_id)
    return uow.alerts.open_for(cause_or_id)


@write_service("alerts.resolve")
def resolve_alert(
    uow_or_new_uow: UowOrNew,
    cause: str | int,
    *,
    principal: Principal,
    note: str,
    at: dt.datetime | None = None,
) -> tuple[AlertRecord | None, list[Problem]]:
    """Close the open episode of `cause` (a cause key, or an episode id).

    A cause key with nothing open is not a problem (checks resolve what they no longer
    find without asking first): `(None, [])`, nothing recorded. An id that does not exist
    is `not_found`; an episode already resolved is a `conflict`.
    """
    moment = _now(at)
    with _transaction(uow_or_new_uow) as (uow, owned):
        episode = _find(uow, cause)
        if episode is None:
            if isinstance(cause, int):
                return None, [_no_such(cause)]
            return None, []
        if not episode.is_open:
            return episode, [_already_resolved(episode)]
        episode = episode.resolved(by=principal.recorded_as, at=moment, note=note)
        uow.alerts.save(episode)
        record(
            uow,
            principal,
            "alerts.resolve",
            targets=[f"alert:{episode.id}", f"cause:{episode.cause}"],
            reason=note,
            summary={"cause": episode.cause, "severity": episode.severity.value},
            at=moment,
        )
        if owned:
            uow.commit()
    return episode, []


@write_service("alerts.acknowledge")
def acknowledge_alert(
    uow_or_new_uow: UowOrNew,
    id: int,
    *,
    principal: Principal,
    note: str,
    at: dt.datetime | None = None,
) -> tuple[AlertRecord | None, list[Problem]]:
    """Mark an open episode seen by a person: it stays open (the condition is still
    there) and is not sent again; its resolution notice still goes out."""
    moment = _now(at)
    with _transaction(uow_or_new_uow) as (uow, owned):
        episode = uow.alerts.get(id)
        if episode is None:
            return None, [_no_such(id)]
        if not episode.is_open:
            return episode, [_already_resolved(episode)]
        episode = episode.acknowledged(by=principal.recorded_as, at=moment, note=note)
        uow.alerts.save(episode)
        record(
            uow,
            principal,
            "alerts.acknowledge",
            targets=[f"alert:{episode.id}", f"cause:{episode.cause}"],
            reason=note,
            summary={"cause": episode.cause, "severity": episode.severity.value},
            at=moment,
        )
        if owned:
            uow.commit()
    return episode, []


def _no_such(id: int) -> Problem:
    return Problem(
        "alert", f"no alert {id}: `trimtab alerts list` shows them", ProblemKind.NOT_FOUND
    )


def _already_resolved(episode: AlertRecord) -> Problem:
    return Problem(
        "alert",
        f"alert {episode.id} ({episode.cause}) was resolved at {episode.resolved_at} "
        f"by {episode.resolved_by}; a new finding opens a new alert",
        ProblemKind.CONFLICT,
    )


def get_alert(new_uow: NewAlertUnitOfWork, id: int) -> AlertRecord | None:
    with new_uow() as uow:
        return uow.alerts.get(id)


def list_alerts(new_uow: NewAlertUnitOfWork, query: AlertQuery = AlertQuery()) -> list[AlertRecord]:
    with new_uow() as uow:
        return uow.alerts.query(query)


def open_alerts(uow: AlertUnitOfWork, *, kind_prefix: str | None = None) -> Sequence[AlertRecord]:
    """The open episodes (open or acknowledged), inside the caller's transaction."""
    return uow.alerts.query(AlertQuery(open_only=True, kind_prefix=kind_prefix, limit=None))


def alert_counts(new_uow: NewAlertUnitOfWork) -> list[AlertCount]:
    with new_uow() as uow:
        return uow.alerts.counts()
