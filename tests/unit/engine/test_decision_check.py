"""Scenarios: the decision checker names each hard rule a given decision breaks.

The two-fund account (tests/builders.py): V = $100,000; STK at $100 with gain lot
G1 (500 shares, basis $60) and short-term loss lot S1 (200, basis $120); BND at $50 (lot
B1, 560 shares); stocks are bought through STK2, bonds through BND; $2,000 cash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.builders import two_fund_case, with_changes
from trimtab.domain.wash_sales import WASH_SALE_WINDOW
from trimtab.engine import parse_case, rebalance
from trimtab.engine.decision_check import (
    CheckedDecision,
    DecidedTrade,
    LotPick,
    check_decision,
    check_result,
)

AS_OF = dt.date(2026, 11, 20)


def check(case: dict[str, Any], *trades: DecidedTrade) -> CheckedDecision:
    parsed, problems = parse_case(case)
    assert parsed is not None, problems
    return check_decision(parsed, trades)


def rules(case: dict[str, Any], *trades: DecidedTrade) -> list[str]:
    return [b.rule for b in check(case, *trades).breaches]


def buy(security: str, quantity: float) -> DecidedTrade:
    return DecidedTrade(security, "buy", quantity)


def sell(security: str, *picks: tuple[str, float]) -> DecidedTrade:
    return DecidedTrade(
        security, "sell", sum(q for _, q in picks), tuple(LotPick(lot, q) for lot, q in picks)
    )


def with_security(case: dict[str, Any], security: str, **flags: Any) -> dict[str, Any]:
    securities = [{**s, **flags} if s["id"] == security else s for s in case["securities"]]
    return with_changes(case, securities=securities)


def recent(security: str, side: str, days_ago: int, gain: float | None = None) -> dict[str, Any]:
    trade: dict[str, Any] = {
        "security": security,
        "side": side,
        "date": (AS_OF - dt.timedelta(days=days_ago)).isoformat(),
        "quantity": 10,
    }
    if gain is not None:
        trade["realized_gain"] = gain
    return trade


def test_a_lawful_rebalance_passes_with_its_figures_recomputed() -> None:
    # sell 100 STK from the gain lot, buy 100 STK2 (another wash group): nothing breaks
    checked = check(two_fund_case(), sell("STK", ("G1", 100)), buy("STK2", 200))
    assert checked.ok
    assert checked.realized_gain == pytest.approx(100 * (100 - 60))
    assert checked.estimated_tax == pytest.approx(4000 * 0.20)  # long term
    assert checked.turnover == pytest.approx((10_000 + 10_000) / 200_000)
    assert checked.post_trade_cash == pytest.approx(2000 - 0.001 * 20_000)
    assert [x.term for t in checked.trades for x in t.lots] == ["long"]


def test_rule_1_buys_only_a_groups_buy_member_never_a_restricted_one() -> None:
    found = check(two_fund_case(), sell("BND", ("B1", 20)), buy("STK", 10)).breaches
    assert [(b.rule, b.path) for b in found] == [("1", "trades[1]")]
    assert "buy STK2" in found[0].fix
    restricted = with_security(two_fund_case(), "BND", no_buy=True)
    assert rules(restricted, sell("STK", ("G1", 10)), buy("BND", 20)) == ["1"]


def test_rule_2_no_sell_lots_stay_and_must_sell_positions_go_entirely() -> None:
    no_sell = with_security(two_fund_case(), "BND", no_sell=True)
    assert rules(no_sell, sell("BND", ("B1", 20)), buy("STK2", 20)) == ["2"]
    must = with_security(two_fund_case(), "STK", must_sell=True)
    partly = rules(must, sell("STK", ("G1", 500)), buy("STK2", 1000), buy("BND", 10))
    assert "2" in partly  # S1 left
    assert rules(must, sell("STK", ("G1", 500), ("S1", 200)), buy("STK2", 1340)) == []


def test_rule_3_a_sale_takes_at_most_what_is_held() -> None:
    found = check(two_fund_case(), sell("BND", ("B1", 600))).breaches
    assert [b.rule for b in found if b.rule == "3"] == ["3"]  # said once, for the sale
    assert "only 560 are held" in str(found[0])
    two_lots = check(two_fund_case(), sell("STK", ("G1", 600))).breaches
    assert [(b.rule, b.path) for b in two_lots if b.rule == "3"] == [("3", "lots.G1")]
    assert rules(two_fund_case(), buy("STK2", -5)) == ["3"]


def test_rule_4_cash_ends_within_its_bounds_and_says_how_much_to_move() -> None:
    found = check(two_fund_case(), buy("STK2", 100)).breaches  # $5,000 of $2,000 cash
    assert [b.rule for b in found] == ["4"]
    assert "below the minimum" in found[0].message
    assert "raise $3,005.00" in found[0].fix
    above = check(two_fund_case(), sell("BND", ("B1", 200))).breaches  # cash $12,000 > 5%
    assert [b.rule for b in above] == ["4"]
    assert "invest" in above[0].fix


def test_rule_5a_nothing_of_a_wash_group_sold_at_a_loss_in_the_window_is_bought() -> None:
    sold_at_loss = with_changes(two_fund_case(), recent_trades=[recent("STK2", "sell", 3, -50)])
    assert rules(sold_at_loss, sell("STK", ("G1", 10)), buy("STK2", 20)) == ["5a"]
    at_a_gain = with_changes(two_fund_case(), recent_trades=[recent("STK2", "sell", 3, 50)])
    assert rules(at_a_gain, sell("STK", ("G1", 10)), buy("STK2", 20)) == []


@pytest.mark.parametrize(("days_ago", "inside"), [(30, True), (31, False)])
def test_rule_5b_no_loss_lot_of_a_wash_group_bought_in_the_window_is_sold(
    days_ago: int, inside: bool
) -> None:
    # the window is the domain's: as_of − 30 days is in it, the day before is not
    assert dt.timedelta(days=days_ago) <= WASH_SALE_WINDOW or not inside
    case = with_changes(two_fund_case(), recent_trades=[recent("STK", "buy", days_ago)])
    found = rules(case, sell("STK", ("S1", 100)), buy("BND", 190))
    assert found == (["5b"] if inside else [])
    # a gain lot of the same group may be sold
    assert rules(case, sell("STK", ("G1", 100)), buy("BND", 190)) == []


def test_rule_5c_no_buy_beside_a_loss_sale_in_one_wash_group_in_one_decision() -> None:
    same_group = with_security(two_fund_case(), "STK2", wash_group="STK")
    found = check(same_group, sell("STK", ("S1", 100)), buy("STK2", 200)).breaches
    assert [(b.rule, b.path) for b in found] == [("5c", "buy STK2")]
    assert "S1" in found[0].message
    # a gain sale beside the buy is no wash sale; nor is any sale outside a taxable account
    assert rules(same_group, sell("STK", ("G1", 100)), buy("STK2", 200)) == []
    ira = with_changes(same_group, account={"id": "A-1", "tax_status": "tax_deferred", "cash": 2e3})
    assert rules(ira, sell("STK", ("S1", 100)), buy("STK2", 200)) == []
    # a must-sell loss lot is sold whatever is bought
    forced = with_security(same_group, "STK", must_sell=True)
    assert rules(forced, sell("STK", ("G1", 500), ("S1", 200)), buy("STK2", 1340)) == []


def test_rule_6_each_trade_is_at_least_the_minimum_unless_it_closes_the_position() -> None:
    case = two_fund_case(min_trade_value=5000.0)
    found = check(case, sell("STK", ("G1", 10)), buy("BND", 20)).breaches
    assert sorted((b.rule, b.path) for b in found) == [("6", "buy BND"), ("6", "sell STK")]
    small = with_changes(
        case,
        lots=[*case["lots"], {"id": "T1", "security": "STK2", "quantity": 3, "cost_basis": 40.0,
                              "acquired": "2020-01-02"}],
    )  # fmt: skip
    assert rules(small, sell("STK2", ("T1", 3)), buy("BND", 1)) == ["6"]  # the buy only


def test_rule_7_whole_shares_except_a_whole_fractional_lot() -> None:
    case = two_fund_case(whole_shares=True)
    assert rules(case, sell("STK", ("G1", 10)), buy("STK2", 20.5)) == ["7"]
    lots = [{**lot, "quantity": 560.25} if lot["id"] == "B1" else lot for lot in case["lots"]]
    fractional = with_changes(case, lots=lots)
    assert rules(fractional, sell("BND", ("B1", 560.25)), buy("STK2", 560)) == []
    assert rules(fractional, sell("BND", ("B1", 100.25)), buy("STK2", 100)) == ["7"]


def test_rules_8_and_9_turnover_cap_and_gain_budget() -> None:
    trades = (sell("STK", ("G1", 100)), buy("STK2", 200))  # $20,000 traded, $4,000 gain
    assert rules(two_fund_case(max_turnover=0.05), *trades) == ["8"]
    found = check(two_fund_case(gain_budget=1000.0), *trades).breaches
    assert [b.rule for b in found] == ["9"]
    assert "realize $3,000.00 less" in found[0].fix


def test_a_malformed_decision_is_reported_not_raised() -> None:
    found = check(
        two_fund_case(),
        DecidedTrade("NOPE", "buy", 1),
        DecidedTrade("BND", "hold", 1),
        DecidedTrade("BND", "sell", 10, (LotPick("G1", 10),)),
    ).breaches
    assert [b.path for b in found] == ["trades[0]", "trades[1]", "trades[2]"]
    assert "G1 is not a lot of BND" in found[2].message


def test_the_engines_own_answers_pass() -> None:
    for case in (
        two_fund_case(),
        two_fund_case(min_trade_value=1000.0, whole_shares=True),
        with_security(two_fund_case(gain_budget=0.0), "STK2", wash_group="STK"),
    ):
        parsed, _ = parse_case(case)
        assert parsed is not None
        result = rebalance(parsed)
        assert result.status == "optimal"
        assert check_result(parsed, result).breaches == ()
