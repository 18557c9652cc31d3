"""Small hand-written accounts for scenario tests, in the contract's JSON format.

`account(...)` fills in what a scenario does not care about: as_of 2026-11-20, rates 40% /
23.8%, λ = 0.1, full harvest value, cash between 0% and 100%, every integer rule off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

AS_OF = dt.date(2026, 11, 20)


def days_ago(days: int) -> str:
    return (AS_OF - dt.timedelta(days=days)).isoformat()


def account(
    *,
    securities: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    lots: Sequence[dict[str, Any]] = (),
    cash: float,
    tax_status: str = "taxable",
    recent_trades: Sequence[dict[str, Any]] = (),
    **parameters: Any,
) -> dict[str, Any]:
    return {
        "as_of": AS_OF.isoformat(),
        "account": {"id": "A-1", "tax_status": tax_status, "cash": cash},
        "tax": {"short_term_rate": 0.4, "long_term_rate": 0.238},
        "securities": securities,
        "groups": groups,
        "lots": list(lots),
        "recent_trades": list(recent_trades),
        "settings": {},
        "parameters": {
            "drift_weight": 0.1,
            "harvest_value": 1.0,
            "min_cash": 0.0,
            "max_cash": 1.0,
            "min_trade_value": 0.0,
            "whole_shares": False,
            "max_turnover": None,
            "gain_budget": None,
            "withdrawal": 0.0,
            # the engine's parameters beyond the spec's table, at their neutral values
            "default_band": 0.02,
            "harvest_min_loss": 0.0,
            "harvest_min_loss_pct": 0.0,
            "tracking_error_weight": 0.0,
            **parameters,
        },
    }
