"""The spec's objective and bookkeeping, evaluated at a decision given in shares.

Problem: whatever produced a decision (the LP, a rounding heuristic, the zero-trade
proof), the numbers reported must be the contract's formulas at the returned trades, not
the solver's view of them. One function computes them, so every path agrees.

Rule (shared/spec/rebalance-case.md, "Objective"), with x_l shares sold, b shares bought:
drift = drift_weight · Σ_k max(0, |W_k − V·T_k| − V·band_k) (W_k post-trade group value),
tax = Σ x_l (p − c_l) τ_l over gains, harvest = h · Σ x_l (c_l − p) τ_l over harvestable
losses, trading = Σ cost_rate · p · (b + Σ x), plus the tracking-error term when on.

Example: selling 25 shares at $118.20 with basis $80 and τ = 0.238, cost rate 0.001:
tax = 25 · 38.20 · 0.238 = $227.29, trading = $2.955.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trimtab.engine.arrays import AccountArrays, Floats
from trimtab.engine.result import ObjectiveTerms
from trimtab.engine.tracking import TrackingModel

__all__ = ["Decision", "drift_penalty", "group_values", "objective_terms", "post_trade_cash"]


@dataclass(frozen=True, eq=False)
class Decision:
    """Shares sold per lot and bought per buy variable."""

    sell: Floats
    buy: Floats

    @classmethod
    def zero(cls, a: AccountArrays) -> Decision:
        return cls(np.zeros(len(a.lot_ids)), np.zeros(len(a.buy_sec)))

    def sell_dollars(self, a: AccountArrays) -> Floats:
        dollars: Floats = self.sell * a.lot_price
        return dollars

    def buy_dollars(self, a: AccountArrays) -> Floats:
        dollars: Floats = self.buy * a.price[a.buy_sec]
        return dollars

    def by_security(self, a: AccountArrays) -> tuple[Floats, Floats]:
        n_s = len(a.sec_ids)
        sold = np.bincount(a.lot_sec, weights=self.sell_dollars(a), minlength=n_s)
        bought = np.bincount(a.buy_sec, weights=self.buy_dollars(a), minlength=n_s)
        return sold.astype(float), bought.astype(float)


def group_values(a: AccountArrays, d: Decision) -> Floats:
    return _group_values(a, d.sell_dollars(a), d.buy_dollars(a))


def _group_values(a: AccountArrays, sell_dollars: Floats, buy_dollars: Floats) -> Floats:
    n_g = len(a.group_ids)
    sold = np.bincount(a.lot_group, weights=sell_dollars, minlength=n_g)
    bought = np.bincount(a.buy_group, weights=buy_dollars, minlength=n_g)
    values: Floats = a.group_value - sold + bought
    return values


def post_trade_cash(a: AccountArrays, d: Decision) -> float:
    s, u = d.sell_dollars(a), d.buy_dollars(a)
    cost = float(s @ a.cost_rate[a.lot_sec] + u @ a.cost_rate[a.buy_sec])
    return a.cash + float(s.sum()) - float(u.sum()) - cost - a.withdrawal


def drift_penalty(a: AccountArrays, values: Floats) -> float:
    """drift_weight · Σ_k max(0, |W_k − V·T_k| − V·band_k) at group values W."""
    excess = np.abs(values - a.value * a.target) - a.value * a.band
    return a.params.drift_weight * float(np.maximum(excess, 0.0).sum())


def objective_terms(
    a: AccountArrays, d: Decision, tracking: TrackingModel | None = None
) -> ObjectiveTerms:
    p = a.params
    s, u = d.sell_dollars(a), d.buy_dollars(a)
    drift = drift_penalty(a, _group_values(a, s, u))
    gain = a.lot_gain * a.lot_rate * s  # dollars of tax (negative for losses)
    tax = float(gain[a.lot_gain > 0].sum())
    harvest = -p.harvest_value * float(gain[(a.lot_gain < 0) & a.lot_harvestable].sum())
    trading = float(s @ a.cost_rate[a.lot_sec] + u @ a.cost_rate[a.buy_sec])
    te = None
    if tracking is not None:
        sold, bought = d.by_security(a)
        te = tracking.value(a, sold, bought)
    return ObjectiveTerms(drift, tax, harvest + 0.0, trading, te)
