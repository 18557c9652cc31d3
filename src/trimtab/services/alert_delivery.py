"""Telling people: each alert sent once per channel, then its resolution, never lost.

Problem: an alert is worth something only when it reaches a person, and worth less
every time it reaches them again. Sending inside the transaction that raised it would
tell people about changes that then roll back; sending right after commit loses the
message when the mail server is down or the process dies between the two.

Rule:
- A channel (`AlertChannel`: e-mail, a webhook) has a name and the severities it takes.
  Deliveries are kept in an outbox (`DeliveryOutbox`), one row per (episode, notice,
  channel), the notice being `alert` or `resolution`; the store's unique key on those
  three makes "once per cause until resolved" hold whoever plans, however often.
- `deliver_pending(new_uow, channels, now=...)` runs after commit, from the scheduler,
  the monitoring check and `trimtab alerts deliver`, in three steps, each its own
  transaction or none:
  1. plan: every open episode gets an `alert` delivery on each channel taking its
     severity (an escalation from warning to critical reaches the critical-only channels
     then, and nobody twice); every resolved episode whose `alert` was *sent* on a channel
     gets a `resolution` delivery there; one resolved before its alert went out gets its
     pending alert cancelled and no resolution (nobody was told, nobody is untold);
  2. claim: due pending deliveries are claimed for a short lease (a compare-and-set), so
     two dispatchers never send the same row at the same time;
  3. send, outside any transaction, then record the outcome: sent, or still pending
     with the attempt counted, the error kept and the next attempt backed off
     (`retry_delay`: 30 s, 1 min, 2 min ... capped at an hour). Nothing is ever dropped.
- If the process dies after a send and before recording it, the lease runs out and the
  delivery is sent again: at least once, with the delivery id in every message (the
  webhook's `Idempotency-Key`, the mail's Message-ID) so a receiver can drop the repeat.

    >>> [retry_delay(n).total_seconds() for n in (1, 3, 30)]
    [30.0, 120.0, 3600.0]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from trimtab.domain.alerts import AlertRecord, AlertState, Severity
from trimtab.services.alerts import AlertQuery, AlertUnitOfWork

__all__ = [
    "AlertChannel",
    "AlertMessage",
    "Delivery",
    "DeliveryFailed",
    "DeliveryOutbox",
    "DeliveryReport",
    "DeliveryState",
    "DeliveryUnitOfWork",
    "Notice",
    "deliver_pending",
    "retry_delay",
]

LEASE = dt.timedelta(minutes=2)
FIRST_RETRY = dt.timedelta(seconds=30)
LAST_RETRY = dt.timedelta(hours=1)


class Notice(StrEnum):
    ALERT = "alert"
    RESOLUTION = "resolution"


class DeliveryState(StrEnum):
    PENDING = "pending"  # not sent yet, or failed and waiting for its next attempt
    SENT = "sent"
    CANCELLED = "cancelled"  # its alert resolved before anyone was told


@dataclass(frozen=True)
class Delivery:
    id: int
    alert: AlertRecord
    notice: Notice
    channel: str
    state: DeliveryState
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None = None
    last_error: str | None = None


class DeliveryFailed(Exception):
    """A channel could not hand the message over; the delivery is tried again later."""


@dataclass(frozen=True)
class AlertMessage:
    """What a channel sends: the notice, its episode, and the delivery's id (the key a
    receiver uses to drop a repeat)."""

    delivery_id: int
    notice: Notice
    alert: AlertRecord

    @property
    def subject(self) -> str:
        a = self.alert
        if self.notice is Notice.RESOLUTION:
            return f"[trimtab resolved] {a.alert.summary}"
        return f"[trimtab {a.severity.value}] {a.alert.summary}"

    @property
    def text(self) -> str:
        a = self.alert
        lines = [
            self.subject,
            "",
            f"cause:      {a.cause}",
            f"severity:   {a.severity.value}",
            f"first seen: {a.first_seen.isoformat()}",
            f"last seen:  {a.last_seen.isoformat()}",
        ]
        if self.notice is Notice.RESOLUTION:
            lines += [
                f"resolved:   {a.resolved_at.isoformat() if a.resolved_at else ''}"
                f" by {a.resolved_by or ''}",
                f"note:       {a.resolve_note or ''}",
            ]
        else:
            lines += ["", f"what to do: {a.alert.action}"]
        lines += ["", f"trimtab alerts list --json  (alert {a.id}, delivery {self.delivery_id})"]
        return "\n".join(lines) + "\n"

    def payload(self) -> dict[str, object]:
        """The webhook's JSON body."""
        a = self.alert
        return {
            "delivery": self.delivery_id,
            "notice": self.notice.value,
            "alert": a.id,
            "cause": a.cause,
            "kind": a.alert.kind,
            "severity": a.severity.value,
            "state": a.state.value,
            "summary": a.alert.summary,
            "action": a.alert.action,
            "first_seen": a.first_seen.isoformat(),
            "last_seen": a.last_seen.isoformat(),
            "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
            "resolved_by": a.resolved_by,
            "resolve_note": a.resolve_note,
        }


