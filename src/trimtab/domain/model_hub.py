"""The model hub: third-party providers, the firm's subscriptions and the fees they earn.

Problem: a provider (say, a fixed-income manager) publishes a model; the firm subscribes
and uses it as the product for a class in some targets. The provider is paid a fee in
basis points per year on the assets that follow its models, which move every day.

Rule: a `Subscription` to a provider's model is active from `start` up to and including
`end`. A day's fee on an account is `assets × bps / 10,000 / days in that year`, where
`assets` is the account's value times the weight its resolved target gives the
provider's models on that day; fees accrue unrounded and are rounded to cents once per
provider and month (`monthly_fees`), so the monthly report is the sum of exact accruals.

    >>> import datetime as dt
    >>> day = dt.date(2026, 1, 15)
    >>> daily_fee(Decimal("1000000"), Decimal("10"), day)
    Decimal('2.739726027397260273972602740')
    >>> [f.fee for f in monthly_fees("PROV", Decimal("10"),
    ...     [ProviderAssets(dt.date(2026, 1, d), "A-1", Decimal("1000000")) for d in range(1, 32)])]
    [Decimal('84.93')]
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.money import ZERO, round_cents

__all__ = [
    "ModelProvider",
    "MonthlyFee",
    "ProviderAssets",
    "Subscription",
    "daily_fee",
    "monthly_fees",
]

BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class ModelProvider:
    id: str
    name: str
    fee_bps: Decimal  # per year, on the assets following the provider's models

    def __post_init__(self) -> None:
        if not ZERO <= self.fee_bps <= BPS:
            raise ValueError(f"provider {self.id}: fee must be 0–10,000 bps, got {self.fee_bps}")


@dataclass(frozen=True, slots=True)
class Subscription:
    provider: str
    model: str
    start: dt.date
    end: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class ProviderAssets:
    """One account's assets following one provider's models on one day."""

    day: dt.date
    account: str
    assets: Decimal


@dataclass(frozen=True, slots=True)
class MonthlyFee:
    provider: str
    month: str  # "YYYY-MM"
    accounts: int
    average_assets: Decimal  # mean over the days of the month that had assets
    fee: Decimal  # rounded to cents once, from the exact daily accruals


def daily_fee(assets: Decimal, fee_bps: Decimal, day: dt.date) -> Decimal:
    days = 366 if calendar.isleap(day.year) else 365
    return assets * fee_bps / BPS / days


def monthly_fees(
    provider: str, fee_bps: Decimal, rows: Iterable[ProviderAssets]
) -> list[MonthlyFee]:
    """Accrue daily and report by calendar month, oldest month first."""
    fee: dict[str, Decimal] = {}
    assets: dict[str, Decimal] = {}
    days: dict[str, set[dt.date]] = {}
    accounts: dict[str, set[str]] = {}
    for row in rows:
        month = f"{row.day.year:04d}-{row.day.month:02d}"
        fee[month] = fee.get(month, ZERO) + daily_fee(row.assets, fee_bps, row.day)
        assets[month] = assets.get(month, ZERO) + row.assets
        days.setdefault(month, set()).add(row.day)
        accounts.setdefault(month, set()).add(row.account)
    return [
        MonthlyFee(
            provider=provider,
            month=m,
            accounts=len(accounts[m]),
            average_assets=round_cents(assets[m] / len(days[m])),
            fee=round_cents(fee[m]),
        )
        for m in sorted(fee)
    ]
