"""Judging a rebalance result by the contract alone: its objective and its hard rules.

Whoever produced the trades (the engine, the CVXPY reference), the spec's objective can be
recomputed from them and every hard rule (1–9 of shared/spec/rebalance-case.md) checked
on them. A result passes when `rule_violations` is empty and `objective_terms(...)["total"]`
equals the reported `objective.total`.

Example: selling 25 XOM bought at 80 with price 118.20 (long term, rate 0.238, cost rate
0.001) gives tax 955 × 0.238 = 227.29 and trading 2955 × 0.001 = 2.955; no group drift
left means total = 230.245.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from tests.reference.case_model import Case


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


def _sale_value(case: Case, trades: Trades, security: str) -> float:
    return sum(
        trades.sold.get(lot.id, 0.0) * case.price(security)
        for lot in case.lots
        if lot.security == security
    )


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

    `tol` is relative: shares within tol·(1 + quantity), dollars within tol·V.
    """
    p = case.parameters
    v = case.total_value
    money_tol = tol * max(1.0, v)
    found: list[str] = []
    lots = {lot.id: lot for lot in case.lots}

    for lot_id in trades.sold:
        if lot_id not in lots:
            found.append(f"sold unknown lot {lot_id}")
    for security, quantity in trades.bought.items():
        # rule 1 and 5a
        if quantity > tol and not case.may_buy(security):
            found.append(
                f"rule 1/5a: bought {quantity} {security}, which is not a buy member, "
                "is no_buy or must_sell, or was sold at a loss in the wash window"
            )
        if quantity < -tol:
            found.append(f"rule 3: negative buy of {security}: {quantity}")

    for lot in case.lots:
        x = trades.sold.get(lot.id, 0.0)
        sec = case.securities[lot.security]
        share_tol = tol * (1.0 + lot.quantity)
        if x < -share_tol or x > lot.quantity + share_tol:
            found.append(f"rule 3: sold {x} of lot {lot.id} holding {lot.quantity}")
        if sec.must_sell and x < lot.quantity - share_tol:
            found.append(f"rule 2: must_sell lot {lot.id} sold {x} of {lot.quantity}")
        if x > share_tol and (lot.no_sell or sec.no_sell):
            found.append(f"rule 2: no_sell lot {lot.id} sold ({x})")
        elif x > share_tol and not case.may_sell(lot):
            found.append(f"rule 5b: loss lot {lot.id} sold ({x}) with its wash group bought")

    cash = post_trade_cash(case, trades)
    if not (p.min_cash * v - money_tol <= cash <= p.max_cash * v + money_tol):
        found.append(
            f"rule 4: post-trade cash {cash:.6f} outside [{p.min_cash * v:.6f}, "
            f"{p.max_cash * v:.6f}]"
        )

    if case.taxable:  # rule 5c
        for wash_group in {s.wash_group for s in case.securities.values()}:
            buys = [
                s
                for s, q in trades.bought.items()
                if q > tol and case.securities[s].wash_group == wash_group
            ]
            loss_sales = [
                lot.id
                for lot in case.lots
                if trades.sold.get(lot.id, 0.0) > tol
                and case.securities[lot.security].wash_group == wash_group
                and not case.securities[lot.security].must_sell
                and case.is_loss(lot)
            ]
            if buys and loss_sales:
                found.append(f"rule 5c: bought {buys} while selling {loss_sales} at a loss")

    if p.min_trade_value > 0:  # rule 6
        for security, sec in case.securities.items():
            if sec.must_sell:
                continue
            buy = trades.bought.get(security, 0.0) * sec.price
            if money_tol < buy < p.min_trade_value - money_tol:
                found.append(f"rule 6: buy of {security} worth {buy:.2f}")
            sell = _sale_value(case, trades, security)
            whole = sum(lot.quantity * sec.price for lot in case.lots if lot.security == security)
            if money_tol < sell < p.min_trade_value - money_tol and abs(sell - whole) > money_tol:
                found.append(f"rule 6: sale of {security} worth {sell:.2f} of {whole:.2f}")

    if p.whole_shares:  # rule 7
        quantities = list(trades.sold.values()) + list(trades.bought.values())
        if any(abs(q - round(q)) > tol for q in quantities):
            found.append(f"rule 7: fractional shares in {quantities}")

    if p.max_turnover is not None:  # rule 8
        traded = sum(
            trades.sold.get(lot.id, 0.0) * case.price(lot.security) for lot in case.lots
        ) + sum(q * case.price(s) for s, q in trades.bought.items())
        if traded / (2 * v) > p.max_turnover + tol:
            found.append(f"rule 8: turnover {traded / (2 * v):.6f} > {p.max_turnover}")

    if p.gain_budget is not None:  # rule 9
        gain = realized_gain(case, trades)
        if gain > p.gain_budget + money_tol:
            found.append(f"rule 9: realized gain {gain:.2f} > budget {p.gain_budget}")
    return found


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
