"""Asset allocations: weights over asset classes, read against the class hierarchy.

Problem: an investment committee thinks in asset classes ("40% US Large Cap, 10% Mid
Cap, 45% bonds, 5% cash"), not in tickers, and limits are stated on whole branches of
the hierarchy ("a Conservative client's equity stays between 10% and 45%").

Rule: an `AssetAllocation` weights asset classes; the weights are non-negative, sum to 1
within `WEIGHT_TOLERANCE`, name only known classes, and never weight a class together
with one of its ancestors (the two would count the same money twice). Cash is a class
like any other. `AssetClassTree` answers hierarchy questions: `is_within("US_MID",
"EQUITY")`, and `total_under(weights, "EQUITY")` sums a branch.

    >>> tree = AssetClassTree([AssetClass("EQUITY", "Equity"),
    ...     AssetClass("US_LARGE", "US Large Cap", "EQUITY"),
    ...     AssetClass("BOND", "Bonds"), AssetClass("CASH", "Cash")])
    >>> a = AssetAllocation("BAL", "Balanced", {"US_LARGE": Decimal("0.6"),
    ...     "BOND": Decimal("0.35"), "CASH": Decimal("0.05")})
    >>> validate_allocation(a, tree)
    []
    >>> tree.total_under(a.weights, "EQUITY")
    0.6
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from trimtab.domain.money import ZERO
from trimtab.domain.problems import Problem
from trimtab.domain.securities import AssetClass

__all__ = [
    "WEIGHT_TOLERANCE",
    "AssetAllocation",
    "AssetClassTree",
    "check_weights",
    "frozen_mapping",
    "validate_allocation",
]

# Weights typed by people or exported from spreadsheets are rounded to 4-6 places;
# a basis point of slack accepts those and still catches a forgotten line.
WEIGHT_TOLERANCE = Decimal("0.0001")


K = TypeVar("K")
V = TypeVar("V")


def frozen_mapping(items: Mapping[K, V]) -> Mapping[K, V]:
    """A read-only copy, so a frozen value type stays frozen all the way down."""
    if isinstance(items, MappingProxyType):
        return items
    return MappingProxyType(dict(items))


def check_weights(weights: Mapping[str, Decimal], what: str, path: str) -> list[Problem]:
    """The weight rules shared by allocations and models: non-negative, summing to 1."""
    problems = [
        Problem(f"{path}.{key}", f"weight must be between 0 and 1, got {w}")
        for key, w in weights.items()
        if not ZERO <= w <= 1
    ]
    total = sum(weights.values(), ZERO)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        problems.append(
            Problem(path, f"{what} weights sum to {total}, not 1 (tolerance {WEIGHT_TOLERANCE})")
        )
    return problems


class AssetClassTree:
    """The asset-class hierarchy (Equity → US Large Cap, ...), indexed for lookups."""

    __slots__ = ("_ancestors", "classes")

    def __init__(self, classes: Iterable[AssetClass]) -> None:
        self.classes: Mapping[str, AssetClass] = MappingProxyType({c.id: c for c in classes})
        self._ancestors: dict[str, tuple[str, ...]] = {}
        for cid in self.classes:
            chain: list[str] = []
            node = self.classes[cid].parent
            while node is not None and node in self.classes and node not in chain and node != cid:
                chain.append(node)
                node = self.classes[node].parent
            self._ancestors[cid] = tuple(chain)

    def __contains__(self, class_id: object) -> bool:
        return class_id in self.classes

    def name(self, class_id: str) -> str:
        c = self.classes.get(class_id)
        return c.name if c is not None else class_id

    def ancestors(self, class_id: str) -> tuple[str, ...]:
        return self._ancestors.get(class_id, ())

    def is_within(self, class_id: str, branch: str) -> bool:
        """True when `class_id` is `branch` or one of its descendants."""
        return class_id == branch or branch in self.ancestors(class_id)

    def total_under(self, weights: Mapping[str, Decimal | float], branch: str) -> float:
        return sum(float(w) for cid, w in weights.items() if self.is_within(cid, branch))

    def problems(self) -> list[Problem]:
        """Unknown parents and parent cycles in the hierarchy itself."""
        found: list[Problem] = []
        for c in self.classes.values():
            if c.parent is not None and c.parent not in self.classes:
                found.append(Problem(f"asset_classes.{c.id}.parent", f"unknown class {c.parent}"))
        for cid in self.classes:
            node, seen = self.classes[cid].parent, {cid}
            while node is not None and node in self.classes:
                if node in seen:
                    found.append(
                        Problem(f"asset_classes.{cid}.parent", "the parent links form a cycle")
                    )
                    break
                seen.add(node)
                node = self.classes[node].parent
        return found


@dataclass(frozen=True, slots=True)
class AssetAllocation:
    id: str
    name: str
    weights: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", frozen_mapping(self.weights))


def validate_allocation(allocation: AssetAllocation, tree: AssetClassTree) -> list[Problem]:
    path = f"allocations.{allocation.id}.weights"
    problems = check_weights(allocation.weights, f"allocation {allocation.id}", path)
    for cid in allocation.weights:
        if cid not in tree:
            problems.append(Problem(f"{path}.{cid}", f"unknown asset class {cid}"))
            continue
        for ancestor in tree.ancestors(cid):
            if ancestor in allocation.weights:
                problems.append(
                    Problem(
                        f"{path}.{cid}",
                        f"{cid} and its parent class {ancestor} are both weighted; "
                        f"weight one level only",
                    )
                )
    return problems
