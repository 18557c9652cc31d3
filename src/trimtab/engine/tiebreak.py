"""Tie-breaking: among equally optimal decisions, the one that leaves groups nearest target.

Problem: the spec's objective is flat inside a band, so when cash must be invested (cash
above its ceiling, often after a harvest) or raised, every in-band group costs the same
and the LP returns an arbitrary vertex — typically a few groups filled to the *top* of
their band while others stay at target. The next day a small rise pushes such a group
out and the lot bought yesterday (nearly no gain) is the cheapest to sell: a round trip.

Rule: a lexicographic second stage on the same HiGHS model, only when the first stage
moves some group's money past its target (a net buy leaving it above target, or a net sale
below): a flow that stops at a band edge on its own side of target is drift-driven, not a
tie, and most rebalances have only those. Nor is a flow held at the far band edge by a
nonzero dual on that edge's row (a harvest sale taken as far as the band allows: pinned on
the optimal face), nor anything when the optimum is unique (`LpSolver.face_is_a_point`):
then the second solve could not move anything and is skipped. The optimal face is fixed
by complementary slackness (solve.optimize_on_face), so the spec's objective keeps its
optimal value (checked, to solver tolerance); over that face we minimize, in dollars,

    Σ_k φ_k(W_k − V·T_k)  +  μ · Σ (sales + buys)

with W_k the post-trade group value and φ_k convex, piecewise linear, symmetric: slope 1
up to a third of the group's band, 3 up to two thirds, 9 beyond. φ spreads a forced
purchase over the groups with room (each ends near its target rather than one at its
band's edge); μ = 10 exceeds every slope of φ, so moving money between two groups only
to bring them nearer target never pays: the second stage adds no trade the first did not
need.

The face is also held to rule 5(c) as the first stage's answer has it: in a wash group
where that answer sells a loss lot no buy may open, and where it sells none no loss lot
may open. Both kinds of column can be free on the face (a buy and a loss sale with zero
reduced cost), and the second stage, which knows only φ and turnover, would otherwise move
money into a buy of a security whose loss lot the answer sells (found on a taxable case
with a gain budget that forces losses: a tie between two buys, one in the sold security's
wash group). Holding columns at their values only shrinks the face, and the first answer
stays on it, so the second stage never adds a conflict and never costs more.

Example: $30,000 of excess cash in a $1M account, groups A and B at 20% (target 20% ±
2%), equal costs: the first stage may put it all in A (to 23%, clipped to its 22% edge,
the rest in B); the second puts $15,000 in each (both at 21.5%).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from trimtab.engine.arrays import AccountArrays, Bools, Floats
from trimtab.engine.build import LpModel
from trimtab.engine.lagrange import loss_lots
from trimtab.engine.solve import LpOutcome, LpSolver, Rows

__all__ = ["SLOPES", "TURNOVER_WEIGHT", "tie_break"]

SLOPES = (1.0, 3.0, 9.0)  # φ's slope on each third of the band, then beyond it
TURNOVER_WEIGHT = 10.0
_SLOPES = np.array(SLOPES)
_EPS = 1e-6  # dollars: below this a trade is solver noise (as in integer.py)


def tie_break(a: AccountArrays, solver: LpSolver, out: LpOutcome) -> LpOutcome:
    """`out`, moved within its optimal face toward target (module docstring)."""
    m = solver.model
    if m.hessian is not None or not out.ok:
        return out
    face = solver.optimal_face(out)
    if face is None:
        return out
    n_g, n_trade = m.n_group, m.n_lot + m.n_buy
    net = np.bincount(a.buy_group, weights=out.x[m.buy], minlength=n_g) - np.bincount(
        a.lot_group, weights=out.x[m.sell], minlength=n_g
    )
    past = a.group_value + net - a.value * a.target  # post-trade minus target, dollars
    tol = 1e-7 * max(1.0, a.value)
    # A group held at its far band edge by a nonzero dual on that edge's row is pinned
    # there on the optimal face (a harvest sale taken as far as the band allows): the
    # second stage could not move it back toward target.
    over = (net > tol) & (past > tol) & ~face.pinned[:n_g]
    under = (net < -tol) & (past < -tol) & ~face.pinned[n_g : 2 * n_g]
    if not (over | under).any():
        return out  # every net flow stops at or before its target, or is pinned: no tie
    if a.taxable:
        face = dataclasses.replace(face, free=_wash_held(a, m, out.x, face.free))
    if solver.face_is_a_point(face):
        return out  # the optimum is unique: there is no tie to break
    # Deviation pieces y_kj ≥ 0 (j = 0..2) with Σ_j y_kj ≥ ±(W_k − V·T_k):
    # over:  Σ_j y_kj + Σ s − Σ u ≥ W0 − V·T;   under: Σ_j y_kj − Σ s + Σ u ≥ V·T − W0
    # only for groups where the face leaves a trade free: elsewhere W_k is fixed on the
    # face, its pieces would be constants, and each would cost the simplex a pivot.
    trade_group = np.concatenate([a.lot_group, a.buy_group])
    moving = np.zeros(n_g, dtype=bool)
    moving[trade_group[face.free[:n_trade]]] = True
    n_m, n_p = int(moving.sum()), len(SLOPES)
    if n_m == 0:
        return out
    piece_of = np.cumsum(moving) - 1  # a moving group's index among the moving ones
    trades = np.flatnonzero(moving[trade_group])
    k = piece_of[trade_group[trades]]
    sign = np.where(trades < m.n_lot, 1.0, -1.0)
    piece_group = np.repeat(np.arange(n_m), n_p)
    piece_col = m.n_col + np.arange(n_m * n_p)
    ones = np.ones(n_m * n_p)
    piece_upper = np.empty((n_m, n_p))
    piece_upper[:, :2] = (a.value * a.band[moving] / 3.0)[:, None]
    piece_upper[:, 2] = np.inf
    gap = (a.group_value - a.value * a.target)[moving]
    cost = np.zeros(m.n_col)
    cost[:n_trade] = TURNOVER_WEIGHT
    second = solver.optimize_on_face(
        face,
        cost,
        np.tile(_SLOPES, n_m),
        piece_upper.ravel(),
        Rows(
            np.concatenate([k, n_m + k, piece_group, n_m + piece_group]),
            np.concatenate([trades, trades, piece_col, piece_col]),
            np.concatenate([sign, -sign, ones, ones]),
            np.concatenate([gap, -gap]),
            np.full(2 * n_m, np.inf),
        ),
    )
    return out if second is None else second


def _wash_held(a: AccountArrays, m: LpModel, x: Floats, free: Bools) -> Bools:
    """`free` less the columns whose move could add a rule-5(c) conflict that x does not
    have: the buys of a wash group where x sells a loss lot, the loss lots of the others."""
    loss = loss_lots(a)
    selling = np.zeros(len(a.wash_ids), dtype=bool)
    selling[a.sec_wash[a.lot_sec[loss & (x[: m.n_lot] > _EPS)]]] = True
    held = np.zeros(len(free), dtype=bool)
    held[: m.n_lot] = loss & ~selling[a.sec_wash[a.lot_sec]]
    held[m.buy] = selling[a.sec_wash[a.buy_sec]]
    kept: Bools = free & ~held
    return kept
