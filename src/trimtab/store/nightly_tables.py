"""Tables of the nightly run: runs, per-account outcomes, analysis records, proposals,
review decisions, the routing policy and orders.

    runs                 one per nightly run: as-of day, start, end, counts by outcome,
                         its lease (holder, heartbeat), why it was forced, who voided it
    run_outcomes         (run, account) UNIQUE: the account's outcome, the filter that
      → runs, accounts   put it there, flags; written in the same transaction as the
                         account's analysis, so "has an outcome" means "done, once"
    (analysis records)   kept since migration 0011 as chained records of parts stored
                         once: store/record_tables.py
    proposals            (run, account): the trades proposed (or edited) and where they
      → runs, accounts   stand in the review queue: pending, approved, rejected, auto
    review_decisions     append-only: who approved, edited or rejected what, when, why
                         (each also a chained record: store/record_tables.py)
    routing_policies     append-only versions of the firm's ordered routing rules
    orders               one per account, security and side of an approved or auto-traded
      → runs, accounts   proposal; a block order is every order of one run, security and
                         side (its allocations), so blocks need no table of their own
    fills                one per executed order (→ orders): shares, price, trade date,
      → orders, runs     where the fill came from (`close_simulation`: filled at the
                         day's close by `trimtab orders fill --all-at-close`); an order
                         with a fill is booked into the lots, cash and transactions

`analyses` (workflow_tables.py) keeps the few numbers filters read; the record here keeps
everything needed to re-run the analysis to the same result.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import ID, MONEY, QUANTITY, TICKER, Base

__all__ = [
    "FillRow",
    "OrderRow",
    "ProposalRow",
    "ReviewDecisionRow",
    "RoutingPolicyRow",
    "RunOutcomeRow",
    "RunRow",
]

USER = String(80)
REASON = String(500)
OUTCOMES = "outcome IN ('auto_trade', 'review', 'suspended', 'no_trade')"


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint("state IN ('running', 'finished', 'voided')", name="state"),
        Index("ix_runs_as_of", "as_of"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(USER)
    executor: Mapped[str] = mapped_column(String(200))
    accounts: Mapped[int] = mapped_column(Integer)  # the run's population at its start
    policy_version: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)  # 1 + how many times it was resumed
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # outcome -> accounts
    trades: Mapped[int] = mapped_column(Integer)
    estimated_tax: Mapped[Decimal] = mapped_column(MONEY)
    seconds: Mapped[float | None] = mapped_column()
    # The lease (services/run_ports.py): who drives the run now (host:pid) and when it
    # last said so; a running run whose holder is gone or silent is interrupted.
    holder: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    forced_reason: Mapped[str | None] = mapped_column(REASON)  # a future/closed day, allowed
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(USER)
    void_reason: Mapped[str | None] = mapped_column(REASON)


class RunOutcomeRow(Base):
    __tablename__ = "run_outcomes"
    __table_args__ = (
        CheckConstraint(OUTCOMES, name="outcome"),
        Index("ix_run_outcomes_account", "account_id"),
        # The night's failures alone, for the admin's dashboard (migration 0020).
        Index(
            "ix_run_outcomes_failed",
            "run_id",
            "account_id",
            postgresql_where=text("failure IS NOT NULL"),
            sqlite_where=text("failure IS NOT NULL"),
        ),
    )
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(12))
    rule: Mapped[str] = mapped_column(String(100))  # the filter (or built-in rule) that decided
    flags: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # the analysis status (optimal, failed...)
    failure: Mapped[str | None] = mapped_column(Text)  # why the analysis failed, if it did
    trades: Mapped[int] = mapped_column(Integer)
    estimated_tax: Mapped[Decimal | None] = mapped_column(MONEY)
    chunk: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ProposalRow(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'rejected', 'auto')", name="state"),
        Index("ix_proposals_state_value", "state", "value"),  # largest pending first (0018)
        # 0019: a scope's proposals; pending by age and taxes saved read from the index
        Index("ix_proposals_account_state", "account_id", "state"),
        Index("ix_proposals_state_as_of", "state", "as_of", "run_id"),
        Index("ix_proposals_state_tax", "state", "run_id", "estimated_tax"),
    )
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12))
    value: Mapped[Decimal] = mapped_column(MONEY)
    trades: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    estimated_tax: Mapped[Decimal] = mapped_column(MONEY)
    turnover: Mapped[Decimal] = mapped_column(MONEY)
    rule: Mapped[str] = mapped_column(String(100))
    edited: Mapped[bool] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(USER)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewDecisionRow(Base):
    __tablename__ = "review_decisions"
    __table_args__ = (
        CheckConstraint("action IN ('approve', 'edit', 'reject')", name="action"),
        Index("ix_review_decisions_proposal", "run_id", "account_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(USER)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(REASON)
    before: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    after: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class RoutingPolicyRow(Base):
    __tablename__ = "routing_policies"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"stage", "filter"}] in order
    actor: Mapped[str] = mapped_column(USER)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(REASON)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("side IN ('buy', 'sell')", name="side"),
        Index("ix_orders_block", "run_id", "security", "side"),
    )
    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # run:account:security:side
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    security: Mapped[str] = mapped_column(TICKER)
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    price: Mapped[Decimal] = mapped_column(MONEY)  # the analysis price: a limit reference
    lots: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(USER)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FillRow(Base):
    __tablename__ = "fills"
    __table_args__ = (Index("ix_fills_run", "run_id"),)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    trade_date: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    price: Mapped[Decimal] = mapped_column(MONEY)
    realized_gain: Mapped[Decimal | None] = mapped_column(MONEY)  # sells only
    source: Mapped[str] = mapped_column(String(24))
    filled_by: Mapped[str] = mapped_column(USER)
    filled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
