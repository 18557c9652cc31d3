"""Integer rules by structure: from the LP relaxation to a feasible decision, with a gap.

Problem: rules 5(c) (no buy together with a loss sale in one wash group), 6 (minimum
trade value) and 7 (whole shares) make the problem a MILP. HiGHS's generic branch and
bound takes seconds to minutes on a direct-index account (OPTIMIZER.md, Speed), far too
slow for a nightly run over every account. The relaxation is fast and gives a bound.

Rule: first the block bound (block_bound.py): exact per one-security target group at
Lagrangian prices, it is the bound, and when every group is one security (a direct index)
its minimizer is a lawful decision, kept when within `CLOSE_ENOUGH` of the bound.
Otherwise, starting from the relaxation's solution (the better decision is kept):
1. Wash groups in conflict (a buy and a loss sale in one group): each gets a side, "buy"
   (its loss lots may not be sold) or "sell" (its members may not be bought). With at most
   `EXACT_WASH_GROUPS` conflicts every combination is re-solved (warm-started) and the
   best kept; with more, each group takes the side whose loss in the relaxation is smaller
   (the net harvest benefit given up, against the drift its buy was fixing), then the
   closest calls are flipped one at a time while that helps. Conflicts a re-solve creates
   are resolved the same way, a few rounds at most. Each group then keeps the side the
   conflict-free decision took (`_hold_wash_sides`), so no later re-solve can start one.
2. Minimum trade value m: a buy or a security's sale below m is lifted to m (or to the
   whole position when that is below m) if it is at least half way there, else dropped;
   the rest is re-solved; repeated until no trade is below m (dropping everything left
   on the last round).
3. Whole shares: sales are floored (a whole lot stays whole), buys floored, unless that
   breaks the minimum; then a greedy pass moves one share at a time, first to bring cash
   back within its bounds at the least objective cost, then while a move lowers the
   objective and keeps every rule.
4. A decision still far from the bound (over `SEARCH_GAP` of its total and over
   `SEARCH_VALUE_SHARE` of the account's value) is offered as the first incumbent to
   HiGHS's MILP on the relaxation's support (milp.py), stopped after `SEARCH_NODES`
   nodes; its answer is kept when lawful and better.
The result meets every rule; its gap to the bound, (total − bound) / max(1, |total|),
is reported, never hidden.

Example: a $300 buy with m = $1,000 is dropped and the LP re-solved; a $700 buy is
lifted to $1,000 (cash permitting); 12.6 shares to buy become 12 and, if cash is above
its ceiling, 13.
"""

from __future__ import annotations

import itertools

import numpy as np

from trimtab.engine.arrays import AccountArrays, Floats, Ints
from trimtab.engine.block_bound import BlockBound, block_bound, block_decision
from trimtab.engine.build import INF, LpModel
from trimtab.engine.evaluate import Decision, objective_terms, post_trade_cash
from trimtab.engine.lagrange import loss_lots, wash_bound
from trimtab.engine.milp import reduced_milp
from trimtab.engine.rounding import improve, round_shares
from trimtab.engine.solve import LpOutcome, LpSolver
from trimtab.engine.tiebreak import tie_break
from trimtab.engine.zero_trade import zero_trade_feasible

__all__ = [
    "CLOSE_ENOUGH",
    "EXACT_WASH_GROUPS",
    "integer_rules_on",
    "make_integer",
    "meets_every_rule",
    "wash_conflicts",
]

EXACT_WASH_GROUPS = 4
# A block decision this close to its bound, (total − bound) / max(1, |total|), is kept
# without running the heuristics: they could improve it by at most this much.
CLOSE_ENOUGH = 1e-4
# A heuristic decision further than this from the bound, relative and in dollars (a share
# of the account's value), is handed to HiGHS's MILP on the relaxation's support with the
# decision as its first incumbent (`_search`): measured on 60 model accounts, 7 qualify
# and their totals improve by $22–$225 for 20–55 ms each; below it the search cannot gain
# enough to pay for itself.
SEARCH_GAP = 0.01
SEARCH_VALUE_SHARE = 2e-5
SEARCH_NODES = 20  # branch-and-bound nodes: a deterministic limit (the root does most)
# Only a safety net: measured searches take 2–150 ms, and the node limit, not the clock,
# should end them, so that the answer does not depend on how busy the machine is.
SEARCH_TIME_LIMIT = 2.0
_FLIP_TRIES = 6
_ROUNDS = 4
_EPS = 1e-6  # dollars: below this a trade is solver noise


