"""Opportunistic harvesting sells a loss only where the proceeds have a home.

A $1,000,000 account: group A is one stock, X, at a 40% loss with no substitute; group B
holds a little of a legacy stock Y at a 50% loss and buys Z, another wash group (a swap),
with a wide band (±10%). Both groups sit inside their bands and cash is 3% (the ceiling
is 5%). Under "maximum" tax
sensitivity both losses are worth far more than the drift penalty, so:
- "opportunistic" (the firm's default) swaps Y into Z and leaves X alone: selling X would
  empty A for the 30-day wash window and force its cash into B's band;
- "year_round" harvests X as well;
- a case that states neither is the spec's problem, where every loss counts, as with
  year_round;
- selling Y leaves B inside its band, so the purchase of Z cuts no drift: it is mandated
  by the cash ceiling and says so, and the sale of Y pays for it.
"""

from __future__ import annotations

import pytest

from trimtab.engine import parse_case, rebalance


def account(settings: dict[str, object]) -> dict[str, object]:
    return {
        "as_of": "2026-11-20",
        "account": {"id": "A-HOME", "tax_status": "taxable", "cash": 30_000.0},
        "tax": {"short_term_rate": 0.408, "long_term_rate": 0.238},
        "securities": [
            {"id": "X", "price": 60.0, "cost_rate": 0.0005},
            {"id": "Y", "price": 50.0, "cost_rate": 0.0005},
            {"id": "Z", "price": 100.0, "cost_rate": 0.0005},
        ],
        "groups": [
            {"id": "A", "members": ["X"], "buy": "X", "target": 0.47},
            {"id": "B", "members": ["Y", "Z"], "buy": "Z", "target": 0.50, "band": 0.10},
        ],
        "lots": [
            {"id": "X1", "security": "X", "quantity": 7833, "cost_basis": 100.0,
             "acquired": "2024-06-03"},
            {"id": "Y1", "security": "Y", "quantity": 1000, "cost_basis": 100.0,
             "acquired": "2024-06-03"},
            {"id": "Z1", "security": "Z", "quantity": 4500, "cost_basis": 90.0,
             "acquired": "2024-06-03"},
        ],
        "recent_trades": [],
        "settings": {"tax_sensitivity": "maximum"} | settings,
        "parameters": {},
    }  # fmt: skip


def optimize(settings: dict[str, object]) -> dict[str, object]:
    case, problems = parse_case(account(settings))
    assert case is not None, problems
    result = rebalance(case).as_dict()
    assert result["status"] == "optimal", result.get("reason")
    return result


def sold(result: dict[str, object]) -> set[str]:
    return {t["security"] for t in result["trades"] if t["side"] == "sell"}


def test_opportunistic_harvests_only_the_loss_it_can_swap() -> None:
    result = optimize({"loss_harvesting": "opportunistic"})

    assert sold(result) == {"Y"}
    assert result["parameters"]["harvest_requires_swap"] is True


@pytest.mark.parametrize(
    "settings", [{"loss_harvesting": "year_round"}, {}], ids=["year_round", "unstated"]
)
def test_year_round_and_the_spec_harvest_a_loss_without_a_substitute(
    settings: dict[str, object],
) -> None:
    result = optimize(settings)

    assert sold(result) == {"X", "Y"}
    assert result["parameters"]["harvest_requires_swap"] is False


def test_the_swap_purchase_is_mandated_by_the_cash_ceiling_and_the_sale_pays_for_it() -> None:
    trades = {t["side"]: t for t in optimize({"loss_harvesting": "opportunistic"})["trades"]}
    sale, purchase = trades["sell"], trades["buy"]

    assert purchase["security"] == "Z"
    assert purchase["mandated"] is True
    assert "above the 5.0% cash maximum" in purchase["reason"]
    assert sale["mandated"] is False
    assert sum(sale["effects"].values()) + sum(purchase["effects"].values()) < 0
