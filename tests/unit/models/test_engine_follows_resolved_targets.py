"""The resolved target drives the engine: holding any member of an equivalence set counts
toward its group, so a client who holds the alternate IVV where the firm prefers VOO is on
target and nothing is sold just to swap into the preferred member; new money goes to VOO.
"""

from __future__ import annotations

from typing import Any

from tests.builders import firm_book
from trimtab.domain.resolution import resolve
from trimtab.engine import optimize_json

PRICES = {
    "VOO": 500.0,
    "IVV": 550.0,
    "SPLG": 60.0,
    "BND": 75.0,
    "VEA": 50.0,
    "VNQ": 90.0,
    "VO": 250.0,
}


def case_for(holdings: dict[str, float], cash: float) -> dict[str, Any]:
    """A taxable account following BAL-ETF with each holding one lot at a 20% gain."""
    resolved, problems = resolve("BAL-ETF", firm_book())
    assert problems == []
    assert resolved is not None
    groups = [dict(g, band=0.02) for g in resolved.engine_groups()]
    return {
        "as_of": "2026-11-20",
        "account": {"id": "A-1", "tax_status": "taxable", "cash": cash},
        "tax": {"short_term_rate": 0.408, "long_term_rate": 0.238},
        "securities": [{"id": s, "price": p, "cost_rate": 0.0005} for s, p in PRICES.items()],
        "groups": groups,
        "lots": [
            {
                "id": f"L-{s}",
                "security": s,
                "quantity": value / PRICES[s],
                "cost_basis": PRICES[s] / 1.2,
                "acquired": "2020-01-15",
            }
            for s, value in holdings.items()
        ],
        "settings": {"tax_sensitivity": "high"},
        "parameters": {"min_cash": 0.04, "max_cash": 0.06},
    }


ON_TARGET = {"IVV": 40_000.0, "BND": 30_000.0, "VEA": 10_000.0, "VNQ": 5_000.0, "VO": 10_000.0}


def test_an_alternate_member_counts_toward_the_target_and_is_not_swapped() -> None:
    result = optimize_json(case_for(ON_TARGET, cash=5_000.0))

    assert result["status"] == "optimal"
    assert result["trades"] == []
    sp500 = next(g for g in result["post_trade"]["groups"] if g["id"] == "SP500")
    assert abs(sp500["weight"] - 0.40) < 1e-9


def test_new_money_buys_the_preferred_member_and_still_sells_nothing() -> None:
    result = optimize_json(case_for(ON_TARGET, cash=25_000.0))

    assert result["status"] == "optimal"
    assert {t["side"] for t in result["trades"]} == {"buy"}
    bought = {t["security"] for t in result["trades"]}
    assert "VOO" in bought
    assert bought.isdisjoint({"IVV", "SPLG"})
