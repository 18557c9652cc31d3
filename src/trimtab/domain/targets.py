"""Targets: an allocation filled with products, and customized children that store diffs.

Problem: a firm recommends a handful of targets ("Balanced, all ETFs"), yet thousands of
clients need small variations ("no Real Estate", "mutual funds for Large Cap", "+3%
Mid Cap", "no tobacco", "keep my Apple shares"). Copying the whole target per client would
freeze each copy at the day it was made: the committee's next change would never reach it.

Rule: a *firm target* (a root) names an asset allocation and a `Product` for each class:
a model, a single fund, a direct index (a model of many stocks) or cash. A *customized
target* names its parent and stores only its differences, as an ordered tuple of
customizations applied on top of whatever the parent resolves to on the day:

- `DropClass`: remove a class; the remaining classes are rescaled pro rata.
- `ReplaceProduct`: fill a class with another product.
- `Tilt`: move a class by `delta` (absolute weight, +0.03 = three points), funded from one
  named class or pro rata from all the others.
- `ExcludeSecurity`, `ExcludeSector`: drop securities; their weight is redistributed
  within the same product (or to the rest of the target if nothing is left of it).
- `KeepLegacy`: keep a holding at a stated weight, never bought, never sold; the rest
  of the target makes room pro rata.

A parent may carry `CustomizationLimits` that every descendant must respect (see
`trimtab.domain.limits`). Children of children work the same way.

    >>> firm = Target("BAL", "Balanced ETF", allocation="BAL",
    ...               products={"US_LARGE": Product.model("CORE-LC")})
    >>> client = Target("A-7", "Balanced, no Real Estate", parent="BAL",
    ...                 customizations=(DropClass("REAL_ESTATE"),))
    >>> client.customizations[0].describe()
    'drop REAL_ESTATE and rescale the rest'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from trimtab.domain.allocations import frozen_mapping

__all__ = [
    "Bounds",
    "Customization",
    "CustomizationLimits",
    "DropClass",
    "ExcludeSector",
    "ExcludeSecurity",
    "KeepLegacy",
    "Product",
    "ProductKind",
    "ReplaceProduct",
    "Target",
    "Tilt",
]


class ProductKind(StrEnum):
    MODEL = "model"
    FUND = "fund"  # one security fills the class
    DIRECT_INDEX = "direct_index"  # a model of many individual stocks
    CASH = "cash"


@dataclass(frozen=True, slots=True)
class Product:
    """What fills an asset class: `ref` is a model id, or a fund's ticker ("" for cash)."""

    kind: ProductKind
    ref: str = ""

    @classmethod
    def model(cls, model_id: str) -> Product:
        return cls(ProductKind.MODEL, model_id)

    @classmethod
    def fund(cls, ticker: str) -> Product:
        return cls(ProductKind.FUND, ticker)

    @classmethod
    def direct_index(cls, model_id: str) -> Product:
        return cls(ProductKind.DIRECT_INDEX, model_id)

    @classmethod
    def cash(cls) -> Product:
        return cls(ProductKind.CASH)

    def __str__(self) -> str:
        return "cash" if self.kind is ProductKind.CASH else f"{self.kind.value} {self.ref}"


@dataclass(frozen=True, slots=True)
class DropClass:
    asset_class: str

    def describe(self) -> str:
        return f"drop {self.asset_class} and rescale the rest"


@dataclass(frozen=True, slots=True)
class ReplaceProduct:
    asset_class: str
    product: Product

    def describe(self) -> str:
        return f"fill {self.asset_class} with {self.product}"


@dataclass(frozen=True, slots=True)
class Tilt:
    asset_class: str
    delta: Decimal  # absolute weight: +0.03 is three percentage points more
    funded_from: str | None = None  # None: pro rata from every other class

    def describe(self) -> str:
        source = self.funded_from or "the other classes pro rata"
        return f"tilt {self.asset_class} by {self.delta:+.2%} against {source}"


@dataclass(frozen=True, slots=True)
class ExcludeSecurity:
    security: str

    def describe(self) -> str:
        return f"exclude {self.security} and redistribute its weight"


@dataclass(frozen=True, slots=True)
class ExcludeSector:
    sector: str

    def describe(self) -> str:
        return f"exclude sector {self.sector} and redistribute its weight"


@dataclass(frozen=True, slots=True)
class KeepLegacy:
    security: str
    weight: Decimal

    def describe(self) -> str:
        return f"keep legacy {self.security} at {self.weight:.2%}"


Customization = DropClass | ReplaceProduct | Tilt | ExcludeSecurity | ExcludeSector | KeepLegacy


@dataclass(frozen=True, slots=True)
class Bounds:
    low: Decimal
    high: Decimal

    def __contains__(self, value: object) -> bool:
        return isinstance(value, Decimal | float | int) and self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.low:.1%}–{self.high:.1%}"


@dataclass(frozen=True, slots=True)
class CustomizationLimits:
    """What descendants of a target may change.

    `allowed_products[c]` lists the products a child may put in class `c` (absent: any
    product whose asset class is `c` or below it). `max_tilt[c]` bounds the total tilt
    of `c` below this target (absent: `default_max_tilt`; None: unlimited).
    `class_bounds[b]` bounds the resolved total weight of branch `b` ("EQUITY").
    """

    allowed_products: Mapping[str, frozenset[Product]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    max_tilt: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    default_max_tilt: Decimal | None = None
    class_bounds: Mapping[str, Bounds] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_products", frozen_mapping(self.allowed_products))
        object.__setattr__(self, "max_tilt", frozen_mapping(self.max_tilt))
        object.__setattr__(self, "class_bounds", frozen_mapping(self.class_bounds))

    def tilt_limit(self, asset_class: str) -> Decimal | None:
        return self.max_tilt.get(asset_class, self.default_max_tilt)


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    name: str
    allocation: str | None = None  # roots only
    products: Mapping[str, Product] = field(default_factory=lambda: MappingProxyType({}))
    parent: str | None = None  # children only
    customizations: tuple[Customization, ...] = ()
    limits: CustomizationLimits | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "products", frozen_mapping(self.products))

    @property
    def is_root(self) -> bool:
        return self.parent is None
