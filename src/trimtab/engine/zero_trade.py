"""The fast path: prove that no trade helps, without calling a solver.

Problem: most accounts on most nights are in band and need nothing; solving an LP to
learn that wastes milliseconds per account across a firm. We want a proof, not a guess.

Rule: the zero-trade point z = 0 is optimal when all of these hold:
1. it is feasible: no must-sell lot is held, post-trade cash C − W is within
   [min_cash·V, max_cash·V], and the gain budget (if any) is ≥ 0 (turnover 0 is always
   within a cap; wash-sale, no-buy, no-sell, min-trade and whole-share rules hold at 0);
2. every group is inside its band at z = 0, so the drift term is 0 there;
3. every variable's linear coefficient is ≥ 0: for each sellable lot
   tax − harvest + trading per dollar, for each buy its cost rate;
4. the tracking-error term is off.
Proof: every feasible decision has z ≥ 0 (sales and buys are nonnegative), so its linear
part cᵀz ≥ 0 by 3, and its drift term is ≥ 0 by definition (a sum of weighted maxima
with 0). Hence objective(z) ≥ 0 = objective(0) by 2, and 0 is feasible by 1: it is
optimal, for the LP and, since it also meets every integer rule, for the integer problem
too (bound = total = 0, gap 0). No convexity argument is even needed.
When any condition fails the account goes to the solver, which decides.

Example: an account 60.5% in a 60% ± 2% group, cash 2% within [1%, 5%], no loss lot
worth harvesting → `proves_zero_trade_optimal(arrays)` is True.
"""

from __future__ import annotations

import numpy as np

from trimtab.engine.arrays import AccountArrays

__all__ = ["proves_zero_trade_optimal", "zero_trade_feasible"]

# Relative tolerance on "inside the band" and "cash within bounds", in fractions of V.
_TOL = 1e-12


def proves_zero_trade_optimal(a: AccountArrays, *, tracking_on: bool = False) -> bool:
    v = a.value
    if v <= 0 or tracking_on:
        return False
    if not zero_trade_feasible(a):
        return False
    if np.any(np.abs(a.group_value - v * a.target) > v * (a.band + _TOL)):
        return False
    sellable = a.lot_sell_cap > 0
    return bool(np.all(a.lot_unit_cost()[sellable] >= 0))


def zero_trade_feasible(a: AccountArrays) -> bool:
    """Condition 1: trading nothing keeps every hard rule (integer rules included)."""
    p = a.params
    v = a.value
    if v <= 0 or a.lot_forced.any():
        return False
    cash_after = a.cash - a.withdrawal
    if not (p.min_cash * v * (1 - _TOL) - _TOL <= cash_after <= p.max_cash * v * (1 + _TOL)):
        return False
    return p.gain_budget is None or p.gain_budget >= 0
