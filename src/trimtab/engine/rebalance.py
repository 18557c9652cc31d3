"""`rebalance(case) -> Result`: one account in, one decision out.

Problem: answer the contract (shared/spec/rebalance-case.md) for one case: an optimal
decision when the rules allow one, the rule that cannot be met when they do not, every
input mistake when the case is invalid, and nothing slower than it must be.

Rule, in order:
1. V ≤ 0 (the withdrawal takes everything) → infeasible, with the numbers.
2. The zero-trade proof (zero_trade.py) → no trades, without a solver.
3. The LP (or QP with tracking error) built as arrays (build.py) and solved by HiGHS.
   Infeasible → diagnose.py names the rule. Without integer rules and without a
   same-rebalance wash-sale conflict in its solution, that solution is the answer
   (bound = objective, gap 0).
4. Otherwise integer.py turns the relaxation into a decision meeting every integer rule
   and reports the gap to the relaxation's bound.
5. The numbers reported are recomputed at the returned trades (evaluate.py) and each
   trade is explained (explain.py).

Example: `optimize_json(json.load(open("examples/cases/spec-example.json")))["status"]`
→ `"optimal"`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from trimtab.engine.arrays import AccountArrays
from trimtab.engine.build import build_model
from trimtab.engine.case import Case, parse_case
from trimtab.engine.diagnose import diagnose, nonpositive_value_reason
from trimtab.engine.evaluate import (
    Decision,
    drift_penalty,
    group_values,
    objective_terms,
    post_trade_cash,
)
from trimtab.engine.explain import explain
from trimtab.engine.integer import integer_rules_on, make_integer, wash_conflicts
from trimtab.engine.result import (
    GroupWeight,
    LotPick,
    ObjectiveTerms,
    PostTrade,
    Result,
    SolverStats,
    TaxSummary,
    Trade,
)
from trimtab.engine.solve import LpSolver
from trimtab.engine.tiebreak import tie_break
from trimtab.engine.tracking import TrackingModel
from trimtab.engine.zero_trade import proves_zero_trade_optimal, zero_trade_feasible

__all__ = ["Decided", "decide", "decision_from_lp", "optimize_json", "rebalance"]


@dataclass(frozen=True, eq=False)
class Decided:
    """The engine's decision for a case, before it is explained and reported."""

    decision: Decision
    tracking: TrackingModel | None
    terms: ObjectiveTerms  # the spec's objective at the decision
    stats: SolverStats


def rebalance(case: Case) -> Result:
    decided = decide(case)
    if isinstance(decided, Result):
        return decided
    return _finish(case, decided)


def decide(case: Case) -> Decided | Result:
    """Build and solve: the decision (steps 1–4 of the module docstring), or the final
    Result when there is none (infeasible, solver error). Timed apart from the
    explanation: the speed targets are for this part."""
    started = time.perf_counter()
    a = case.arrays
    if a.value <= 0:
        return Result(
            "infeasible",
            parameters=case.parameters.as_dict(),
            reason=nonpositive_value_reason(a),
            solver=SolverStats("none", time.perf_counter() - started, 0.0, 0.0),
        )
    tracking = None
    if case.factor_model is not None and case.parameters.tracking_error_weight > 0:
        tracking = TrackingModel.from_case(
            case.factor_model, a, case.parameters.tracking_error_weight
        )
    if proves_zero_trade_optimal(a, tracking_on=tracking is not None):
        zero = Decision.zero(a)
        stats = SolverStats("zero-trade proof", time.perf_counter() - started, 0.0, 0.0)
        return Decided(zero, tracking, objective_terms(a, zero, tracking), stats)

    integer = integer_rules_on(a)
    with LpSolver(build_model(a, sell_sums=integer, tracking=tracking)) as solver:
        return _solve(case, a, tracking, solver, integer, started)


