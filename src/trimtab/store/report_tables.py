"""Tables of the reports: tax-naive counterfactuals and the nightly health checks.

    counterfactuals     one row per analysis record (`records.seq`): what a tax-naive
                        rebalance of the same account on the same night would have
                        realized (gains and losses by term), computed once
                        (services/taxes_saved.py). Derived from a record, so it lives as
                        long as the record: marked `APPEND_ONLY` so `demo load --replace`
                        leaves it with the records it belongs to
    health_checks       one row per account, night and check (drift, cash, restrictions,
                        risk, data): passed or not, the measure and the threshold it was held
                        to, in words (services/health_checks.py)
    taxes_saved_totals  the firm's taxes saved this year to date, as the taxes-saved
                        report counts them, kept each time a night's counterfactuals
                        are computed (the management dashboard shows the latest)
    health_exemptions   a person's answer to a failed check: exempted, with a reason, by
                        whom and when (the other answers — traded, reviewed, suspended —
                        are read from proposals, decisions and run outcomes)

No foreign keys to the firm's tables: a night's checks stay readable after the account
is closed, as the records do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.audit_tables import APPEND_ONLY
from trimtab.store.tables import ID, MONEY, Base

__all__ = ["CounterfactualRow", "HealthCheckRow", "HealthExemptionRow", "TaxesSavedTotalRow"]

USER = String(80)


class CounterfactualRow(Base):
    __tablename__ = "counterfactuals"
    __table_args__ = (
        Index("ix_counterfactuals_account", "account_id", "as_of"),
        {"info": APPEND_ONLY},
    )

    analysis_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    run_id: Mapped[str | None] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ID)
    as_of: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # the naive solve's status
    trades: Mapped[int] = mapped_column(Integer)
    short_term_gains: Mapped[Decimal] = mapped_column(MONEY)
    short_term_losses: Mapped[Decimal] = mapped_column(MONEY)
    long_term_gains: Mapped[Decimal] = mapped_column(MONEY)
    long_term_losses: Mapped[Decimal] = mapped_column(MONEY)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class HealthCheckRow(Base):
    __tablename__ = "health_checks"
    __table_args__ = (Index("ix_health_checks_account", "account_id", "as_of"),)

    run_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)
    measure: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class HealthExemptionRow(Base):
    __tablename__ = "health_exemptions"

    run_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(USER)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TaxesSavedTotalRow(Base):
    __tablename__ = "taxes_saved_totals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    start: Mapped[dt.date] = mapped_column(Date)  # January 1 of the year
    end: Mapped[dt.date] = mapped_column(Date)  # the night the total runs to
    analyses: Mapped[int] = mapped_column(Integer)  # counted (traded or stood)
    not_counted: Mapped[int] = mapped_column(Integer)  # pending, rejected, suspended, ...
    missing: Mapped[int] = mapped_column(Integer)  # analyses still without a counterfactual
    losses_harvested: Mapped[Decimal] = mapped_column(MONEY)
    short_term_avoided: Mapped[Decimal] = mapped_column(MONEY)
    gains_deferred: Mapped[Decimal] = mapped_column(MONEY)
    portfolio_value: Mapped[Decimal] = mapped_column(MONEY)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
