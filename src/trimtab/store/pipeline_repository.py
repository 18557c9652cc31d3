"""SQL of the daily pipeline (stages, the scheduler's lease) and of the OMS executions.

Every change of a stage row is `UPDATE ... WHERE day, stage AND version = :seen`: the
row count says whether this process won (compare-and-set works the same on SQLite and
PostgreSQL, with no lock held between the read and the write). The scheduler's lease is
taken the same way, on its holder.

The unit of work exposes them as `uow.pipeline` and `uow.executions`, for the pipeline's
services (`trimtab.services.pipeline`, `.fills_import`).

    >>> # with db.unit_of_work() as uow: uow.pipeline.statuses(day)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from trimtab.domain.executions import Execution
from trimtab.domain.pipeline import StageState, StageStatus
from trimtab.domain.trade_history import TradeSide
from trimtab.services.order_ports import OrderLine
from trimtab.services.pipeline_ports import ExecutionState, ReceivedExecution, SchedulerLease
from trimtab.store.mapping import as_utc
from trimtab.store.nightly_tables import FillRow, OrderRow, RunRow
from trimtab.store.order_repository import SqlOrderRepository
from trimtab.store.pipeline_tables import ExecutionRow, PipelineSchedulerRow, PipelineStageRow
from trimtab.store.tables import AccountRow

__all__ = ["SqlExecutionRepository", "SqlPipelineRepository"]

_IN = 500


def _status(row: PipelineStageRow) -> StageStatus:
    return StageStatus(
        row.day,
        row.stage,
        StageState(row.state),
        row.attempts,
        as_utc(row.next_attempt_at),
        row.reason,
        row.holder,
        as_utc(row.started_at),
        as_utc(row.finished_at),
        row.version,
    )


class SqlPipelineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_day(self, day: dt.date, stages: Sequence[str]) -> None:
        have = set(
            self.session.scalars(select(PipelineStageRow.stage).where(PipelineStageRow.day == day))
        )
        missing = [s for s in stages if s not in have]
        if missing:
            self.session.execute(
                insert(PipelineStageRow),
                [
                    {
                        "day": day,
                        "stage": s,
                        "state": StageState.WAITING.value,
                        "attempts": 0,
                        "reason": "",
                        "version": 0,
                    }
                    for s in missing
                ],
            )

    def statuses(self, day: dt.date) -> list[StageStatus]:
        rows = self.session.scalars(select(PipelineStageRow).where(PipelineStageRow.day == day))
        return [_status(r) for r in rows]

    def days(self, limit: int = 30) -> list[dt.date]:
        return list(
            self.session.scalars(
                select(PipelineStageRow.day)
                .distinct()
                .order_by(PipelineStageRow.day.desc())
                .limit(limit)
            )
        )

    def update(self, status: StageStatus, *, expected_version: int) -> bool:
        result = self.session.execute(
            update(PipelineStageRow)
            .where(
                PipelineStageRow.day == status.day,
                PipelineStageRow.stage == status.stage,
                PipelineStageRow.version == expected_version,
            )
            .values(
                state=status.state.value,
                attempts=status.attempts,
                next_attempt_at=status.next_attempt_at,
                reason=status.reason,
                holder=status.holder,
                started_at=status.started_at,
                finished_at=status.finished_at,
                version=status.version,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def lease(self, name: str) -> SchedulerLease | None:
        row = self.session.get(PipelineSchedulerRow, name)
        if row is None:
            return None
        return SchedulerLease(name, row.holder, as_utc(row.started_at), as_utc(row.heartbeat_at))

    def take_lease(self, name: str, *, holder: str, at: dt.datetime, seen: str | None) -> bool:
        if self.session.get(PipelineSchedulerRow, name) is None:
            self.session.execute(insert(PipelineSchedulerRow).values(name=name))
        condition = (
            PipelineSchedulerRow.holder.is_(None)
            if seen is None
            else PipelineSchedulerRow.holder == seen
        )
        result = self.session.execute(
            update(PipelineSchedulerRow)
            .where(PipelineSchedulerRow.name == name, condition)
            .values(holder=holder, started_at=at, heartbeat_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def beat(self, name: str, *, holder: str, at: dt.datetime) -> bool:
        result = self.session.execute(
            update(PipelineSchedulerRow)
            .where(PipelineSchedulerRow.name == name, PipelineSchedulerRow.holder == holder)
            .values(heartbeat_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def release_lease(self, name: str, *, holder: str) -> None:
        self.session.execute(
            update(PipelineSchedulerRow)
            .where(PipelineSchedulerRow.name == name, PipelineSchedulerRow.holder == holder)
            .values(holder=None)
            .execution_options(synchronize_session=False)
        )

    def account_ids(self) -> list[str]:
        return list(self.session.scalars(select(AccountRow.id).order_by(AccountRow.id)))


def _execution(row: ExecutionRow) -> Execution:
    return Execution(
        row.exec_id,
        row.client_order_id,
        row.exec_type,
        row.order_status,
        row.security,
        TradeSide(row.side),
        row.last_quantity,
        row.last_price,
        row.trade_date,
    )


class SqlExecutionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, executions: Sequence[Execution], *, file: str, at: dt.datetime) -> list[str]:
        ids = list(dict.fromkeys(e.exec_id for e in executions))
        have: set[str] = set()
        for start in range(0, len(ids), _IN):
            part = ids[start : start + _IN]
            have.update(
                self.session.scalars(
                    select(ExecutionRow.exec_id).where(ExecutionRow.exec_id.in_(part))
                )
            )
        new: dict[str, Execution] = {}
        for e in executions:
            if e.exec_id not in have and e.exec_id not in new:
                new[e.exec_id] = e
        if new:
            self.session.execute(
                insert(ExecutionRow),
                [
                    {
                        "exec_id": e.exec_id,
                        "client_order_id": e.client_order_id,
                        "exec_type": e.exec_type,
                        "order_status": e.order_status,
                        "security": e.security,
                        "side": e.side.value,
                        "last_quantity": e.last_quantity,
                        "last_price": e.last_price,
                        "trade_date": e.trade_date,
                        "file": file,
                        "received_at": at,
                        "state": ExecutionState.RECORDED,
                        "note": "",
                    }
                    for e in new.values()
                ],
            )
        return list(new)

    def for_blocks(self, blocks: Collection[str]) -> dict[str, list[Execution]]:
        out: dict[str, list[Execution]] = {b: [] for b in blocks}
        wanted = sorted(blocks)
        for start in range(0, len(wanted), _IN):
            part = wanted[start : start + _IN]
            for row in self.session.scalars(
                select(ExecutionRow)
                .where(ExecutionRow.client_order_id.in_(part))
                .order_by(ExecutionRow.received_at, ExecutionRow.exec_id)
            ):
                out[row.client_order_id].append(_execution(row))
        return out

    def mark(self, exec_ids: Collection[str], state: str, note: str = "") -> None:
        ids = sorted(exec_ids)
        for start in range(0, len(ids), _IN):
            self.session.execute(
                update(ExecutionRow)
                .where(ExecutionRow.exec_id.in_(ids[start : start + _IN]))
                .values(state=state, note=note)
                .execution_options(synchronize_session=False)
            )

    def settled(self, blocks: Collection[str]) -> set[str]:
        wanted = sorted(blocks)
        found: set[str] = set()
        for start in range(0, len(wanted), _IN):
            found.update(
                self.session.scalars(
                    select(ExecutionRow.client_order_id).where(
                        ExecutionRow.client_order_id.in_(wanted[start : start + _IN]),
                        ExecutionRow.state.in_([ExecutionState.BOOKED, ExecutionState.REFUSED]),
                    )
                )
            )
        return found

    def received(self, *, since: dt.datetime | None = None) -> list[ReceivedExecution]:
        query = select(ExecutionRow).order_by(ExecutionRow.received_at, ExecutionRow.exec_id)
        if since is not None:
            query = query.where(ExecutionRow.received_at >= since)
        return [
            ReceivedExecution(_execution(r), r.file, as_utc(r.received_at), r.state, r.note)
            for r in self.session.scalars(query)
        ]

    def open_orders(self) -> list[OrderLine]:
        runs = self.session.scalars(
            select(OrderRow.run_id)
            .distinct()
            .join(RunRow, RunRow.id == OrderRow.run_id)
            .outerjoin(FillRow, FillRow.order_id == OrderRow.id)
            .where(FillRow.order_id.is_(None), RunRow.state != "voided")
        ).all()
        orders = SqlOrderRepository(self.session)
        return [o for run in sorted(runs) for o in orders.unfilled_orders(run)]