def _solve(
    case: Case,
    a: AccountArrays,
    tracking: TrackingModel | None,
    solver: LpSolver,
    integer: bool,
    started: float,
) -> Decided | Result:
    relaxed = solver.solve()
    if not relaxed.ok:
        if relaxed.status.startswith("error"):
            return Result(
                "error",
                parameters=case.parameters.as_dict(),
                reason=f"solver: {relaxed.status}",
            )
        return Result(
            "infeasible",
            parameters=case.parameters.as_dict(),
            reason=diagnose(a, tracking),
            solver=SolverStats(
                _solver_name(tracking), time.perf_counter() - started, 0.0, 0.0, solver.solves
            ),
        )
    bound = relaxed.objective
    name = _solver_name(tracking)
    if integer or wash_conflicts(a, solver.model, relaxed.x).size:
        decision, bound = make_integer(a, solver, relaxed)
        bound = max(bound, relaxed.objective)
        name += " + integer heuristic"
        if decision is None:
            return Result(
                "infeasible",
                parameters=case.parameters.as_dict(),
                reason=(
                    "no decision meets the integer rules (whole shares, minimum trade "
                    "value, wash-sale rule 5c) together with the others, although the "
                    "relaxation without them is feasible: try whole_shares off or a "
                    "lower min_trade_value"
                ),
                # No decision, so no gap to report: 0, as on every other infeasible answer
                # (NaN is not JSON).
                solver=SolverStats(name, time.perf_counter() - started, bound, 0.0, solver.solves),
            )
    else:
        decision = decision_from_lp(a, solver.model.n_lot, tie_break(a, solver, relaxed).x)
    decision, terms = _no_trade_on_a_tie(a, decision, tracking)
    bound, gap = _bound_and_gap(terms.total, bound)
    stats = SolverStats(name, time.perf_counter() - started, bound, gap, solver.solves)
    return Decided(decision, tracking, terms, stats)


def _no_trade_on_a_tie(
    a: AccountArrays, decision: Decision, tracking: TrackingModel | None
) -> tuple[Decision, ObjectiveTerms]:
    """Trading nothing wins a tie: when the zero-trade point is lawful and no worse (to
    $1e-9 of V), the answer is no trade. Without trading costs a rebalance can have a whole
    face of optimal decisions, and the solver may return any vertex of it; a re-run on
    the post-trade account must not trade again just because another vertex exists."""
    terms = objective_terms(a, decision, tracking)
    if not (decision.sell.any() or decision.buy.any()) or not zero_trade_feasible(a):
        return decision, terms
    tolerance = 1e-9 * max(1.0, a.value)
    if tracking is None and drift_penalty(a, a.group_value) > terms.total + tolerance:
        return decision, terms  # no trade costs only its drift: cheaper to say so first
    zero = Decision.zero(a)
    zero_terms = objective_terms(a, zero, tracking)
    if zero_terms.total <= terms.total + tolerance:
        return zero, zero_terms
    return decision, terms


def decision_from_lp(a: AccountArrays, n_lot: int, x: np.ndarray) -> Decision:
    """LP dollars → shares, snapping whole lots and solver noise (1e-9 of a lot or $1e-9).

    Shares are not rounded further: the LP answer is exact, and rounding to a custodian's
    precision would move the objective off the optimum the result claims.
    """
    sell = x[:n_lot] / a.lot_price
    sell = np.where(sell >= a.lot_qty * (1 - 1e-9), a.lot_qty, sell)
    sell = np.where(sell * a.lot_price < 1e-9, 0.0, sell)
    buy = x[n_lot : n_lot + len(a.buy_sec)] / a.price[a.buy_sec]
    buy = np.where(x[n_lot : n_lot + len(a.buy_sec)] < 1e-9, 0.0, buy)
    return Decision(np.minimum(np.maximum(sell, 0.0), a.lot_qty), np.maximum(buy, 0.0))


def optimize_json(data: object) -> dict[str, object]:
    """The contract end to end: parsed JSON case in, Result JSON out; never raises."""
    try:
        case, problems = parse_case(data)
        if case is None:
            return Result("invalid", errors=tuple(problems)).as_dict()
        return rebalance(case).as_dict()
    except Exception as exc:  # a bug must not cost the user the other cases
        return {"status": "error", "reason": f"internal error ({type(exc).__name__}): {exc}"}


