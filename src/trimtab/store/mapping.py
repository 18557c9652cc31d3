"""Row ↔ domain conversion: the only place that knows both shapes.

Each domain value type has a `*_to_row` function that returns the column values as a
plain dict (what a Core bulk insert takes, and what `Row(**values)` takes) and a
`*_from_row` function that rebuilds the frozen value from a row object. Enumerations are
stored by value (`TaxStatus.TAX_DEFERRED` → "tax_deferred"); restriction levels by name
("household"), because their integer order is a domain rule, not data.

    >>> security_to_row(Security("AAPL", name="Apple Inc."))["type"]
    'stock'
"""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

from trimtab.domain import (
    Account,
    AccountStatus,
    Advisor,
    AssetAllocation,
    AssetClass,
    Branch,
    CashBalance,
    Firm,
    Household,
    Kind,
    Level,
    Model,
    Price,
    Program,
    Restriction,
    Security,
    SecurityType,
    TaxLot,
    TaxProfile,
    TaxStatus,
    TradeRecord,
    TradeSide,
)
from trimtab.domain.data_quality import DataError
from trimtab.store.tables import (
    AccountRow,
    AdvisorRow,
    AssetAllocationRow,
    AssetClassRow,
    BranchRow,
    CashBalanceRow,
    FirmRow,
    HouseholdRow,
    ModelRow,
    PriceRow,
    ProgramRow,
    RestrictionRow,
    SecurityRow,
    TaxLotRow,
    TaxProfileRow,
    TransactionRow,
)