def integer_rules_on(a: AccountArrays) -> bool:
    return a.params.whole_shares or a.params.min_trade_value > 0


_loss_lots = loss_lots


def wash_conflicts(a: AccountArrays, model: LpModel, x: Floats) -> Ints:
    """Wash groups where x both buys a member and sells a lot at a loss (rule 5(c))."""
    if not a.taxable or len(x) == 0:
        return np.zeros(0, dtype=np.intp)
    n_wash = len(a.wash_ids)
    sells = (x[: model.n_lot] > _EPS) & _loss_lots(a)
    sold = np.bincount(a.sec_wash[a.lot_sec[sells]], minlength=n_wash)
    bought = np.bincount(a.sec_wash[a.buy_sec[x[model.buy] > _EPS]], minlength=n_wash)
    return np.flatnonzero((sold > 0) & (bought > 0))


class _Search:
    """The relaxation's solver with integer decisions applied as bounds."""

    def __init__(self, a: AccountArrays, solver: LpSolver) -> None:
        self.a = a
        self.solver = solver
        self.model = solver.model

    def wash_columns(self, w: int, side: str) -> Ints:
        """Columns to close for wash group w: its buys ("sell" side) or loss lots ("buy")."""
        a, m = self.a, self.model
        if side == "sell":
            return m.n_lot + np.flatnonzero(a.sec_wash[a.buy_sec] == w)
        return np.flatnonzero((a.sec_wash[a.lot_sec] == w) & _loss_lots(self.a))

    def with_sides(self, sides: dict[int, str]) -> LpOutcome:
        cols = [self.wash_columns(w, s) for w, s in sides.items()]
        closed = np.concatenate(cols) if cols else np.zeros(0, dtype=np.intp)
        saved = (self.solver.lower[closed].copy(), self.solver.upper[closed].copy())
        self.solver.set_columns(closed, np.zeros(len(closed)), np.zeros(len(closed)))
        out = self.solver.solve()
        self.solver.set_columns(closed, *saved)
        return out

    def fix_sides(self, sides: dict[int, str]) -> None:
        for w, s in sides.items():
            cols = self.wash_columns(w, s)
            self.solver.set_columns(cols, np.zeros(len(cols)), np.zeros(len(cols)))


def _hold_wash_sides(search: _Search, x: Floats) -> None:
    """Keep every wash group on the side x, a decision free of 5(c) conflicts, has taken.

    The minimum-trade passes re-solve with trades lifted and dropped; a re-solve is free
    to buy a member of a wash group whose loss lot x sells, or to sell a loss lot of one
    whose member x buys, and nothing after it would undo that conflict. Closing those
    columns keeps x itself feasible, so no re-solve loses a lawful decision it could
    reach from x; a group x leaves idle on both sides stays open (a re-solve may need it,
    and `_min_trade` refuses a re-solve that opens both).
    """
    a, model = search.a, search.model
    if not a.taxable:
        return
    loss = _loss_lots(a)
    n_wash = len(a.wash_ids)
    selling = np.bincount(a.sec_wash[a.lot_sec[loss & (x[: model.n_lot] > _EPS)]], minlength=n_wash)
    buying = np.bincount(a.sec_wash[a.buy_sec[x[model.buy] > _EPS]], minlength=n_wash)
    sides = {int(w): "sell" for w in np.flatnonzero(selling)}
    sides.update({int(w): "buy" for w in np.flatnonzero(buying)})
    search.fix_sides(sides)


