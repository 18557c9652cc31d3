"""The rebalance case written a second, deliberately plain way: CVXPY, solved by HiGHS.

This is the independent reference of OPTIMIZER.md ("How we know it is right"). It shares
nothing with the engine: it reads the contract's JSON (tests/reference/case_model.py),
writes one constraint per hard rule of shared/spec/rebalance-case.md, each marked with its
rule number, and the objective exactly as the spec states it. Without integer rules it is
an LP; the integer rules (5c, 6, 7) are written the textbook way, with boolean variables
and big-M bounds, which HiGHS's branch-and-bound solves exactly on small cases (and slowly
on large ones — that contrast is what bench/engine.py measures).

    >>> import json, pathlib                                     # doctest: +SKIP
    >>> solve_reference(json.loads(pathlib.Path("case.json").read_text()))
    ReferenceSolution(status='optimal', total=230.245, ...)

Variables: `x[l]` shares sold from lot l, `b[i]` shares bought of security i, `e[k]` the
out-of-band drift of group k (as a weight).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from tests.reference.case_model import Case, read_case
from tests.reference.checks import Trades, objective_terms


@dataclass(frozen=True)
class ReferenceSolution:
    status: str  # "optimal", "infeasible", or CVXPY's status when neither (e.g. a time limit)
    total: float | None
    trades: Trades = field(default_factory=Trades)
    bound: float | None = None  # HiGHS's dual bound (MILP), else the total
    seconds: float = 0.0  # CVXPY build + compile + solve (reading the JSON excluded)
    solver_value: float | None = None  # CVXPY's objective value, to cross-check `total`


def solve_reference(
    data: dict[str, Any],
    parameters: dict[str, Any] | None = None,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-9,
) -> ReferenceSolution:
    """Solve the case exactly (up to HiGHS's tolerances); `parameters` replace the case's.

    The status is "optimal" or "infeasible" as the contract uses the words; a MILP stopped
    by `time_limit` with a feasible point reports CVXPY's status with that point's total.
    """
    case = read_case(data, parameters)
    started = time.perf_counter()
    problem, x, b = formulate(case)
    options: dict[str, Any] = {"mip_rel_gap": mip_rel_gap, "threads": 1}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    with warnings.catch_warnings():
        # CVXPY warns and reports OPTIMAL_INACCURATE together; the status is what we read
        warnings.filterwarnings("ignore", message="Solution may be inaccurate")
        problem.solve(solver=cp.HIGHS, **options)
    seconds = time.perf_counter() - started
    if problem.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
        return ReferenceSolution("infeasible", None, seconds=seconds)
    if x.value is None or b.value is None:
        return ReferenceSolution(problem.status, None, seconds=seconds)
    trades = Trades(
        sold={lot.id: float(v) for lot, v in zip(case.lots, x.value, strict=False) if v > 0},
        bought={s: float(v) for s, v in zip(case.securities, b.value, strict=True) if v > 0},
    )
    total = objective_terms(case, trades)["total"]
    bound = total
    stats = problem.solver_stats.extra_stats
    if problem.is_mixed_integer() and stats is not None:
        bound = float(getattr(stats, "mip_dual_bound", total))
    status = "optimal" if problem.status == cp.OPTIMAL else problem.status
    return ReferenceSolution(status, total, trades, bound, seconds, float(problem.value))


def formulate(case: Case) -> tuple[cp.Problem, cp.Variable, cp.Variable]:
    """The spec as a CVXPY problem; returns it with the sell (x) and buy (b) variables."""
    p = case.parameters
    securities = list(case.securities.values())
    index = {s.id: i for i, s in enumerate(securities)}
    n_sec = len(securities)
    # an account holding nothing still gets one lot column, of zero shares, so that every
    # expression below keeps its shape
    n_lots = max(1, len(case.lots))
    price = np.array([s.price for s in securities])
    cost_rate = np.array([s.cost_rate for s in securities])
    quantity = np.zeros(n_lots)
    quantity[: len(case.lots)] = [lot.quantity for lot in case.lots]
    lot_price = np.zeros(n_lots)
    lot_price[: len(case.lots)] = [case.price(lot.security) for lot in case.lots]
    gain = np.zeros(n_lots)
    gain[: len(case.lots)] = [case.gain_per_share(lot) for lot in case.lots]
    rate = np.zeros(n_lots)
    rate[: len(case.lots)] = [lot.rate for lot in case.lots]
    v = case.total_value
    # lot -> security and security -> group incidence, so that holdings are matrix products
    lot_security = sp.csr_matrix(
        (
            np.ones(len(case.lots)),
            ([index[lot.security] for lot in case.lots], np.arange(len(case.lots))),
        ),
        shape=(n_sec, n_lots),
    )
    pairs = [(k, index[m]) for k, g in enumerate(case.groups) for m in g.members if m in index]
    group_security = sp.csr_matrix(
        (np.ones(len(pairs)), ([k for k, _ in pairs], [i for _, i in pairs])),
        shape=(len(case.groups), n_sec),
    )
    target = np.array([g.target for g in case.groups])
    band = np.array([g.band for g in case.groups])

    integer = p.whole_shares
    x = cp.Variable(n_lots, integer=integer, name="sold")
    b = cp.Variable(n_sec, integer=integer, name="bought")
    e = cp.Variable(len(case.groups), name="drift_excess")

    held = lot_security @ quantity
    sold_per_security = lot_security @ x
    shares_after = held - sold_per_security + b
    weight = group_security @ cp.multiply(price, shares_after) / v
    sale_value = lot_price @ x
    buy_value = price @ b
    trading = cp.multiply(cost_rate * price, b + sold_per_security)
    cash_after = case.cash + sale_value - buy_value - cp.sum(trading) - p.withdrawal

    # the objective, term by term as the spec writes it
    drift = p.drift_weight * v * cp.sum(e)
    tax_rate_per_share = np.where(gain > 0, gain * rate, 0.0)
    harvest_per_share = np.where(gain < 0, p.harvest_value * (-gain) * rate, 0.0)
    tax = tax_rate_per_share @ x
    harvest = harvest_per_share @ x
    objective = cp.Minimize(drift + tax - harvest + cp.sum(trading))

    constraints: list[Any] = [e >= 0, e >= weight - target - band, e >= target - weight - band]

    # rule 1 (and 5a, which also forbids buying): only a group's buy member that is not
    # no_buy and whose wash group was not sold at a loss in the window
    not_buyable = [i for i, s in enumerate(securities) if not case.may_buy(s.id)]
    if not_buyable:
        constraints.append(b[not_buyable] == 0)
    # rule 2 (and 5b, which also forbids selling): no_sell lots, and loss lots whose wash
    # group was bought in the window, are not sold
    not_sellable = [j for j, lot in enumerate(case.lots) if not case.may_sell(lot)]
    if not_sellable:
        constraints.append(x[not_sellable] == 0)
    # rule 2: must_sell securities are sold entirely
    must_sell = [j for j, lot in enumerate(case.lots) if case.securities[lot.security].must_sell]
    if must_sell:
        constraints.append(x[must_sell] == quantity[must_sell])
    # rule 3: no shorts
    constraints.append(b >= 0)
    constraints += [x >= 0, x <= quantity]
    # rule 4: post-trade cash within its bounds
    constraints += [cash_after >= p.min_cash * v, cash_after <= p.max_cash * v]

    # the most any buy can be, in shares: all cash plus every lot sold
    max_buy_shares = (case.cash + case.market_value) / price
    # rule 5c: per conflicting wash group, a boolean picks the side — buy or loss-sell
    lot_index = {lot.id: j for j, lot in enumerate(case.lots)}
    for buyers, losers in case.same_rebalance_conflicts().values():
        buys_allowed = cp.Variable(boolean=True)
        for s in buyers:
            constraints.append(b[index[s]] <= max_buy_shares[index[s]] * buys_allowed)
        for lot_id in losers:
            j = lot_index[lot_id]
            constraints.append(x[j] <= quantity[j] * (1 - buys_allowed))

    # rule 6: a buy is 0 or ≥ m; a sale is 0, ≥ m, or the whole position (must_sell exempt)
    if p.min_trade_value > 0:
        m = p.min_trade_value
        whole_position = price * held
        for i, sec in enumerate(securities):
            if sec.must_sell:
                continue
            if case.may_buy(sec.id):
                buying = cp.Variable(boolean=True)
                constraints += [
                    price[i] * b[i] >= m * buying,
                    b[i] <= max_buy_shares[i] * buying,
                ]
            if held[i] > 0:
                selling = cp.Variable(boolean=True)
                sale = price[i] * sold_per_security[i]
                constraints += [
                    sale >= min(m, whole_position[i]) * selling,
                    sale <= whole_position[i] * selling,
                ]
    # rule 7 is the integrality of x and b declared above (whole_shares)

    # rule 8: turnover cap
    if p.max_turnover is not None:
        constraints.append(sale_value + buy_value <= 2 * v * p.max_turnover)
    # rule 9: net realized gain within the budget
    if p.gain_budget is not None:
        constraints.append(gain @ x <= p.gain_budget)

    return cp.Problem(objective, constraints), x, b
