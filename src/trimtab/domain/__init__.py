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
from trimtab.domain.holdings import CashBalance, TaxLot, Term, is_long_term
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Kind, Level, Restriction, effective_restrictions
from trimtab.domain.securities import AssetClass, Price, Security, SecurityType

__all__ = [
    "Account",
    "AccountStatus",
    "Advisor",
    "AssetClass",
    "Branch",
    "CashBalance",
    "Household",
    "Kind",
    "Level",
    "Price",
    "Problem",
    "Restriction",
    "Security",
    "SecurityType",
    "TaxLot",
    "TaxProfile",
    "TaxStatus",
    "Term",
    "effective_restrictions",
    "is_long_term",
]