def _side_losses(a: AccountArrays, model: LpModel, x: Floats, w: int) -> tuple[float, float]:
    """Rough cost of each side for group w, read from the relaxation's solution x."""
    lots = (a.sec_wash[a.lot_sec] == w) & _loss_lots(a)
    harvest_given_up = float(-(a.lot_unit_cost() * x[: model.n_lot])[lots].sum())
    buys = a.sec_wash[a.buy_sec] == w
    drift_given_up = a.params.drift_weight * float(x[model.buy][buys].sum())
    return max(0.0, harvest_given_up), drift_given_up


def _resolve_wash(search: _Search, out: LpOutcome) -> tuple[LpOutcome | None, float]:
    """A decision free of rule-5(c) conflicts, and the best valid bound learned on the way.

    `out` is the relaxation (with its duals). The bound starts at its value, is raised by
    the Lagrangian bound (lagrange.py) and, when every side combination of the root's
    conflicts is enumerated, by the least of their LP values (each bounds its branch).
    """
    a, model = search.a, search.model
    bound = out.objective
    for round_no in range(_ROUNDS):
        conflicts = [int(w) for w in wash_conflicts(a, model, out.x)]
        if not conflicts:
            return out, bound
        if len(conflicts) <= EXACT_WASH_GROUPS:
            best: tuple[float, dict[int, str], LpOutcome] | None = None
            for combo in itertools.product(("buy", "sell"), repeat=len(conflicts)):
                sides = dict(zip(conflicts, combo, strict=True))
                trial = search.with_sides(sides)
                if trial.ok and (best is None or trial.objective < best[0]):
                    best = (trial.objective, sides, trial)
            if best is None:
                return None, bound
            if round_no == 0:
                bound = max(bound, best[0])
            search.fix_sides(best[1])
            out = best[2]
            continue
        guided = wash_bound(a, search.solver, out, np.array(conflicts)) if round_no == 0 else None
        if guided is not None:
            bound = max(bound, guided.bound)
        margins = {w: _side_losses(a, model, out.x, w) for w in conflicts}
        sides = {w: ("buy" if h <= dft else "sell") for w, (h, dft) in margins.items()}
        if guided is not None:
            sides.update({w: s for w, s in guided.sides.items() if w in sides})
        trial = search.with_sides(sides)
        if not trial.ok:
            sides = dict.fromkeys(conflicts, "buy")  # keeping buys rarely breaks cash rules
            trial = search.with_sides(sides)
            if not trial.ok:
                return None, bound
        closest = sorted(conflicts, key=lambda w: abs(margins[w][0] - margins[w][1]))
        for w in closest[:_FLIP_TRIES]:
            flipped = dict(sides)
            flipped[w] = "sell" if sides[w] == "buy" else "buy"
            alt = search.with_sides(flipped)
            if alt.ok and alt.objective < trial.objective - 1e-9:
                sides, trial = flipped, alt
        search.fix_sides(sides)
        out = trial
    return (out if not wash_conflicts(a, model, out.x).size else None), bound


