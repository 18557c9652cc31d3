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
from trimtab.engine.build import INF
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
    if m.hessian is not None or not len(conflicts) or len(relaxed.row_dual) != m.matrix.shape[0]:
        return WashBound(lp_value, {})
    n_g = m.n_group
    lot_group = a.sec_group[a.lot_sec]
    col_group = np.concatenate([lot_group, a.buy_group, np.arange(n_g)])
    # Each conflicting group's block: the target groups its lots and buys touch.
    touched: dict[int, Ints] = {}
    for w in conflicts.tolist():
        lots = a.sec_wash[a.lot_sec] == w
        buys = a.sec_wash[a.buy_sec] == w
        touched[w] = np.unique(np.concatenate([lot_group[lots], a.buy_group[buys]]))
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

    coupling = np.arange(2 * n_g, m.matrix.shape[0])
    y = relaxed.row_dual[coupling]
    lagrange_cost = m.cost - m.matrix[coupling, :].T @ y
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


def min_trade_bound(a: AccountArrays, solver: LpSolver, relaxed: LpOutcome) -> float:
    """A valid bound that also sees rule 6 (and 5(c)) in one-security groups.

    The same Lagrangian L(y) at the relaxation's duals, but each block that is one target
    group holding one security i (a direct index) is minimized over the union of the cases
    an integer decision can be in, each a superset of its part of the feasible set:
    (1) no sale, no buy; (2) no sale, buy ≥ m; (3) sale ≥ ℓ_i, no buy; (4) sale ≥ ℓ'_i and
    buy ≥ m with i's loss lots closed (5(c), when i's wash group has no other member).
    ℓ_i = min(m, what i can sell): a sale is ≥ m or the whole position, itself ≥ ℓ_i;
    ℓ'_i the same over the lots case 4 leaves open. Blocks with a must-sell lot and
    groups of several securities keep their relaxation value (Δ = 0: valid, weaker). Case
    (1) is read off the drift rows; (2)–(4) are one LP each over every block at once.

    Example: a stock $120 under its band's lower edge, m = $250: the relaxation buys $120
    (drift cost 0); every integer case costs either the $120 of drift left (1) or a $250
    buy's trading cost plus its Lagrangian cash value (2): the cheaper is added.
    """
    m = solver.model
    lp_value = relaxed.objective
    p_min = a.params.min_trade_value
    if m.hessian is not None or p_min <= 0 or len(relaxed.row_dual) != m.matrix.shape[0]:
        return lp_value
    n_g, n_l, n_sec = m.n_group, m.n_lot, len(a.sec_ids)
    lot_group = a.sec_group[a.lot_sec]
    # One-security groups without must-sell lots: the blocks.
    col_sec = np.concatenate([a.lot_sec, a.buy_sec])
    col_grp = np.concatenate([lot_group, a.buy_group])
    first_sec = np.full(n_g, -1)
    first_sec[col_grp[::-1]] = col_sec[::-1]
    single = np.bincount(col_grp, weights=col_sec != first_sec[col_grp], minlength=n_g) == 0
    single &= first_sec >= 0
    single[lot_group[a.lot_forced]] = False
    # A block the relaxation leaves untraded meets every integer rule already (Δ = 0).
    traded = np.concatenate([relaxed.x[: m.n_lot], relaxed.x[m.buy]]) > 1e-6
    single &= np.bincount(col_grp, weights=traded, minlength=n_g) > 0
    if not single.any() or m.sellsum_row0 < 0:
        return lp_value
    block_sec = first_sec[single]
    blocks = np.flatnonzero(single)
    block_of_group = np.full(n_g, -1)
    block_of_group[blocks] = np.arange(len(blocks))
    col_group = np.concatenate([lot_group, a.buy_group, np.arange(n_g)])
    if m.n_col > len(col_group):
        col_group = np.concatenate([col_group, np.full(m.n_col - len(col_group), -1)])
    cols_block = np.where(col_group >= 0, block_of_group[np.maximum(col_group, 0)], -1)
    free = cols_block >= 0
    n_b = len(blocks)

    coupling = np.arange(2 * n_g, m.matrix.shape[0])
    y = relaxed.row_dual[coupling]
    cost = m.cost - m.matrix[coupling, :].T @ y
    x_star = relaxed.x

    def block_values(x: np.ndarray) -> np.ndarray:
        return np.bincount(cols_block[free], weights=(cost * x)[free], minlength=n_b)

    v_star = block_values(x_star)
    # Case 1 (no trade): only the drift column, at its least value.
    drift_cols = m.n_lot + m.n_buy + blocks
    rest = np.maximum(0.0, np.maximum(m.row_lower[blocks], m.row_lower[n_g + blocks]))
    cases = [cost[drift_cols] * rest]

    lower0, upper0 = solver.lower.copy(), solver.upper.copy()
    row_lo0, row_hi0 = solver.row_bounds()
    cost0 = m.cost.copy()
    in_block_lot = np.flatnonzero(single[lot_group])
    in_block_buy = np.flatnonzero(single[a.buy_group])
    buy_cols = m.n_lot + in_block_buy
    # With whole shares a trade of at least m is at least ⌈m/p⌉ shares.
    least = np.ceil(p_min / a.price - 1e-9) * a.price if a.params.whole_shares else None
    buy_least = np.full(len(a.buy_sec), p_min) if least is None else least[a.buy_sec]
    buy_ok = np.zeros(n_b, dtype=bool)
    buy_ok[block_of_group[a.buy_group[in_block_buy]]] = upper0[buy_cols] >= buy_least[in_block_buy]
    local_wash = np.bincount(a.sec_wash[np.unique(col_sec)], minlength=len(a.wash_ids)) == 1
    loss = loss_lots(a) & local_wash[a.sec_wash[a.lot_sec]] if a.taxable else np.zeros(n_l, bool)
    sellsum_row = m.sellsum_row0 + np.searchsorted(m.sellsum_sec, np.arange(n_sec))
    has_lots = np.isin(block_sec, m.sellsum_sec)
    rows = sellsum_row[block_sec[has_lots]]
    fixed = np.flatnonzero(~free)
    try:
        solver.set_cost(cost)
        for r in coupling.tolist():
            solver.set_row_bounds(r, -INF, INF)
        solver.set_columns(fixed, x_star[fixed], x_star[fixed])
        for sells, buys, close_loss in (
            (False, True, False),
            (True, False, False),
            (True, True, True),
        ):
            lo, hi = lower0.copy(), upper0.copy()
            if not sells:
                hi[in_block_lot] = 0.0
            elif close_loss:
                hi[in_block_lot[loss[in_block_lot]]] = 0.0
            if buys:
                need_b = buy_least[in_block_buy]
                lo[buy_cols] = np.where(upper0[buy_cols] >= need_b, need_b, 0.0)
            else:
                hi[buy_cols] = 0.0
            solver.set_columns(free.nonzero()[0], lo[free], hi[free])
            if sells:
                cap = np.bincount(
                    a.lot_sec[in_block_lot], weights=hi[in_block_lot], minlength=n_sec
                )
                sec = block_sec[has_lots]
                need = np.minimum(p_min if least is None else least[sec], cap[sec])
                for r, v in zip(rows.tolist(), need.tolist(), strict=True):
                    solver.set_row_bounds(r, v, INF)
            out = solver.solve()
            for r in rows.tolist():
                solver.set_row_bounds(r, -INF, INF)
            if not out.ok:
                return lp_value
            value = block_values(out.x)
            if buys:
                value = np.where(buy_ok, value, INF)
            cases.append(value)
    finally:
        solver.set_cost(cost0)
        for r in coupling.tolist():
            solver.set_row_bounds(r, float(row_lo0[r]), float(row_hi0[r]))
        solver.set_columns(np.arange(m.n_col), lower0, upper0)
    delta = np.maximum(np.min(np.stack(cases), axis=0) - v_star, 0.0)
    return lp_value + float(delta.sum())
