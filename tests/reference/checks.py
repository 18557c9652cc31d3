"""Judging a rebalance result by the contract alone: its objective and its hard rules.

Whoever produced the trades (the engine, the CVXPY reference), the spec's objective can be
recomputed from them (here, from the case read the plain way) and every hard rule (1–9 of
docs/engine.md) checked on them (by the engine's decision checker, which reads the case,
not the engine's problem build). A result passes when `rule_violations` is empty and
`objective_terms(...)["total"]` equals the reported `objective.total`.

Example: selling 25 XOM bought at 80 with price 118.20 (long term, rate 0.238, cost rate
0.001) gives tax 955 × 0.238 = 227.29 and trading 2955 × 0.001 = 2.955; no group drift
left means total = 230.245.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.reference.case_model import Case
from trimtab.engine import Case as EngineCase
from trimtab.engine import Result, parse_case
from trimtab.engine.decision_check import (
    DEFAULT_TOLERANCE,
    DecidedTrade,
    LotPick,
    check_decision,
    check_result,
)


@dataclass(frozen=True)
class Trades:
    """What a result decides: shares sold per lot and shares bought per security."""

    sold: dict[str, float] = field(default_factory=dict)
    bought: dict[str, float] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(self.sold.values()) and not any(self.bought.values())

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> Trades:
        sold: dict[str, float] = {}
        bought: dict[str, float] = {}
        for trade in result.get("trades", []):
            if trade["side"] == "buy":
                bought[trade["security"]] = bought.get(trade["security"], 0.0) + float(
                    trade["quantity"]
                )
            else:
                for pick in trade["lots"]:
                    sold[pick["lot"]] = sold.get(pick["lot"], 0.0) + float(pick["quantity"])
        return cls(sold, bought)


def post_trade_shares(case: Case, trades: Trades) -> dict[str, float]:
    shares = dict.fromkeys(case.securities, 0.0)
    for lot in case.lots:
        shares[lot.security] += lot.quantity - trades.sold.get(lot.id, 0.0)
    for security, quantity in trades.bought.items():
        shares[security] = shares.get(security, 0.0) + quantity
    return shares


def trading_cost(case: Case, trades: Trades) -> float:
    cost = 0.0
    for lot in case.lots:
        sec = case.securities[lot.security]
        cost += sec.cost_rate * sec.price * trades.sold.get(lot.id, 0.0)
    for security, quantity in trades.bought.items():
        sec = case.securities[security]
        cost += sec.cost_rate * sec.price * quantity
    return cost


def post_trade_cash(case: Case, trades: Trades) -> float:
    sales = sum(trades.sold.get(lot.id, 0.0) * case.price(lot.security) for lot in case.lots)
    buys = sum(q * case.price(s) for s, q in trades.bought.items())
    return case.cash + sales - buys - trading_cost(case, trades) - case.parameters.withdrawal


def objective_terms(case: Case, trades: Trades) -> dict[str, float]:
    """The spec's objective at the given trades, term by term (harvest as a positive
    benefit, subtracted in the total)."""
    v = case.total_value
    shares = post_trade_shares(case, trades)
    drift_excess = 0.0
    for group in case.groups:
        weight = sum(case.price(m) * shares.get(m, 0.0) for m in group.members) / v
        drift_excess += max(0.0, abs(weight - group.target) - group.band)
    tax = harvest = 0.0
    for lot in case.lots:
        x = trades.sold.get(lot.id, 0.0)
        gain = case.gain_per_share(lot)
        if gain > 0:
            tax += x * gain * lot.rate
        elif gain < 0:
            harvest += case.parameters.harvest_value * x * (-gain) * lot.rate
    drift = case.parameters.drift_weight * v * drift_excess
    trading = trading_cost(case, trades)
    return {
        "drift": drift,
        "tax": tax,
        "harvest": harvest,
        "trading": trading,
        "total": drift + tax - harvest + trading,
    }


def rule_violations(case: Case, trades: Trades, *, tol: float = 1e-6) -> list[str]:
    """Every hard rule the trades break, each naming its rule number; empty when none.

    The rules are checked once, by the engine's decision checker
    (`trimtab.engine.decision_check`, the one review edits go through too), on the case
    as the engine parses it — never on the engine's arrays or model, so a mistake in how
    the engine builds its problem still shows here. `tol` is relative: shares within
    tol·max(1, quantity), dollars within tol·V (at least a cent).
    """
    parsed, problems = parse_case(case.source)
    assert parsed is not None, [str(p) for p in problems]
    return [str(b) for b in check_decision(parsed, decided(case, trades), tolerance=tol).breaches]


def decided(case: Case, trades: Trades) -> list[DecidedTrade]:
    """The trades as the checker takes them: one sale per security with its lots, buys."""
    security_of = {lot.id: lot.security for lot in case.lots}
    sales: dict[str, list[LotPick]] = {}
    for lot_id, quantity in trades.sold.items():
        if quantity:
            sales.setdefault(security_of.get(lot_id, lot_id), []).append(LotPick(lot_id, quantity))
    out = [
        DecidedTrade(security, "sell", sum(p.quantity for p in picks), tuple(picks))
        for security, picks in sales.items()
    ]
    out += [DecidedTrade(s, "buy", q) for s, q in trades.bought.items() if q]
    return out


def realized_gain(case: Case, trades: Trades) -> float:
    return sum(trades.sold.get(lot.id, 0.0) * case.gain_per_share(lot) for lot in case.lots)


def report_inconsistencies(case: Case, result: dict[str, Any], *, tol: float = 1e-6) -> list[str]:
    """A result's trade lines must agree with themselves: value = price × quantity, the
    lot picks add up to the sale, each pick's realized gain and term are the lot's."""
    found = []
    lots = {lot.id: lot for lot in case.lots}
    for trade in result.get("trades", []):
        price = case.price(trade["security"])
        quantity = float(trade["quantity"])
        if not math.isclose(float(trade["value"]), price * quantity, rel_tol=1e-6, abs_tol=0.01):
            found.append(f"value {trade['value']} != {price} × {quantity}")
        if trade["side"] != "sell":
            continue
        picked = sum(float(pick["quantity"]) for pick in trade["lots"])
        if not math.isclose(picked, quantity, rel_tol=tol, abs_tol=tol):
            found.append(f"{trade['security']}: lot picks {picked} != quantity {quantity}")
        for pick in trade["lots"]:
            lot = lots[pick["lot"]]
            if lot.security != trade["security"]:
                found.append(f"lot {lot.id} is not {trade['security']}")
            gain = float(pick["quantity"]) * case.gain_per_share(lot)
            if not math.isclose(float(pick["realized_gain"]), gain, rel_tol=1e-6, abs_tol=0.01):
                found.append(f"lot {lot.id}: realized_gain {pick['realized_gain']} != {gain}")
            if pick.get("term") != lot.term:
                found.append(f"lot {lot.id}: term {pick.get('term')} != {lot.term}")
    return found


def after_trades(data: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The case as it stands once the result's trades are done, for re-running it.

    Remaining lot quantities, each buy as a new lot dated `as_of` at the price, the trades
    themselves added to `recent_trades` (so the wash-sale window sees them, as it still sees
    the purchase of a lot bought inside the window and sold now), cash after
    trading cost and withdrawal, the withdrawal done, and the gain budget reduced by what
    was realized. Parameters are the result's resolved ones.
    """
    from tests.reference.case_model import read_case

    case = read_case(data, result["parameters"])
    trades = Trades.from_result(result)
    new = copy.deepcopy(data)
    new["lots"] = []
    for raw in data.get("lots", []):
        remaining = float(raw["quantity"]) - trades.sold.get(raw["id"], 0.0)
        if remaining > 1e-9 * max(1.0, float(raw["quantity"])):
            new["lots"].append({**raw, "quantity": remaining})
    recent = list(data.get("recent_trades", []))
    # a lot bought inside the wash window stays a buy of its wash group after it is sold:
    # the household's recent trades would show the purchase
    for lot in case.lots:
        if lot.id in trades.sold and 0 <= (case.as_of - lot.acquired).days <= 30:
            recent.append(
                {
                    "security": lot.security,
                    "side": "buy",
                    "date": lot.acquired.isoformat(),
                    "quantity": lot.quantity,
                }
            )
    for trade in result.get("trades", []):
        if trade["side"] == "buy":
            new["lots"].append(
                {
                    "id": f"{trade['security']}-bought-{data['as_of']}",
                    "security": trade["security"],
                    "quantity": float(trade["quantity"]),
                    "cost_basis": case.price(trade["security"]),
                    "acquired": data["as_of"],
                }
            )
            recent.append(
                {
                    "security": trade["security"],
                    "side": "buy",
                    "date": data["as_of"],
                    "quantity": float(trade["quantity"]),
                }
            )
        else:
            recent.append(
                {
                    "security": trade["security"],
                    "side": "sell",
                    "date": data["as_of"],
                    "quantity": float(trade["quantity"]),
                    "realized_gain": sum(float(p["realized_gain"]) for p in trade["lots"]),
                }
            )
    new["recent_trades"] = recent
    new["account"] = {**data["account"], "cash": post_trade_cash(case, trades)}
    parameters = dict(result["parameters"])
    parameters["withdrawal"] = 0.0
    if parameters.get("gain_budget") is not None:
        parameters["gain_budget"] = max(
            0.0, float(parameters["gain_budget"]) - realized_gain(case, trades)
        )
    new["parameters"] = parameters
    return new


# The module, not the function `trimtab.engine.rebalance` that the package exports.
rebalance_module = importlib.import_module("trimtab.engine.rebalance")


@contextlib.contextmanager
def every_answer_checked(*, tol: float = DEFAULT_TOLERANCE) -> Iterator[None]:
    """While open, every answer the engine finishes is checked against rules 1–9.

    The engine's answers are built on many paths (the LP, the block decision, the wash
    and minimum-trade heuristics, the MILP search, the fallbacks); a rule one path forgets
    breaks only the answers that took it. Wrapping the one function every answer passes
    through (`rebalance._finish`, whichever entry point a test calls: `rebalance`,
    `optimize_json`) makes every test that reaches such an answer fail, naming the rule,
    instead of only the tests that happen to look.
    """
    original = rebalance_module._finish

    def finish_checked(case: EngineCase, decided: Any) -> Result:
        result = original(case, decided)
        breaches = check_result(case, result, tolerance=tol).breaches
        assert not breaches, "the engine's answer breaks a hard rule: " + "; ".join(
            map(str, breaches)
        )
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rebalance_module, "_finish", finish_checked)
        yield