def _min_trade(search: _Search, out: LpOutcome) -> LpOutcome | None:
    a, model, solver = search.a, search.model, search.solver
    m = a.params.min_trade_value
    if m <= 0:
        return out
    tol = 1e-7 * max(1.0, m)
    cap = a.lot_sell_cap
    sellable_value = np.bincount(a.lot_sec, weights=cap, minlength=len(a.sec_ids))
    whole = np.bincount(a.lot_sec, weights=a.lot_value, minlength=len(a.sec_ids)).astype(float)
    exempt = a.must_sell
    none = np.zeros(0, np.intp)
    for _ in range(_ROUNDS):
        x = out.x
        u = x[model.buy]
        sold = np.bincount(a.lot_sec, weights=x[: model.n_lot], minlength=len(a.sec_ids))
        small_buys = np.flatnonzero((u > _EPS) & (u < m - tol))
        small_sells = np.flatnonzero(
            (sold > _EPS) & (sold < m - tol) & (sold < whole - tol) & ~exempt
        )
        if not small_buys.size and not small_sells.size:
            return out
        # Trades at or above the minimum are kept there, so a re-solve cannot shrink them
        # below it: each pass only decides the small ones, and the passes terminate.
        big_buys = np.flatnonzero(u >= m - tol)
        big_sells = np.flatnonzero((sold >= m - tol) & ~exempt & (sellable_value >= m))
        lift_buys = small_buys[u[small_buys] >= m / 2]
        target = np.where(sellable_value >= m, m, whole)
        can_lift = (sellable_value >= m) | (np.abs(sellable_value - whole) <= tol)
        lift_sells = small_sells[
            (sold[small_sells] >= target[small_sells] / 2) & can_lift[small_sells]
        ]
        # Idle securities stay idle at first: re-solves then only adjust trades already
        # decided, instead of moving small trades from one security to the next.
        idle_buys = np.flatnonzero(u <= _EPS)
        idle_sells = np.flatnonzero((sold <= _EPS) & ~exempt)
        liftable = small_sells[can_lift[small_sells]]
        # The first two are compared and the cheaper kept: lifting every small trade is
        # often far cheaper than "lift when half way" on a direct index (a dropped buy
        # leaves its group out of band), but not always. Dropping everything is the
        # fallback when neither is feasible.
        compared = [
            (small_buys, none, liftable, np.setdiff1d(small_sells, liftable), True),
            (
                lift_buys,
                np.setdiff1d(small_buys, lift_buys),
                lift_sells,
                np.setdiff1d(small_sells, lift_sells),
                True,
            ),
        ]
        fallbacks = [
            (none, small_buys, none, small_sells, True),
            (none, small_buys, none, small_sells, False),
        ]
        best: tuple[LpOutcome, _Bounds] | None = None
        for attempts in (compared, fallbacks):
            for lifts_b, drops_b, lifts_s, drops_s, idle_closed in attempts:
                bounds = (
                    np.union1d(lifts_b, big_buys),
                    np.union1d(drops_b, idle_buys) if idle_closed else drops_b,
                    np.union1d(lifts_s, big_sells),
                    np.union1d(drops_s, idle_sells) if idle_closed else drops_s,
                )
                changed = _apply_min_trade(search, *bounds, m, whole)
                attempt = solver.solve()
                _restore(search, changed)
                # Only an attempt re-opening idle columns can start a 5(c) conflict
                # (`_hold_wash_sides` closed the rest): it is not a decision.
                lawful = attempt.ok and not wash_conflicts(a, model, attempt.x).size
                if lawful and (best is None or attempt.objective < best[0].objective - 1e-9):
                    best = (attempt, bounds)
            if best is not None:
                break
        if best is None:
            return None
        _apply_min_trade(search, *best[1], m, whole)  # kept for the next rounds' re-solves
        out = best[0]
    return None


_Saved = tuple[Ints, Floats, Floats, list[tuple[int, float, float]]]
_Bounds = tuple[Ints, Ints, Ints, Ints]  # buys lifted, buys closed, sales lifted, closed


def _apply_min_trade(
    search: _Search,
    lift_buys: Ints,
    drop_buys: Ints,
    lift_sells: Ints,
    drop_sells: Ints,
    m: float,
    whole: Floats,
) -> _Saved:
    a, model, solver = search.a, search.model, search.solver
    buy_cols = model.n_lot + np.concatenate([lift_buys, drop_buys]).astype(np.intp)
    drop_lots = np.flatnonzero(np.isin(a.lot_sec, drop_sells))
    whole_lots = np.flatnonzero(np.isin(a.lot_sec, lift_sells[whole[lift_sells] < m]))
    cols = np.concatenate([buy_cols, drop_lots, whole_lots]).astype(np.intp)
    saved_cols = (cols, solver.lower[cols].copy(), solver.upper[cols].copy())
    solver.set_columns(
        model.n_lot + lift_buys, np.full(len(lift_buys), m), np.full(len(lift_buys), INF)
    )
    solver.set_columns(model.n_lot + drop_buys, np.zeros(len(drop_buys)), np.zeros(len(drop_buys)))
    solver.set_columns(drop_lots, np.zeros(len(drop_lots)), np.zeros(len(drop_lots)))
    value = a.lot_value[whole_lots]
    solver.set_columns(whole_lots, value, value)
    rows: list[tuple[int, float, float]] = []
    for i in lift_sells[whole[lift_sells] >= m]:
        row = model.sellsum_row0 + int(np.searchsorted(model.sellsum_sec, i))
        rows.append((row, 0.0, INF))
        solver.set_row_bounds(row, m, INF)
    return (*saved_cols, rows)


