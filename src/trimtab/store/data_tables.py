"""Tables for data management: feed loads, monitoring, holds, corporate actions, risk models.

    feed_loads              every file that arrived: source, feed, name, content checksum,
                            outcome (loaded / rejected / duplicate), when, who, row count
                            and the report (its problems and notes, JSON)
    expected_files          per source and feed: the daily deadline and the time zone
    alerts                  one per (day, kind, subject): late/missing/malformed/duplicate
                            files, desynchronized corporate actions, unknown securities
    custodian_positions     the custodian's share count per account and security
                            (→ accounts, securities): what the lots must add up to
    lots_basis_unknown      lots the custodian sent without a cost basis (→ tax_lots)
    corporate_action_events the firm-wide events, with when and by whom each was applied
    unknown_securities      securities first seen in holdings or models, not classified
                            yet (→ securities, which holds a placeholder row meanwhile)
    account_holds           why an account is held out of trading, until released
                            (→ accounts); `prior_status` is what a release restores
    data_errors             the nightly data-quality findings per account (→ accounts)
    risk_exposures, factor_covariances, specific_risks
                            factor risk models by name (vendor or estimated); floats,
                            since risk numbers are estimates, not money

Securities in the last three and in corporate-action events are plain tickers, not
foreign keys: a vendor's risk model covers securities the firm never held, and an event
names a ticker that a rename is about to retire.
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
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import ID, MONEY, PRICE, QUANTITY, TICKER, Base
from trimtab.store.types import ExactDecimal

__all__ = [
    "AccountHoldRow",
    "AlertRow",
    "CorporateActionEventRow",
    "CustodianPositionRow",
    "DataErrorRow",
    "ExpectedFileRow",
    "FactorCovarianceRow",
    "FeedLoadRow",
    "LotBasisUnknownRow",
    "RiskExposureRow",
    "SpecificRiskRow",
    "UnknownSecurityRow",
]

SOURCE = String(40)
FEED = String(24)
USER = String(80)
MESSAGE = String(500)
RATIO = ExactDecimal(20, 10)


class FeedLoadRow(Base):
    __tablename__ = "feed_loads"
    __table_args__ = (
        CheckConstraint("outcome IN ('loaded', 'rejected', 'duplicate')", name="outcome"),
        Index("ix_feed_loads_received_at", "received_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(SOURCE)
    feed: Mapped[str] = mapped_column(FEED)
    filename: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(USER)
    rows: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class ExpectedFileRow(Base):
    __tablename__ = "expected_files"
    source: Mapped[str] = mapped_column(SOURCE, primary_key=True)
    feed: Mapped[str] = mapped_column(FEED, primary_key=True)
    deadline: Mapped[str] = mapped_column(String(8))  # local "HH:MM"
    timezone: Mapped[str] = mapped_column(String(64))


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("day", "kind", "subject", name="uq_alerts_day_kind_subject"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(MESSAGE)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CustodianPositionRow(Base):
    __tablename__ = "custodian_positions"
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    security: Mapped[str] = mapped_column(
        TICKER, ForeignKey("securities.ticker", onupdate="CASCADE"), primary_key=True
    )
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    as_of: Mapped[dt.date] = mapped_column(Date)


class LotBasisUnknownRow(Base):
    __tablename__ = "lots_basis_unknown"
    lot_id: Mapped[str] = mapped_column(
        ForeignKey("tax_lots.id", ondelete="CASCADE"), primary_key=True
    )


class CorporateActionEventRow(Base):
    __tablename__ = "corporate_action_events"
    __table_args__ = (
        CheckConstraint("kind IN ('split', 'spin_off', 'merger', 'rename')", name="kind"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    security: Mapped[str] = mapped_column(TICKER, index=True)
    effective: Mapped[dt.date] = mapped_column(Date)
    new_security: Mapped[str | None] = mapped_column(TICKER)
    ratio: Mapped[Decimal] = mapped_column(RATIO)
    cash_per_share: Mapped[Decimal] = mapped_column(MONEY)
    basis_allocation: Mapped[Decimal | None] = mapped_column(RATIO)
    new_security_price: Mapped[Decimal | None] = mapped_column(PRICE)
    new_cusip: Mapped[str | None] = mapped_column(String(9))
    source: Mapped[str] = mapped_column(SOURCE)
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    applied_by: Mapped[str | None] = mapped_column(USER)


class UnknownSecurityRow(Base):
    __tablename__ = "unknown_securities"
    ticker: Mapped[str] = mapped_column(
        TICKER, ForeignKey("securities.ticker", onupdate="CASCADE"), primary_key=True
    )
    first_seen: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(SOURCE)
    classified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    classified_by: Mapped[str | None] = mapped_column(USER)


class AccountHoldRow(Base):
    __tablename__ = "account_holds"
    __table_args__ = (
        CheckConstraint(
            "cause IN ('unknown_security', 'corporate_action', 'missing_file')", name="cause"
        ),
        Index("ix_account_holds_cause_key", "cause", "key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    cause: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(MESSAGE)
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    prior_status: Mapped[str] = mapped_column(String(16))


class DataErrorRow(Base):
    __tablename__ = "data_errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(24))
    security: Mapped[str | None] = mapped_column(TICKER)
    message: Mapped[str] = mapped_column(MESSAGE)


class RiskExposureRow(Base):
    __tablename__ = "risk_exposures"
    model: Mapped[str] = mapped_column(ID, primary_key=True)
    security: Mapped[str] = mapped_column(TICKER, primary_key=True)
    factor: Mapped[str] = mapped_column(ID, primary_key=True)
    exposure: Mapped[float] = mapped_column(Float)


class FactorCovarianceRow(Base):
    __tablename__ = "factor_covariances"
    model: Mapped[str] = mapped_column(ID, primary_key=True)
    factor: Mapped[str] = mapped_column(ID, primary_key=True)
    other: Mapped[str] = mapped_column(ID, primary_key=True)
    covariance: Mapped[float] = mapped_column(Float)


class SpecificRiskRow(Base):
    __tablename__ = "specific_risks"
    model: Mapped[str] = mapped_column(ID, primary_key=True)
    security: Mapped[str] = mapped_column(TICKER, primary_key=True)
    variance: Mapped[float] = mapped_column(Float)
