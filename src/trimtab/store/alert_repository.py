"""Alert episodes and their delivery outbox in SQL (`trimtab.services.alerts`,
`trimtab.services.alert_delivery`).

One open episode per cause is the partial unique index's job: `open_episode` inserts
inside a savepoint, and on a unique violation (another writer opened the cause first)
rolls back to the savepoint and returns that writer's episode, leaving the caller's
transaction usable. Planning a delivery is an INSERT .. ON CONFLICT DO NOTHING on the
(episode, notice, channel) key (both dialects have it), so concurrent planners add one
row. Claiming is a conditional UPDATE per row (`claimed_until` empty or run out): the
row count says who won.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Table, and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from trimtab.domain.alerts import Alert, AlertRecord, AlertState, Severity
from trimtab.services.alert_delivery import Delivery, DeliveryState, Notice
from trimtab.services.alerts import AlertCount, AlertQuery
from trimtab.store.alert_tables import AlertDeliveryRow, AlertEpisodeRow

__all__ = ["SqlAlertRepository", "SqlDeliveryOutbox"]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands datetimes back naive; they were stored as UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite keeps the wall-clock digits only: store every time as UTC so they compare.
    return moment.astimezone(dt.UTC)


def _record(row: AlertEpisodeRow) -> AlertRecord:
    first_seen, last_seen = _aware(row.first_seen), _aware(row.last_seen)
    assert first_seen is not None
    assert last_seen is not None
    return AlertRecord(
        id=row.id,
        alert=Alert(row.cause, Severity(row.severity), row.summary, row.action),
        state=AlertState(row.state),
        first_seen=first_seen,
        last_seen=last_seen,
        raised_by=row.raised_by,
        acknowledged_at=_aware(row.acknowledged_at),
        acknowledged_by=row.acknowledged_by,
        acknowledge_note=row.acknowledge_note,
        resolved_at=_aware(row.resolved_at),
        resolved_by=row.resolved_by,
        resolve_note=row.resolve_note,
    )


class SqlAlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, id: int) -> AlertRecord | None:
        row = self.session.get(AlertEpisodeRow, id)
        return None if row is None else _record(row)

    def open_for(self, cause: str) -> AlertRecord | None:
        row = self.session.scalars(
            select(AlertEpisodeRow).where(
                AlertEpisodeRow.cause == cause, AlertEpisodeRow.state != AlertState.RESOLVED
            )
        ).first()
        return None if row is None else _record(row)

    def open_episode(self, alert: Alert, *, at: dt.datetime, by: str) -> tuple[AlertRecord, bool]:
        row = AlertEpisodeRow(
            cause=alert.cause,
            kind=alert.kind,
            severity=alert.severity.value,
            summary=alert.summary[:500],
            action=alert.action,
            state=AlertState.OPEN.value,
            first_seen=_utc(at),
            last_seen=_utc(at),
            raised_by=by,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            # Another writer opened this cause between our look and our insert.
            winner = self.open_for(alert.cause)
            if winner is None:
                raise
            return winner, False
        return _record(row), True

    def save(self, alert: AlertRecord) -> None:
        row = self.session.get(AlertEpisodeRow, alert.id)
        if row is None:
            raise KeyError(f"no alert {alert.id}")
        row.severity = alert.severity.value
        row.summary = alert.alert.summary[:500]
        row.action = alert.alert.action
        row.state = alert.state.value
        row.last_seen = _utc(alert.last_seen)
        row.acknowledged_at = alert.acknowledged_at and _utc(alert.acknowledged_at)
        row.acknowledged_by = alert.acknowledged_by
        row.acknowledge_note = alert.acknowledge_note
        row.resolved_at = alert.resolved_at and _utc(alert.resolved_at)
        row.resolved_by = alert.resolved_by
        row.resolve_note = alert.resolve_note
        self.session.flush()

    def query(self, query: AlertQuery) -> list[AlertRecord]:
        statement = select(AlertEpisodeRow)
        if query.state is not None:
            statement = statement.where(AlertEpisodeRow.state == query.state.value)
        if query.open_only:
            statement = statement.where(AlertEpisodeRow.state != AlertState.RESOLVED.value)
        if query.kind_prefix:
            statement = statement.where(AlertEpisodeRow.kind.startswith(query.kind_prefix))
        resolved_last = case((AlertEpisodeRow.state == AlertState.RESOLVED.value, 1), else_=0)
        statement = statement.order_by(
            resolved_last, AlertEpisodeRow.last_seen.desc(), AlertEpisodeRow.id.desc()
        )
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return [_record(row) for row in self.session.scalars(statement)]

    def counts(self) -> list[AlertCount]:
        rows = self.session.execute(
            select(AlertEpisodeRow.severity, AlertEpisodeRow.state, func.count()).group_by(
                AlertEpisodeRow.severity, AlertEpisodeRow.state
            )
        ).all()
        return [AlertCount(Severity(s), AlertState(st), n) for s, st, n in rows]


class SqlDeliveryOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def plan(self, alert_id: int, notice: Notice, channel: str, *, at: dt.datetime) -> bool:
        values = {
            "alert_id": alert_id,
            "notice": notice.value,
            "channel": channel,
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "created_at": _utc(at),
            "next_attempt_at": _utc(at),
        }
        dialect = self.session.get_bind().dialect.name
        table = AlertDeliveryRow.__table__
        assert isinstance(table, Table)
        statement = (
            postgresql.insert(table).values(values).on_conflict_do_nothing()
            if dialect == "postgresql"
            else sqlite.insert(table).values(values).on_conflict_do_nothing()
        )
        result = self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def unannounced_resolutions(self) -> list[tuple[AlertRecord, dict[str, DeliveryState]]]:
        told = aliased(AlertDeliveryRow)
        resolution = aliased(AlertDeliveryRow)
        rows = self.session.execute(
            select(AlertEpisodeRow, told.channel, told.state)
            .join(told, told.alert_id == AlertEpisodeRow.id)
            .outerjoin(
                resolution,
                and_(
                    resolution.alert_id == AlertEpisodeRow.id,
                    resolution.channel == told.channel,
                    resolution.notice == Notice.RESOLUTION.value,
                ),
            )
            .where(
                AlertEpisodeRow.state == AlertState.RESOLVED.value,
                told.notice == Notice.ALERT.value,
                told.state != DeliveryState.CANCELLED.value,
                resolution.id.is_(None),
            )
            .order_by(AlertEpisodeRow.id, told.channel)
        ).all()
        found: dict[int, tuple[AlertRecord, dict[str, DeliveryState]]] = {}
        for episode, channel, state in rows:
            entry = found.setdefault(episode.id, (_record(episode), {}))
            entry[1][channel] = DeliveryState(state)
        return list(found.values())

    def cancel(self, alert_id: int, notice: Notice, channel: str) -> None:
        self.session.execute(
            update(AlertDeliveryRow)
            .where(
                AlertDeliveryRow.alert_id == alert_id,
                AlertDeliveryRow.notice == notice.value,
                AlertDeliveryRow.channel == channel,
                AlertDeliveryRow.state == DeliveryState.PENDING.value,
            )
            .values(state=DeliveryState.CANCELLED.value, claimed_until=None)
        )

    def claim_due(
        self, *, now: dt.datetime, until: dt.datetime, channels: Iterable[str], limit: int
    ) -> list[Delivery]:
        now, until = _utc(now), _utc(until)
        free = or_(AlertDeliveryRow.claimed_until.is_(None), AlertDeliveryRow.claimed_until < now)
        candidates = self.session.scalars(
            select(AlertDeliveryRow.id)
            .where(
                AlertDeliveryRow.state == DeliveryState.PENDING.value,
                AlertDeliveryRow.next_attempt_at <= now,
                AlertDeliveryRow.channel.in_(list(channels)),
                free,
            )
            .order_by(AlertDeliveryRow.next_attempt_at, AlertDeliveryRow.id)
            .limit(limit)
        ).all()
        claimed: list[int] = []
        for id in candidates:
            result = self.session.execute(
                update(AlertDeliveryRow)
                .where(
                    AlertDeliveryRow.id == id,
                    AlertDeliveryRow.state == DeliveryState.PENDING.value,
                    free,
                )
                .values(claimed_until=until)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                claimed.append(id)
        return [self._delivery(id) for id in claimed]

    def _delivery(self, id: int) -> Delivery:
        row = self.session.get(AlertDeliveryRow, id)
        assert row is not None
        episode = self.session.get(AlertEpisodeRow, row.alert_id)
        assert episode is not None
        return _delivery(row, episode)

    def mark_sent(self, id: int, *, at: dt.datetime) -> None:
        self.session.execute(
            update(AlertDeliveryRow)
            .where(AlertDeliveryRow.id == id)
            .values(
                state=DeliveryState.SENT.value,
                sent_at=_utc(at),
                attempts=AlertDeliveryRow.attempts + 1,
                claimed_until=None,
                last_error=None,
            )
        )

    def mark_failed(self, id: int, *, at: dt.datetime, error: str, retry_at: dt.datetime) -> None:
        self.session.execute(
            update(AlertDeliveryRow)
            .where(AlertDeliveryRow.id == id, AlertDeliveryRow.state == DeliveryState.PENDING.value)
            .values(
                attempts=AlertDeliveryRow.attempts + 1,
                claimed_until=None,
                last_error=error,
                next_attempt_at=_utc(retry_at),
            )
        )

    def deliveries(self, alert_id: int) -> list[Delivery]:
        rows = self.session.execute(
            select(AlertDeliveryRow, AlertEpisodeRow)
            .join(AlertEpisodeRow, AlertEpisodeRow.id == AlertDeliveryRow.alert_id)
            .where(AlertDeliveryRow.alert_id == alert_id)
            .order_by(AlertDeliveryRow.id)
        ).all()
        return [_delivery(d, e) for d, e in rows]

    def pending(self) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(AlertDeliveryRow.state == DeliveryState.PENDING.value)
            )
            or 0
        )


def _delivery(row: AlertDeliveryRow, episode: AlertEpisodeRow) -> Delivery:
    created, next_attempt = _aware(row.created_at), _aware(row.next_attempt_at)
    assert created is not None
    assert next_attempt is not None
    return Delivery(
        id=row.id,
        alert=_record(episode),
        notice=Notice(row.notice),
        channel=row.channel,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        created_at=created,
        next_attempt_at=next_attempt,
        sent_at=_aware(row.sent_at),
        last_error=row.last_error,
    )