class AlertChannel(Protocol):
    """Somewhere alerts go. `send` raises `DeliveryFailed` when it could not hand over."""

    @property
    def name(self) -> str: ...
    @property
    def severities(self) -> frozenset[Severity]: ...
    def send(self, message: AlertMessage) -> None: ...


class DeliveryOutbox(Protocol):
    def plan(self, alert_id: int, notice: Notice, channel: str, *, at: dt.datetime) -> bool:
        """Add a pending delivery unless the (episode, notice, channel) has one; True if
        added. Never fails on a concurrent planner's row."""
        ...

    def unannounced_resolutions(self) -> list[tuple[AlertRecord, dict[str, DeliveryState]]]:
        """Resolved episodes with an `alert` delivery (pending or sent) on a channel that
        has no `resolution` delivery: each with those channels and their alert's state."""
        ...

    def cancel(self, alert_id: int, notice: Notice, channel: str) -> None: ...

    def claim_due(
        self, *, now: dt.datetime, until: dt.datetime, channels: Iterable[str], limit: int
    ) -> list[Delivery]:
        """Claim pending deliveries due by `now` on these channels, whose claim (if any)
        has run out, until `until`; each row is claimed by one caller only."""
        ...

    def mark_sent(self, id: int, *, at: dt.datetime) -> None: ...

    def mark_failed(
        self, id: int, *, at: dt.datetime, error: str, retry_at: dt.datetime
    ) -> None: ...

    def deliveries(self, alert_id: int) -> list[Delivery]: ...

    def pending(self) -> int: ...


class DeliveryUnitOfWork(AlertUnitOfWork, Protocol):
    @property
    def alert_deliveries(self) -> DeliveryOutbox: ...


NewDeliveryUnitOfWork = Callable[[], DeliveryUnitOfWork]


@dataclass(frozen=True)
class DeliveryReport:
    planned: int = 0
    cancelled: int = 0
    sent: int = 0
    failed: int = 0
    errors: tuple[str, ...] = field(default=())


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling from 30 s, at
    most an hour (a mail server down for the night is tried hourly, not every minute)."""
    delay: dt.timedelta = FIRST_RETRY * (2 ** max(0, min(attempts - 1, 16)))
    return min(delay, LAST_RETRY)


def _plan(
    uow: DeliveryUnitOfWork, channels: Sequence[AlertChannel], at: dt.datetime
) -> tuple[int, int]:
    planned = cancelled = 0
    for episode in uow.alerts.query(AlertQuery(open_only=True, limit=None)):
        for channel in channels:
            if episode.severity in channel.severities:
                planned += uow.alert_deliveries.plan(episode.id, Notice.ALERT, channel.name, at=at)
    configured = {c.name for c in channels}
    for episode, told in uow.alert_deliveries.unannounced_resolutions():
        assert episode.state is AlertState.RESOLVED
        for name, state in told.items():
            if state is DeliveryState.PENDING:
                uow.alert_deliveries.cancel(episode.id, Notice.ALERT, name)
                cancelled += 1
            elif name in configured:
                planned += uow.alert_deliveries.plan(episode.id, Notice.RESOLUTION, name, at=at)
    return planned, cancelled


def deliver_pending(
    new_uow: NewDeliveryUnitOfWork,
    channels: Sequence[AlertChannel],
    *,
    now: dt.datetime | None = None,
    limit: int = 100,
    clock: Callable[[], dt.datetime] | None = None,
) -> DeliveryReport:
    """Plan, claim and send what is due; record each outcome. Call it after commit."""
    moment = now or dt.datetime.now(dt.UTC)
    by_name: Mapping[str, AlertChannel] = {c.name: c for c in channels}
    if len(by_name) != len(channels):
        raise ValueError("alert channels need distinct names")
    with new_uow() as uow:
        planned, cancelled = _plan(uow, channels, moment)
        uow.commit()
    if not by_name:
        return DeliveryReport(planned, cancelled)
    with new_uow() as uow:
        due = uow.alert_deliveries.claim_due(
            now=moment, until=moment + LEASE, channels=sorted(by_name), limit=limit
        )
        uow.commit()
    sent = failed = 0
    errors: list[str] = []
    for delivery in due:
        message = AlertMessage(delivery.id, delivery.notice, delivery.alert)
        try:
            by_name[delivery.channel].send(message)
        except DeliveryFailed as error:
            failed += 1
            errors.append(f"{delivery.channel}: {error}")
            at = clock() if clock else moment
            with new_uow() as uow:
                uow.alert_deliveries.mark_failed(
                    delivery.id,
                    at=at,
                    error=str(error)[:2000],
                    retry_at=at + retry_delay(delivery.attempts + 1),
                )
                uow.commit()
            continue
        sent += 1
        with new_uow() as uow:
            uow.alert_deliveries.mark_sent(delivery.id, at=clock() if clock else moment)
            uow.commit()
    return DeliveryReport(planned, cancelled, sent, failed, tuple(errors))
