"""The database schema: one `*Row` class per table, SQLAlchemy 2 typed declarative style.

Rows mirror the domain value types (`trimtab.domain`) one to one; `mapping.py` converts
between them. Natural keys are kept where the field has them (a security is its ticker,
an account its custodian number), so a lot row reads like the lot it stores; foreign
keys to a ticker cascade on update, so a ticker change (a corporate action) is one
UPDATE. Money, prices, quantities, rates and weights are exact NUMERIC (`ExactDecimal`),
dates are DATE, enumerations are short strings guarded by CHECK constraints, and the
firm's own account fields are one JSON object.

Layout (→ is a foreign key):

    firms, programs, branches ← advisors
    asset_classes (→ parent asset class) ← securities ← prices
    asset_allocations ← allocation_weights → asset_classes
    models ← model_weights → securities
    households ← tax_profiles
    households ← accounts → advisors, branches, programs, asset_allocations (the target)
    accounts ← tax_lots → securities;  accounts ← cash_balances
    accounts ← transactions → securities          (recent trades, for wash-sale lookback)
    restrictions → securities                      (level + scope: firm/program/household/account)

Later issues add their tables (settings, model versions, analyses, runs) in new
migrations; nothing here needs to change for them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trimtab.store.types import ExactDecimal

__all__ = [
    "AccountRow",
    "AdvisorRow",
    "AllocationWeightRow",
    "AssetAllocationRow",
    "AssetClassRow",
    "Base",
    "BranchRow",
    "CashBalanceRow",
    "FirmRow",
    "HouseholdRow",
    "ModelRow",
    "ModelWeightRow",
    "PriceRow",
    "ProgramRow",
    "RestrictionRow",
    "SecurityRow",
    "TaxLotRow",
    "TaxProfileRow",
    "TransactionRow",
    "WashGroupMemberRow",
    "WashGroupPolicyRow",
]

# Named constraints make migrations reproducible and let SQLite's batch mode find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(40)
TICKER = String(16)
NAME = String(200)
MONEY = ExactDecimal(20, 6)
PRICE = ExactDecimal(20, 6)
QUANTITY = ExactDecimal(20, 6)
RATE = ExactDecimal(7, 6)
WEIGHT = ExactDecimal(11, 10)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _ticker_fk() -> ForeignKey:
    return ForeignKey("securities.ticker", onupdate="CASCADE")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class FirmRow(Base):
    __tablename__ = "firms"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class ProgramRow(Base):
    __tablename__ = "programs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class BranchRow(Base):
    __tablename__ = "branches"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class AdvisorRow(Base):
    __tablename__ = "advisors"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    branch_id: Mapped[str | None] = mapped_column(ForeignKey("branches.id"))


class AssetClassRow(Base):
    __tablename__ = "asset_classes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("asset_classes.id"))


class SecurityRow(Base):
    __tablename__ = "securities"
    __table_args__ = (
        CheckConstraint(_one_of("type", ("stock", "etf", "mutual_fund", "cash")), name="type"),
    )
    ticker: Mapped[str] = mapped_column(TICKER, primary_key=True)
    cusip: Mapped[str | None] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(NAME)
    type: Mapped[str] = mapped_column(String(16))
    asset_class_id: Mapped[str | None] = mapped_column(ForeignKey("asset_classes.id"))
    sector: Mapped[str | None] = mapped_column(String(64))
    wash_group: Mapped[str | None] = mapped_column(String(40))
    issuer_id: Mapped[str | None] = mapped_column(String(40))


class WashGroupMemberRow(Base):
    """A firm-defined wash group's member (`services/wash_groups.py`)."""

    __tablename__ = "wash_group_members"
    ticker: Mapped[str] = mapped_column(TICKER, _ticker_fk(), primary_key=True)
    wash_group: Mapped[str] = mapped_column(String(40), index=True)
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WashGroupPolicyRow(Base):
    """The firm's wash-group policy: one row (id 1); absent, the default applies."""

    __tablename__ = "wash_group_policy"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    share_classes_identical: Mapped[bool] = mapped_column(Boolean)
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PriceRow(Base):
    __tablename__ = "prices"
    __table_args__ = (CheckConstraint("close > 0", name="positive_close"),)
    security: Mapped[str] = mapped_column(TICKER, _ticker_fk(), primary_key=True)
    # Indexed alone too: "every security's closes of the last weeks" (a preview, a night's
    # context) reads a date range across securities, which the key cannot (migration 0014).
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    close: Mapped[Decimal] = mapped_column(PRICE)


