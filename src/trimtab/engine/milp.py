"""The integer rules as a small MILP: the last resort before "infeasible", and a search
for a better decision when the heuristics stop far from the bound.

Problem: the integer heuristics (integer.py, rounding.py) move one decision at a time.
They can miss a decision that exists: with whole shares, a zero gain budget and cash held
to 5–7%, flooring a loss sale breaks the budget, one more loss share pushes cash over its
ceiling, and only a loss share *and* three more shares bought together fit. Answering
"infeasible" there is wrong: the contract says infeasible only when no decision exists.

Rule: when the heuristics find nothing, the relaxation's support (the lots it sells and
the securities it buys, plus must-sell lots) is handed to HiGHS's MILP, everything else
held at zero, in share units so that rule 7 is `integer`:
- rule 6: a buy is semi-continuous (0 or ≥ m, semi-integer with whole shares); a
  security's sale has a binary z_i with Σ p·x_l ≥ min(m, position)·z_i and x_l ≤ q_l·z_i;
- rule 5(c): a wash group with both loss lots and buys in the support gets a binary side
  y_w: loss sales ≤ q_l·y_w, buys ≤ U·(1 − y_w);
- every other rule is the relaxation's own rows and bounds (cash, drift, turnover, gain).
The search is bounded in time (`TIME_LIMIT` seconds) and, when the caller improves a
decision it already has, in branch-and-bound nodes (deterministic; the decision is then
its first incumbent and its trades join the support); its best decision, if any, is
returned (a feasible point, not a proof: the caller reports the gap to its bound).

Example: the case above (tests/reference/test_engine_regressions.py) — the heuristics
stop at 29 loss shares and 845 bought; the MILP answers 30 and 847.
"""

from __future__ import annotations

import highspy
import numpy as np

from trimtab.engine.arrays import AccountArrays, Floats
from trimtab.engine.build import LpModel
from trimtab.engine.evaluate import Decision
from trimtab.engine.lagrange import loss_lots
from trimtab.engine.solve import new_highs, pass_model

__all__ = ["TIME_LIMIT", "reduced_milp"]

TIME_LIMIT = 0.25  # seconds: a fallback, taken on a few cases in a thousand
_EPS = 1e-6


