"""Each hard rule of the contract, as a scenario on a small two-fund account."""

from __future__ import annotations

import pytest

from tests.builders import lot_sales, trades_by, two_fund_case, with_changes
from trimtab.engine import optimize_json


def test_an_overweight_account_sells_stock_and_buys_bonds_back_to_the_band() -> None:
    result = optimize_json(two_fund_case())
    assert result["status"] == "optimal"
    groups = {g["id"]: g for g in result["post_trade"]["groups"]}
    assert 0.58 - 1e-9 <= groups["STOCKS"]["weight"] <= 0.62 + 1e-9
    assert 0.36 - 1e-9 <= groups["BONDS"]["weight"] <= 0.40 + 1e-9
    assert result["objective"]["drift"] == pytest.approx(0.0, abs=1e-6)


def test_the_loss_lot_is_sold_before_the_gain_lot() -> None:
    sales = lot_sales(optimize_json(two_fund_case()))
    assert sales.get("S1", 0) > 0
    assert "G1" not in sales


def test_only_the_buy_member_is_bought_and_never_when_no_buy() -> None:
    case = two_fund_case()
    case["securities"][2]["no_buy"] = True
    result = optimize_json(case)
    assert ("BND", "buy") not in trades_by(result)
    assert all(t["security"] != "STK" for t in result["trades"] if t["side"] == "buy")


def test_no_sell_lots_stay_and_must_sell_positions_go_entirely() -> None:
    case = two_fund_case()
    case["lots"][1]["no_sell"] = True  # the loss lot
    case["securities"][2]["must_sell"] = True  # all the bonds
    case["parameters"]["max_cash"] = 1.0
    sales = lot_sales(optimize_json(case))
    assert "S1" not in sales
    assert sales["B1"] == 560


def test_cash_stays_within_its_bounds() -> None:
    case = two_fund_case(min_cash=0.04, max_cash=0.045)
    result = optimize_json(case)
    assert 0.04 - 1e-9 <= result["post_trade"]["cash_weight"] <= 0.045 + 1e-9


def test_a_recent_loss_sale_blocks_buys_of_its_wash_group_in_every_account() -> None:
    case = two_fund_case()
    case["account"]["tax_status"] = "tax_exempt"
    case["recent_trades"] = [
        {"security": "BND", "side": "sell", "date": "2026-11-01", "realized_gain": -10.0}
    ]
    case["parameters"]["max_cash"] = 1.0
    assert ("BND", "buy") not in trades_by(optimize_json(case))


def test_a_recent_buy_blocks_loss_sales_of_its_wash_group_in_a_taxable_account() -> None:
    case = two_fund_case()
    case["recent_trades"] = [{"security": "STK", "side": "buy", "date": "2026-11-10"}]
    assert "S1" not in lot_sales(optimize_json(case))


def test_outside_the_thirty_day_window_nothing_is_blocked() -> None:
    case = two_fund_case()
    case["recent_trades"] = [{"security": "STK", "side": "buy", "date": "2026-10-20"}]
    assert "S1" in lot_sales(optimize_json(case))


def test_a_loss_sale_and_a_buy_in_one_wash_group_never_happen_together() -> None:
    # STOCKS under target so STK must be bought, and S1's loss is worth harvesting.
    case = two_fund_case(harvest_value=1.0)
    case["groups"][0]["buy"] = "STK"
    case["lots"][0]["quantity"] = 300
    case["account"]["cash"] = 22000.0
    result = optimize_json(case)
    trades = trades_by(result)
    loss_sold = "S1" in lot_sales(result)
    assert not (loss_sold and ("STK", "buy") in trades)
    assert result["solver"]["name"].endswith("integer heuristic")


def test_turnover_never_exceeds_the_cap() -> None:
    result = optimize_json(two_fund_case(max_turnover=0.03))
    assert result["turnover"] <= 0.03 + 1e-9
    assert result["objective"]["drift"] > 0  # the cap is what holds the account back


def test_net_realized_gain_stays_within_the_budget() -> None:
    case = two_fund_case(gain_budget=500.0)
    case["lots"][1]["quantity"] = 1  # almost no loss to offset the gain lot
    case["lots"][0]["quantity"] = 699
    result = optimize_json(case)
    net = result["tax"]["realized_short_term"] + result["tax"]["realized_long_term"]
    assert net <= 500.0 + 0.01


def test_every_trade_is_zero_or_at_least_the_minimum_trade_value() -> None:
    result = optimize_json(two_fund_case(min_trade_value=5000.0))
    assert result["status"] == "optimal"
    assert result["trades"]
    assert all(t["value"] >= 5000.0 - 0.01 for t in result["trades"])


def test_whole_shares_trade_whole_shares() -> None:
    result = optimize_json(two_fund_case(whole_shares=True))
    assert result["trades"]
    for trade in result["trades"]:
        assert trade["quantity"] == int(trade["quantity"])
        assert all(p["quantity"] == int(p["quantity"]) for p in trade["lots"])
    assert 0.0 <= result["post_trade"]["cash_weight"] <= 0.05 + 1e-9


def test_the_reported_total_is_the_sum_of_its_terms() -> None:
    o = optimize_json(two_fund_case())["objective"]
    assert o["total"] == pytest.approx(o["drift"] + o["tax"] - o["harvest"] + o["trading"])


def test_a_tax_exempt_account_has_no_tax_terms() -> None:
    case = with_changes(
        two_fund_case(), account={"id": "A", "tax_status": "tax_exempt", "cash": 2000.0}
    )
    result = optimize_json(case)
    assert result["objective"]["tax"] == 0
    assert result["objective"]["harvest"] == 0
    assert result["tax"]["estimated_tax"] == 0
