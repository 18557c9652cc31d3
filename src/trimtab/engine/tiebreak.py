"""Tie-breaking: among equally optimal decisions, the one that leaves groups nearest target.

Problem: the spec's objective is flat inside a band, so when cash must be invested (cash
above its ceiling, often after a harvest) or raised, every in-band group costs the same
and the LP returns an arbitrary vertex — typically one group filled to the *top* of its
band. The next day a small rise pushes that group out and the lot bought yesterday (with
nearly no gain) is the cheapest to sell: a round trip.

Rule: a lexicographic second stage on the same HiGHS model, only when the first stage
trades. The optimal face is fixed by complementary slackness (solve.optimize_on_face), so
the spec's objective keeps its optimal value (checked, to solver tolerance); over that
face we minimize

    Σ_k |W_k − V·T_k|  +  μ · Σ (sales + buys)        (dollars, μ = 2)

with W_k the post-trade group value. The first term sends forced buys to groups below
target (and forced sales to groups above it), filling each only up to its target; μ > 1
makes a swap between two in-band groups (−2X deviation, +2X turnover) never worth it, so
the second stage adds no trade the first did not need.

Example: $30,000 of excess cash, groups A (19.9%, target 20% ± 2%) and B (18.5%, target
20%) of a $1M account, equal costs: the first stage may put it all in A (up to 22%); the
second puts $15,000 in B (to target) and the rest in A (to 21.4%).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from trimtab.engine.arrays import AccountArrays
from trimtab.engine.solve import LpOutcome, LpSolver

__all__ = ["TURNOVER_WEIGHT", "tie_break"]

TURNOVER_WEIGHT = 2.0
_EPS = 1e-6  # dollars: below this a trade is solver noise


def tie_break(a: AccountArrays, solver: LpSolver, out: LpOutcome) -> LpOutcome:
    """`out`, moved within its optimal face toward target (module docstring)."""
    m = solver.model
    if m.hessian is not None or not out.ok:
        return out
    if not (out.x[: m.n_lot + m.n_buy] > _EPS).any():
        return out
    n_g, n = m.n_group, m.n_col
    lot_group = a.sec_group[a.lot_sec]
    f_col = n + np.arange(n_g)
    lots, buys = np.arange(m.n_lot), m.n_lot + np.arange(m.n_buy)
    # over: F_k + Σ s − Σ u ≥ W0 − V·T;   under: F_k − Σ s + Σ u ≥ V·T − W0
    rows = np.concatenate([lot_group, a.buy_group, np.arange(n_g)])
    cols = np.concatenate([lots, buys, f_col])
    vals = np.concatenate([np.ones(m.n_lot), -np.ones(m.n_buy), np.ones(n_g)])
    over = sparse.csr_array((vals, (rows, cols)), shape=(n_g, n + n_g))
    under = sparse.csr_array(
        (np.concatenate([-vals[: m.n_lot + m.n_buy], np.ones(n_g)]), (rows, cols)),
        shape=(n_g, n + n_g),
    )
    gap = a.group_value - a.value * a.target
    cost = np.zeros(n)
    cost[: m.n_lot + m.n_buy] = TURNOVER_WEIGHT
    second = solver.optimize_on_face(
        out,
        cost,
        np.ones(n_g),
        sparse.vstack([over, under], format="csr"),
        np.concatenate([gap, -gap]),
        np.full(2 * n_g, np.inf),
    )
    return out if second is None else second
