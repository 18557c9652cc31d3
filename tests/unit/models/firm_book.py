"""A small firm's model book for the model-management tests.

Balanced allocation: 40% US Large, 10% US Mid, 10% International, 5% Real Estate,
30% US Bonds, 5% cash; the firm target BAL-ETF fills it with ETFs and limits what
children may change (US Large may become the S&P fund family, the direct index or
stay VOO; tilts of ±5%; equity between 45% and 75%).
"""

from __future__ import annotations

from decimal import Decimal as D

from trimtab.domain.allocations import AssetAllocation, AssetClassTree
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.models import Model
from trimtab.domain.resolution import Catalog
from trimtab.domain.securities import AssetClass, Security, SecurityType
from trimtab.domain.targets import (
    Bounds,
    Customization,
    CustomizationLimits,
    Product,
    Target,
)

CLASSES = AssetClassTree(
    [
        AssetClass("EQUITY", "Equity"),
        AssetClass("US_LARGE", "US Large Cap", "EQUITY"),
        AssetClass("US_MID", "US Mid Cap", "EQUITY"),
        AssetClass("INTL", "International Developed", "EQUITY"),
        AssetClass("REAL_ESTATE", "Real Estate", "EQUITY"),
        AssetClass("FIXED_INCOME", "Fixed Income"),
        AssetClass("US_BOND", "US Aggregate Bond", "FIXED_INCOME"),
        AssetClass("EM_DEBT", "Emerging Market Debt", "FIXED_INCOME"),
        AssetClass("CASH", "Cash"),
    ]
)


def _etf(ticker: str, cls: str, wash: str | None = None) -> Security:
    return Security(ticker, type=SecurityType.ETF, asset_class=cls, wash_group=wash)


SECURITIES = {
    s.ticker: s
    for s in [
        _etf("VOO", "US_LARGE", "SP500-A"),
        _etf("IVV", "US_LARGE", "SP500-B"),
        _etf("SPLG", "US_LARGE", "SP500-C"),
        Security("VLCAX", type=SecurityType.MUTUAL_FUND, asset_class="US_LARGE"),
        _etf("VO", "US_MID"),
        _etf("IJH", "US_MID"),
        _etf("VEA", "INTL"),
        _etf("VNQ", "REAL_ESTATE"),
        _etf("BND", "US_BOND"),
        _etf("EMB", "EM_DEBT"),
        Security("AAPL", asset_class="US_LARGE", sector="Information Technology"),
        Security("MSFT", asset_class="US_LARGE", sector="Information Technology"),
        Security("XOM", asset_class="US_LARGE", sector="Energy"),
        Security("CVX", asset_class="US_LARGE", sector="Energy"),
        Security("MO", asset_class="US_LARGE", sector="Tobacco"),
    ]
}

BALANCED = AssetAllocation(
    "BAL",
    "Balanced",
    {
        "US_LARGE": D("0.40"),
        "US_MID": D("0.10"),
        "INTL": D("0.10"),
        "REAL_ESTATE": D("0.05"),
        "US_BOND": D("0.30"),
        "CASH": D("0.05"),
    },
)

DIRECT_INDEX = Model(
    "DI-LC",
    "US Large Cap direct index",
    {"AAPL": D("0.30"), "MSFT": D("0.30"), "XOM": D("0.15"), "CVX": D("0.10"), "MO": D("0.15")},
    asset_class="US_LARGE",
)
EMD_MODEL = Model("EMD", "EM debt sleeve", {"EMB": D(1)}, asset_class="EM_DEBT", provider="PIM")

SP500 = EquivalenceSet("SP500", "S&P 500 index products", "VOO", ("IVV", "SPLG"))

LIMITS = CustomizationLimits(
    allowed_products={
        "US_LARGE": frozenset(
            {Product.fund("VOO"), Product.fund("VLCAX"), Product.direct_index("DI-LC")}
        )
    },
    default_max_tilt=D("0.05"),
    class_bounds={"EQUITY": Bounds(D("0.45"), D("0.75"))},
)

FIRM_TARGET = Target(
    "BAL-ETF",
    "Balanced, ETFs",
    allocation="BAL",
    products={
        "US_LARGE": Product.fund("VOO"),
        "US_MID": Product.fund("VO"),
        "INTL": Product.fund("VEA"),
        "REAL_ESTATE": Product.fund("VNQ"),
        "US_BOND": Product.fund("BND"),
        "CASH": Product.cash(),
    },
    limits=LIMITS,
)


def firm_book(*children: Target) -> Catalog:
    """The firm's catalog with the given customized targets added."""
    return Catalog(
        asset_classes=CLASSES,
        securities=SECURITIES,
        allocations={"BAL": BALANCED},
        models={"DI-LC": DIRECT_INDEX, "EMD": EMD_MODEL},
        equivalence_sets={"SP500": SP500},
        targets={FIRM_TARGET.id: FIRM_TARGET, **{c.id: c for c in children}},
    )


def child(tid: str, *customizations: Customization, parent: str = "BAL-ETF") -> Target:
    return Target(tid, tid, parent=parent, customizations=customizations)
