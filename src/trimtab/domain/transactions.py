"""Transactions: what happened to an account, as the lot ledger receives it.

These are *requests* to the ledger (STYLE rule 1): a `Sell` says how many shares left and
how to pick them; the ledger answers with the lots it relieved and the `RealizedGain`s
(see `ledger.py`). Every transaction names one account and one security; corporate
actions (`Split`, `SpinOff`, `Merger`, `Rename`) change the lots of that security in that
account only, exactly as a custodian reports them account by account.

    >>> import datetime as dt
    >>> sell = Sell(dt.date(2025, 6, 2), "T1", "X", Decimal(100), Decimal("7.5"))
    >>> sell.proceeds
    Decimal('750.0')
    >>> Merger(dt.date(2025, 9, 1), "T1", "Q", "S", ratio=Decimal("0.5")).stock_basis_fraction
    Decimal('1')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.money import ZERO

__all__ = [
    "Buy",
    "CorporateAction",
    "LotPick",
    "Merger",
    "ReliefMethod",
    "Rename",
    "Sell",
    "SpinOff",
    "Split",
    "Transaction",
]


class ReliefMethod(StrEnum):
    """Which lots a sell relieves when it does not name them (specific identification)."""

    FIFO = "fifo"  # earliest acquired first
    LIFO = "lifo"  # latest acquired first
    HIFO = "hifo"  # highest basis per share first


@dataclass(frozen=True, slots=True)
class LotPick:
    """Specific identification: take `quantity` shares from the lots acquired on `acquired`."""

    acquired: dt.date
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Buy:
    date: dt.date
    account: str
    security: str
    quantity: Decimal
    price: Decimal

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.price


@dataclass(frozen=True, slots=True)
class Sell:
    date: dt.date
    account: str
    security: str
    quantity: Decimal
    price: Decimal
    method: ReliefMethod | None = None  # None: the history's method
    picks: tuple[LotPick, ...] = ()  # non-empty: specific identification, overrides method

    @property
    def proceeds(self) -> Decimal:
        return self.quantity * self.price


@dataclass(frozen=True, slots=True)
class Split:
    """`ratio` new shares per old share: 2 for a 2-for-1 split, 0.1 for a 1-for-10 reverse."""

    date: dt.date
    account: str
    security: str
    ratio: Decimal


@dataclass(frozen=True, slots=True)
class SpinOff:
    """`ratio` child shares per parent share; `basis_allocation` of each parent lot's basis
    moves to its child lot (the published allocation, e.g. 0.1 for 10 %)."""

    date: dt.date
    account: str
    security: str
    new_security: str
    ratio: Decimal
    basis_allocation: Decimal


@dataclass(frozen=True, slots=True)
class Merger:
    """The target's shares become `ratio` acquirer shares and/or `cash_per_share` dollars.

    The cash part is a sale of its share of the basis. For a mixed deal that share comes
    from `basis_allocation` (the fraction of basis carried to the new stock, as published
    by the acquirer) or, failing that, from the relative values of the two parts at
    `new_security_price`.
    """

    date: dt.date
    account: str
    security: str
    new_security: str | None
    ratio: Decimal = ZERO
    cash_per_share: Decimal = ZERO
    basis_allocation: Decimal | None = None
    new_security_price: Decimal | None = None

    @property
    def stock_basis_fraction(self) -> Decimal | None:
        """The fraction of basis the stock part carries; None when it cannot be known."""
        if self.cash_per_share == 0:
            return Decimal(1)
        if self.ratio == 0:
            return ZERO
        if self.basis_allocation is not None:
            return self.basis_allocation
        if self.new_security_price is not None:
            stock_value = self.ratio * self.new_security_price
            return stock_value / (stock_value + self.cash_per_share)
        return None


@dataclass(frozen=True, slots=True)
class Rename:
    """A ticker or CUSIP change: the identity changes, nothing else."""

    date: dt.date
    account: str
    security: str
    new_security: str


CorporateAction = Split | SpinOff | Merger | Rename
Transaction = Buy | Sell | Split | SpinOff | Merger | Rename