def _bound_and_gap(total: float, bound: float) -> tuple[float, float]:
    """solver.bound and solver.gap = (total − bound) / max(1, |total|), always finite.

    A bound that is not a finite number (a failed solve upstream) proves nothing; the
    weakest honest statement replaces it: bound = total − max(1, |total|), a 100% gap.
    """
    scale = max(1.0, abs(total))
    if not math.isfinite(bound):
        bound = total - scale
    return bound, max(0.0, total - bound) / scale


def _solver_name(tracking: TrackingModel | None) -> str:
    return "highs" if tracking is None else "highs-qp"


def _finish(case: Case, decided: Decided) -> Result:
    a, d, tracking, terms = case.arrays, decided.decision, decided.tracking, decided.terms
    explained = explain(case, a, d, tracking, terms)
    trades = _trades(a, d, explained.reasons, explained.effects, explained.mandated)
    values = group_values(a, d)
    cash = post_trade_cash(a, d)
    groups = tuple(
        map(
            GroupWeight,
            a.group_ids,
            (values / a.value).tolist(),
            a.target.tolist(),
            a.band.tolist(),
        )
    )
    sell_value = float(d.sell_dollars(a).sum())
    buy_value = float(d.buy_dollars(a).sum())
    return Result(
        "optimal",
        objective=terms,
        parameters=case.parameters.as_dict(),
        trades=trades,
        post_trade=PostTrade(cash, cash / a.value, groups),
        tax=_tax_summary(case, a, d),
        turnover=(sell_value + buy_value) / (2 * a.value),
        solver=decided.stats,
        cost_benefit=explained.cost_benefit,
    )


def _tax_summary(case: Case, a: AccountArrays, d: Decision) -> TaxSummary:
    realized = d.sell * (a.lot_price - a.lot_basis)
    short = float(realized[~a.lot_long].sum())
    long = float(realized[a.lot_long].sum())
    losses = float(-realized[realized < 0].sum())
    if not a.taxable:
        return TaxSummary(short, long, losses, 0.0)
    tax = case.tax.short_term_rate * short + case.tax.long_term_rate * long
    return TaxSummary(short, long, losses, tax)


def _trades(
    a: AccountArrays,
    d: Decision,
    reasons: Mapping[tuple[int, str], str],
    effects: Mapping[tuple[int, str], Mapping[str, float]],
    mandated: Mapping[tuple[int, str], bool],
) -> tuple[Trade, ...]:
    out: list[Trade] = []
    sold = np.flatnonzero(d.sell > 0)
    order = sold[np.argsort(a.lot_sec[sold], kind="stable")]
    lot_sec = a.lot_sec[order].tolist()
    qty = d.sell[order].tolist()
    gain = (d.sell[order] * (a.price[a.lot_sec[order]] - a.lot_basis[order])).tolist()
    term = np.where(a.lot_long[order], "long", "short").tolist()
    picks: dict[int, list[LotPick]] = {}
    for j, lot in enumerate(order.tolist()):
        picks.setdefault(lot_sec[j], []).append(LotPick(a.lot_ids[lot], qty[j], gain[j], term[j]))
    price = a.price.tolist()
    sold_qty = np.bincount(a.lot_sec, weights=d.sell, minlength=len(price)).tolist()
    for i, lots in picks.items():
        quantity = sold_qty[i]
        key = (i, "sell")
        out.append(
            Trade(
                a.sec_ids[i],
                "sell",
                quantity,
                quantity * price[i],
                tuple(lots),
                reasons[key],
                effects[key],
                mandated[key],
            )
        )
    bought = np.flatnonzero(d.buy > 0)
    for i, quantity in zip(a.buy_sec[bought].tolist(), d.buy[bought].tolist(), strict=True):
        key = (i, "buy")
        out.append(
            Trade(
                a.sec_ids[i],
                "buy",
                quantity,
                quantity * price[i],
                (),
                reasons[key],
                effects[key],
                mandated[key],
            )
        )
    return tuple(out)