def _restore(search: _Search, saved: _Saved) -> None:
    cols, lower, upper, rows = saved
    search.solver.set_columns(cols, lower, upper)
    for row, lo, hi in rows:
        search.solver.set_row_bounds(row, lo, hi)


def make_integer(
    a: AccountArrays, solver: LpSolver, relaxed: LpOutcome
) -> tuple[Decision | None, float]:
    """A decision meeting rules 5(c), 6 and 7 (None if none is found), and a valid bound.

    First the block bound (block_bound.py); when every target group is one security (or
    holds nothing to trade) its minimizer is a decision too, and kept as it is when within
    `CLOSE_ENOUGH` of the bound. Otherwise the heuristics run and the better decision is
    kept. When neither finds one, harder fallbacks run before giving up: the reduced MILP
    on the relaxation's support (milp.py), then on every column, then the zero-trade
    point when it is feasible.
    """
    blocks = block_bound(a, solver.model, relaxed)
    by_blocks = _from_blocks(a, solver.model, blocks)
    if by_blocks is not None and _gap(a, by_blocks, blocks.bound) <= CLOSE_ENOUGH:
        return by_blocks, blocks.bound
    decision, bound = _heuristic(a, solver, relaxed)
    bound = max(bound, blocks.bound)
    if by_blocks is not None and (decision is None or _total(a, by_blocks) < _total(a, decision)):
        decision = by_blocks
    if decision is not None:
        decision = _search(a, solver, relaxed, decision, bound)
    if decision is None:
        decision = reduced_milp(a, solver.model, relaxed.x)
        if decision is None:
            # The decision may need a trade the relaxation does not make (a whole
            # position sold to fund a buy of at least the minimum): every column open.
            decision = reduced_milp(a, solver.model, np.ones(solver.model.n_col))
        if decision is not None:
            decision = improve(a, decision)
        elif zero_trade_feasible(a):
            decision = Decision.zero(a)
    return decision, bound


def _search(
    a: AccountArrays, solver: LpSolver, relaxed: LpOutcome, decision: Decision, bound: float
) -> Decision:
    """`decision`, or a better one from the MILP on the relaxation's support when it is
    far enough from the bound to be worth the search (`SEARCH_GAP`, `SEARCH_VALUE_SHARE`).
    The heuristics move one share or one trade at a time; the MILP decides them together."""
    total = _total(a, decision)
    if total - bound <= max(SEARCH_GAP * max(1.0, abs(total)), SEARCH_VALUE_SHARE * a.value):
        return decision
    found = reduced_milp(
        a,
        solver.model,
        relaxed.x,
        start=decision,
        max_nodes=SEARCH_NODES,
        time_limit=SEARCH_TIME_LIMIT,
    )
    if found is None:
        return decision
    found = improve(a, found)
    if not meets_every_rule(a, solver.model, found) or _total(a, found) >= total:
        return decision
    return found


def _total(a: AccountArrays, d: Decision) -> float:
    return objective_terms(a, d).total


def _gap(a: AccountArrays, d: Decision, bound: float) -> float:
    total = _total(a, d)
    return (total - bound) / max(1.0, abs(total))


