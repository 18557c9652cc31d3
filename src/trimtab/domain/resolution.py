"""Target resolution: allocation × products × customizations → the engine's target groups.

Problem: the engine wants, per account, a flat list of target groups (members, the member
to buy, a target weight); people want to know *why* each weight is what it is. Between
the two sit a parent chain of targets, each with its own differences, product choices,
models, equivalence sets and today's restrictions.

Rule, in order (all weights are fractions of the account, computed in float64 because
they leave the domain for the engine; the stored definitions stay Decimal):

1. Walk the parent links to the firm target (unknown parents and cycles are problems).
2. The firm target's allocation gives class weights; its product choices fill them.
3. Each level's customizations apply in their stored order (see `targets`): drop and
   rescale, replace a product, tilt, and collect exclusions and legacy keeps. Because a
   child stores only differences, a new parent version reaches the child at its next
   resolution with the child's differences applied on top.
4. Each class expands into securities through its product (a fund is 100% one security;
   a model or direct index spreads by its weights). Excluded securities and sectors are
   removed and their weight redistributed inside the product; a class left empty gives
   its weight to the other classes pro rata. A security that still has a non-excluded
   equivalent keeps its weight in its equivalence set instead.
5. Legacy keeps take their weight; everything else shrinks pro rata to make room.
6. Securities map to groups: an equivalence set's group (all its members) or the
   security alone. When a target fills a class with one fund of a set, that fund leads
   the set's order (a mutual-fund product line buys its fund, not the set's ETF). The
   buy member is the first of preferred, alternates not restricted
   (no-buy), wash-blocked or excluded; a group made only of a kept legacy holding buys
   nothing. Cash classes become the target cash weight, not a group (engine contract).

Every weight carries its lineage: `Contribution`s (security, class, weight) each with the
`Step`s (which target, which customization, which rule) that produced it; a group's
contributions sum to its target. Resolution is deterministic: classes, securities and
groups are visited in sorted order.

    >>> from decimal import Decimal as D
    >>> from trimtab.domain.securities import AssetClass
    >>> from trimtab.domain.targets import DropClass, Product, Target
    >>> cat = Catalog(
    ...     asset_classes=AssetClassTree([AssetClass("US", "US"), AssetClass("RE", "REIT"),
    ...                                   AssetClass("CASH", "Cash")]),
    ...     securities={t: Security(t) for t in ("VTI", "VNQ")},
    ...     allocations={"G": AssetAllocation("G", "Growth",
    ...                  {"US": D("0.7"), "RE": D("0.2"), "CASH": D("0.1")})},
    ...     targets={"G": Target("G", "Growth", allocation="G", products={
    ...                  "US": Product.fund("VTI"), "RE": Product.fund("VNQ"),
    ...                  "CASH": Product.cash()}),
    ...              "C": Target("C", "no REIT", parent="G",
    ...                          customizations=(DropClass("RE"),))})
    >>> r, problems = resolve("C", cat)
    >>> [(g.id, round(g.target, 4)) for g in r.groups], round(r.cash, 4)
    ([('VTI', 0.875)], 0.125)
    >>> [s.rule.value for s in r.groups[0].contributions[0].steps]
    ['allocation', 'drop_rescale', 'product']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from trimtab.domain.allocations import AssetAllocation, AssetClassTree, frozen_mapping
from trimtab.domain.equivalence import EquivalenceSet, index_members
from trimtab.domain.models import Model
from trimtab.domain.problems import Problem
from trimtab.domain.securities import Security
from trimtab.domain.targets import (
    DropClass,
    ExcludeSector,
    ExcludeSecurity,
    KeepLegacy,
    Product,
    ProductKind,
    ReplaceProduct,
    Target,
    Tilt,
)
from trimtab.domain.versions import Version, in_force

__all__ = [
    "Catalog",
    "ClassLayer",
    "Contribution",
    "ResolvedGroup",
    "ResolvedTarget",
    "Resolver",
    "Rule",
    "Step",
    "catalog_as_of",
    "resolve",
]

# Below this a weight is rounding noise, not a position worth a group.
NEGLIGIBLE = 1e-12


class Rule(StrEnum):
    """Why a weight changed; each `Step` of a lineage names one of these."""

    ALLOCATION = "allocation"  # the class weight in the firm target's allocation
    DROP_RESCALE = "drop_rescale"  # scaled up to fill a dropped class
    TILT = "tilt"  # the tilted class itself
    TILT_FUNDING = "tilt_funding"  # reduced to pay for a tilt elsewhere
    PRODUCT = "product"  # the firm target's product for the class
    REPLACE_PRODUCT = "replace_product"  # a customization's product for the class
    MODEL_WEIGHT = "model_weight"  # the security's share of its model
    EXCLUDE_REDISTRIBUTE = "exclude_redistribute"  # scaled up after exclusions in a product
    EMPTY_CLASS_RESCALE = "empty_class_rescale"  # scaled up: another class lost everything
    KEEP_CARVE_OUT = "keep_carve_out"  # scaled down to make room for a legacy holding
    KEEP_LEGACY = "keep_legacy"  # the legacy holding's own weight


@dataclass(frozen=True, slots=True)
class Step:
    target: str  # the target whose definition or customization applied
    rule: Rule
    detail: str
    customization: int | None = None  # index into that target's customizations

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "rule": self.rule.value,
            "customization": self.customization,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Contribution:
    """One security's share of a group target, with the steps that produced it."""

    security: str
    asset_class: str
    weight: float
    steps: tuple[Step, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "security": self.security,
            "asset_class": self.asset_class,
            "weight": self.weight,
            "steps": [s.as_dict() for s in self.steps],
        }