def reduced_milp(
    a: AccountArrays,
    model: LpModel,
    relaxed_x: Floats,
    *,
    start: Decision | None = None,
    max_nodes: int | None = None,
    time_limit: float = TIME_LIMIT,
) -> Decision | None:
    """The best decision HiGHS finds on the relaxation's support (module docstring), with
    `start`'s trades added to the support and offered as the first incumbent; the search
    stops after `max_nodes` branch-and-bound nodes when given (a deterministic limit)."""
    if model.hessian is not None or model.contradiction or len(relaxed_x) != model.n_col:
        return None
    p = a.params
    n_l, n_b = model.n_lot, model.n_buy
    lot_price, buy_price = a.lot_price, a.price[a.buy_sec]
    scale = np.concatenate([lot_price, buy_price, np.ones(model.n_col - n_l - n_b)])
    lower = model.lower / scale
    upper = model.upper / scale
    in_support = relaxed_x > _EPS
    if start is not None:
        in_support[:n_l] |= start.sell > 0
        in_support[n_l : n_l + n_b] |= start.buy > 0
    in_support[n_l + n_b :] = True
    in_support[:n_l] |= model.lower[:n_l] > 0  # must-sell lots
    upper = np.where(in_support, upper, 0.0)
    lower = np.where(in_support, lower, 0.0)
    # A buy can use at most all cash and all sales: a finite bound for semi-continuity.
    buy_cap = (a.cash + float(a.lot_value.sum())) / buy_price
    upper[n_l : n_l + n_b] = np.minimum(upper[n_l : n_l + n_b], buy_cap)
    integrality = np.zeros(model.n_col, dtype=np.int32)
    if p.whole_shares:
        free_lots = lower[:n_l] < upper[:n_l]
        upper[:n_l] = np.where(free_lots, np.floor(upper[:n_l] + 1e-9), upper[:n_l])
        integrality[:n_l] = np.where(free_lots, 1, 0)
        upper[n_l : n_l + n_b] = np.floor(upper[n_l : n_l + n_b])
        integrality[n_l : n_l + n_b] = 1
    value = model.value * scale[model.entry_col]  # A·diag(scale): same entries, rescaled
    cost = model.cost * scale

    # Extra binaries and rows for rules 6 and 5(c): (row, col, value) triplets.
    extra_rows: list[tuple[list[int], list[float], float, float]] = []
    extra_cols = 0
    col0 = model.n_col
    m = p.min_trade_value
    buys_open = np.flatnonzero(upper[n_l : n_l + n_b] > 0)
    if m > 0:
        semi = 3 if p.whole_shares else 2  # kSemiInteger / kSemiContinuous
        need = m / buy_price[buys_open]
        lower[n_l + buys_open] = np.ceil(need - 1e-9) if p.whole_shares else need
        integrality[n_l + buys_open] = semi
        open_lots = (upper[:n_l] > 0) & ~a.lot_forced
        position = np.bincount(a.lot_sec, weights=a.lot_value, minlength=len(a.sec_ids))
        for i in np.unique(a.lot_sec[open_lots]).tolist():
            lots = np.flatnonzero(open_lots & (a.lot_sec == i))
            z = col0 + extra_cols
            extra_cols += 1
            need_value = min(m, float(position[i]))
            extra_rows.append(
                ([*lots.tolist(), z], [*lot_price[lots].tolist(), -need_value], 0.0, np.inf)
            )
            for lot in lots.tolist():
                extra_rows.append(([lot, z], [1.0, -float(upper[lot])], -np.inf, 0.0))
    if a.taxable:
        loss_open = loss_lots(a) & (upper[:n_l] > 0)
        for w in np.intersect1d(
            a.sec_wash[a.lot_sec[loss_open]], a.sec_wash[a.buy_sec[buys_open]]
        ).tolist():
            y = col0 + extra_cols
            extra_cols += 1
            for lot in np.flatnonzero(loss_open & (a.sec_wash[a.lot_sec] == w)).tolist():
                extra_rows.append(([lot, y], [1.0, -float(upper[lot])], -np.inf, 0.0))
            for b in buys_open[a.sec_wash[a.buy_sec[buys_open]] == w].tolist():
                cap = float(upper[n_l + b])
                extra_rows.append(([n_l + b, y], [1.0, cap], -np.inf, cap))

    h = new_highs()
    h.setOptionValue("presolve", "on")  # a MILP, solved once: presolve pays here
    h.setOptionValue("time_limit", time_limit)
    h.setOptionValue("mip_rel_gap", 1e-4)
    if max_nodes is not None:
        h.setOptionValue("mip_max_nodes", max_nodes)
    pass_model(
        h,
        model.n_row,
        model.start,
        model.index,
        value,
        cost,
        lower,
        upper,
        model.row_lower,
        model.row_upper,
        integrality,
    )
    if extra_cols:
        empty_i = np.zeros(0, np.int32)
        h.addCols(
            extra_cols,
            np.zeros(extra_cols),
            np.zeros(extra_cols),
            np.ones(extra_cols),
            0,
            empty_i,
            empty_i,
            np.zeros(0),
        )
        new_cols = np.arange(col0, col0 + extra_cols, dtype=np.int32)
        h.changeColsIntegrality(
            extra_cols, new_cols, np.full(extra_cols, highspy.HighsVarType.kInteger)
        )
        for cols, vals, lo, hi in extra_rows:
            h.addRow(lo, hi, len(cols), np.asarray(cols, np.int32), np.asarray(vals, float))
    if start is not None:
        # The trades only (in shares); HiGHS completes the rest (drift, binaries) itself.
        n_trade = n_l + n_b
        h.setSolution(
            n_trade,
            np.arange(n_trade, dtype=np.int32),
            np.concatenate([start.sell, start.buy]).astype(float),
        )
    h.run()
    if h.getInfo().primal_solution_status != 2:  # 2 = feasible point found
        return None
    x = np.asarray(h.getSolution().col_value, dtype=float)[: model.n_col]
    # Not clipped to `lower`: a semi-continuous buy's lower bound holds only when it trades.
    x = np.clip(x, np.minimum(lower, 0.0), upper)
    if p.whole_shares:
        x[: n_l + n_b] = np.where(
            integrality[: n_l + n_b] > 0, np.round(x[: n_l + n_b]), x[: n_l + n_b]
        )
    sell = np.where(x[:n_l] >= a.lot_qty * (1 - 1e-9), a.lot_qty, x[:n_l])
    buy = x[n_l : n_l + n_b]
    return Decision(np.clip(sell, 0.0, a.lot_qty), np.clip(buy, 0.0, None))
