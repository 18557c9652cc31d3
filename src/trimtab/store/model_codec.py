"""Definitions ↔ JSON: how a version of an allocation, model, set or target is stored.

Weights are decimal strings ("0.35"), never floats, so a definition reads back exactly
as it was entered; customizations are tagged objects (`{"type": "tilt", ...}`).

    >>> from decimal import Decimal
    >>> from trimtab.domain.targets import Tilt
    >>> customization_to_json(Tilt("US_MID", Decimal("0.03"), "US_BOND"))
    {'type': 'tilt', 'asset_class': 'US_MID', 'delta': '0.03', 'funded_from': 'US_BOND'}
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.models import Model
from trimtab.domain.targets import (
    Bounds,
    Customization,
    CustomizationLimits,
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
from trimtab.services.model_ports import Definition

__all__ = [
    "customization_from_json",
    "customization_to_json",
    "definition_from_json",
    "definition_to_json",
]

JSON = dict[str, Any]


def _weights(weights: Any) -> dict[str, str]:
    return {k: str(v) for k, v in sorted(weights.items())}


def _product(p: Product) -> JSON:
    return {"kind": p.kind.value, "ref": p.ref}


def _product_from(d: JSON) -> Product:
    return Product(ProductKind(d["kind"]), d.get("ref", ""))


def customization_to_json(c: Customization) -> JSON:
    if isinstance(c, DropClass):
        return {"type": "drop_class", "asset_class": c.asset_class}
    if isinstance(c, ReplaceProduct):
        return {
            "type": "replace_product",
            "asset_class": c.asset_class,
            "product": _product(c.product),
        }
    if isinstance(c, Tilt):
        return {
            "type": "tilt",
            "asset_class": c.asset_class,
            "delta": str(c.delta),
            "funded_from": c.funded_from,
        }
    if isinstance(c, ExcludeSecurity):
        return {"type": "exclude_security", "security": c.security}
    if isinstance(c, ExcludeSector):
        return {"type": "exclude_sector", "sector": c.sector}
    return {"type": "keep_legacy", "security": c.security, "weight": str(c.weight)}


def customization_from_json(d: JSON) -> Customization:
    """Raises KeyError/ValueError on a malformed object (callers turn that into a Problem)."""
    kind = d["type"]
    if kind == "drop_class":
        return DropClass(d["asset_class"])
    if kind == "replace_product":
        return ReplaceProduct(d["asset_class"], _product_from(d["product"]))
    if kind == "tilt":
        return Tilt(d["asset_class"], Decimal(str(d["delta"])), d.get("funded_from"))
    if kind == "exclude_security":
        return ExcludeSecurity(d["security"])
    if kind == "exclude_sector":
        return ExcludeSector(d["sector"])
    if kind == "keep_legacy":
        return KeepLegacy(d["security"], Decimal(str(d["weight"])))
    raise ValueError(f"unknown customization type {kind!r}")


def _limits(limits: CustomizationLimits) -> JSON:
    return {
        "allowed_products": {
            c: sorted((_product(p) for p in ps), key=lambda x: (x["kind"], x["ref"]))
            for c, ps in sorted(limits.allowed_products.items())
        },
        "max_tilt": _weights(limits.max_tilt),
        "default_max_tilt": None
        if limits.default_max_tilt is None
        else str(limits.default_max_tilt),
        "class_bounds": {
            b: [str(v.low), str(v.high)] for b, v in sorted(limits.class_bounds.items())
        },
    }


def _limits_from(d: JSON) -> CustomizationLimits:
    return CustomizationLimits(
        allowed_products={
            c: frozenset(_product_from(p) for p in ps) for c, ps in d["allowed_products"].items()
        },
        max_tilt={c: Decimal(v) for c, v in d["max_tilt"].items()},
        default_max_tilt=None if d["default_max_tilt"] is None else Decimal(d["default_max_tilt"]),
        class_bounds={
            b: Bounds(Decimal(lo), Decimal(hi)) for b, (lo, hi) in d["class_bounds"].items()
        },
    )


def definition_to_json(definition: Definition) -> JSON:
    if isinstance(definition, AssetAllocation):
        return {"name": definition.name, "weights": _weights(definition.weights)}
    if isinstance(definition, Model):
        return {
            "name": definition.name,
            "weights": _weights(definition.weights),
            "asset_class": definition.asset_class,
            "provider": definition.provider,
        }
    if isinstance(definition, EquivalenceSet):
        return {
            "name": definition.name,
            "preferred": definition.preferred,
            "alternates": list(definition.alternates),
        }
    return {
        "name": definition.name,
        "allocation": definition.allocation,
        "products": {c: _product(p) for c, p in sorted(definition.products.items())},
        "parent": definition.parent,
        "customizations": [customization_to_json(c) for c in definition.customizations],
        "limits": None if definition.limits is None else _limits(definition.limits),
    }


def definition_from_json(kind: str, key: str, d: JSON) -> Definition:
    if kind == "allocation":
        return AssetAllocation(key, d["name"], {c: Decimal(w) for c, w in d["weights"].items()})
    if kind == "model":
        return Model(
            key,
            d["name"],
            {t: Decimal(w) for t, w in d["weights"].items()},
            d.get("asset_class"),
            d.get("provider"),
        )
    if kind == "equivalence_set":
        return EquivalenceSet(key, d["name"], d["preferred"], tuple(d["alternates"]))
    return Target(
        key,
        d["name"],
        allocation=d.get("allocation"),
        products={c: _product_from(p) for c, p in d.get("products", {}).items()},
        parent=d.get("parent"),
        customizations=tuple(customization_from_json(c) for c in d.get("customizations", [])),
        limits=None if d.get("limits") is None else _limits_from(d["limits"]),
    )
