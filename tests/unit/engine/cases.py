"""Small rebalance cases, written as the contract's JSON, for the engine's scenarios."""

from __future__ import annotations

import copy
from typing import Any

# Every parameter explicit, so a scenario does not move when calibration defaults do.
PLAIN_PARAMETERS: dict[str, Any] = {
    "drift_weight": 1.0,
    "harvest_value": 0.5,
    "min_cash": 0.0,
    "max_cash": 0.05,
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


def two_fund_case(**parameters: Any) -> dict[str, Any]:
    """$100,000: 70% stocks (target 60%), 28% bonds (target 38%), 2% cash.

    STK has a long-term gain lot and a short-term loss lot; BND a small gain. Stocks are
    bought through STK2, in another wash group than STK, so harvesting STK is allowed.
    """
    return {
        "as_of": "2026-11-20",
        "account": {"id": "A-1", "tax_status": "taxable", "cash": 2000.0},
        "tax": {"short_term_rate": 0.40, "long_term_rate": 0.20},
        "securities": [
            {"id": "STK", "price": 100.0, "cost_rate": 0.001, "wash_group": "STK"},
            {"id": "STK2", "price": 50.0, "cost_rate": 0.001, "wash_group": "STK2"},
            {"id": "BND", "price": 50.0, "cost_rate": 0.001},
        ],
        "groups": [
            {
                "id": "STOCKS",
                "members": ["STK", "STK2"],
                "buy": "STK2",
                "target": 0.60,
                "band": 0.02,
            },
            {"id": "BONDS", "members": ["BND"], "buy": "BND", "target": 0.38, "band": 0.02},
        ],
        "lots": [
            {
                "id": "G1",
                "security": "STK",
                "quantity": 500,
                "cost_basis": 60.0,
                "acquired": "2020-01-02",
            },
            {
                "id": "S1",
                "security": "STK",
                "quantity": 200,
                "cost_basis": 120.0,
                "acquired": "2026-06-01",
            },
            {
                "id": "B1",
                "security": "BND",
                "quantity": 560,
                "cost_basis": 49.0,
                "acquired": "2021-03-04",
            },
        ],
        "recent_trades": [],
        "settings": {},
        "parameters": {**PLAIN_PARAMETERS, **parameters},
    }


def with_changes(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(case)
    out.update(changes)
    return out


def trades_by(result: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t["security"], t["side"]): t for t in result["trades"]}


def lot_sales(result: dict[str, Any]) -> dict[str, float]:
    return {
        pick["lot"]: pick["quantity"]
        for t in result["trades"]
        if t["side"] == "sell"
        for pick in t["lots"]
    }