def _from_blocks(a: AccountArrays, model: LpModel, blocks: BlockBound) -> Decision | None:
    """The block bound's minimizer as a lawful decision, or None (module block_bound.py).

    Its sales are whole shares where every lot is; elsewhere (fractional lots) and when
    cash, turnover or the gain budget need a repair, the whole-share rounding does it.
    Whatever comes out is checked against every rule before it is offered.
    """
    x = block_decision(model, blocks)
    if x is None:
        return None
    lot_price, buy_price = a.lot_price, a.price[a.buy_sec]
    sell = x[: model.n_lot] / lot_price
    sell = np.where(sell >= a.lot_qty * (1 - 1e-9), a.lot_qty, sell)
    buy = x[model.buy] / buy_price
    if a.params.whole_shares:
        # The blocks trade whole shares already; this only clears floating-point dust.
        near_sell = np.abs(sell - np.round(sell)) <= 1e-9 * np.maximum(1.0, sell)
        sell = np.where(near_sell & (sell < a.lot_qty), np.round(sell), sell)
        buy = np.where(
            np.abs(buy - np.round(buy)) <= 1e-9 * np.maximum(1.0, buy), np.round(buy), buy
        )
    sell = np.where(sell * lot_price <= _EPS, 0.0, sell)
    buy = np.where(buy * buy_price <= _EPS, 0.0, buy)
    decision = Decision(np.clip(sell, 0.0, a.lot_qty), np.maximum(buy, 0.0))
    if not meets_every_rule(a, model, decision):
        if not a.params.whole_shares:
            return None
        rounded = round_shares(a, decision, model.upper[: model.n_lot])
        if rounded is None or not meets_every_rule(a, model, rounded):
            return None
        decision = rounded
    return improve(a, decision)


def meets_every_rule(a: AccountArrays, model: LpModel, d: Decision) -> bool:
    """Rules 1–9 at decision d, within the solver's bounds (which hold 1, 2, 3, 5a, 5b)."""
    p = a.params
    tol = 1e-7 * max(1.0, a.value)
    sold_lot, bought = d.sell_dollars(a), d.buy_dollars(a)
    if np.any(sold_lot < model.lower[: model.n_lot] - tol) or np.any(
        sold_lot > model.upper[: model.n_lot] + tol
    ):
        return False
    if np.any(d.sell < 0) or np.any(d.sell > a.lot_qty * (1 + 1e-12)) or np.any(d.buy < 0):
        return False
    if np.any(bought > model.upper[model.buy] + tol):
        return False
    cash = post_trade_cash(a, d)
    if not p.min_cash * a.value - tol <= cash <= p.max_cash * a.value + tol:
        return False
    if (
        p.max_turnover is not None
        and sold_lot.sum() + bought.sum() > 2 * a.value * p.max_turnover + tol
    ):
        return False
    if p.gain_budget is not None and float(sold_lot @ a.lot_gain) > p.gain_budget + tol:
        return False
    if p.whole_shares:
        whole_lot = d.sell >= a.lot_qty * (1 - 1e-9)
        if np.any(~whole_lot & (np.abs(d.sell - np.round(d.sell)) > 1e-9)):
            return False
        if np.any(np.abs(d.buy - np.round(d.buy)) > 1e-9):
            return False
    m = p.min_trade_value
    if m > 0:
        sold, _ = d.by_security(a)
        position = np.bincount(a.lot_sec, weights=a.lot_value, minlength=len(a.sec_ids))
        small = (sold > _EPS) & (sold < m - tol) & (sold < position - tol) & ~a.must_sell
        if small.any() or np.any((bought > _EPS) & (bought < m - tol)):
            return False
    x = np.concatenate([sold_lot, bought])
    return not wash_conflicts(a, model, x).size


def _heuristic(
    a: AccountArrays, solver: LpSolver, relaxed: LpOutcome
) -> tuple[Decision | None, float]:
    search = _Search(a, solver)
    out, bound = _resolve_wash(search, tie_break(a, solver, relaxed))
    if out is None:
        return None, bound
    _hold_wash_sides(search, out.x)
    out = _min_trade(search, tie_break(a, solver, out))
    if out is None:
        return None, bound
    out = tie_break(a, solver, out)
    model = search.model
    sell = out.x[: model.n_lot] / a.lot_price
    sell = np.where(sell >= a.lot_qty * (1 - 1e-9), a.lot_qty, sell)
    sell = np.where(sell * a.lot_price <= _EPS, 0.0, sell)
    buy = out.x[model.buy] / a.price[a.buy_sec]
    buy = np.where(buy * a.price[a.buy_sec] <= _EPS, 0.0, buy)
    if not a.params.whole_shares:
        return improve(a, Decision(sell, buy)), bound
    rounded = round_shares(a, Decision(sell, buy), solver.upper[: model.n_lot])
    return (None if rounded is None else improve(a, rounded)), bound
