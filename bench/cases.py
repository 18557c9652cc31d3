"""Benchmark workloads: deterministic rebalance cases shaped like real accounts.

Each generator takes a seed and returns a case dict in the contract's JSON format
(shared/spec/rebalance-case.md) with fully explicit parameters, so the engine and the
CVXPY reference solve exactly the same problem. The same seed gives the same case.

- `model_account`: ≈50 securities in ≈20 equivalence groups (a model portfolio with
  substitutes in other wash groups), ≈4 lots each, drifted off target, taxable, with a few
  recent trades inside the wash window.
- `direct_index_account`: ≈500 stocks, each its own group at an index weight, ≈5 lots each
  (the lots a direct-indexing account accumulates), drifted, taxable.
- `in_band_account`: a model account where no trade can help: every group inside its band,
  every lot at a gain, cash within bounds, nothing restricted.

`integer_rules=True` turns on a $250 minimum trade, whole shares, and leaves the wash-group
conflicts in (loss lots in the wash group of a security to buy, rule 5c). Without it the
case is an LP: fractional shares, no minimum, and the lots that would make a rule-5c
conflict carry gains instead.

    >>> case = model_account(seed=1)
    >>> len(case["securities"]), len(case["lots"]) // len(case["securities"])
    (50, 4)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from tests.reference.case_model import read_case

AS_OF = dt.date(2026, 11, 20)


def _parameters(*, integer_rules: bool, drift_weight: float) -> dict[str, Any]:
    return {
        "drift_weight": drift_weight,
        "harvest_value": 0.35,
        "min_cash": 0.005,
        "max_cash": 0.05,
        "min_trade_value": 250.0 if integer_rules else 0.0,
        "whole_shares": integer_rules,
        "max_turnover": None,
        "gain_budget": None,
        "withdrawal": 0.0,
        "default_band": 0.02,
        "harvest_min_loss": 0.0,
        "harvest_min_loss_pct": 0.0,
        "tracking_error_weight": 0.0,
    }


def _lots(
    rng: np.random.Generator,
    security: str,
    price: float,
    value: float,
    count: int,
    *,
    basis_spread: float,
) -> list[dict[str, Any]]:
    """`count` lots worth `value` together, bought at scattered prices and dates."""
    if value <= 0:
        return []
    shares = rng.dirichlet(np.ones(count)) * value / price
    lots = []
    for k, quantity in enumerate(shares):
        days = int(
            rng.choice([rng.integers(5, 30), rng.integers(31, 365), rng.integers(366, 3000)])
        )
        lots.append(
            {
                "id": f"{security}-{k}",
                "security": security,
                "quantity": max(1.0, float(np.round(quantity))),
                "cost_basis": round(price * float(np.exp(rng.normal(0.0, basis_spread))), 2),
                "acquired": (AS_OF - dt.timedelta(days=days)).isoformat(),
            }
        )
    return lots


def _case(
    *,
    securities: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    lots: list[dict[str, Any]],
    cash: float,
    recent_trades: list[dict[str, Any]],
    parameters: dict[str, Any],
) -> dict[str, Any]:
    return {
        "as_of": AS_OF.isoformat(),
        "account": {"id": "BENCH", "tax_status": "taxable", "cash": round(cash, 2)},
        "tax": {"short_term_rate": 0.408, "long_term_rate": 0.238},
        "securities": securities,
        "groups": groups,
        "lots": lots,
        "recent_trades": recent_trades,
        "settings": {},
        "parameters": parameters,
    }


def _as_lp(case: dict[str, Any]) -> dict[str, Any]:
    """Give the lots behind every rule-5c conflict a gain, leaving a pure LP."""
    losers = {
        lot for _, lots in read_case(case).same_rebalance_conflicts().values() for lot in lots
    }
    prices = {s["id"]: s["price"] for s in case["securities"]}
    for lot in case["lots"]:
        if lot["id"] in losers:
            lot["cost_basis"] = round(prices[lot["security"]] * 0.8, 2)
    return case


def model_account(
    seed: int, *, integer_rules: bool = False, in_band: bool = False
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n_securities, n_groups = 50, 20
    # each group: a preferred fund and substitutes in other wash groups
    members: list[list[str]] = [[] for _ in range(n_groups)]
    for i in range(n_securities):
        members[i % n_groups].append(f"F{i:02d}")
    securities = [
        {
            "id": f"F{i:02d}",
            "price": round(float(rng.lognormal(np.log(80), 0.6)), 2),
            "cost_rate": float(rng.choice([0.0005, 0.001, 0.002])),
            "wash_group": f"W{i:02d}",
        }
        for i in range(n_securities)
    ]
    price = {s["id"]: s["price"] for s in securities}
    target = rng.dirichlet(np.ones(n_groups) * 2.0) * 0.98
    band = 0.02
    groups = [
        {"id": f"G{k:02d}", "members": m, "buy": m[0], "target": round(float(t), 6), "band": band}
        for k, (m, t) in enumerate(zip(members, target, strict=True))
    ]
    wealth = 1_000_000.0
    # in band: each group off target by less than its band; else drifted by up to ±50%
    drift = rng.uniform(-0.4, 0.4, n_groups) * band if in_band else rng.uniform(-0.5, 0.5, n_groups)
    weights = np.maximum(0.0, target + drift) if in_band else target * (1 + drift)
    lots: list[dict[str, Any]] = []
    for group, weight in zip(groups, weights, strict=True):
        split = rng.dirichlet(np.ones(len(group["members"])))
        for security, share in zip(group["members"], split, strict=True):
            lots += _lots(
                rng,
                security,
                price[security],
                wealth * weight * share,
                4,
                basis_spread=0.0 if in_band else 0.25,
            )
    if in_band:  # every lot at a gain: nothing to harvest
        for lot in lots:
            lot["cost_basis"] = round(price[lot["security"]] * float(rng.uniform(0.5, 0.95)), 2)
            lot["acquired"] = (AS_OF - dt.timedelta(days=int(rng.integers(400, 3000)))).isoformat()
    market_value = sum(lot["quantity"] * price[lot["security"]] for lot in lots)
    cash = 0.02 * market_value
    recent = []
    if not in_band:
        for security in rng.choice([s["id"] for s in securities], 4, replace=False):
            side = str(rng.choice(["buy", "sell"]))
            trade: dict[str, Any] = {
                "security": str(security),
                "side": side,
                "date": (AS_OF - dt.timedelta(days=int(rng.integers(1, 45)))).isoformat(),
                "quantity": 10,
            }
            if side == "sell":
                trade["realized_gain"] = round(float(rng.normal(0, 500)), 2)
            recent.append(trade)
    case = _case(
        securities=securities,
        groups=groups,
        lots=lots,
        cash=cash,
        recent_trades=recent,
        parameters=_parameters(integer_rules=integer_rules, drift_weight=0.5),
    )
    if in_band:
        # the real in-band account would be calibrated with integer rules on; the point is
        # that nothing trades, which the LP must prove too
        case["parameters"]["max_cash"] = 0.05
        return case
    return case if integer_rules else _as_lp(case)


def in_band_account(seed: int) -> dict[str, Any]:
    return model_account(seed, in_band=True)


def direct_index_account(seed: int, *, integer_rules: bool = False) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n = 500
    securities = [
        {
            "id": f"S{i:03d}",
            "price": round(float(rng.lognormal(np.log(120), 0.8)), 2),
            "cost_rate": 0.0005,
        }
        for i in range(n)
    ]
    target = np.sort(rng.pareto(1.2, n) + 1)[::-1]
    target = target / target.sum() * 0.98
    groups = [
        {
            "id": s["id"],
            "members": [s["id"]],
            "buy": s["id"],
            "target": round(float(t), 8),
            "band": round(float(max(0.0002, 0.1 * t)), 8),
        }
        for s, t in zip(securities, target, strict=True)
    ]
    wealth = 2_000_000.0
    weights = target * rng.lognormal(0.0, 0.25, n)
    lots: list[dict[str, Any]] = []
    for s, weight in zip(securities, weights, strict=True):
        lots += _lots(rng, s["id"], s["price"], wealth * weight, 5, basis_spread=0.2)
    for i in rng.choice(n, 10, replace=False):
        securities[i]["no_buy"] = True
    price = {s["id"]: s["price"] for s in securities}
    market_value = sum(lot["quantity"] * price[lot["security"]] for lot in lots)
    recent = [  # loss sales elsewhere in the household block these buys (rule 5a)
        {
            "security": securities[i]["id"],
            "side": "sell",
            "date": (AS_OF - dt.timedelta(days=int(rng.integers(1, 30)))).isoformat(),
            "quantity": 5,
            "realized_gain": -100.0,
        }
        for i in rng.choice(n, 8, replace=False)
    ]
    case = _case(
        securities=securities,
        groups=groups,
        lots=lots,
        cash=0.01 * market_value,
        recent_trades=recent,
        parameters=_parameters(integer_rules=integer_rules, drift_weight=1.0),
    )
    return case if integer_rules else _as_lp(case)
