"""Tax lots and cash: what an account holds.

A tax lot is one acquisition of one security. Its holding period normally starts on the
acquisition date; for a wash-sale replacement it starts earlier (the replaced shares'
period is tacked on) and its basis carries the disallowed loss.

    >>> import datetime as dt
    >>> lot = TaxLot("L1", "A-1", "AAPL", Decimal(10), Decimal("1500"),
    ...              acquired=dt.date(2024, 3, 15))
    >>> lot.basis_per_share
    Decimal('150')
    >>> lot.term_on(dt.date(2025, 3, 15)), lot.term_on(dt.date(2025, 3, 16))
    (<Term.SHORT: 'short'>, <Term.LONG: 'long'>)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.money import ZERO

__all__ = ["CashBalance", "TaxLot", "Term", "is_long_term"]


class Term(StrEnum):
    SHORT = "short"
    LONG = "long"


def is_long_term(holding_period_start: dt.date, sold_on: dt.date) -> bool:
    """Held *more than* one year: bought 2024-03-15 is long-term from 2025-03-16.

    The anniversary of a 29 February purchase in a common year is 28 February, so long
    term starts on 1 March.
    """
    start = holding_period_start
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        anniversary = dt.date(start.year + 1, 2, 28)
    return sold_on > anniversary


@dataclass(frozen=True, slots=True)
class TaxLot:
    id: str
    account: str
    security: str
    quantity: Decimal
    cost_basis: Decimal  # total basis of the lot, wash-sale adjustment included
    acquired: dt.date
    holding_period_start: dt.date | None = None  # None: the acquisition date
    wash_sale_adjustment: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"lot {self.id}: quantity must be positive, got {self.quantity}")
        if self.cost_basis < 0:
            raise ValueError(f"lot {self.id}: cost basis cannot be negative")

    @property
    def basis_per_share(self) -> Decimal:
        return self.cost_basis / self.quantity

    @property
    def period_start(self) -> dt.date:
        return self.holding_period_start or self.acquired

    def term_on(self, sale_date: dt.date) -> Term:
        return Term.LONG if is_long_term(self.period_start, sale_date) else Term.SHORT


@dataclass(frozen=True, slots=True)
class CashBalance:
    account: str
    amount: Decimal
    as_of: dt.date