@dataclass(frozen=True, slots=True)
class ResolvedGroup:
    id: str
    members: tuple[str, ...]
    buy: str | None
    target: float
    contributions: tuple[Contribution, ...]
    buy_note: str = ""
    band: float | None = None  # None: the calibrated default band

    def as_engine_group(self) -> dict[str, object]:
        """The group in the rebalance-case contract's shape."""
        group: dict[str, object] = {
            "id": self.id,
            "members": list(self.members),
            "buy": self.buy,
            "target": self.target,
        }
        if self.band is not None:
            group["band"] = self.band
        return group


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    target: str
    groups: tuple[ResolvedGroup, ...]
    cash: float
    cash_contributions: tuple[Contribution, ...]
    class_weights: Mapping[str, float]
    product_weights: Mapping[Product, float]  # what the hub's fees are computed from
    keep: frozenset[str]  # legacy holdings: never sell
    excluded: frozenset[str]  # never buy; a held one is sold toward target 0
    versions: tuple[str, ...]  # "kind:id@number" of every definition used

    def total(self) -> float:
        return self.cash + sum(g.target for g in self.groups)

    def engine_groups(self) -> list[dict[str, object]]:
        return [g.as_engine_group() for g in self.groups]


@dataclass(frozen=True, slots=True, eq=False)
class Catalog:
    """Every definition in force on one day: what resolution reads, and nothing else.

    `versions` maps "kind:id" ("allocation:BAL") to the version number in force, so a
    resolved target can record exactly what it used.
    """

    asset_classes: AssetClassTree
    securities: Mapping[str, Security] = field(default_factory=lambda: MappingProxyType({}))
    allocations: Mapping[str, AssetAllocation] = field(default_factory=lambda: MappingProxyType({}))
    models: Mapping[str, Model] = field(default_factory=lambda: MappingProxyType({}))
    equivalence_sets: Mapping[str, EquivalenceSet] = field(
        default_factory=lambda: MappingProxyType({})
    )
    targets: Mapping[str, Target] = field(default_factory=lambda: MappingProxyType({}))
    versions: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in (
            "securities",
            "allocations",
            "models",
            "equivalence_sets",
            "targets",
            "versions",
        ):
            object.__setattr__(self, name, frozen_mapping(getattr(self, name)))

    def with_target(self, target: Target) -> Catalog:
        return replace(self, targets={**self.targets, target.id: target})

    def with_allocation(self, allocation: AssetAllocation) -> Catalog:
        return replace(self, allocations={**self.allocations, allocation.id: allocation})

    def with_model(self, model: Model) -> Catalog:
        return replace(self, models={**self.models, model.id: model})

    def children_of(self, target_id: str) -> list[str]:
        return sorted(t.id for t in self.targets.values() if t.parent == target_id)

    def descendants_of(self, target_id: str) -> list[str]:
        found: list[str] = []
        frontier = [target_id]
        while frontier:
            kids = [k for k in self.children_of(frontier.pop()) if k not in found]
            found += kids
            frontier += kids
        return sorted(found)


