"""Integer-rule cases the heuristics once got wrong, and reruns that must change nothing.

Each scenario is a small account found by the reference suite (hypothesis), reduced by
hand; the expected answer is worked out in the comment and checked against the rules.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.reference.checks import after_trades
from trimtab.engine import optimize_json

LOT_DATE = "2024-01-01"


def lot(lot_id: str, security: str, quantity: float, basis: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": lot_id,
        "security": security,
        "quantity": quantity,
        "cost_basis": basis,
        "acquired": LOT_DATE,
        **extra,
    }


def parameters(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "drift_weight": 1.0,
        "harvest_value": 0.0,
        "min_cash": 0.0,
        "max_cash": 1.0,
        "min_trade_value": 0.0,
        "whole_shares": False,
        "max_turnover": None,
        "gain_budget": None,
        "withdrawal": 0.0,
        "default_band": 0.02,
        "harvest_min_loss": 0.0,
        "harvest_min_loss_pct": 0.0,
        "tracking_error_weight": 0.0,
    }
    return base | overrides


def one_target_account(lots: list[dict[str, Any]], cash: float, **params: Any) -> dict[str, Any]:
    """Everything belongs in TGT (target 100%); every other holding is its own 0% group."""
    prices = {"TGT": 308.0, "BIG": 326.0, "MID": 59.0, "PENNY": 5.0}
    return {
        "as_of": "2024-01-01",
        "account": {"id": "A-1", "tax_status": "taxable", "cash": cash},
        "tax": {"short_term_rate": 0.5, "long_term_rate": 0.25},
        "securities": [{"id": s, "price": p, "cost_rate": 0.0} for s, p in prices.items()],
        "groups": [{"id": "G", "members": ["TGT"], "buy": "TGT", "target": 1.0, "band": 0.0}],
        "lots": lots,
        "recent_trades": [],
        "settings": {},
        "parameters": parameters(**params),
    }


def test_a_case_whose_integer_search_fails_falls_back_to_trading_nothing_when_that_is_lawful() -> (
    None
):
    # Cash $99 is inside [2%, 4%] of V = $3,104; the only sellable lots are $326 and $177,
    # under the $500 minimum and not the whole position (BIG has a no-sell lot), and the
    # cheapest buy (2 shares, $616) cannot be paid for: nothing lawful trades, but trading
    # nothing is lawful, so the answer is "optimal" with no trades, never "infeasible".
    lots = [
        lot("L1", "BIG", 1, 326.0),
        lot("L2", "BIG", 1, 326.0, no_sell=True),
        lot("L3", "MID", 3, 59.0),
        lot("L4", "PENNY", 4, 5.0, no_sell=True),
        lot("L5", "TGT", 7, 308.0, no_sell=True),
    ]
    case = one_target_account(
        lots, 99.0, min_cash=0.02, max_cash=0.04, min_trade_value=500.0, whole_shares=True
    )
    result = optimize_json(case)
    assert result["status"] == "optimal", result.get("reason")
    assert result["trades"] == []


def test_with_free_trading_a_rerun_never_sells_and_buys_back_the_same_security() -> None:
    # Free trading makes "sell 2 TGT, buy 2 TGT" cost nothing, so it ties with doing
    # nothing; the engine must not propose it (it would be a pointless round trip).
    lots = [
        lot("L1", "BIG", 1, 207.0),
        lot("L2", "BIG", 1, 207.0, no_sell=True),
        lot("L3", "MID", 36, 119.0),
        lot("L4", "TGT", 1, 307.0, no_sell=True),
    ]
    case = one_target_account(lots, 0.0, min_trade_value=500.0, whole_shares=True)
    first = optimize_json(case)
    assert first["status"] == "optimal"
    for result in (first, optimize_json(after_trades(case, first))):
        sold = {t["security"] for t in result["trades"] if t["side"] == "sell"}
        bought = {t["security"] for t in result["trades"] if t["side"] == "buy"}
        assert sold & bought == set()
    assert optimize_json(after_trades(case, first))["trades"] == []


def test_the_reported_gap_is_a_finite_number_on_every_status() -> None:
    lots = [lot("L1", "MID", 3, 59.0), lot("L2", "TGT", 1, 307.0, no_sell=True)]
    feasible = one_target_account(lots, 50.0, min_trade_value=100.0, whole_shares=True)
    # min cash 90% of V cannot be reached by selling $177 of MID: infeasible
    infeasible = one_target_account(lots, 50.0, min_cash=0.9, whole_shares=True)
    for case in (feasible, infeasible):
        result = optimize_json(case)
        assert result["status"] in {"optimal", "infeasible"}
        gap = result["solver"]["gap"]
        assert math.isfinite(gap)
        json.dumps(result, allow_nan=False)  # the contract is strict JSON


def test_whole_shares_use_the_rounding_slack_to_sell_what_the_relaxation_left_as_a_tie() -> None:
    # V = $379: cash $78 must come down to the 2% ceiling ($7.58), and the only buy is ZERO
    # (a 0% group, $7 a share), so every dollar invested is drift. In the relaxation,
    # selling the $5 ODD lot (an ungrouped holding: drift) and investing $5 more in ZERO is
    # a tie. With whole shares, 11 ZERO ($77) are needed either way and leave $1 of cash
    # without the sale, $6 with it: the sale then lowers drift by $5 at no cost, so the
    # decision must include it, and a rerun must then find nothing left to do.
    case: dict[str, Any] = {
        "as_of": "2024-01-01",
        "account": {"id": "A-1", "tax_status": "taxable", "cash": 78.0},
        "tax": {"short_term_rate": 0.5, "long_term_rate": 0.25},
        "securities": [
            {"id": "ZERO", "price": 7.0, "cost_rate": 0.0},
            {"id": "HELD", "price": 148.0, "cost_rate": 0.0},
            {"id": "ODD", "price": 5.0, "cost_rate": 0.0},
        ],
        "groups": [{"id": "G", "members": ["ZERO"], "buy": "ZERO", "target": 0.0, "band": 0.0}],
        "lots": [lot("L1", "HELD", 2, 148.0, no_sell=True), lot("L2", "ODD", 1, 5.0)],
        "recent_trades": [],
        "settings": {},
        "parameters": parameters(max_cash=0.02, whole_shares=True),
    }
    first = optimize_json(case)
    assert first["status"] == "optimal"
    assert {(t["security"], t["side"], t["quantity"]) for t in first["trades"]} == {
        ("ZERO", "buy", 11.0),
        ("ODD", "sell", 1.0),
    }
    assert first["objective"]["drift"] == 379.0 - 6.0  # everything but the $6 of cash
    assert optimize_json(after_trades(case, first))["trades"] == []


def test_trading_nothing_wins_a_tie_on_the_post_trade_account() -> None:
    """Free trading, 30 of 55 dollars in the 50% group and 25 in a 0% holding: moving the
    last S7 share into S0 leaves the summed drift exactly where it is (a tie), so the
    re-run proposes nothing rather than another vertex of the optimal face."""
    case = {
        "as_of": "2024-01-01",
        "account": {"id": "A-1", "tax_status": "taxable", "cash": 0.0},
        "tax": {"short_term_rate": 0.5, "long_term_rate": 0.25},
        "securities": [
            {"id": "S0", "price": 5.0, "cost_rate": 0.0},
            {"id": "S7", "price": 25.0, "cost_rate": 0.0},
        ],
        "groups": [{"id": "G0", "members": ["S0"], "buy": "S0", "target": 0.5, "band": 0.0}],
        "lots": [
            {
                "id": "L0",
                "security": "S0",
                "quantity": 1,
                "cost_basis": 5.0,
                "acquired": "2024-01-01",
                "no_sell": True,
            },
            {
                "id": "N1",
                "security": "S0",
                "quantity": 5,
                "cost_basis": 25.0,
                "acquired": "2024-01-01",
            },
            {
                "id": "L1",
                "security": "S7",
                "quantity": 1,
                "cost_basis": 25.0,
                "acquired": "2024-01-01",
            },
        ],
        "parameters": {
            "drift_weight": 0.0625,
            "harvest_value": 0.0,
            "min_cash": 0.0,
            "max_cash": 0.02,
            "min_trade_value": 0.0,
            "whole_shares": True,
            "max_turnover": None,
            "gain_budget": None,
            "withdrawal": 0.0,
        },
    }
    result = optimize_json(case)

    assert result["status"] == "optimal"
    assert result["trades"] == []
    assert result["objective"]["total"] == pytest.approx(0.0625 * 55 * 0.5)
