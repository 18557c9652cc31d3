"""A small firm for the feed tests: three accounts, a few securities, a model book.

Accounts NB-1001 and NB-1002 (household H1) are at Northbank, AB-2001 (H2) at
Alpenbank. Model CORE is 60% XYZ / 40% BND; equivalence set SP500 is VOO then IVV;
providers PIM and ALPINE publish models.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from trimtab.bootstrap import Database
from trimtab.domain import Account, AssetClass, Firm, Household, Security, SecurityType, TaxStatus
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.model_hub import ModelProvider
from trimtab.domain.models import Model
from trimtab.domain.principal import Principal
from trimtab.services.model_book import record_definitions
from trimtab.services.model_hub import add_provider

NOW = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC)
IPC, DM = Principal.cli("ipc"), Principal.cli("dm")
ACCOUNTS = ("NB-1001", "NB-1002", "AB-2001")
CORE = Model("CORE", "Core", {"XYZ": D("0.6"), "BND": D("0.4")})
SP500 = EquivalenceSet("SP500", "S&P 500 funds", "VOO", ("IVV",))


def build_firm(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.organization.add_firm(Firm("FIRM", "Feeds Wealth"))
        for c in (
            AssetClass("US_LARGE", "US Large Cap"),
            AssetClass("US_BOND", "US Aggregate Bond"),
        ):
            uow.asset_classes.add(c)
        uow.commit()
    with db.unit_of_work() as uow:
        for s in (
            Security("XYZ", cusip="98412X101", asset_class="US_LARGE", sector="Industrials"),
            Security("ABC", asset_class="US_LARGE", sector="Health Care"),
            Security("BND", type=SecurityType.ETF, asset_class="US_BOND"),
            Security("VOO", type=SecurityType.ETF, asset_class="US_LARGE"),
            Security("IVV", type=SecurityType.ETF, asset_class="US_LARGE"),
        ):
            uow.securities.add(s)
        uow.households.add(Household("H1"))
        uow.households.add(Household("H2"))
        uow.commit()
    with db.unit_of_work() as uow:
        for account, household in zip(ACCOUNTS, ("H1", "H1", "H2"), strict=True):
            uow.accounts.add(Account(account, household, TaxStatus.TAXABLE))
        uow.commit()
    result = record_definitions(
        db.unit_of_work, [CORE, SP500], principal=IPC, reason="setup", now=NOW
    )
    assert result.saved, result.problems
    for provider in ("PIM", "ALPINE"):
        add_provider(db.unit_of_work, ModelProvider(provider, provider, D(10)), principal=DM)
