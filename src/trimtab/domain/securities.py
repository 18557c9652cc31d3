"""Securities, asset classes and prices: what can be held and what it is worth.

A security's *wash group* says which securities the firm treats as "substantially
identical" for the wash-sale rule (the rule: `domain.wash_sales.WashGroupPolicy`; with no
group set, the share classes of its issuer, else the security alone). It is not its
equivalence set: two S&P 500 funds can be acceptable substitutes for a target yet sit in
different wash groups, which is exactly what makes a tax-loss-harvesting swap possible.

    >>> spy = Security("SPY", name="SPDR S&P 500", type=SecurityType.ETF,
    ...                asset_class="US_LARGE", wash_group="SP500")
    >>> spy.effective_wash_group
    'SP500'
    >>> Security("AAPL").effective_wash_group
    'AAPL'
    >>> Security("FOXA", issuer_id="21CF").effective_wash_group
    'issuer:21CF'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.wash_sales import DEFAULT_WASH_GROUP_POLICY

__all__ = ["AssetClass", "Price", "Security", "SecurityType"]


class SecurityType(StrEnum):
    STOCK = "stock"
    ETF = "etf"
    MUTUAL_FUND = "mutual_fund"
    CASH = "cash"


@dataclass(frozen=True, slots=True)
class AssetClass:
    """A node of the asset-class hierarchy (Equity → US Large Cap → ...)."""

    id: str
    name: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Security:
    ticker: str
    cusip: str | None = None
    name: str = ""
    type: SecurityType = SecurityType.STOCK
    asset_class: str | None = None
    sector: str | None = None
    wash_group: str | None = None  # explicit, from the security master feed
    issuer_id: str | None = None  # share classes of one company share it

    @property
    def effective_wash_group(self) -> str:
        """Under the firm's default policy and no firm-defined groups; a firm that has
        its own reads `WashGroupPolicy.group_of_security` with its policy."""
        return DEFAULT_WASH_GROUP_POLICY.group_of_security(self)


@dataclass(frozen=True, slots=True)
class Price:
    """A closing price of one security on one day."""

    ticker: str
    date: dt.date
    close: Decimal

    def __post_init__(self) -> None:
        if self.close <= 0:
            raise ValueError(f"price of {self.ticker} on {self.date} must be positive")
