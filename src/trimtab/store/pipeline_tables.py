"""Tables of the daily pipeline and of the executions back from the desk.

pipeline_stages      (day, stage): where each stage of each business day stands —
                     state, attempts, when it is tried again, why, who runs it
                     (holder host:pid) and `version`, bumped on every change so a
                     claim made on a stale reading is refused (compare-and-set)
pipeline_scheduler   one row per scheduler name: the lease of the one `trimtab
                     scheduler` process allowed to run against this database
executions           one per execution report from the OMS (ExecID unique: a file
                     imported twice adds nothing), its block order (ClOrdID), what
                     it says, and what trimtab did with it (recorded, booked,
                     unmatched, refused)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import PRICE, QUANTITY, TICKER, Base

__all__ = ["ExecutionRow", "PipelineSchedulerRow", "PipelineStageRow"]

HOLDER = String(120)


class PipelineStageRow(Base):
    __tablename__ = "pipeline_stages"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    holder: Mapped[str | None] = mapped_column(HOLDER)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class PipelineSchedulerRow(Base):
    __tablename__ = "pipeline_scheduler"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(HOLDER)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ExecutionRow(Base):
    __tablename__ = "executions"
    __table_args__ = (Index("ix_executions_client_order_id", "client_order_id"),)
    exec_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    client_order_id: Mapped[str] = mapped_column(String(80))
    exec_type: Mapped[str] = mapped_column(String(2))
    order_status: Mapped[str] = mapped_column(String(2))
    security: Mapped[str] = mapped_column(TICKER)
    side: Mapped[str] = mapped_column(String(4))
    last_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    last_price: Mapped[Decimal] = mapped_column(PRICE)
    trade_date: Mapped[dt.date | None] = mapped_column(Date)
    file: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text)
