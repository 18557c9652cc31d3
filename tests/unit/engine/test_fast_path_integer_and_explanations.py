"""The zero-trade proof, the integer heuristics' honest gap, and generated explanations."""

from __future__ import annotations

import copy

import pytest

from tests.builders import trades_by, two_fund_case
from trimtab.engine import optimize_json


def in_band_case() -> dict[str, object]:
    case = two_fund_case()
    case["lots"][0]["quantity"] = 405  # STK $60,500 of $100,000: 60.5%
    case["lots"][1]["cost_basis"] = 90.0  # S1 now a gain: nothing to harvest
    case["lots"][2]["quantity"] = 750  # BND $37,500: 37.5%
    case["account"]["cash"] = 2000.0
    return case


def test_an_in_band_account_is_answered_by_the_proof_without_a_solver() -> None:
    result = optimize_json(in_band_case())
    assert result["status"] == "optimal"
    assert result["trades"] == []
    assert result["solver"]["name"] == "zero-trade proof"
    assert result["solver"]["lp_solves"] == 0
    assert result["objective"]["total"] == 0


def test_the_proof_steps_aside_when_a_loss_is_worth_harvesting() -> None:
    case = in_band_case()
    case["lots"][1]["cost_basis"] = 120.0  # S1: a short-term loss, worth harvesting
    result = optimize_json(case)
    assert result["solver"]["name"].startswith("highs")
    assert result["solver"]["lp_solves"] >= 1


def relaxed(case: dict[str, object]) -> dict[str, object]:
    out = copy.deepcopy(case)
    out["parameters"]["whole_shares"] = False  # type: ignore[index]
    out["parameters"]["min_trade_value"] = 0.0  # type: ignore[index]
    return out


@pytest.mark.parametrize(
    "rules",
    [
        {"whole_shares": True},
        {"min_trade_value": 3000.0},
        {"whole_shares": True, "min_trade_value": 3000.0},
    ],
)
def test_the_integer_bound_is_the_lp_optimum_and_the_gap_is_what_it_says(
    rules: dict[str, object],
) -> None:
    case = two_fund_case(**rules)
    case["securities"][0]["price"] = 103.7  # fractional shares everywhere
    result = optimize_json(case)
    lp = optimize_json(relaxed(case))
    total, bound = result["objective"]["total"], result["solver"]["bound"]
    assert bound == pytest.approx(lp["objective"]["total"], abs=1e-6)
    assert bound <= total + 1e-6
    assert result["solver"]["gap"] == pytest.approx(
        (total - bound) / max(1.0, abs(total)), abs=1e-6
    )


def test_a_linear_case_is_solved_exactly_with_no_gap() -> None:
    result = optimize_json(two_fund_case())
    assert result["solver"]["gap"] <= 1e-9
    assert result["solver"]["bound"] == pytest.approx(result["objective"]["total"], abs=1e-6)


def test_each_trade_says_why_with_the_numbers_behind_it() -> None:
    result = optimize_json(two_fund_case())
    trades = trades_by(result)
    sale, buy = trades[("STK", "sell")], trades[("BND", "buy")]
    assert "Group STOCKS was 10.0% over its 60.0% target (band ±2.0%)" in sale["reason"]
    assert "Harvests a $" in sale["reason"]
    assert "Group BONDS was 10.0% under its 38.0% target" in buy["reason"]
    assert sale["effects"]["drift"] < 0
    assert sale["effects"]["harvest"] < 0
    assert sale["mandated"] is False
    assert buy["mandated"] is False


def test_a_withdrawal_sale_is_mandated_and_says_so() -> None:
    case = in_band_case()
    case["parameters"]["withdrawal"] = 10000.0  # type: ignore[index]
    result = optimize_json(case)
    sales = [t for t in result["trades"] if t["side"] == "sell"]
    assert sales
    assert all(t["mandated"] for t in sales)
    assert any("Raises cash for the $10,000 withdrawal." in t["reason"] for t in sales)


def test_cost_benefit_counts_voluntary_trades_only() -> None:
    result = optimize_json(two_fund_case())
    cb = result["cost_benefit"]
    assert cb["benefit"] > 0
    o = result["objective"]
    assert cb["cost"] == pytest.approx(o["tax"] - o["harvest"] + o["trading"], abs=0.01)


def test_a_factor_model_adds_a_tracking_error_term() -> None:
    case = two_fund_case(tracking_error_weight=50000.0)
    case["factor_model"] = {
        "factors": ["equity"],
        "exposures": {"STK": [1.0], "STK2": [1.0], "BND": [0.1]},
        "covariance": [[0.04]],
        "specific_variance": {"STK": 0.01, "BND": 0.001},
    }
    result = optimize_json(case)
    plain = optimize_json(two_fund_case())
    assert result["status"] == "optimal"
    assert result["solver"]["name"].startswith("highs-qp")
    o = result["objective"]
    assert o["total"] == pytest.approx(
        o["drift"] + o["tax"] - o["harvest"] + o["trading"] + o["tracking_error"], abs=1e-6
    )
    stocks = {g["id"]: g for g in result["post_trade"]["groups"]}["STOCKS"]["weight"]
    plain_stocks = {g["id"]: g for g in plain["post_trade"]["groups"]}["STOCKS"]["weight"]
    # Risk pulls stock exposure towards its 60% target more than the band alone does.
    assert abs(stocks - 0.60) <= abs(plain_stocks - 0.60) + 1e-9
