"""Recent executed trades: what the wash-sale rule looks back at before a rebalance.

The open lots say what an account holds; they do not say what it *sold* last week. A
loss sale of a wash group in the last 30 days, anywhere in the household, blocks buying
that group today; a buy in the last 30 days blocks a loss sale of the same group in a
taxable account. So the store keeps the recent buys and sells of every account.

    >>> import datetime as dt
    >>> sale = TradeRecord("A-1", "TTLC", dt.date(2025, 3, 3), TradeSide.SELL,
    ...                    Decimal(10), Decimal("95.00"), realized_gain=Decimal("-120.00"))
    >>> sale.amount, sale.is_loss_sale
    (Decimal('950.00'), True)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = ["TradeRecord", "TradeSide"]


class TradeSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


@dataclass(frozen=True, slots=True)
class TradeRecord:
    account: str
    security: str
    date: dt.date
    side: TradeSide
    quantity: Decimal
    price: Decimal
    # Gain before any wash-sale disallowance; None for buys.
    realized_gain: Decimal | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"trade of {self.security}: quantity must be positive")
        if self.price <= 0:
            raise ValueError(f"trade of {self.security}: price must be positive")
        if self.side is TradeSide.BUY and self.realized_gain is not None:
            raise ValueError(f"a buy of {self.security} realizes no gain")

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.price

    @property
    def is_loss_sale(self) -> bool:
        return self.side is TradeSide.SELL and (self.realized_gain or Decimal(0)) < 0