V = TypeVar("V")


def catalog_as_of(
    as_of: dt.date,
    *,
    asset_classes: AssetClassTree,
    securities: Mapping[str, Security],
    allocations: Mapping[str, Sequence[Version[AssetAllocation]]],
    models: Mapping[str, Sequence[Version[Model]]],
    equivalence_sets: Mapping[str, Sequence[Version[EquivalenceSet]]],
    targets: Mapping[str, Sequence[Version[Target]]],
) -> Catalog:
    """The catalog of every definition in force on `as_of` (see `versions.in_force`)."""
    numbers: dict[str, int] = {}

    def pick(kind: str, histories: Mapping[str, Sequence[Version[V]]]) -> dict[str, V]:
        chosen: dict[str, V] = {}
        for key, history in histories.items():
            v = in_force(history, as_of)
            if v is not None:
                chosen[key] = v.value
                numbers[f"{kind}:{key}"] = v.number
        return chosen

    return Catalog(
        asset_classes=asset_classes,
        securities=securities,
        allocations=pick("allocation", allocations),
        models=pick("model", models),
        equivalence_sets=pick("equivalence_set", equivalence_sets),
        targets=pick("target", targets),
        versions=numbers,
    )


@dataclass(frozen=True, slots=True)
class ClassLayer:
    """A target resolved down to asset classes, before products expand into securities."""

    chain: tuple[str, ...]  # firm target first, this target last
    allocation: str
    weights: Mapping[str, float]
    steps: Mapping[str, tuple[Step, ...]]
    products: Mapping[str, Product]
    product_steps: Mapping[str, Step]
    excluded_securities: Mapping[str, Step]
    excluded_sectors: Mapping[str, Step]
    keeps: tuple[tuple[KeepLegacy, Step], ...]
    # (target, customization index, customization) of every tilt and product swap made,
    # so limits can be checked against the levels below the target that set them.
    tilts: tuple[tuple[str, int, Tilt], ...]
    replacements: tuple[tuple[str, int, ReplaceProduct], ...]


@dataclass(frozen=True, slots=True)
class _Expansion:
    """A target's groups before today's buy restrictions are applied."""

    groups: tuple[ResolvedGroup, ...]
    cash: float
    cash_contributions: tuple[Contribution, ...]
    class_weights: Mapping[str, float]
    product_weights: Mapping[Product, float]
    keep: frozenset[str]
    excluded: frozenset[str]
    versions: tuple[str, ...]


