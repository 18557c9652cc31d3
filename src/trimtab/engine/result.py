"""The rebalance result: frozen values whose `as_dict()` is the contract's Result JSON.

Problem: the result is read by people (reasons), by programs (trades, post-trade weights)
and by reviewers re-checking the optimum (objective terms, solver bound and gap), so its
shape is fixed by shared/spec/rebalance-case.md and only grows.

Rule: money is reported in dollars rounded to cents, except the objective terms, the
bound and weights, which keep 1e-6 so a reviewer can recompute them. Sign conventions:
`objective.harvest` is the (positive) harvest benefit, so
`total = drift + tax − harvest + trading (+ tracking_error)`; `tax.harvested_losses` is
the positive sum of realized losses; `tax.estimated_tax` is Σ rate × net gain per term
(negative when the losses save tax). A trade's `effects` are, per objective term, the
term with the trade minus the term without it (negative = the trade lowers the cost).

Example: `Result(status="invalid", errors=(Problem("as_of", "is required"),)).as_dict()`
→ `{"status": "invalid", "errors": [{"path": "as_of", "message": "is required"}]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from trimtab.domain.money import cents, round_float
from trimtab.domain.problems import Problem

__all__ = [
    "CostBenefit",
    "GroupWeight",
    "LotPick",
    "ObjectiveTerms",
    "PostTrade",
    "Result",
    "SolverStats",
    "TaxSummary",
    "Trade",
]


def _money(x: float) -> float:
    return cents(x)


def _fine(x: float) -> float:
    return round_float(x, 6)


@dataclass(frozen=True, slots=True)
class ObjectiveTerms:
    drift: float = 0.0
    tax: float = 0.0
    harvest: float = 0.0
    trading: float = 0.0
    tracking_error: float | None = None  # None: the term is off

    @property
    def total(self) -> float:
        return self.drift + self.tax - self.harvest + self.trading + (self.tracking_error or 0.0)

    def minus(self, other: ObjectiveTerms) -> dict[str, float]:
        out = {
            "drift": self.drift - other.drift,
            "tax": self.tax - other.tax,
            "harvest": -(self.harvest - other.harvest),  # as it enters the total
            "trading": self.trading - other.trading,
        }
        if self.tracking_error is not None:
            out["tracking_error"] = self.tracking_error - (other.tracking_error or 0.0)
        return out

    def as_dict(self) -> dict[str, float]:
        out = {
            "total": _fine(self.total),
            "drift": _fine(self.drift),
            "tax": _fine(self.tax),
            "harvest": _fine(self.harvest),
            "trading": _fine(self.trading),
        }
        if self.tracking_error is not None:
            out["tracking_error"] = _fine(self.tracking_error)
        return out


@dataclass(frozen=True, slots=True)
class LotPick:
    lot: str
    quantity: float
    realized_gain: float
    term: str  # "short" or "long"

    def as_dict(self) -> dict[str, object]:
        return {
            "lot": self.lot,
            "quantity": self.quantity,
            "realized_gain": _money(self.realized_gain),
            "term": self.term,
        }


@dataclass(frozen=True, slots=True)
class Trade:
    security: str
    side: str  # "buy" or "sell"
    quantity: float
    value: float
    lots: tuple[LotPick, ...] = ()
    reason: str = ""
    effects: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    mandated: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "security": self.security,
            "side": self.side,
            "quantity": self.quantity,
            "value": _money(self.value),
            "lots": [pick.as_dict() for pick in self.lots],
            "reason": self.reason,
            "effects": {k: _money(v) for k, v in self.effects.items()},
            "mandated": self.mandated,
        }


@dataclass(frozen=True, slots=True)
class GroupWeight:
    id: str
    weight: float
    target: float
    band: float

    @property
    def drift(self) -> float:
        return self.weight - self.target

    @property
    def out_of_band(self) -> float:
        return max(0.0, abs(self.drift) - self.band)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "weight": _fine(self.weight),
            "target": self.target,
            "drift": _fine(self.drift),
            "band": self.band,
            "out_of_band": _fine(self.out_of_band),
        }


@dataclass(frozen=True, slots=True)
class PostTrade:
    cash: float
    cash_weight: float
    groups: tuple[GroupWeight, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "cash": _money(self.cash),
            "cash_weight": _fine(self.cash_weight),
            "groups": [g.as_dict() for g in self.groups],
        }


@dataclass(frozen=True, slots=True)
class TaxSummary:
    realized_short_term: float = 0.0
    realized_long_term: float = 0.0
    harvested_losses: float = 0.0
    estimated_tax: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "realized_short_term": _money(self.realized_short_term),
            "realized_long_term": _money(self.realized_long_term),
            "harvested_losses": _money(self.harvested_losses),
            "estimated_tax": _money(self.estimated_tax),
        }


@dataclass(frozen=True, slots=True)
class SolverStats:
    name: str  # "highs", "highs-qp", "zero-trade proof", "highs + rounding heuristic", …
    seconds: float
    bound: float
    gap: float
    lp_solves: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "seconds": round_float(self.seconds, 6),
            "bound": _fine(self.bound),
            "gap": _fine(self.gap),
            "lp_solves": self.lp_solves,
        }


@dataclass(frozen=True, slots=True)
class CostBenefit:
    """Voluntary trades' benefit (drift and risk reduction) over their cost (tax + trading)."""

    benefit: float
    cost: float

    @property
    def score(self) -> float | None:
        if self.cost <= 0:
            return None  # free or tax-saving: no ratio to report
        return self.benefit / self.cost

    def as_dict(self) -> dict[str, object]:
        score = self.score
        return {
            "benefit": _money(self.benefit),
            "cost": _money(self.cost),
            "score": None if score is None else round_float(score, 4),
        }


@dataclass(frozen=True, slots=True)
class Result:
    status: str  # "optimal", "infeasible", "invalid" or "error"
    objective: ObjectiveTerms | None = None
    parameters: Mapping[str, object] | None = None
    trades: tuple[Trade, ...] = ()
    post_trade: PostTrade | None = None
    tax: TaxSummary | None = None
    turnover: float = 0.0
    solver: SolverStats | None = None
    cost_benefit: CostBenefit | None = None
    reason: str | None = None
    errors: tuple[Problem, ...] = ()

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"status": self.status}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.errors:
            out["errors"] = [e.as_dict() for e in self.errors]
        if self.objective is not None:
            out["objective"] = self.objective.as_dict()
        if self.parameters is not None:
            out["parameters"] = dict(self.parameters)
        if self.status == "optimal":
            out["trades"] = [t.as_dict() for t in self.trades]
        if self.post_trade is not None:
            out["post_trade"] = self.post_trade.as_dict()
        if self.tax is not None:
            out["tax"] = self.tax.as_dict()
        if self.status == "optimal":
            out["turnover"] = _fine(self.turnover)
        if self.cost_benefit is not None:
            out["cost_benefit"] = self.cost_benefit.as_dict()
        if self.solver is not None:
            out["solver"] = self.solver.as_dict()
        return out
