"""Accounts where the engine and the contract disagreed, found by the reference suite.

Each scenario is the smallest account hypothesis found (or a hand-made equivalent), with
the contract's answer worked out by hand and confirmed by the CVXPY reference.
"""

from __future__ import annotations

import contextlib
import io

from tests.reference.accounts import account
from tests.reference.checks import after_trades
from tests.reference.cvxpy_reference import solve_reference
from tests.reference.run import engine_result


def quiet_reference_status(case: dict[str, object]) -> str:
    with contextlib.redirect_stdout(io.StringIO()):
        return solve_reference(case).status  # type: ignore[arg-type]


def test_cash_above_its_maximum_with_nothing_to_buy_is_infeasible_not_a_solver_error() -> None:
    # $1,000 of cash, max cash 2%, no security to buy or sell: the solver has no columns
    case = account(
        securities=[{"id": "S0", "price": 5.0}], groups=[], cash=1000.0, max_cash=0.02
    )
    result = engine_result(case)
    assert quiet_reference_status(case) == "infeasible"
    assert result["status"] == "infeasible"
    assert "cash" in result["reason"]


def test_a_no_sell_lot_of_a_must_sell_security_makes_the_case_infeasible() -> None:
    # rules 2 and 2 collide: the lot may not be sold, the security must be sold entirely
    case = account(
        securities=[{"id": "XOM", "price": 100.0, "must_sell": True}],
        groups=[],
        lots=[
            {"id": "L1", "security": "XOM", "quantity": 5, "cost_basis": 90.0,
             "acquired": "2020-01-02", "no_sell": True},
            {"id": "L2", "security": "XOM", "quantity": 5, "cost_basis": 90.0,
             "acquired": "2020-01-02"},
        ],
        cash=100.0,
    )
    result = engine_result(case)
    assert quiet_reference_status(case) == "infeasible"
    assert result["status"] == "infeasible"


def test_a_must_sell_security_is_not_bought_back_so_the_next_rebalance_has_nothing_to_do() -> None:
    # XOM must go but is still its group's buy member; buying it back undoes the mandate
    # and tomorrow's rebalance sells it again
    case = account(
        securities=[{"id": "XOM", "price": 100.0, "must_sell": True}, {"id": "CVX", "price": 50.0}],
        groups=[{"id": "ENERGY", "members": ["XOM", "CVX"], "buy": "XOM", "target": 0.5, "band": 0.0}],
        lots=[{"id": "L1", "security": "XOM", "quantity": 10, "cost_basis": 90.0, "acquired": "2020-01-02"}],
        cash=1000.0,
    )
    first = engine_result(case)
    assert first["status"] == "optimal"
    assert [t for t in first["trades"] if t["side"] == "buy" and t["security"] == "XOM"] == []
    second = engine_result(after_trades(case, first))
    assert second["trades"] == []


def test_with_integer_rules_a_feasible_no_trade_decision_is_never_called_infeasible() -> None:
    # every position is off target, but cash 0 within [0%, 2%] and a $50 minimum trade:
    # trading nothing keeps every rule (total = the drift penalty), so a decision exists
    case = account(
        securities=[{"id": f"S{i}", "price": 5.0} for i in range(3)],
        groups=[],
        lots=[
            {"id": "L0", "security": "S0", "quantity": 31, "cost_basis": 5.0, "acquired": "2024-01-01"},
            {"id": "L1", "security": "S1", "quantity": 1, "cost_basis": 5.0, "acquired": "2024-01-01", "no_sell": True},
            {"id": "L2", "security": "S2", "quantity": 16, "cost_basis": 5.0, "acquired": "2024-01-01"},
        ],
        cash=0.0,
        max_cash=0.02,
        min_trade_value=50.0,
        drift_weight=2.0,
    )
    result = engine_result(case)
    assert quiet_reference_status(case) == "optimal"
    assert result["status"] == "optimal"
