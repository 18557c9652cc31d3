"""Accounts, households and tax profiles: who owns what, and how it is taxed.

A household groups the accounts of one family; the wash-sale window spans all of them,
IRAs included. An account's *ancillary fields* (status, discretionary, approved for
trading, tier, advisor, branch, and the firm's own free-form fields) are what workflow
filters read to decide whether it trades automatically, goes to review or is suspended.

    >>> acct = Account("A-1", household="H-1", tax_status=TaxStatus.TAXABLE)
    >>> acct.is_taxable, acct.can_trade
    (True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from trimtab.domain.money import ZERO

__all__ = [
    "Account",
    "AccountStatus",
    "Advisor",
    "Branch",
    "Household",
    "TaxProfile",
    "TaxStatus",
]


class TaxStatus(StrEnum):
    TAXABLE = "taxable"
    TAX_DEFERRED = "tax_deferred"  # traditional IRA, 401(k)
    TAX_EXEMPT = "tax_exempt"  # Roth


class AccountStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    household: str
    tax_status: TaxStatus
    name: str = ""
    status: AccountStatus = AccountStatus.OPEN
    discretionary: bool = True
    approved_for_trading: bool = True
    tier: str | None = None
    advisor: str | None = None
    branch: str | None = None
    # Firm-defined fields ("paperwork": "incomplete"); read-only so the value stays frozen.
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The program (platform or product line) whose restrictions and settings apply, and
    # the asset allocation the account follows; None until assigned.
    program: str | None = None
    target: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.fields, MappingProxyType):
            object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    @property
    def is_taxable(self) -> bool:
        return self.tax_status is TaxStatus.TAXABLE

    @property
    def can_trade(self) -> bool:
        return self.status is AccountStatus.OPEN and self.approved_for_trading


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Advisor:
    id: str
    name: str
    branch: str | None = None


@dataclass(frozen=True, slots=True)
class Branch:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class TaxProfile:
    """How a household's gains are taxed this year (federal + state combined rates).

    `realized_ytd` is net realized gain so far this year (negative for a net loss);
    `loss_carryforward` is unused capital loss from prior years (a positive number).
    """

    household: str
    short_term_rate: Decimal
    long_term_rate: Decimal
    realized_short_ytd: Decimal = ZERO
    realized_long_ytd: Decimal = ZERO
    loss_carryforward: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("short_term_rate", "long_term_rate"):
            rate = getattr(self, name)
            if not ZERO <= rate < 1:
                raise ValueError(f"{name} must be in [0, 1), got {rate}")
        if self.loss_carryforward < 0:
            raise ValueError("loss_carryforward is a positive amount of unused loss")
