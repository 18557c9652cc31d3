"""Why a case is infeasible: the rule that cannot be met, and the numbers behind it.

Problem: "infeasible" alone is useless to an adviser. The answer must name the rule and
show why, e.g. "withdrawal of $50,000 exceeds sellable value $31,200 (no-sell lots: L7)".
Guessing from the inputs misses interactions (a gain budget that blocks the sales a
withdrawal needs), so the rules are tested, not guessed.

Rule: rule groups (build.Rule: withdrawal, cash bounds, gain budget, turnover cap,
must-sell, no-sell, wash-sale) are relaxed one at a time, in that order, and the LP
re-solved for feasibility. The first group whose relaxation alone restores feasibility is
named, with its numbers from one more LP that optimizes the rule's own quantity under all
the other rules (the most cash that can be raised, the least net gain or turnover the
others force). When no single group suffices, groups are relaxed cumulatively in the same
order and the message names the set that conflicts.

Example: cash $2,500, one sellable lot worth $28,700 and a no-sell lot L7, a $50,000
withdrawal, min cash 0 → relaxing the withdrawal alone is feasible, and the most cash the
other rules allow is $31,200: "withdrawal of $50,000 exceeds sellable value $31,200 (cash
$2,500 + sales net of trading cost $28,700 − minimum cash $0; no-sell lots: L7)".
"""

from __future__ import annotations

import numpy as np

from trimtab.engine.arrays import AccountArrays, Floats
from trimtab.engine.build import LpModel, Rule, build_model
from trimtab.engine.explain import usd
from trimtab.engine.solve import LpSolver
from trimtab.engine.tracking import TrackingModel

__all__ = ["diagnose", "nonpositive_value_reason"]

_ORDER = (
    Rule.WITHDRAWAL,
    Rule.CASH,
    Rule.GAIN_BUDGET,
    Rule.TURNOVER,
    Rule.MUST_SELL,
    Rule.NO_SELL,
    Rule.WASH_SALE,
)


def nonpositive_value_reason(a: AccountArrays) -> str:
    holdings = float(a.held @ a.price)
    return (
        f"withdrawal of {usd(a.withdrawal)} leaves no account value: cash {usd(a.cash)} + "
        f"holdings {usd(holdings)} = {usd(a.cash + holdings)}"
    )


def _applies(a: AccountArrays, rule: Rule) -> bool:
    p = a.params
    return {
        Rule.WITHDRAWAL: a.withdrawal > 0,
        Rule.CASH: True,
        Rule.GAIN_BUDGET: p.gain_budget is not None,
        Rule.TURNOVER: p.max_turnover is not None,
        Rule.MUST_SELL: bool(a.lot_forced.any()),
        Rule.NO_SELL: bool(a.lot_no_sell.any()),
        Rule.WASH_SALE: bool(a.lot_wash_blocked.any() or a.buy_wash_blocked.any()),
    }[rule]


def _feasible(a: AccountArrays, relaxed: frozenset[Rule]) -> bool:
    model = build_model(a, relaxed=relaxed)
    model.cost[:] = 0.0  # feasibility only
    return LpSolver(model).solve().ok


def _extreme(a: AccountArrays, relaxed: frozenset[Rule], row: Floats, sense: int) -> float:
    """min (sense=1) or max (sense=−1) of row·x under the rules not relaxed."""
    model = build_model(a, relaxed=relaxed)
    model.cost[:] = sense * row
    out = LpSolver(model).solve()
    return sense * out.objective if out.ok else float("nan")


def _row(model: LpModel, row: int) -> Floats:
    dense: Floats = model.dense_rows(np.array([row]))[0]
    return dense


def diagnose(a: AccountArrays, tracking: TrackingModel | None = None) -> str:
    """Name the rule that cannot be met (module docstring); `tracking` never affects it."""
    rules = [r for r in _ORDER if _applies(a, r)]
    for rule in rules:
        if _feasible(a, frozenset({rule})):
            return _explain(a, rule)
    relaxed: set[Rule] = set()
    for rule in rules:
        relaxed.add(rule)
        if _feasible(a, frozenset(relaxed)):
            names = ", ".join(r.value for r in rules if r in relaxed)
            return (
                f"the rules {names} cannot all hold together (relaxing any one alone is "
                "not enough); " + "; ".join(_explain(a, r) for r in rules if r in relaxed)
            )
    return "the case's rules cannot all hold (no single rule group explains it)"


