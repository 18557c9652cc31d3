"""The block bound (engine/block_bound.py) on small direct indexes, against HiGHS's MILP.

A bound is only worth its proof: on every case here bound ≤ MILP optimum ≤ engine total,
with the MILP (tests/reference, the big-M model solved to optimality) as the judge. The
cases are direct indexes of 4–9 one-stock groups with whole shares and a minimum trade,
cash ranges that sometimes bind (so the cash multiplier moves off zero), loss lots that
rule 5(c) closes when buying, and sometimes a two-stock group (then no search).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from typing import Any

import numpy as np
import pytest

from tests.reference.cvxpy_reference import solve_reference
from trimtab.engine import optimize_json, parse_case
from trimtab.engine.block_bound import block_bound
from trimtab.engine.build import build_model
from trimtab.engine.solve import LpSolver

AS_OF = dt.date(2026, 11, 20)


def small_direct_index(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 10))
    securities = [
        {
            "id": f"S{i}",
            "price": round(float(rng.lognormal(np.log(120), 0.8)), 2),
            "cost_rate": float(rng.choice([0.0, 0.0005, 0.002])),
        }
        for i in range(n)
    ]
    target = rng.dirichlet(np.ones(n)) * 0.95
    groups: list[dict[str, Any]] = [
        {
            "id": s["id"],
            "members": [s["id"]],
            "buy": s["id"],
            "target": round(float(t), 6),
            "band": round(float(max(0.0002, rng.choice([0.02, 0.1, 0.2]) * t)), 6),
        }
        for s, t in zip(securities, target, strict=True)
    ]
    if seed % 5 == 4:  # a group of two stocks: its block is not one security
        groups[2]["members"].append("S3")
        groups[3] = {**groups[3], "members": [], "buy": None}
        groups = [g for g in groups if g["members"]]
    wealth = float(rng.choice([5e3, 2e4, 1e5]))
    lots = []
    for s, t in zip(securities, target, strict=True):
        value = t * float(rng.lognormal(0, 0.4)) * wealth
        for k in range(int(rng.integers(0, 5))):
            lots.append(
                {
                    "id": f"{s['id']}-{k}",
                    "security": s["id"],
                    "quantity": max(1.0, float(np.round(value / 3 / s["price"]))),
                    "cost_basis": round(s["price"] * float(np.exp(rng.normal(0, 0.2))), 2),
                    "acquired": (
                        AS_OF - dt.timedelta(days=int(rng.choice([10, 200, 800])))
                    ).isoformat(),
                }
            )
    price = {s["id"]: s["price"] for s in securities}
    market = sum(lot["quantity"] * price[lot["security"]] for lot in lots)
    return {
        "as_of": AS_OF.isoformat(),
        "account": {
            "id": "DI",
            "tax_status": "taxable",
            "cash": round(float(rng.uniform(0.0, 0.15)) * max(market, 1000.0), 2),
        },
        "tax": {"short_term_rate": 0.408, "long_term_rate": 0.238},
        "securities": securities,
        "groups": groups,
        "lots": lots,
        "recent_trades": [],
        "settings": {},
        "parameters": {
            "drift_weight": float(rng.choice([0.1, 1.0])),
            "harvest_value": float(rng.choice([0.0, 0.35, 1.0])),
            "min_cash": float(rng.choice([0.0, 0.005, 0.02])),
            "max_cash": float(rng.choice([0.03, 0.05, 1.0])),
            "min_trade_value": float(rng.choice([0.0, 100.0, 250.0, 1000.0])),
            "whole_shares": True,
            "max_turnover": None if seed % 7 else 0.1,
            "gain_budget": None if seed % 6 else 100.0,
            "withdrawal": 0.0,
            "default_band": 0.02,
            "harvest_min_loss": 0.0,
            "harvest_min_loss_pct": 0.0,
            "tracking_error_weight": 0.0,
        },
    }


def bound_of(case: dict[str, Any]) -> tuple[float, float, float]:
    """(block bound, LP relaxation, account value V) for a case, straight from the module."""
    parsed, problems = parse_case(case)
    assert parsed is not None, problems
    a = parsed.arrays
    solver = LpSolver(build_model(a, sell_sums=True))
    relaxed = solver.solve()
    assert relaxed.ok
    return block_bound(a, solver.model, relaxed).bound, relaxed.objective, a.value


@pytest.mark.parametrize("seed", range(24))
def test_the_block_bound_never_exceeds_the_milp_optimum(seed: int) -> None:
    case = small_direct_index(seed)
    with contextlib.redirect_stdout(io.StringIO()):
        milp = solve_reference(case, time_limit=30.0)
    if milp.status != "optimal":
        pytest.skip(f"the MILP did not prove an optimum ({milp.status})")
    assert milp.total is not None
    bound, lp, value = bound_of(case)
    tolerance = 1e-6 * max(1.0, value)  # the solvers' ~1e-7 relative, as elsewhere
    assert lp - tolerance <= bound <= milp.total + tolerance
    result = optimize_json(case)
    assert result["status"] == "optimal"
    assert result["solver"]["bound"] <= milp.total + tolerance
    assert milp.total <= result["objective"]["total"] + tolerance


def test_whole_shares_lift_the_bound_to_the_drift_no_lawful_trade_can_avoid() -> None:
    # V = $10,000 (cash $1,000 + AAA $9,000), AAA's target 95% ± 0.5%: $9,450 to $9,550.
    # Its shares cost $1,000, so the relaxation buys $450 (no drift left), while a lawful
    # decision buys one share (AAA at $10,000, $450 above the band) or nothing ($450
    # below it): either way $450 × λ = $45 of drift, and the bound must say so.
    case: dict[str, Any] = {
        "as_of": AS_OF.isoformat(),
        "account": {"id": "A", "tax_status": "taxable", "cash": 1000.0},
        "tax": {"short_term_rate": 0.4, "long_term_rate": 0.2},
        "securities": [{"id": "AAA", "price": 1000.0, "cost_rate": 0.0}],
        "groups": [{"id": "AAA", "members": ["AAA"], "buy": "AAA", "target": 0.95, "band": 0.005}],
        "lots": [
            {
                "id": "L",
                "security": "AAA",
                "quantity": 9,
                "cost_basis": 1000.0,
                "acquired": "2020-01-02",
            }
        ],
        "recent_trades": [],
        "settings": {},
        "parameters": {
            "drift_weight": 0.1,
            "harvest_value": 0.0,
            "min_cash": 0.0,
            "max_cash": 1.0,
            "min_trade_value": 0.0,
            "whole_shares": True,
            "max_turnover": None,
            "gain_budget": None,
            "withdrawal": 0.0,
        },
    }
    bound, lp, _ = bound_of(case)
    assert lp == pytest.approx(0.0, abs=1e-9)
    assert bound == pytest.approx(45.0)
    result = optimize_json(case)
    assert result["objective"]["total"] == pytest.approx(45.0)
    assert result["solver"]["gap"] == pytest.approx(0.0, abs=1e-9)
