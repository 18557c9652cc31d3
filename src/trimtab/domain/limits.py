"""Customization limits: what a child of a target may change, and who a parent change hurts.

Problem: customization is a service, not a loophole. A client of the Conservative program
may drop Real Estate or prefer mutual funds, but must not swap a US Large Cap fund for
emerging-market debt, or tilt equity from 25% to 95%. And when the committee changes a
parent, some existing children may end up outside limits that they respected yesterday.

Rule: `CustomizationLimits` on a target bind every descendant (children of children too).
For each ancestor with limits, `check_limits` looks at the customizations made *below*
that ancestor and at the child's resolved weights:

- a product swap must stay in its class (every security of the new product is classified
  in that class or below it, or the model declares that class) and, when the parent lists
  allowed products for the class, be one of them;
- the total tilt of a class (the sum of tilts made below the limiting target) is within
  ± its max tilt;
- the resolved weight of each bounded branch ("EQUITY") is within its bounds.

Messages name the limit, the target that set it and the allowed range. `impact_of_change`
compares every customized target before and after a proposed change and lists those a
change would push outside their limits, before anything is saved.

    >>> from decimal import Decimal as D
    >>> from trimtab.domain.allocations import AssetAllocation
    >>> from trimtab.domain.securities import AssetClass, Security
    >>> from trimtab.domain.targets import Product, Target, Tilt
    >>> cat = Catalog(
    ...     asset_classes=AssetClassTree([AssetClass("LC", "Large"), AssetClass("B", "Bond")]),
    ...     securities={"VOO": Security("VOO"), "BND": Security("BND")},
    ...     allocations={"A": AssetAllocation("A", "A", {"LC": D("0.3"), "B": D("0.7")})},
    ...     targets={"P": Target("P", "P", allocation="A",
    ...                  products={"LC": Product.fund("VOO"), "B": Product.fund("BND")},
    ...                  limits=CustomizationLimits(default_max_tilt=D("0.05"))),
    ...              "C": Target("C", "C", parent="P", customizations=(Tilt("LC", D("0.08")),))})
    >>> print(check_limits("C", cat)[0].message)  # doctest: +NORMALIZE_WHITESPACE
    tilt of +8.00% on LC exceeds the limit set by P: max tilt ±5.00%
    (allowed LC weight 25.0%–35.0%)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trimtab.domain.allocations import AssetClassTree
from trimtab.domain.problems import Problem
from trimtab.domain.resolution import Catalog, ClassLayer, Resolver
from trimtab.domain.targets import CustomizationLimits, Product, ProductKind, ReplaceProduct

__all__ = ["ChildImpact", "check_limits", "impact_of_change", "product_classes"]

# Resolved weights are float; a limit met to within rounding noise is met.
SLACK = 1e-9


@dataclass(frozen=True, slots=True)
class ChildImpact:
    """A customized target that a proposed change would push outside its limits."""

    target: str
    problems: tuple[Problem, ...]


def product_classes(product: Product, catalog: Catalog) -> frozenset[str]:
    """The asset classes a product's securities are classified in (empty if unknown)."""
    if product.kind is ProductKind.CASH:
        return frozenset({"CASH"})
    if product.kind is ProductKind.FUND:
        security = catalog.securities.get(product.ref)
        classes = {security.asset_class} if security is not None else set()
    else:
        model = catalog.models.get(product.ref)
        if model is None:
            return frozenset()
        if model.asset_class is not None:
            return frozenset({model.asset_class})
        classes = {
            s.asset_class for t in model.weights if (s := catalog.securities.get(t)) is not None
        }
    return frozenset(c for c in classes if c is not None)


def check_limits(
    target_id: str, catalog: Catalog, resolver: Resolver | None = None
) -> list[Problem]:
    """Structural problems of the target, or else every limit it breaks (empty: fine)."""
    resolver = resolver or Resolver(catalog)
    layer, problems = resolver.layer(target_id)
    if layer is None:
        return problems
    resolved, problems = resolver.resolve(target_id)
    if resolved is None:
        return problems
    found: list[Problem] = []
    for depth, holder in enumerate(layer.chain[:-1]):
        limits = catalog.targets[holder].limits
        if limits is None:
            continue
        below = set(layer.chain[depth + 1 :])
        parent_layer, _ = resolver.layer(holder)
        found += _swap_problems(layer, holder, limits, below, catalog)
        if parent_layer is not None:
            found += _tilt_problems(layer, parent_layer, holder, limits, below)
        found += _bound_problems(resolved.class_weights, holder, limits, catalog, target_id)
    return found


