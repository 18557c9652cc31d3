"""The CVXPY reference on accounts small enough to solve by hand.

Before the reference may judge the engine, it has to get the contract's worked cases
right: these scenarios state each answer from the spec's own arithmetic, and the property
at the end checks that its two writings of the objective (CVXPY's and the plain
recomputation in checks.py) agree and that its trades keep every hard rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.builders import days_ago, rebalance_case
from tests.reference.case_model import read_case
from tests.reference.checks import rule_violations
from tests.reference.cvxpy_reference import solve_reference
from tests.strategies import rebalance_cases


def test_a_must_sell_position_is_sold_entirely_and_its_gain_taxed_long_term() -> None:
    case = rebalance_case(
        securities=[{"id": "XOM", "price": 118.20, "cost_rate": 0.001, "must_sell": True}],
        groups=[{"id": "XOM", "members": ["XOM"], "buy": None, "target": 0.0, "band": 0.0}],
        lots=[
            {
                "id": "L2",
                "security": "XOM",
                "quantity": 25,
                "cost_basis": 80.0,
                "acquired": "2019-05-02",
            }
        ],
        cash=2500.0,
    )
    solution = solve_reference(case)
    assert solution.trades.sold == pytest.approx({"L2": 25.0})
    # 25 × (118.20 − 80) × 0.238 tax + 2955 × 0.001 trading
    assert solution.total == pytest.approx(227.29 + 2.955)


def test_an_account_inside_its_band_with_nothing_to_harvest_trades_nothing() -> None:
    case = rebalance_case(
        securities=[{"id": "VOO", "price": 500.0, "cost_rate": 0.0005}],
        groups=[{"id": "US", "members": ["VOO"], "buy": "VOO", "target": 0.97, "band": 0.02}],
        lots=[
            {
                "id": "L1",
                "security": "VOO",
                "quantity": 100,
                "cost_basis": 400.0,
                "acquired": "2020-01-02",
            }
        ],
        cash=1000.0,
    )
    solution = solve_reference(case)
    assert solution.trades.is_empty
    assert solution.total == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(("days_since_loss_sale", "blocked"), [(10, True), (30, True), (31, False)])
@pytest.mark.parametrize("tax_status", ["taxable", "tax_exempt"])
def test_a_wash_group_sold_at_a_loss_within_30_days_is_not_bought_in_any_account(
    days_since_loss_sale: int, blocked: bool, tax_status: str
) -> None:
    case = rebalance_case(
        securities=[{"id": "VOO", "price": 500.0, "cost_rate": 0.0, "wash_group": "SP500"}],
        groups=[{"id": "US", "members": ["VOO"], "buy": "VOO", "target": 0.9, "band": 0.02}],
        cash=10_000.0,
        tax_status=tax_status,
        recent_trades=[
            {
                "security": "IVV",
                "wash_group": "SP500",
                "side": "sell",
                "date": days_ago(days_since_loss_sale),
                "quantity": 5,
                "realized_gain": -100.0,
            }
        ],
    )
    solution = solve_reference(case)
    if blocked:  # the whole out-of-band drift stays: 0.1 × 10,000 × (0.9 − 0.02)
        assert solution.trades.is_empty
        assert solution.total == pytest.approx(880.0)
    else:  # buy to the band's edge, 0.88 × 10,000 = $8,800, at no cost
        assert solution.trades.bought["VOO"] == pytest.approx(8800.0 / 500.0)
        assert solution.total == pytest.approx(0.0, abs=1e-9)


def loss_lot_and_cash(*, buy: str) -> dict[str, Any]:
    """10 VOO bought 100 days ago at 600, now 500 (a $1,000 short-term loss, worth $400
    of tax at 40%), $5,000 cash, and a 95% target the group's buy member should fill."""
    return rebalance_case(
        securities=[
            {"id": "VOO", "price": 500.0, "cost_rate": 0.0, "wash_group": "SP500"},
            {"id": "IVV", "price": 500.0, "cost_rate": 0.0, "wash_group": "SP500-ISH"},
        ],
        groups=[{"id": "US", "members": ["VOO", "IVV"], "buy": buy, "target": 0.95, "band": 0.0}],
        lots=[
            {
                "id": "L1",
                "security": "VOO",
                "quantity": 10,
                "cost_basis": 600.0,
                "acquired": days_ago(100),
            }
        ],
        cash=5000.0,
    )