def _blockers(a: AccountArrays) -> str:
    parts = []
    no_sell = [a.lot_ids[i] for i in np.flatnonzero(a.lot_no_sell & ~a.lot_forced)]
    if no_sell:
        parts.append("no-sell lots: " + ", ".join(no_sell))
    wash = [a.lot_ids[i] for i in np.flatnonzero(a.lot_wash_blocked)]
    if wash:
        parts.append("loss lots blocked by a recent buy (wash sale): " + ", ".join(wash))
    if a.params.gain_budget is not None:
        parts.append(f"gain budget {usd(a.params.gain_budget)}")
    if a.params.max_turnover is not None:
        parts.append(f"turnover cap {a.params.max_turnover * 100:.1f}%")
    return "; " + "; ".join(parts) if parts else ""


def _mandates(a: AccountArrays) -> str:
    parts = []
    forced = sorted({a.sec_ids[int(a.lot_sec[i])] for i in np.flatnonzero(a.lot_forced)})
    if forced:
        value = float(a.lot_value[a.lot_forced].sum())
        parts.append(f"must-sell {', '.join(forced)} {usd(value)}")
    if a.withdrawal > 0:
        parts.append(f"withdrawal {usd(a.withdrawal)}")
    return " (" + "; ".join(parts) + ")" if parts else ""


def _explain(a: AccountArrays, rule: Rule) -> str:
    p = a.params
    v = a.value
    model = build_model(a)
    floor, ceiling = p.min_cash * v, p.max_cash * v
    cash_row = _row(model, model.cash_row)
    if rule in (Rule.WITHDRAWAL, Rule.CASH):
        most = _extreme(a, frozenset({Rule.CASH, Rule.WITHDRAWAL}), cash_row, -1)
        raisable = a.cash + most - floor
        if rule is Rule.WITHDRAWAL:
            return (
                f"withdrawal of {usd(a.withdrawal)} exceeds sellable value {usd(raisable)} "
                f"(cash {usd(a.cash)} + sales net of trading cost {usd(most)} − minimum cash "
                f"{usd(floor)}{_blockers(a)})"
            )
        if a.cash + most - a.withdrawal < floor:
            return (
                f"minimum cash of {p.min_cash * 100:.1f}% ({usd(floor)}) cannot be reached: "
                f"cash can be raised to at most {usd(a.cash + most - a.withdrawal)}"
                f"{_mandates(a)}{_blockers(a)}"
            )
        least = _extreme(a, frozenset({Rule.CASH, Rule.WITHDRAWAL}), cash_row, 1)
        blocked = [a.sec_ids[int(i)] for i in a.buy_sec[a.buy_wash_blocked]]
        no_buy = ", ".join(blocked) if blocked else "none"
        return (
            f"maximum cash of {p.max_cash * 100:.1f}% ({usd(ceiling)}) cannot be met: cash "
            f"stays at least {usd(a.cash + least - a.withdrawal)} because too little can be "
            f"bought (buys blocked by a recent loss sale (wash sale): {no_buy}){_mandates(a)}"
        )
    if rule is Rule.GAIN_BUDGET:
        gains = np.zeros(model.n_col)
        gains[: model.n_lot] = a.lot_gain
        least = _extreme(a, frozenset({Rule.GAIN_BUDGET}), gains, 1)
        return (
            f"gain budget of {usd(p.gain_budget or 0.0)} cannot be met: the other rules force "
            f"a net realized gain of at least {usd(least)}{_mandates(a)}"
        )
    if rule is Rule.TURNOVER:
        ones = np.zeros(model.n_col)
        ones[: model.n_lot + model.n_buy] = 1.0
        least = _extreme(a, frozenset({Rule.TURNOVER}), ones, 1) / (2 * v)
        return (
            f"turnover cap of {(p.max_turnover or 0.0) * 100:.1f}% cannot be met: the other "
            f"rules need at least {least * 100:.1f}%{_mandates(a)}"
        )
    if rule is Rule.MUST_SELL:
        stuck = [a.lot_ids[i] for i in np.flatnonzero(a.lot_forced & a.lot_no_sell)]
        if stuck:
            return f"must-sell lots are also no-sell: {', '.join(stuck)}"
        return f"the must-sell sales{_mandates(a)} cannot be carried out under the other rules"
    if rule is Rule.NO_SELL:
        lots = [a.lot_ids[i] for i in np.flatnonzero(a.lot_no_sell & ~a.lot_forced)]
        return f"no-sell lots block the sales the other rules need: {', '.join(lots)}"
    lots = [a.lot_ids[i] for i in np.flatnonzero(a.lot_wash_blocked)]
    buys = [a.sec_ids[int(i)] for i in a.buy_sec[a.buy_wash_blocked]]
    return (
        "wash-sale rules block the trades the other rules need: "
        f"buys blocked by a recent loss sale: {', '.join(buys) or 'none'}; "
        f"loss lots blocked by a recent buy: {', '.join(lots) or 'none'}"
    )