Values = dict[str, Any]


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: dt.datetime | None) -> dt.datetime | None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC time: SQLite hands back naive ones, written in UTC.

    >>> as_utc(dt.datetime(2026, 1, 5, 9, 30)).isoformat()
    '2026-01-05T09:30:00+00:00'
    """
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def firm_to_row(firm: Firm) -> Values:
    return {"id": firm.id, "name": firm.name}


def firm_from_row(row: FirmRow) -> Firm:
    return Firm(row.id, row.name)


def program_to_row(program: Program) -> Values:
    return {"id": program.id, "name": program.name}


def program_from_row(row: ProgramRow) -> Program:
    return Program(row.id, row.name)


def branch_to_row(branch: Branch) -> Values:
    return {"id": branch.id, "name": branch.name}


def branch_from_row(row: BranchRow) -> Branch:
    return Branch(row.id, row.name)


def advisor_to_row(advisor: Advisor) -> Values:
    return {"id": advisor.id, "name": advisor.name, "branch_id": advisor.branch}


def advisor_from_row(row: AdvisorRow) -> Advisor:
    return Advisor(row.id, row.name, branch=row.branch_id)


def asset_class_to_row(asset_class: AssetClass) -> Values:
    return {"id": asset_class.id, "name": asset_class.name, "parent_id": asset_class.parent}


def asset_class_from_row(row: AssetClassRow) -> AssetClass:
    return AssetClass(row.id, row.name, parent=row.parent_id)


def security_to_row(security: Security) -> Values:
    return {
        "ticker": security.ticker,
        "cusip": security.cusip,
        "name": security.name,
        "type": security.type.value,
        "asset_class_id": security.asset_class,
        "sector": security.sector,
        "wash_group": security.wash_group,
        "issuer_id": security.issuer_id,
    }


def security_from_row(row: SecurityRow) -> Security:
    return Security(
        row.ticker,
        cusip=row.cusip,
        name=row.name,
        type=SecurityType(row.type),
        asset_class=row.asset_class_id,
        sector=row.sector,
        wash_group=row.wash_group,
        issuer_id=row.issuer_id,
    )


def price_to_row(price: Price) -> Values:
    return {"security": price.ticker, "date": price.date, "close": price.close}


def price_from_row(row: PriceRow) -> Price:
    return Price(row.security, row.date, row.close)


def household_to_row(household: Household) -> Values:
    return {"id": household.id, "name": household.name}


def household_from_row(row: HouseholdRow) -> Household:
    return Household(row.id, row.name)


def tax_profile_to_row(profile: TaxProfile) -> Values:
    return {
        "household_id": profile.household,
        "short_term_rate": profile.short_term_rate,
        "long_term_rate": profile.long_term_rate,
        "realized_short_ytd": profile.realized_short_ytd,
        "realized_long_ytd": profile.realized_long_ytd,
        "loss_carryforward": profile.loss_carryforward,
    }


def tax_profile_from_row(row: TaxProfileRow) -> TaxProfile:
    return TaxProfile(
        row.household_id,
        short_term_rate=row.short_term_rate,
        long_term_rate=row.long_term_rate,
        realized_short_ytd=row.realized_short_ytd,
        realized_long_ytd=row.realized_long_ytd,
        loss_carryforward=row.loss_carryforward,
    )


def allocation_from_row(row: AssetAllocationRow, weights: dict[str, Any]) -> AssetAllocation:
    return AssetAllocation(row.id, row.name, weights)


def allocation_weights_to_rows(allocation: AssetAllocation) -> list[Values]:
    return [
        {"allocation_id": allocation.id, "asset_class_id": asset_class, "weight": weight}
        for asset_class, weight in allocation.weights.items()
    ]


def model_from_row(row: ModelRow, weights: dict[str, Any]) -> Model:
    return Model(row.id, row.name, weights)


def model_weights_to_rows(model: Model) -> list[Values]:
    return [
        {"model_id": model.id, "security": security, "weight": weight}
        for security, weight in model.weights.items()
    ]


def account_to_row(account: Account) -> Values:
    return {
        "id": account.id,
        "household_id": account.household,
        "name": account.name,
        "tax_status": account.tax_status.value,
        "status": account.status.value,
        "discretionary": account.discretionary,
        "approved_for_trading": account.approved_for_trading,
        "tier": account.tier,
        "advisor_id": account.advisor,
        "branch_id": account.branch,
        "program_id": account.program,
        "target_id": account.target,
        "fields": dict(account.fields),
    }


def account_from_row(row: AccountRow) -> Account:
    return Account(
        row.id,
        household=row.household_id,
        tax_status=TaxStatus(row.tax_status),
        name=row.name,
        status=AccountStatus(row.status),
        discretionary=row.discretionary,
        approved_for_trading=row.approved_for_trading,
        tier=row.tier,
        advisor=row.advisor_id,
        branch=row.branch_id,
        fields={str(k): str(v) for k, v in (row.fields or {}).items()},
        program=row.program_id,
        target=row.target_id,
    )


def lot_to_row(lot: TaxLot) -> Values:
    return {
        "id": lot.id,
        "account_id": lot.account,
        "security": lot.security,
        "quantity": lot.quantity,
        "cost_basis": lot.cost_basis,
        "acquired": lot.acquired,
        "holding_period_start": lot.holding_period_start,
        "wash_sale_adjustment": lot.wash_sale_adjustment,
    }


def lot_from_row(row: TaxLotRow) -> TaxLot:
    return TaxLot(
        row.id,
        row.account_id,
        row.security,
        quantity=row.quantity,
        cost_basis=row.cost_basis,
        acquired=row.acquired,
        holding_period_start=row.holding_period_start,
        wash_sale_adjustment=row.wash_sale_adjustment,
    )


def cash_to_row(cash: CashBalance) -> Values:
    return {"account_id": cash.account, "amount": cash.amount, "as_of": cash.as_of}


def cash_from_row(row: CashBalanceRow) -> CashBalance:
    return CashBalance(row.account_id, row.amount, row.as_of)


def restriction_to_row(restriction: Restriction) -> Values:
    return {
        "level": restriction.level.name.lower(),
        "scope": restriction.scope,
        "security": restriction.security,
        "kind": restriction.kind.value,
        "reason": restriction.reason,
    }


def restriction_from_row(row: RestrictionRow) -> Restriction:
    return Restriction(
        Level[row.level.upper()], row.scope, row.security, Kind(row.kind), row.reason
    )


def trade_to_row(trade: TradeRecord) -> Values:
    return {
        "account_id": trade.account,
        "security": trade.security,
        "trade_date": trade.date,
        "side": trade.side.value,
        "quantity": trade.quantity,
        "price": trade.price,
        "realized_gain": trade.realized_gain,
    }


def trade_from_row(row: TransactionRow) -> TradeRecord:
    return TradeRecord(
        row.account_id,
        row.security,
        row.trade_date,
        TradeSide(row.side),
        quantity=row.quantity,
        price=row.price,
        realized_gain=row.realized_gain,
    )


def data_error_to_row(error: DataError, as_of: dt.date) -> Values:
    # The message column holds 500 characters; a longer message is cut, not refused.
    return {
        "account_id": error.account,
        "as_of": as_of,
        "code": error.code.value,
        "security": error.security,
        "message": error.message[:500],
    }
