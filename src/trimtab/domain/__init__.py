"""The pure core: frozen value types and the rules of the field. No I/O, no frameworks.

See `docs.md` beside this file for the map of modules.
"""

from trimtab.domain.accounts import (
    Account,
    AccountStatus,
    Advisor,
    Branch,
    Household,
    TaxProfile,
    TaxStatus,
)
from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.firm import Firm, Program
from trimtab.domain.holdings import CashBalance, TaxLot, Term, is_long_term
from trimtab.domain.models import Model
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Kind, Level, Restriction, effective_restrictions
from trimtab.domain.securities import AssetClass, Price, Security, SecurityType
from trimtab.domain.trade_history import TradeRecord, TradeSide

__all__ = [
    "Account",
    "AccountStatus",
    "Advisor",
    "AssetAllocation",
    "AssetClass",
    "Branch",
    "CashBalance",
    "Firm",
    "Household",
    "Kind",
    "Level",
    "Model",
    "Price",
    "Problem",
    "Program",
    "Restriction",
    "Security",
    "SecurityType",
    "TaxLot",
    "TaxProfile",
    "TaxStatus",
    "Term",
    "TradeRecord",
    "TradeSide",
    "effective_restrictions",
    "is_long_term",
]