def test_buying_and_loss_selling_one_wash_group_together_is_a_choice() -> None:
    # buying VOO back is what fills the target, so the harvest is given up (rule 5c):
    # buy 9 VOO; selling the lot instead would leave $450 + drift the harvest cannot pay
    solution = solve_reference(loss_lot_and_cash(buy="VOO"))
    assert solution.trades.sold == {}
    assert solution.trades.bought == pytest.approx({"VOO": 9.0})
    assert solution.total == pytest.approx(0.0, abs=1e-6)


def test_a_substitute_in_another_wash_group_makes_the_harvest_a_swap() -> None:
    solution = solve_reference(loss_lot_and_cash(buy="IVV"))
    assert solution.trades.sold == pytest.approx({"L1": 10.0})
    assert solution.trades.bought == pytest.approx({"IVV": 19.0})
    assert solution.total == pytest.approx(-400.0)


def test_a_buy_below_the_minimum_is_lifted_to_the_minimum_when_that_beats_not_trading() -> None:
    # target 3% of $10,000 = $300 < $500 minimum: no buy leaves 0.1 × 10,000 × 0.03 = 30 of
    # drift, a $500 buy overshoots to 5% and leaves 0.1 × 10,000 × 0.02 = 20
    case = rebalance_case(
        securities=[{"id": "VEA", "price": 100.0, "cost_rate": 0.0}],
        groups=[{"id": "INTL", "members": ["VEA"], "buy": "VEA", "target": 0.03, "band": 0.0}],
        cash=10_000.0,
        min_trade_value=500.0,
    )
    solution = solve_reference(case)
    assert solution.trades.bought == pytest.approx({"VEA": 5.0})
    assert solution.total == pytest.approx(20.0)


def test_a_position_worth_less_than_the_minimum_may_still_be_sold_whole() -> None:
    case = rebalance_case(
        securities=[{"id": "OLD", "price": 100.0, "cost_rate": 0.0}],
        groups=[],
        lots=[
            {
                "id": "L1",
                "security": "OLD",
                "quantity": 3,
                "cost_basis": 100.0,
                "acquired": "2020-01-02",
            }
        ],
        cash=10_000.0,
        tax_status="tax_deferred",
        min_trade_value=500.0,
    )
    solution = solve_reference(case)
    assert solution.trades.sold == pytest.approx({"L1": 3.0})
    assert solution.total == pytest.approx(0.0, abs=1e-9)


def test_whole_shares_round_a_buy_down_when_cash_cannot_pay_for_the_next_share() -> None:
    # $1,000 buys 3.33 shares of a $300 fund; whole shares: 3, leaving 10% drift = $10
    case = rebalance_case(
        securities=[{"id": "VTI", "price": 300.0, "cost_rate": 0.0}],
        groups=[{"id": "US", "members": ["VTI"], "buy": "VTI", "target": 1.0, "band": 0.0}],
        cash=1000.0,
        whole_shares=True,
    )
    solution = solve_reference(case)
    assert solution.trades.bought == pytest.approx({"VTI": 3.0})
    assert solution.total == pytest.approx(10.0)


@given(st.booleans().flatmap(lambda integer: rebalance_cases(integer_rules=integer)))
def test_the_reference_keeps_every_rule_and_its_two_objectives_agree(case: dict[str, Any]) -> None:
    # a time limit: branch-and-bound on the big-M model can take minutes on a few cases
    solution = solve_reference(case, time_limit=5.0)
    if solution.status == "infeasible" or solution.total is None:
        return
    model = read_case(case)
    assert rule_violations(model, solution.trades) == []
    if solution.status != "optimal":
        # Stopped by the time limit (a busy machine makes that likelier): CVXPY's value is
        # then HiGHS's incumbent within its feasibility tolerances, not a point to match.
        return
    assert solution.total == pytest.approx(
        solution.solver_value, abs=1e-6 * max(1.0, model.total_value)
    )
