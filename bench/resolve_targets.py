"""Benchmark: resolve 100,000 accounts whose targets share 20 parents.

Workload (deterministic, seed 7): the demo firm's 5 allocations × 4 product lines
(ETF, index funds, direct index of 300 stocks, provider sleeves) = 20 parent targets;
each account follows its own child target, 30% of them with 1–2 customizations (drop,
tilt, product swap, sector exclusion) and the rest with none; 5% of accounts have a
no-buy restriction on a preferred fund. Resolution is what the nightly run does per
account: `Resolver.resolve(child, no_buy=...)`, lineage included.

    .venv/bin/python -m bench.resolve_targets [--accounts N]

Prints a markdown row for bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from decimal import Decimal

from trimtab.domain.allocations import AssetClassTree
from trimtab.domain.models import Model
from trimtab.domain.resolution import Catalog, Resolver
from trimtab.domain.securities import Security
from trimtab.domain.targets import (
    DropClass,
    ExcludeSector,
    Product,
    ReplaceProduct,
    Target,
    Tilt,
)
from trimtab.services.demo_models import (
    DIRECT_INDEX_MODEL,
    PROVIDER_MODELS,
    equivalence_sets,
    firm_targets,
)
from trimtab.services.demo_universe import ALLOCATIONS, ASSET_CLASSES, fund_securities

SECTORS = ("Energy", "Tobacco", "Financials", "Utilities", "Information Technology")


def catalog(rng: random.Random, accounts: int) -> tuple[Catalog, list[tuple[str, frozenset[str]]]]:
    stocks = [
        Security(f"S{i:03d}", asset_class="US_LARGE", sector=SECTORS[i % len(SECTORS)])
        for i in range(300)
    ]
    securities = {s.ticker: s for s in [*fund_securities(), *stocks]}
    raw = [rng.paretovariate(1.5) for _ in stocks]
    weights = {s.ticker: Decimal(repr(w / sum(raw))) for s, w in zip(stocks, raw, strict=True)}
    direct = Model(DIRECT_INDEX_MODEL, "direct index", weights, asset_class="US_LARGE")
    parents = firm_targets()
    # The fourth product line: provider sleeves for bonds and international.
    parents += [
        Target(
            f"{a.id}-UMA",
            f"{a.name} (UMA)",
            parent=f"{a.id}-ETF",
            customizations=(
                ReplaceProduct("US_AGG", Product.model("PIM-CORE-BOND")),
                ReplaceProduct("INTL_DEV", Product.model("KEEL-INTL")),
            ),
        )
        for a in ALLOCATIONS
    ]
    menu = [
        DropClass("EM"),
        Tilt("US_MID", Decimal("0.02"), "US_LARGE"),
        Tilt("US_AGG", Decimal("-0.03")),
        ExcludeSector("Energy"),
        ExcludeSector("Tobacco"),
        ReplaceProduct("INTL_DEV", Product.model("KEEL-INTL")),
    ]
    children: list[Target] = []
    work: list[tuple[str, frozenset[str]]] = []
    for n in range(accounts):
        parent = parents[n % len(parents)]
        custom = tuple(rng.sample(menu, rng.choice((1, 2)))) if rng.random() < 0.3 else ()
        child = Target(f"A{n:06d}", "", parent=parent.id, customizations=custom)
        children.append(child)
        blocked = frozenset({"TTLC"}) if rng.random() < 0.05 else frozenset()
        work.append((child.id, blocked))
    book = Catalog(
        asset_classes=AssetClassTree(ASSET_CLASSES),
        securities=securities,
        allocations={a.id: a for a in ALLOCATIONS},
        models={direct.id: direct, **{m.id: m for m in PROVIDER_MODELS}},
        equivalence_sets={s.id: s for s in equivalence_sets()},
        targets={t.id: t for t in [*parents, *children]},
    )
    return book, work


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    book, work = catalog(random.Random(7), args.accounts)
    parents = len({book.targets[t].parent for t, _ in work})
    started = time.perf_counter()
    resolver = Resolver(book)
    groups = failures = 0
    for target_id, blocked in work:
        resolved, _ = resolver.resolve(target_id, no_buy=blocked)
        if resolved is None:
            failures += 1
        else:
            groups += len(resolved.groups)
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        "| resolve_targets | "
        f"{args.accounts:,} accounts, {parents} parents, 30% customized | "
        f"{seconds:.1f} s | {args.accounts / seconds:,.0f} accounts/s | "
        f"{groups / args.accounts:.0f} groups/account, {failures} unresolvable | "
        f"peak RSS {rss_mb:,.0f} MB |"
    )


if __name__ == "__main__":
    main()
