"""Data-quality checks for the nightly run: what makes an account's inputs untrustworthy.

Problem: the optimizer trusts its inputs. A price three days old, a close that doubled
overnight with no corporate action to explain it, lots that add up to more shares than
the custodian says the account holds, negative cash, a lot whose basis nobody knows —
each would produce confident, wrong trades. Each must stop that account (and only that
account) with a named error a person can act on.

Rule: `check_account` looks at one account's inputs and returns one `DataError` per
finding, with a stable `code`:

- `missing_price`: a held security has no close on or before the day;
- `stale_price`: its last close is more than `max_price_age` business days old;
- `price_jump`: the last close moved more than `max_jump` (a fraction) from the one
  before, and no corporate action on the security explains it;
- `lots_mismatch`: the lots of a security add up to a quantity other than the
  custodian's position (a security the custodian reports and no lot holds counts too);
- `negative_cash`: the cash balance is below zero;
- `missing_cost_basis`: a lot arrived without its basis.

Worked example: 100 shares, the custodian says 90, and yesterday's close of $50 became
$80 today with no corporate action.

    >>> import datetime as dt
    >>> day = dt.date(2025, 6, 3)
    >>> lot = TaxLot("L1", "A-1", "XYZ", Decimal(100), Decimal(4000), dt.date(2024, 1, 2))
    >>> inputs = AccountInputs("A-1", lots=(lot,), positions={"XYZ": Decimal(90)},
    ...     cash=Decimal(10), closes={"XYZ": (PricePoint(dt.date(2025, 6, 2), Decimal(50)),
    ...                                       PricePoint(day, Decimal(80)))})
    >>> [e.code.value for e in check_account(inputs, day=day)]
    ['price_jump', 'lots_mismatch']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from trimtab.domain.holdings import TaxLot
from trimtab.domain.money import ZERO

__all__ = [
    "AccountInputs",
    "DataError",
    "ErrorCode",
    "PricePoint",
    "QualityRules",
    "check_account",
]


class ErrorCode(StrEnum):
    MISSING_PRICE = "missing_price"
    STALE_PRICE = "stale_price"
    PRICE_JUMP = "price_jump"
    LOTS_MISMATCH = "lots_mismatch"
    NEGATIVE_CASH = "negative_cash"
    MISSING_COST_BASIS = "missing_cost_basis"


@dataclass(frozen=True, slots=True)
class DataError:
    account: str
    code: ErrorCode
    message: str
    security: str | None = None


@dataclass(frozen=True, slots=True)
class PricePoint:
    date: dt.date
    close: Decimal


@dataclass(frozen=True, slots=True)
class QualityRules:
    max_price_age: int = 1  # business days: yesterday's close is fine before today's arrives
    max_jump: Decimal = Decimal("0.25")


def _weekdays_between(start: dt.date, end: dt.date) -> int:
    days = 0
    d = start
    while d < end:
        d += dt.timedelta(days=1)
        days += d.weekday() < 5
    return days


@dataclass(frozen=True, slots=True)
class AccountInputs:
    """What the nightly run knows about one account.

    `closes` maps each security to its last two closes on or before the day, oldest first
    (fewer when the history is shorter); `positions` is the custodian's count (None: the
    custodian sent no positions, so lots are not compared); `actions` the securities with
    a corporate action effective after the earlier of those two closes.
    """

    account: str
    lots: tuple[TaxLot, ...]
    positions: Mapping[str, Decimal] | None = None
    cash: Decimal | None = None
    closes: Mapping[str, tuple[PricePoint, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    unknown_basis: frozenset[str] = frozenset()  # ids of lots reported without a basis
    actions: frozenset[str] = frozenset()


def check_account(
    inputs: AccountInputs,
    *,
    day: dt.date,
    rules: QualityRules = QualityRules(),
    business_days_between: Callable[[dt.date, dt.date], int] = _weekdays_between,
) -> list[DataError]:
    """Every data error of one account on `day`, securities in alphabetical order."""
    errors: list[DataError] = []
    held: dict[str, Decimal] = {}
    for lot in inputs.lots:
        held[lot.security] = held.get(lot.security, ZERO) + lot.quantity
    for security in sorted(held):
        errors += _price_errors(inputs, security, day, rules, business_days_between)
    if inputs.positions is not None:
        for security in sorted(set(held) | set(inputs.positions)):
            ours = held.get(security, ZERO)
            theirs = inputs.positions.get(security, ZERO)
            if ours != theirs:
                errors.append(
                    DataError(
                        inputs.account,
                        ErrorCode.LOTS_MISMATCH,
                        f"lots of {security} add up to {ours} shares, the custodian reports "
                        f"{theirs}: reload the lots or the positions",
                        security,
                    )
                )
    if inputs.cash is not None and inputs.cash < 0:
        errors.append(
            DataError(
                inputs.account,
                ErrorCode.NEGATIVE_CASH,
                f"cash is {inputs.cash}: settle the debit or correct the cash feed",
            )
        )
    for lot in inputs.lots:
        if lot.id in inputs.unknown_basis:
            errors.append(
                DataError(
                    inputs.account,
                    ErrorCode.MISSING_COST_BASIS,
                    f"lot {lot.id} ({lot.quantity} {lot.security} acquired {lot.acquired}) has "
                    "no cost basis: ask the custodian or enter it",
                    lot.security,
                )
            )
    return errors


def _price_errors(
    inputs: AccountInputs,
    security: str,
    day: dt.date,
    rules: QualityRules,
    business_days_between: Callable[[dt.date, dt.date], int],
) -> list[DataError]:
    closes = inputs.closes.get(security, ())
    if not closes:
        return [
            DataError(
                inputs.account,
                ErrorCode.MISSING_PRICE,
                f"no price for {security} on or before {day}: load a price",
                security,
            )
        ]
    last = closes[-1]
    age = business_days_between(last.date, day)
    if age > rules.max_price_age:
        return [
            DataError(
                inputs.account,
                ErrorCode.STALE_PRICE,
                f"the last price of {security} is from {last.date}, {age} business days before "
                f"{day}: load today's prices",
                security,
            )
        ]
    if len(closes) >= 2 and security not in inputs.actions:
        move = last.close / closes[-2].close - 1
        if abs(move) > rules.max_jump:
            return [
                DataError(
                    inputs.account,
                    ErrorCode.PRICE_JUMP,
                    f"{security} moved {move:+.1%} from {closes[-2].date} to {last.date} with no "
                    "corporate action: check the price or record the action",
                    security,
                )
            ]
    return []