class Resolver:
    """Resolves targets of one catalog, remembering parents shared by many children.

    Resolving 100,000 accounts that share 20 firm targets computes each firm target's
    class layer once; per account only its own differences and today's blocks are new.
    """

    __slots__ = ("_catalog", "_expansions", "_layers", "_members", "_model_shares", "_parents")

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._layers: dict[str, tuple[ClassLayer | None, tuple[Problem, ...]]] = {}
        self._expansions: dict[str, tuple[_Expansion | None, tuple[Problem, ...]]] = {}
        self._model_shares: dict[str, tuple[tuple[str, float], ...]] = {}
        self._parents = frozenset(t.parent for t in catalog.targets.values() if t.parent)
        self._members = index_members(
            catalog.equivalence_sets[k] for k in sorted(catalog.equivalence_sets)
        )

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    # -- public ------------------------------------------------------------------------

    def resolve(
        self,
        target_id: str,
        *,
        no_buy: Collection[str] = frozenset(),
        wash_blocked: Collection[str] = frozenset(),
    ) -> tuple[ResolvedTarget | None, list[Problem]]:
        expansion, problems = self._expand(target_id)
        if expansion is None:
            return None, list(problems)
        groups = tuple(
            self._with_buy(g, no_buy, wash_blocked, expansion.excluded) for g in expansion.groups
        )
        return (
            ResolvedTarget(
                target=target_id,
                groups=groups,
                cash=expansion.cash,
                cash_contributions=expansion.cash_contributions,
                class_weights=expansion.class_weights,
                product_weights=expansion.product_weights,
                keep=expansion.keep,
                excluded=expansion.excluded,
                versions=expansion.versions,
            ),
            list(problems),
        )

    def layer(self, target_id: str) -> tuple[ClassLayer | None, list[Problem]]:
        chain, problems = self._chain(target_id)
        if problems:
            return None, problems
        for tid in chain:  # firm target first, so each parent is memoized before its child
            self._layer_of(tid)
        found, layer_problems = self._layers[target_id]
        return found, list(layer_problems)

    # -- chain and layers --------------------------------------------------------------

    def _chain(self, target_id: str) -> tuple[list[str], list[Problem]]:
        targets = self._catalog.targets
        chain: list[str] = []
        node: str | None = target_id
        while node is not None:
            if node in chain:
                loop = " → ".join([*chain[chain.index(node) :], node])
                return [], [
                    Problem(f"targets.{node}.parent", f"the parent links form a cycle: {loop}")
                ]
            target = targets.get(node)
            if target is None:
                where = f"targets.{chain[-1]}.parent" if chain else "target"
                return [], [Problem(where, f"unknown target {node}")]
            chain.append(node)
            node = target.parent
        chain.reverse()
        return chain, []

    def _layer_of(self, tid: str) -> None:
        if tid in self._layers:
            return
        target = self._catalog.targets[tid]
        if target.parent is None:
            self._layers[tid] = self._root_layer(target)
            return
        parent, parent_problems = self._layers[target.parent]
        if parent is None:
            self._layers[tid] = (None, parent_problems)
            return
        self._layers[tid] = self._customize(parent, target)

    def _root_layer(self, target: Target) -> tuple[ClassLayer | None, tuple[Problem, ...]]:
        cat = self._catalog
        tid = target.id
        problems: list[Problem] = []
        if target.customizations:
            problems.append(
                Problem(f"targets.{tid}.customizations", "a firm target has no parent to customize")
            )
        allocation = cat.allocations.get(target.allocation or "")
        if allocation is None:
            problems.append(
                Problem(f"targets.{tid}.allocation", f"unknown allocation {target.allocation}")
            )
            return None, tuple(problems)
        for cid in sorted(target.products):
            if cid not in cat.asset_classes:
                problems.append(
                    Problem(f"targets.{tid}.products.{cid}", f"product for unknown class {cid}")
                )
            problems += self._product_problems(
                target.products[cid], f"targets.{tid}.products.{cid}"
            )
        weights: dict[str, float] = {}
        steps: dict[str, tuple[Step, ...]] = {}
        product_steps: dict[str, Step] = {}
        for cid in sorted(allocation.weights):
            w = float(allocation.weights[cid])
            if w <= 0:
                continue
            if cid not in target.products:
                problems.append(
                    Problem(
                        f"targets.{tid}.products.{cid}",
                        f"allocation {allocation.id} weights {cid} but the target has no "
                        f"product for it",
                    )
                )
                continue
            weights[cid] = w
            steps[cid] = (Step(tid, Rule.ALLOCATION, f"{w:.2%} in allocation {allocation.id}"),)
            product_steps[cid] = Step(tid, Rule.PRODUCT, f"filled with {target.products[cid]}")
        if problems:
            return None, tuple(problems)
        return (
            ClassLayer(
                chain=(tid,),
                allocation=allocation.id,
                weights=weights,
                steps=steps,
                products={c: target.products[c] for c in weights},
                product_steps=product_steps,
                excluded_securities={},
                excluded_sectors={},
                keeps=(),
                tilts=(),
                replacements=(),
            ),
            (),
        )

    def _product_problems(self, product: Product, path: str) -> list[Problem]:
        cat = self._catalog
        if product.kind in (ProductKind.MODEL, ProductKind.DIRECT_INDEX):
            if product.ref not in cat.models:
                return [Problem(path, f"unknown model {product.ref}")]
        elif product.kind is ProductKind.FUND and product.ref not in cat.securities:
            return [Problem(path, f"unknown security {product.ref}")]
        return []

    def _customize(
        self, parent: ClassLayer, target: Target
    ) -> tuple[ClassLayer | None, tuple[Problem, ...]]:
        tid = target.id
        weights = dict(parent.weights)
        steps = dict(parent.steps)
        products = dict(parent.products)
        product_steps = dict(parent.product_steps)
        excluded = dict(parent.excluded_securities)
        sectors = dict(parent.excluded_sectors)
        keeps = list(parent.keeps)
        tilts = list(parent.tilts)
        replacements = list(parent.replacements)
        problems: list[Problem] = []
        if target.allocation is not None or target.products:
            problems.append(
                Problem(
                    f"targets.{tid}",
                    "a customized target stores only differences: use customizations, "
                    "not its own allocation or products",
                )
            )
        for i, c in enumerate(target.customizations):
            path = f"targets.{tid}.customizations[{i}]"
            here = Step(tid, Rule.TILT, c.describe(), i)  # each branch sets its own rule
            if isinstance(c, DropClass | ReplaceProduct | Tilt) and c.asset_class not in weights:
                problems.append(
                    Problem(
                        f"{path}.asset_class",
                        f"{c.asset_class} is not in the target it customizes "
                        f"(classes: {', '.join(sorted(weights))})",
                    )
                )
                continue
            if isinstance(c, DropClass):
                dropped = weights.pop(c.asset_class)
                steps.pop(c.asset_class)
                products.pop(c.asset_class)
                product_steps.pop(c.asset_class)
                rest = sum(weights.values())
                if rest <= NEGLIGIBLE:
                    problems.append(Problem(path, f"dropping {c.asset_class} leaves nothing"))
                    continue
                scale = (rest + dropped) / rest
                step = replace(
                    here,
                    rule=Rule.DROP_RESCALE,
                    detail=f"×{scale:.4f} to fill dropped {c.asset_class} ({dropped:.2%})",
                )
                for cid in weights:
                    weights[cid] *= scale
                    steps[cid] = (*steps[cid], step)
            elif isinstance(c, ReplaceProduct):
                problems += self._product_problems(c.product, f"{path}.product")
                products[c.asset_class] = c.product
                product_steps[c.asset_class] = replace(here, rule=Rule.REPLACE_PRODUCT)
                replacements.append((tid, i, c))
            elif isinstance(c, Tilt):
                problems += _apply_tilt(c, path, here, weights, steps)
                tilts.append((tid, i, c))
            elif isinstance(c, ExcludeSecurity):
                if c.security not in self._catalog.securities:
                    problems.append(Problem(f"{path}.security", f"unknown security {c.security}"))
                excluded.setdefault(c.security, replace(here, rule=Rule.EXCLUDE_REDISTRIBUTE))
            elif isinstance(c, ExcludeSector):
                known = {s.sector for s in self._catalog.securities.values()}
                if c.sector not in known:
                    problems.append(
                        Problem(
                            f"{path}.sector", f"no security in the master has sector {c.sector}"
                        )
                    )
                sectors.setdefault(c.sector, replace(here, rule=Rule.EXCLUDE_REDISTRIBUTE))
            else:
                problems += self._keep_problems(c, path, keeps)
                keeps.append((c, replace(here, rule=Rule.KEEP_LEGACY)))
        if problems:
            return None, tuple(problems)
        return (
            ClassLayer(
                chain=(*parent.chain, tid),
                allocation=parent.allocation,
                weights=weights,
                steps=steps,
                products=products,
                product_steps=product_steps,
                excluded_securities=excluded,
                excluded_sectors=sectors,
                keeps=tuple(keeps),
                tilts=tuple(tilts),
                replacements=tuple(replacements),
            ),
            (),
        )

    def _keep_problems(
        self, keep: KeepLegacy, path: str, keeps: Sequence[tuple[KeepLegacy, Step]]
    ) -> list[Problem]:
        problems: list[Problem] = []
        if keep.security not in self._catalog.securities:
            problems.append(Problem(f"{path}.security", f"unknown security {keep.security}"))
        if not 0 < keep.weight < 1:
            problems.append(Problem(f"{path}.weight", f"must be in (0, 1), got {keep.weight}"))
        total = float(keep.weight) + sum(float(k.weight) for k, _ in keeps)
        if total >= 1:
            problems.append(
                Problem(f"{path}.weight", f"legacy holdings would take {total:.2%} of the account")
            )
        return problems

    # -- expansion into securities and groups ------------------------------------------

    def _shares(self, product: Product) -> tuple[tuple[str, float], ...]:
        """A product's securities and their shares of it, summing exactly to 1."""
        if product.kind is ProductKind.FUND:
            return ((product.ref, 1.0),)
        cached = self._model_shares.get(product.ref)
        if cached is None:
            model = self._catalog.models[product.ref]
            raw = [(t, float(w)) for t, w in sorted(model.weights.items()) if w > 0]
            total = sum(w for _, w in raw)
            cached = tuple((t, w / total) for t, w in raw)
            self._model_shares[product.ref] = cached
        return cached

    def _is_excluded(self, ticker: str, layer: ClassLayer) -> Step | None:
        step = layer.excluded_securities.get(ticker)
        if step is None and layer.excluded_sectors:
            security = self._catalog.securities.get(ticker)
            if security is not None and security.sector is not None:
                step = layer.excluded_sectors.get(security.sector)
        return step

    def _excluded_outright(self, ticker: str, layer: ClassLayer) -> Step | None:
        """The exclusion that removes `ticker`'s weight, unless an equivalent can carry it."""
        step = self._is_excluded(ticker, layer)
        if step is None:
            return None
        eq = self._members.get(ticker)
        if eq is not None and any(self._is_excluded(m, layer) is None for m in eq.members):
            return None
        return step

    def _expand(self, target_id: str) -> tuple[_Expansion | None, tuple[Problem, ...]]:
        if target_id in self._expansions:
            return self._expansions[target_id]
        layer, problems = self.layer(target_id)
        result: tuple[_Expansion | None, tuple[Problem, ...]]
        target = self._catalog.targets.get(target_id)
        if layer is None:
            result = (None, tuple(problems))
        elif target is not None and target.parent is not None and not target.customizations:
            # Most accounts follow a child with no differences yet: its securities and
            # groups are its parent's, only the definitions used gain the child.
            parent, parent_problems = self._expand(target.parent)
            result = (
                (None, parent_problems)
                if parent is None
                else (replace(parent, versions=self._versions_used(layer, parent.groups)), ())
            )
        else:
            result = self._expand_layer(target_id, layer)
        if target_id in self._parents:  # leaves are resolved once a night: keep memory flat
            self._expansions[target_id] = result
        return result

    def _expand_layer(
        self, target_id: str, layer: ClassLayer
    ) -> tuple[_Expansion | None, tuple[Problem, ...]]:
        cat = self._catalog
        # class -> [(security, share of class, extra steps)]; cash classes hold "".
        parts: dict[str, list[tuple[str, float, tuple[Step, ...]]]] = {}
        empty: dict[str, Step] = {}
        for cid in sorted(layer.weights):
            product = layer.products[cid]
            pstep = layer.product_steps[cid]
            if product.kind is ProductKind.CASH:
                parts[cid] = [("", 1.0, (pstep,))]
                continue
            kept: list[tuple[str, float]] = []
            removed: list[tuple[str, Step]] = []
            for ticker, share in self._shares(product):
                why = self._excluded_outright(ticker, layer)
                if why is None:
                    kept.append((ticker, share))
                else:
                    removed.append((ticker, why))
            if not kept:
                empty[cid] = removed[0][1]
                continue
            extra: tuple[Step, ...] = ()
            if removed:
                left = sum(s for _, s in kept)
                first = removed[0][1]
                extra = (
                    Step(
                        first.target,
                        Rule.EXCLUDE_REDISTRIBUTE,
                        f"×{1 / left:.4f} within {product}: excluded "
                        f"{', '.join(t for t, _ in removed)}",
                        first.customization,
                    ),
                )
                kept = [(t, s / left) for t, s in kept]
            is_model = product.kind is not ProductKind.FUND
            parts[cid] = [
                (
                    t,
                    s,
                    (pstep, Step(pstep.target, Rule.MODEL_WEIGHT, f"{s:.2%} of {product}"), *extra)
                    if is_model
                    else (pstep, *extra),
                )
                for t, s in kept
            ]
        weights = dict(layer.weights)
        class_steps = dict(layer.steps)
        if empty:
            lost = sum(weights.pop(c) for c in empty)
            rest = sum(weights.values())
            if rest <= NEGLIGIBLE:
                return None, (Problem(f"targets.{target_id}", "exclusions leave nothing to hold"),)
            scale = (rest + lost) / rest
            first = next(iter(empty.values()))
            step = Step(
                first.target,
                Rule.EMPTY_CLASS_RESCALE,
                f"×{scale:.4f}: nothing left in {', '.join(sorted(empty))} after exclusions",
                first.customization,
            )
            for cid in weights:
                weights[cid] *= scale
                class_steps[cid] = (*class_steps[cid], step)
        carve = 1.0 - sum(float(k.weight) for k, _ in layer.keeps)
        carve_step = (
            Step(
                layer.keeps[0][1].target,
                Rule.KEEP_CARVE_OUT,
                f"×{carve:.4f} to make room for legacy holdings",
                layer.keeps[0][1].customization,
            )
            if layer.keeps
            else None
        )
        by_group: dict[str, list[Contribution]] = {}
        buyable: set[str] = set()
        leads: dict[str, str] = {}  # group -> the fund a product chose for it
        cash_parts: list[Contribution] = []
        class_weights: dict[str, float] = {}
        product_weights: dict[Product, float] = {}
        for cid in sorted(weights):
            base = class_steps[cid]
            w_class = weights[cid] * carve
            product = layer.products[cid]
            product_weights[product] = product_weights.get(product, 0.0) + w_class
            for ticker, share, extra in parts[cid]:
                trail = (*base, *extra) if carve_step is None else (*base, *extra, carve_step)
                contribution = Contribution(ticker or cid, cid, w_class * share, trail)
                class_weights[cid] = class_weights.get(cid, 0.0) + contribution.weight
                if not ticker:
                    cash_parts.append(contribution)
                    continue
                gid = self._group_id(ticker)
                by_group.setdefault(gid, []).append(contribution)
                buyable.add(gid)
                if layer.products[cid].kind is ProductKind.FUND:
                    leads.setdefault(gid, ticker)
        for keep, step in layer.keeps:
            security = cat.securities[keep.security]
            cid = security.asset_class or "LEGACY"
            contribution = Contribution(keep.security, cid, float(keep.weight), (step,))
            class_weights[cid] = class_weights.get(cid, 0.0) + contribution.weight
            by_group.setdefault(self._group_id(keep.security), []).append(contribution)
        excluded = frozenset(
            t
            for t in {*layer.excluded_securities, *self._sector_members(layer)}
            if t not in {k.security for k, _ in layer.keeps}
        )
        groups = tuple(
            self._group(gid, by_group[gid], gid in buyable, excluded, leads.get(gid))
            for gid in sorted(by_group)
        )
        used = self._versions_used(layer, by_group)
        return (
            _Expansion(
                groups=groups,
                cash=sum(c.weight for c in cash_parts),
                cash_contributions=tuple(cash_parts),
                class_weights=MappingProxyType(class_weights),
                product_weights=MappingProxyType(product_weights),
                keep=frozenset(k.security for k, _ in layer.keeps),
                excluded=excluded,
                versions=used,
            ),
            (),
        )

    def _sector_members(self, layer: ClassLayer) -> list[str]:
        if not layer.excluded_sectors:
            return []
        return [
            t
            for t, s in self._catalog.securities.items()
            if s.sector is not None and s.sector in layer.excluded_sectors
        ]

    def _group_id(self, ticker: str) -> str:
        eq = self._members.get(ticker)
        return eq.id if eq is not None else ticker

    def _group(
        self,
        gid: str,
        parts: list[Contribution],
        buyable: bool,
        excluded: frozenset[str],
        lead: str | None,
    ) -> ResolvedGroup:
        eq = self._catalog.equivalence_sets.get(gid)
        members = tuple(m for m in eq.members if m not in excluded) if eq is not None else (gid,)
        if lead is not None and lead in members:
            # The fund a target chose for the class is its preferred buy; the set's own
            # order ranks the alternates after it.
            members = (lead, *(m for m in members if m != lead))
        return ResolvedGroup(
            id=gid,
            members=members,
            buy=members[0] if buyable else None,
            target=sum(c.weight for c in parts),
            contributions=tuple(parts),
            buy_note="" if buyable else "legacy holding: kept, never bought",
        )

    def _with_buy(
        self,
        group: ResolvedGroup,
        no_buy: Collection[str],
        wash_blocked: Collection[str],
        excluded: frozenset[str],
    ) -> ResolvedGroup:
        if group.buy is None:
            return group
        blocked: dict[str, str] = {}
        for m in group.members:
            if m in no_buy:
                blocked[m] = "restricted (no-buy)"
            elif m in wash_blocked:
                blocked[m] = "wash-sale blocked"
            elif m in excluded:
                blocked[m] = "excluded"
        if not blocked or group.members[0] not in blocked:
            return group
        buy = next((m for m in group.members if m not in blocked), None)
        why = "; ".join(f"{m} {blocked[m]}" for m in group.members if m in blocked)
        note = f"{why}: buying alternate {buy}" if buy is not None else f"{why}: nothing to buy"
        return replace(group, buy=buy, buy_note=note)

    def _versions_used(
        self, layer: ClassLayer, groups: Iterable[str] | Iterable[ResolvedGroup]
    ) -> tuple[str, ...]:
        numbers = self._catalog.versions
        keys = {f"target:{t}" for t in layer.chain}
        keys.add(f"allocation:{layer.allocation}")
        keys |= {
            f"model:{p.ref}"
            for p in layer.products.values()
            if p.kind in (ProductKind.MODEL, ProductKind.DIRECT_INDEX)
        }
        ids = {g if isinstance(g, str) else g.id for g in groups}
        keys |= {f"equivalence_set:{g}" for g in ids if g in self._catalog.equivalence_sets}
        return tuple(f"{k}@{numbers[k]}" if k in numbers else k for k in sorted(keys))


