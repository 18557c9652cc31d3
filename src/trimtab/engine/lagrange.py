"""A valid lower bound for the same-rebalance wash-sale rule (5c), by Lagrangian relaxation.

Problem: the LP relaxation drops rule 5(c), so on a direct-index account it "harvests and
rebuys" dozens of stocks at once and its bound sits 30–50% below any lawful decision.
Branching on every conflicting wash group is exponential; we want a bound that sees each
group's either/or choice at the cost of two LP solves.

Rule: with the relaxation's optimal duals y on the coupling rows C (cash, turnover, gain
budget, sell sums), L(y) = min_x [c·x − y·(A_C·x − r_C)] over the other rules is a lower
bound on every decision that meets them (y has the sign of the active side r_C), and the
problem without C separates into blocks of target groups. At the relaxation's x*,
L(y) = the LP value (complementary slackness). Imposing 5(c) inside a block that holds
exactly one conflicting wash group g costs Δ_g = min(block value with g's loss lots
closed, with g's buys closed) − block value at x*, all at the Lagrangian costs c − A_Cᵀy,
so LP value + Σ_g Δ_g is a valid bound. Blocks holding several conflicting groups, or
where a solve fails, add 0 (still valid, weaker). All "buy" sides are solved in one LP and
all "sell" sides in another (the blocks are independent), on the relaxation's own HiGHS
model with the other columns fixed at x*. The cheaper side per block is also a good first
choice for the decision itself.

Example: a direct-index stock whose loss lots the LP sells ($40,000, harvest value $1,500)
and buys back: closing the buy costs its drift plus the cash it leaves (at the cash row's
dual), closing the sale costs the $1,500; the smaller one is added to the bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trimtab.engine.arrays import AccountArrays, Bools, Ints
from trimtab.engine.build import INF, row_combination
from trimtab.engine.solve import LpOutcome, LpSolver

__all__ = ["WashBound", "loss_lots", "wash_bound", "wash_columns"]


@dataclass(frozen=True, eq=False)
class WashBound:
    bound: float
    sides: dict[int, str]  # the cheaper side per bounded wash group ("buy" or "sell")


def loss_lots(a: AccountArrays) -> Bools:
    """Lots whose sale is a loss sale for rule 5(c) (must-sell lots are exempt)."""
    mask: Bools = (a.lot_gain < 0) & ~a.lot_forced
    return mask


def wash_columns(a: AccountArrays, n_lot: int, w: int, side: str) -> Ints:
    """Columns closed when wash group w takes `side`: its buys ("sell") or loss lots ("buy")."""
    if side == "sell":
        cols: Ints = n_lot + np.flatnonzero(a.sec_wash[a.buy_sec] == w)
        return cols
    return np.flatnonzero((a.sec_wash[a.lot_sec] == w) & loss_lots(a))


def wash_bound(
    a: AccountArrays, solver: LpSolver, relaxed: LpOutcome, conflicts: Ints
) -> WashBound:
    """LP value + Σ_g Δ_g (module docstring); the LP value alone when nothing applies."""
    m = solver.model
    lp_value = relaxed.objective
    if m.hessian is not None or not len(conflicts) or len(relaxed.row_dual) != m.n_row:
        return WashBound(lp_value, {})
    n_g = m.n_group
    col_group = np.concatenate([a.lot_group, a.buy_group, np.arange(n_g)])
    # Each conflicting group's block: the target groups its lots and buys touch.
    touched: dict[int, Ints] = {}
    for w in conflicts.tolist():
        lots = a.sec_wash[a.lot_sec] == w
        buys = a.sec_wash[a.buy_sec] == w
        touched[w] = np.unique(np.concatenate([a.lot_group[lots], a.buy_group[buys]]))
    count = np.bincount(np.concatenate(list(touched.values())), minlength=n_g)
    single = [w for w, ks in touched.items() if (count[ks] == 1).all()]
    if not single:
        return WashBound(lp_value, {})
    in_block = np.zeros(n_g, dtype=bool)
    for w in single:
        in_block[touched[w]] = True
    block_of_group = np.full(n_g, -1)
    for j, w in enumerate(single):
        block_of_group[touched[w]] = j
    n_col = m.n_col
    cols_block = block_of_group[col_group]  # −1 outside every block
    free = cols_block >= 0

    coupling = np.arange(2 * n_g, m.n_row)
    y = relaxed.row_dual[coupling]
    lagrange_cost = m.cost - row_combination(m.dense_rows(coupling), y)
    x_star = relaxed.x
    v_star = np.bincount(
        cols_block[free], weights=(lagrange_cost * x_star)[free], minlength=len(single)
    )

    lower0, upper0 = solver.lower.copy(), solver.upper.copy()
    row_lo0, row_hi0 = solver.row_bounds()
    cost0 = m.cost.copy()
    fixed = np.flatnonzero(~free)
    values: list[np.ndarray] = []
    try:
        solver.set_cost(lagrange_cost)
        for r in coupling.tolist():
            solver.set_row_bounds(r, -INF, INF)
        solver.set_columns(fixed, x_star[fixed], x_star[fixed])
        for side in ("buy", "sell"):
            closed = np.concatenate([wash_columns(a, m.n_lot, w, side) for w in single])
            saved = (solver.lower[closed].copy(), solver.upper[closed].copy())
            solver.set_columns(closed, np.zeros(len(closed)), np.zeros(len(closed)))
            out = solver.solve()
            solver.set_columns(closed, *saved)
            if not out.ok:
                return WashBound(lp_value, {})
            values.append(
                np.bincount(
                    cols_block[free], weights=(lagrange_cost * out.x)[free], minlength=len(single)
                )
            )
    finally:
        solver.set_cost(cost0)
        for r in coupling.tolist():
            solver.set_row_bounds(r, float(row_lo0[r]), float(row_hi0[r]))
        all_cols = np.arange(n_col)
        solver.set_columns(all_cols, lower0, upper0)
    best = np.minimum(values[0], values[1])
    delta = np.maximum(best - v_star, 0.0)
    sides = {w: ("buy" if values[0][j] <= values[1][j] else "sell") for j, w in enumerate(single)}
    return WashBound(lp_value + float(delta.sum()), sides)
