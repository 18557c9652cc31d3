"""The rebalance LP (or QP), built directly as sparse arrays for HiGHS.

Problem: a modeling layer costs more than the solve at these sizes (OPTIMIZER.md, Speed),
so the spec's problem is written here once, vectorized, as `min cᵀx (+ ½xᵀQx)` subject to
`row_lower ≤ A x ≤ row_upper`, `lower ≤ x ≤ upper`.

Variables, in dollars (prices scale shares; dollars keep the matrix near ±1):
- `s_l` sale of lot l, in [0, p·q_l] (0 when no_sell or wash-blocked (5b); fixed at p·q_l
  when must_sell; a must-sell lot that is also no-sell makes the model infeasible);
- `u_b` buy of buyable security b, ≥ 0 (bound 0 when wash-blocked (5a));
- `E_k` dollars of group k's drift beyond its band, ≥ 0;
- with a factor model: `z_f` factor terms and `r_i` specific terms (free).

Rows (W0_k = pre-trade group value, V = account value, T, band = target and band):
- over-weight  k: E_k + Σ_{l∈k} s_l − Σ_{b∈k} u_b ≥ W0_k − V·(T_k + band_k)
- under-weight k: E_k − Σ_{l∈k} s_l + Σ_{b∈k} u_b ≥ V·(T_k − band_k) − W0_k
- cash:      Σ (1 − cr)·s − Σ (1 + cr)·u ∈ [min_cash·V − C + W, max_cash·V − C + W]
- turnover:  Σ s + Σ u ≤ 2·V·max_turnover                   (when set)
- gain:      Σ γ_l·s_l ≤ gain_budget, γ_l = (p − c_l)/p      (when set)
- sell sums: Σ_{l∈i} s_l, one per security (bounds set by the min-trade heuristic)
- tracking error: z = Lᵀ Bᵀ d / V and r_i = d_i / V, d = post-trade dollars − V·t
Objective: (tax − harvest + trading per dollar)·s + cr·u + drift_weight·E
(+ λ_te (Σ z² + Σ spec_i r_i²) as the diagonal Hessian 2λ_te, 2λ_te·spec_i).

Example: one group, target 60% ± 2% of V = $100,000 holding $50,000 gives an under-weight
row E + Σu − Σs ≥ 58,000 − 50,000 = 8,000: buying $8,000 brings E to 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy import sparse

from trimtab.engine.arrays import AccountArrays, Floats, Ints
from trimtab.engine.tracking import TrackingModel

__all__ = ["LpModel", "Rule", "build_model", "row_combination"]

INF = float("inf")


class Rule(StrEnum):
    """Rule groups the diagnostics relax one at a time to find what cannot be met."""

    WITHDRAWAL = "withdrawal"
    CASH = "cash bounds"
    MUST_SELL = "must-sell"
    NO_SELL = "no-sell"
    WASH_SALE = "wash-sale"
    GAIN_BUDGET = "gain budget"
    TURNOVER = "turnover cap"


@dataclass(eq=False)
class LpModel:
    cost: Floats
    lower: Floats
    upper: Floats
    # The constraint matrix in compressed columns, as HiGHS takes it: column j's entries are
    # index/value[start[j]:start[j + 1]], rows ascending.
    n_row: int
    start: npt.NDArray[np.int32]
    index: npt.NDArray[np.int32]
    value: Floats
    entry_col: Ints  # the column of every entry
    row_lower: Floats
    row_upper: Floats
    n_lot: int
    n_buy: int
    n_group: int
    cash_row: int
    turnover_row: int  # −1 when there is no cap
    gain_row: int  # −1 when there is no budget
    sellsum_row0: int  # −1 without sell-sum rows
    sellsum_sec: Ints
    hessian: Floats | None = None  # diagonal of Q over all columns
    tracking: TrackingModel | None = None
    relaxed: frozenset[Rule] = field(default_factory=frozenset)
    contradiction: bool = False  # a must-sell lot that a rule forbids selling

    @property
    def n_col(self) -> int:
        return len(self.cost)

    @property
    def cost_scale(self) -> float:
        """The largest cost, at least 1: reduced costs and duals are zero relative to it."""
        return max(1.0, float(np.maximum.reduce(np.abs(self.cost), initial=0.0)))

    def dense_rows(self, rows: Ints) -> Floats:
        """Rows of the matrix as a dense (len(rows), n_col) array: the few coupling rows
        (cash, turnover, gain) that the bounds and diagnostics read."""
        position = np.full(self.n_row, -1)
        position[rows] = np.arange(len(rows))
        at = position[self.index]
        kept = at >= 0
        dense = np.zeros((len(rows), self.n_col))
        dense[at[kept], self.entry_col[kept]] = self.value[kept]
        return dense

    def activity(self, x: Floats) -> Floats:
        """A·x, one value per row."""
        rows = np.bincount(self.index, self.value * x[self.entry_col], self.n_row)
        return rows.astype(float, copy=False)  # weighted counts are floats already

    @property
    def sell(self) -> slice:
        return slice(0, self.n_lot)

    @property
    def buy(self) -> slice:
        return slice(self.n_lot, self.n_lot + self.n_buy)

    @property
    def drift(self) -> slice:
        return slice(self.n_lot + self.n_buy, self.n_lot + self.n_buy + self.n_group)


def build_model(
    a: AccountArrays,
    *,
    relaxed: frozenset[Rule] = frozenset(),
    sell_sums: bool = False,
    tracking: TrackingModel | None = None,
) -> LpModel:
    p = a.params
    n_l, n_b, n_g = len(a.lot_ids), len(a.buy_sec), len(a.group_ids)
    lot_cr = a.cost_rate[a.lot_sec]
    buy_cr = a.cost_rate[a.buy_sec]
    value = a.value

    # Column bounds.
    lot_value = a.lot_value
    blocked = a.lot_no_sell if Rule.NO_SELL not in relaxed else np.zeros(n_l, dtype=bool)
    if Rule.WASH_SALE not in relaxed:
        blocked = blocked | a.lot_wash_blocked
    forced = a.lot_forced if Rule.MUST_SELL not in relaxed else np.zeros(n_l, dtype=bool)
    # A must-sell lot that is also no-sell cannot be honoured: flagged, not silently fixed.
    contradiction = bool((forced & blocked).any())
    sell_upper = np.where(blocked, 0.0, lot_value)
    sell_lower = np.where(forced & ~blocked, lot_value, 0.0)
    buy_upper = np.full(n_b, INF)
    if Rule.WASH_SALE not in relaxed:
        buy_upper[a.buy_wash_blocked] = 0.0

    # Rows: 2 per group, cash, then optional turnover, gain and sell-sum rows. Every column
    # of a kind has the same number of entries, in the same rows' order, so the matrix is
    # written column-wise directly: a lot column's j-th entry is (lot_rows[j], lot_vals[j]),
    # a scalar where it is the same for every lot; rows ascend within each column.
    cash_row = 2 * n_g
    next_row = cash_row + 1
    lot_rows: list[Ints | int] = [a.lot_group, n_g + a.lot_group, cash_row]
    lot_vals: list[Floats | float] = [1.0, -1.0, 1.0 - lot_cr]
    buy_rows: list[Ints | int] = [a.buy_group, n_g + a.buy_group, cash_row]
    buy_vals: list[Floats | float] = [-1.0, 1.0, -(1.0 + buy_cr)]

    over_rhs = a.group_value - value * (a.target + a.band)
    under_rhs = value * (a.target - a.band) - a.group_value
    withdrawal = 0.0 if Rule.WITHDRAWAL in relaxed else a.withdrawal
    if Rule.CASH in relaxed:
        cash_lo, cash_hi = -INF, INF
    else:
        cash_lo = p.min_cash * value - a.cash + withdrawal
        cash_hi = p.max_cash * value - a.cash + withdrawal
    row_lower = [over_rhs, under_rhs, np.array([cash_lo])]
    row_upper = [np.full(2 * n_g, INF), np.array([cash_hi])]

    turnover_row = -1
    if p.max_turnover is not None and Rule.TURNOVER not in relaxed:
        turnover_row = next_row
        next_row += 1
        lot_rows.append(turnover_row)
        lot_vals.append(1.0)
        buy_rows.append(turnover_row)
        buy_vals.append(1.0)
        row_lower.append(np.array([-INF]))
        row_upper.append(np.array([2.0 * value * p.max_turnover]))
    gain_row = -1
    if p.gain_budget is not None and Rule.GAIN_BUDGET not in relaxed:
        gain_row = next_row
        next_row += 1
        lot_rows.append(gain_row)
        lot_vals.append(a.lot_gain)
        row_lower.append(np.array([-INF]))
        row_upper.append(np.array([p.gain_budget]))
    sellsum_row0 = -1
    sellsum_sec: Ints = np.zeros(0, dtype=np.intp)
    if sell_sums:
        sellsum_sec = np.unique(a.lot_sec)
        sellsum_row0 = next_row
        row_of_sec = np.full(len(a.sec_ids), -1, dtype=np.intp)
        row_of_sec[sellsum_sec] = sellsum_row0 + np.arange(len(sellsum_sec))
        next_row += len(sellsum_sec)
        lot_rows.append(row_of_sec[a.lot_sec])
        lot_vals.append(1.0)
        row_lower.append(np.zeros(len(sellsum_sec)))
        row_upper.append(np.full(len(sellsum_sec), INF))
    drift_rows: list[Ints | int] = [np.arange(n_g), n_g + np.arange(n_g)]
    drift_vals: list[Floats | float] = [1.0, 1.0]

    cost = np.concatenate([a.lot_unit_cost(), buy_cr, np.full(n_g, p.drift_weight)])
    lower = np.concatenate([sell_lower, np.zeros(n_b), np.zeros(n_g)])
    upper = np.concatenate([sell_upper, buy_upper, np.full(n_g, INF)])
    hessian: Floats | None = None
    if tracking is not None:
        t_rows, t_cols, t_vals, t_rhs, t_hess = tracking.rows(
            a, first_row=next_row, first_col=len(cost)
        )
        next_row += len(t_rhs)
        row_lower.append(t_rhs)
        row_upper.append(t_rhs)
        extra = len(t_hess)
        cost = np.concatenate([cost, np.zeros(extra)])
        lower = np.concatenate([lower, np.full(extra, -INF)])
        upper = np.concatenate([upper, np.full(extra, INF)])
        hessian = np.concatenate([np.zeros(n_l + n_b + n_g), t_hess])

    blocks = [
        _entries(n_l, lot_rows, lot_vals),
        _entries(n_b, buy_rows, buy_vals),
        _entries(n_g, drift_rows, drift_vals),
    ]
    csc = _column_wise(blocks, len(cost))
    if tracking is not None:
        csc = _with_entries(csc, (next_row, len(cost)), t_rows, t_cols, t_vals)
    row_lo: npt.NDArray[np.float64] = np.concatenate(row_lower)
    row_hi: npt.NDArray[np.float64] = np.concatenate(row_upper)
    return LpModel(
        cost=cost,
        lower=lower,
        upper=upper,
        n_row=next_row,
        start=csc[0],
        index=csc[1],
        value=csc[2],
        entry_col=np.repeat(np.arange(len(cost)), np.diff(csc[0])),
        row_lower=row_lo,
        row_upper=row_hi,
        n_lot=n_l,
        n_buy=n_b,
        n_group=n_g,
        cash_row=cash_row,
        turnover_row=turnover_row,
        gain_row=gain_row,
        sellsum_row0=sellsum_row0,
        sellsum_sec=sellsum_sec,
        hessian=hessian,
        tracking=tracking,
        relaxed=relaxed,
        contradiction=contradiction,
    )


def row_combination(dense: Floats, y: Floats) -> Floats:
    """Σ_r y_r·dense_r per column, row after row in order (a few coupling rows)."""
    total: Floats = (y[:, None] * dense).sum(axis=0)
    return total


def _entries(n: int, rows: list[Ints | int], vals: list[Floats | float]) -> tuple[Ints, Floats]:
    """n columns' (row index, value) pairs as two (n, k) arrays, column j of each the j-th
    entry of every column: a scalar is the same row or value in every column."""
    r = np.empty((n, len(rows)), dtype=np.intp)
    v = np.empty((n, len(vals)))
    for j, (row, val) in enumerate(zip(rows, vals, strict=True)):
        r[:, j] = row
        v[:, j] = val
    return r, v


Csc = tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], Floats]  # start, index, value


def _column_wise(blocks: list[tuple[Ints, Floats]], n_col: int) -> Csc:
    """CSC from blocks of columns that each hold one entry per (row index, value) column:
    cheaper than a COO → CSC conversion, which sorts what is already in order."""
    counts = np.concatenate([np.full(len(rows), rows.shape[1]) for rows, _ in blocks])
    extra = n_col - len(counts)  # columns with no entry in these rows (tracking terms)
    start = np.concatenate([[0], np.cumsum(counts), np.full(extra, counts.sum())])
    index = np.concatenate([rows.ravel() for rows, _ in blocks])
    value = np.concatenate([vals.ravel() for _, vals in blocks])
    return start.astype(np.int32), index.astype(np.int32), value


def _with_entries(matrix: Csc, shape: tuple[int, int], rows: Ints, cols: Ints, vals: Floats) -> Csc:
    start, index, value = matrix
    coo = sparse.csc_array((value, index, start), shape=shape).tocoo()
    merged = sparse.csc_array(
        (
            np.concatenate([coo.data, vals]),
            (np.concatenate([coo.row, rows]), np.concatenate([coo.col, cols])),
        ),
        shape=shape,
    )
    merged.sort_indices()
    return merged.indptr.astype(np.int32), merged.indices.astype(np.int32), merged.data