class HouseholdRow(Base):
    __tablename__ = "households"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class TaxProfileRow(Base):
    __tablename__ = "tax_profiles"
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), primary_key=True)
    short_term_rate: Mapped[Decimal] = mapped_column(RATE)
    long_term_rate: Mapped[Decimal] = mapped_column(RATE)
    realized_short_ytd: Mapped[Decimal] = mapped_column(MONEY)
    realized_long_ytd: Mapped[Decimal] = mapped_column(MONEY)
    loss_carryforward: Mapped[Decimal] = mapped_column(MONEY)


class AssetAllocationRow(Base):
    __tablename__ = "asset_allocations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class AllocationWeightRow(Base):
    __tablename__ = "allocation_weights"
    allocation_id: Mapped[str] = mapped_column(
        ForeignKey("asset_allocations.id", ondelete="CASCADE"), primary_key=True
    )
    asset_class_id: Mapped[str] = mapped_column(ForeignKey("asset_classes.id"), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(WEIGHT)


class ModelRow(Base):
    __tablename__ = "models"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class ModelWeightRow(Base):
    __tablename__ = "model_weights"
    model_id: Mapped[str] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    security: Mapped[str] = mapped_column(TICKER, _ticker_fk(), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(WEIGHT)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            _one_of("tax_status", ("taxable", "tax_deferred", "tax_exempt")), name="tax_status"
        ),
        CheckConstraint(_one_of("status", ("open", "closed", "suspended")), name="status"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(NAME)
    tax_status: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    discretionary: Mapped[bool] = mapped_column(Boolean)
    approved_for_trading: Mapped[bool] = mapped_column(Boolean)
    tier: Mapped[str | None] = mapped_column(String(40))
    # Indexed: every advisor's read is scoped by it (store/scope_sql.py; migration 0014).
    advisor_id: Mapped[str | None] = mapped_column(ForeignKey("advisors.id"), index=True)
    branch_id: Mapped[str | None] = mapped_column(ForeignKey("branches.id"))
    program_id: Mapped[str | None] = mapped_column(ForeignKey("programs.id"))
    target_id: Mapped[str | None] = mapped_column(ForeignKey("asset_allocations.id"))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)


class TaxLotRow(Base):
    __tablename__ = "tax_lots"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive_quantity"),
        CheckConstraint("cost_basis >= 0", name="nonnegative_basis"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    security: Mapped[str] = mapped_column(TICKER, _ticker_fk(), index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    cost_basis: Mapped[Decimal] = mapped_column(MONEY)
    acquired: Mapped[dt.date] = mapped_column(Date)
    holding_period_start: Mapped[dt.date | None] = mapped_column(Date)
    wash_sale_adjustment: Mapped[Decimal] = mapped_column(MONEY)


class CashBalanceRow(Base):
    __tablename__ = "cash_balances"
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    as_of: Mapped[dt.date] = mapped_column(Date)


class RestrictionRow(Base):
    __tablename__ = "restrictions"
    __table_args__ = (
        CheckConstraint(
            _one_of("level", ("firm", "program", "household", "account")), name="level"
        ),
        CheckConstraint(_one_of("kind", ("no_buy", "no_sell", "must_sell")), name="kind"),
        UniqueConstraint("level", "scope", "security", "kind"),
        Index("ix_restrictions_scope", "level", "scope"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    level: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(ID)
    security: Mapped[str] = mapped_column(TICKER, _ticker_fk())
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))


class TransactionRow(Base):
    """An executed buy or sell, kept so the wash-sale lookback can see recent sales."""

    __tablename__ = "transactions"
    __table_args__ = (
        CheckConstraint(_one_of("side", ("buy", "sell")), name="side"),
        Index("ix_transactions_account_date", "account_id", "trade_date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    security: Mapped[str] = mapped_column(TICKER, _ticker_fk())
    trade_date: Mapped[dt.date] = mapped_column(Date)
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    price: Mapped[Decimal] = mapped_column(PRICE)
    realized_gain: Mapped[Decimal | None] = mapped_column(MONEY)