def _apply_tilt(
    tilt: Tilt,
    path: str,
    here: Step,
    weights: dict[str, float],
    steps: dict[str, tuple[Step, ...]],
) -> list[Problem]:
    c, d = tilt.asset_class, float(tilt.delta)
    w = weights[c]
    if w + d < 0:
        return [Problem(f"{path}.delta", f"{d:+.2%} would make {c} negative (it has {w:.2%})")]
    if tilt.funded_from is not None:
        f = tilt.funded_from
        if f == c or f not in weights:
            return [Problem(f"{path}.funded_from", f"{f} is not another class of the target")]
        if weights[f] - d < 0:
            return [
                Problem(
                    f"{path}.funded_from",
                    f"{f} has {weights[f]:.2%}, not enough to fund {d:+.2%}",
                )
            ]
        weights[f] -= d
        steps[f] = (
            *steps[f],
            Step(
                here.target,
                Rule.TILT_FUNDING,
                f"{-d:+.2%} to fund the tilt of {c}",
                here.customization,
            ),
        )
    else:
        others = sum(v for k, v in weights.items() if k != c)
        if others <= NEGLIGIBLE or others - d < 0:
            return [Problem(f"{path}.delta", f"the other classes cannot fund {d:+.2%}")]
        scale = (others - d) / others
        funding = Step(
            here.target,
            Rule.TILT_FUNDING,
            f"×{scale:.4f} to fund the tilt of {c}",
            here.customization,
        )
        for k in weights:
            if k != c:
                weights[k] *= scale
                steps[k] = (*steps[k], funding)
    weights[c] = w + d
    steps[c] = (*steps[c], Step(here.target, Rule.TILT, f"{d:+.2%}", here.customization))
    if weights[c] <= NEGLIGIBLE:
        del weights[c]
    return []


def resolve(
    target_id: str,
    catalog: Catalog,
    *,
    no_buy: Collection[str] = frozenset(),
    wash_blocked: Collection[str] = frozenset(),
) -> tuple[ResolvedTarget | None, list[Problem]]:
    """Resolve one target (see the module docstring); use a `Resolver` for many."""
    return Resolver(catalog).resolve(target_id, no_buy=no_buy, wash_blocked=wash_blocked)
