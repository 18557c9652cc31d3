"""The demo firm's model book: firm targets, product lines, sets, providers, customizations.

Problem: the demo firm (`demo_firm`) loads five asset allocations and the products that
could fill them, but no targets: nothing says which account follows what, nor shows
inheritance, limits, equivalence sets or the hub at work.

Rule: `seed_model_book` runs after the demo load, in one transaction, deterministic for
a seed:
- one equivalence set per fund line: the Trimtab ETF preferred, then the Keel ETF, the
  institutional and the investor shares of the index fund (holding any counts);
- per allocation, a firm target `<ALLOCATION>-ETF` (each class filled with its Trimtab
  ETF, cash as cash) with limits (same-class products only, tilts ±5%, equity within
  ±10 points of the allocation's), and two product-line children that store only their
  swap: `-MF` (index funds) and `-DI` (US Large Cap direct index);
- two model providers with a model each (a core-bond sleeve and an international
  sleeve), subscribed from 90 days before the as-of date;
- every account follows its allocation's line for its program (ESG follows the ETF
  line; its screens are program restrictions); about 30% get their own customized child
  (drop a class, a tilt, a provider sleeve, a sector exclusion), each checked against
  its parent's limits before it is recorded.

The seeding is one write with one audit entry (`demo.seed_model_book`): its targets are
the product-line targets recorded (`target:<id>`), not the accounts assigned — like the
demo load it creates the firm's book rather than changing an account's, and naming every
account would make one entry as large as the firm; the summary keeps the counts.

    >>> # seed_model_book(db.unit_of_work, as_of=today, principal=ops, now=now, seed=7)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.limits import check_limits
from trimtab.domain.model_hub import ModelProvider, Subscription
from trimtab.domain.models import Model
from trimtab.domain.principal import Principal
from trimtab.domain.resolution import Resolver
from trimtab.domain.targets import (
    Bounds,
    Customization,
    CustomizationLimits,
    DropClass,
    ExcludeSector,
    Product,
    ReplaceProduct,
    Target,
    Tilt,
)
from trimtab.domain.versions import Version
from trimtab.services.audit import record, write_service
from trimtab.services.demo_universe import ALLOCATIONS, FUNDS
from trimtab.services.model_book import load_catalog
from trimtab.services.model_ports import Definition, ModelUnitOfWork

__all__ = ["ModelBookSummary", "seed_model_book"]

DIRECT_INDEX_MODEL = "US_LARGE_DIRECT"  # loaded by the demo firm
PROVIDERS = (
    ModelProvider("PIM", "Pacific Income Managers", Decimal("20")),
    ModelProvider("KEEL", "Keel Global Advisors", Decimal("15")),
)
PROVIDER_MODELS = (
    Model(
        "PIM-CORE-BOND",
        "PIM Core Bond Sleeve",
        {"TTAG": Decimal("0.6"), "KAG": Decimal("0.25"), "TTTP": Decimal("0.15")},
        asset_class="US_AGG",
        provider="PIM",
    ),
    Model(
        "KEEL-INTL",
        "Keel International Sleeve",
        {"KID": Decimal("0.8"), "TTID": Decimal("0.2")},
        asset_class="INTL_DEV",
        provider="KEEL",
    ),
)
LINE_OF_PROGRAM = {"ETF": "ETF", "ESG": "ETF", "MUTUAL_FUND": "MF", "DIRECT_INDEX": "DI"}
EQUITY_CLASSES = ("US_LARGE", "US_MID", "US_SMALL", "INTL_DEV", "EM")
CUSTOMIZED_SHARE = 0.30


@dataclass(frozen=True)
class ModelBookSummary:
    firm_targets: int
    product_lines: int
    customized: int
    accounts_assigned: int
    equivalence_sets: int
    provider_models: int


def equivalence_sets() -> list[EquivalenceSet]:
    return [
        EquivalenceSet(
            f"EQ-{line.code}",
            f"{line.label} index products",
            line.etf,
            (line.keel, line.institutional, line.investor),
        )
        for line in FUNDS
    ]


def firm_targets() -> list[Target]:
    etf = {line.asset_class: line.etf for line in FUNDS}
    targets: list[Target] = []
    for a in ALLOCATIONS:
        equity = sum((w for c, w in a.weights.items() if c in EQUITY_CLASSES), Decimal(0))
        allowed = {
            line.asset_class: frozenset(
                Product.fund(t) for t in (line.etf, line.keel, line.institutional, line.investor)
            )
            | (
                {Product.direct_index(DIRECT_INDEX_MODEL)}
                if line.asset_class == "US_LARGE"
                else frozenset()
            )
            | {Product.model(m.id) for m in PROVIDER_MODELS if m.asset_class == line.asset_class}
            for line in FUNDS
        }
        limits = CustomizationLimits(
            allowed_products=allowed,
            default_max_tilt=Decimal("0.05"),
            class_bounds={
                "EQUITY": Bounds(max(Decimal(0), equity - Decimal("0.1")), equity + Decimal("0.1"))
            },
        )
        products = {c: Product.cash() if c == "CASH" else Product.fund(etf[c]) for c in a.weights}
        root = Target(f"{a.id}-ETF", f"{a.name} (ETFs)", a.id, products, limits=limits)
        mf = Target(
            f"{a.id}-MF",
            f"{a.name} (index funds)",
            parent=root.id,
            customizations=tuple(
                ReplaceProduct(line.asset_class, Product.fund(line.institutional))
                for line in FUNDS
                if line.asset_class in a.weights
            ),
        )
        di = Target(
            f"{a.id}-DI",
            f"{a.name} (direct index)",
            parent=root.id,
            customizations=(ReplaceProduct("US_LARGE", Product.direct_index(DIRECT_INDEX_MODEL)),),
        )
        targets += [root, mf, di]
    return targets


def _menu(
    rng: random.Random, parent: Target, allocation: dict[str, Decimal]
) -> list[Customization]:
    """One or two plausible client requests."""
    options: list[Customization] = [
        Tilt("US_MID", Decimal("0.02"), "US_LARGE"),
        Tilt("US_AGG", Decimal("-0.03")),
        ReplaceProduct("US_AGG", Product.model("PIM-CORE-BOND")),
        ReplaceProduct("INTL_DEV", Product.model("KEEL-INTL")),
    ]
    if "MUNI" in allocation:
        options.append(DropClass("MUNI"))
    if "EM" in allocation:
        options.append(DropClass("EM"))
    if parent.id.endswith("-DI"):
        options += [ExcludeSector("Energy"), ExcludeSector("Tobacco")]
    return rng.sample(options, k=rng.choice((1, 1, 2)))


@write_service("demo.seed_model_book")
def seed_model_book(
    new_uow: Callable[[], ModelUnitOfWork],
    *,
    as_of: dt.date,
    principal: Principal,
    now: dt.datetime,
    seed: int = 7,
) -> ModelBookSummary:
    rng = random.Random(seed)
    allocation_of = {a.id: dict(a.weights) for a in ALLOCATIONS}
    start = as_of - dt.timedelta(days=365)

    def version(value: Definition, reason: str) -> Version[Definition]:
        return Version(1, value, principal.recorded_as, now, reason, start)

    with new_uow() as uow:
        known = {s.ticker for s in uow.securities.list()}
        # The demo loader wrote the allocations and models as current rows; give each a
        # first version so resolution (which reads versions) sees them.
        for a in ALLOCATIONS:
            uow.model_book.record(version(a, "demo firm: initial allocation"))
        sets = [s for s in equivalence_sets() if set(s.members) <= known]
        for s in sets:
            uow.model_book.record(version(s, "demo firm: equivalence set"))
        for provider in PROVIDERS:
            uow.model_book.add_provider(provider)
        for m in PROVIDER_MODELS:
            uow.model_book.record(version(m, f"demo firm: {m.provider} upload"))
            uow.model_book.subscribe(
                Subscription(m.provider or "", m.id, as_of - dt.timedelta(days=90))
            )
        loaded = uow.targets.model(DIRECT_INDEX_MODEL)
        if loaded is not None:
            # Declaring the class it fills lets limits compare it with US Large Cap funds.
            direct_index = Model(loaded.id, loaded.name, loaded.weights, asset_class="US_LARGE")
            uow.model_book.record(version(direct_index, "demo firm: direct index"))
        lines = firm_targets()
        for t in lines:
            uow.model_book.record(version(t, "demo firm: firm target"))
        catalog = load_catalog(uow, as_of)
        accounts = _accounts_by_line(uow)
        customized = 0
        for account_id, (allocation, line) in sorted(accounts.items()):
            parent_id = f"{allocation}-{line}"
            target_id = parent_id
            if rng.random() < CUSTOMIZED_SHARE:
                child = Target(
                    f"C-{account_id}",
                    f"{account_id} customized",
                    parent=parent_id,
                    customizations=tuple(
                        _menu(rng, catalog.targets[parent_id], allocation_of[allocation])
                    ),
                )
                trial = catalog.with_target(child)
                if not check_limits(child.id, trial, Resolver(trial)):
                    uow.model_book.record(version(child, "demo firm: client customization"))
                    target_id = child.id
                    customized += 1
            uow.model_book.assign(account_id, target_id)
        summary = ModelBookSummary(
            firm_targets=len(ALLOCATIONS),
            product_lines=len(lines),
            customized=customized,
            accounts_assigned=len(accounts),
            equivalence_sets=len(sets),
            provider_models=len(PROVIDER_MODELS),
        )
        record(
            uow,
            principal,
            "demo.seed_model_book",
            targets=[f"target:{t.id}" for t in lines],
            reason="demo firm: the model book",
            summary={**asdict(summary), "as_of": as_of, "seed": seed},
            at=now,
        )
        uow.commit()
    return summary


def _accounts_by_line(uow: ModelUnitOfWork) -> dict[str, tuple[str, str]]:
    """Account → (allocation, product line), for the open and suspended demo accounts."""
    found: dict[str, tuple[str, str]] = {}
    for account, (allocation, program) in uow.model_book.account_allocations().items():
        if allocation is not None:
            found[account] = (allocation, LINE_OF_PROGRAM.get(program or "ETF", "ETF"))
    return found