def _swap_problems(
    layer: ClassLayer,
    holder: str,
    limits: CustomizationLimits,
    below: set[str],
    catalog: Catalog,
) -> list[Problem]:
    found: list[Problem] = []
    tree = catalog.asset_classes
    for tid, i, swap in layer.replacements:
        if tid not in below:
            continue
        path = f"targets.{tid}.customizations[{i}].product"
        allowed = limits.allowed_products.get(swap.asset_class)
        if allowed is not None and swap.product not in allowed:
            names = ", ".join(sorted(str(p) for p in allowed))
            found.append(
                Problem(
                    path,
                    f"{swap.product} is not an allowed product for {swap.asset_class} under "
                    f"the limit set by {holder}: allowed products are {names}",
                )
            )
            continue
        found += _class_mismatch(swap, path, holder, tree, catalog)
    return found


def _class_mismatch(
    swap: ReplaceProduct, path: str, holder: str, tree: AssetClassTree, catalog: Catalog
) -> list[Problem]:
    classes = product_classes(swap.product, catalog)
    outside = sorted(c for c in classes if not tree.is_within(c, swap.asset_class))
    if not outside:
        return []
    names = ", ".join(f"{tree.name(c)} ({c})" for c in outside)
    return [
        Problem(
            path,
            f"{swap.product} holds {names}; under the limit set by {holder} a "
            f"{tree.name(swap.asset_class)} ({swap.asset_class}) class may only be filled "
            f"with {swap.asset_class} products",
        )
    ]


def _tilt_problems(
    layer: ClassLayer,
    parent_layer: ClassLayer,
    holder: str,
    limits: CustomizationLimits,
    below: set[str],
) -> list[Problem]:
    totals: dict[str, float] = {}
    last: dict[str, str] = {}
    for tid, i, tilt in layer.tilts:
        if tid in below:
            totals[tilt.asset_class] = totals.get(tilt.asset_class, 0.0) + float(tilt.delta)
            last[tilt.asset_class] = f"targets.{tid}.customizations[{i}].delta"
    found: list[Problem] = []
    for cid in sorted(totals):
        cap = limits.tilt_limit(cid)
        if cap is None or abs(totals[cid]) <= float(cap) + SLACK:
            continue
        base = parent_layer.weights.get(cid, 0.0)
        low, high = max(0.0, base - float(cap)), min(1.0, base + float(cap))
        found.append(
            Problem(
                last[cid],
                f"tilt of {totals[cid]:+.2%} on {cid} exceeds the limit set by {holder}: "
                f"max tilt ±{float(cap):.2%} (allowed {cid} weight {low:.1%}–{high:.1%})",
            )
        )
    return found


def _bound_problems(
    weights: Mapping[str, float],
    holder: str,
    limits: CustomizationLimits,
    catalog: Catalog,
    target_id: str,
) -> list[Problem]:
    found: list[Problem] = []
    for branch in sorted(limits.class_bounds):
        bounds = limits.class_bounds[branch]
        total = catalog.asset_classes.total_under(weights, branch)
        if float(bounds.low) - SLACK <= total <= float(bounds.high) + SLACK:
            continue
        found.append(
            Problem(
                f"targets.{target_id}",
                f"{catalog.asset_classes.name(branch)} ({branch}) weight {total:.1%} is outside "
                f"the limit set by {holder}: allowed {bounds}",
            )
        )
    return found


def impact_of_change(current: Catalog, proposed: Catalog) -> list[ChildImpact]:
    """Customized targets that respect their limits today and would not after the change.

    A target that is already outside its limits is reported only for problems the change
    adds, so the report is about the change, not about old debts.
    """
    before, after = Resolver(current), Resolver(proposed)
    impacts: list[ChildImpact] = []
    for tid in sorted(proposed.targets):
        if proposed.targets[tid].is_root:
            continue
        was = set(check_limits(tid, current, before)) if tid in current.targets else set()
        now = [p for p in check_limits(tid, proposed, after) if p not in was]
        if now:
            impacts.append(ChildImpact(tid, tuple(now)))
    return impacts
