"""The client's tax picture moves the engine's decisions the way the tax law says it should.

Rates 40% short-term, 23.8% long-term, full harvest value, no integer rules. A harvest
swap (sell A at a loss, buy B of another wash group in the same target group) costs 3% to
sell and 1% to buy, so it pays when τ × the 11.1% loss fraction exceeds 4% — at 40%
(4.4%) yes, at 23.8% (2.6%) or the carryforward rate 23.8% / 1.05 (2.5%) no, not even
as a sale alone within the band (3%).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import days_ago, lot_sales, rebalance_case
from trimtab.engine import optimize_json, parse_case
from trimtab.engine.arrays import build_arrays


def harvest_case(picture: dict[str, Any] | None = None) -> dict[str, Any]:
    """$100,000: $90,000 of A bought two months ago at $100, now $90 (a $10,000
    short-term loss), $10,000 cash; the group's target 90% ± 5%, bought through B."""
    case = rebalance_case(
        securities=[
            {"id": "A", "price": 90.0, "cost_rate": 0.03, "wash_group": "A"},
            {"id": "B", "price": 90.0, "cost_rate": 0.01, "wash_group": "B"},
        ],
        groups=[{"id": "EQ", "members": ["A", "B"], "buy": "B", "target": 0.9, "band": 0.05}],
        lots=[
            {
                "id": "L1",
                "security": "A",
                "quantity": 1000,
                "cost_basis": 100.0,
                "acquired": days_ago(60),
            },
        ],
        cash=10_000.0,
    )
    if picture is not None:
        case["tax"]["picture"] = picture
    return case


def harvested(case: dict[str, Any]) -> float:
    result = optimize_json(case)
    assert result["status"] == "optimal", result
    return lot_sales(result).get("L1", 0.0)


def test_without_a_picture_a_short_term_loss_is_worth_the_short_term_rate() -> None:
    assert harvested(harvest_case()) == pytest.approx(1000)


def test_large_short_term_gains_already_realized_make_the_harvest_pay() -> None:
    # The same lot, two clients: one with $50,000 of short-term gains this year (the
    # loss saves 40%), one with $50,000 of long-term gains only (it saves 23.8%).
    assert harvested(harvest_case({"realized_short_ytd": 50_000})) == pytest.approx(1000)
    assert harvested(harvest_case({"realized_long_ytd": 50_000})) == 0.0


def test_a_loss_that_can_only_be_carried_forward_is_not_harvested_at_this_cost() -> None:
    # Already $20,000 of net loss this year: the ordinary offset is used, the loss only
    # carries forward (23.8% / 1.05).
    assert harvested(harvest_case({"realized_short_ytd": -20_000})) == 0.0
    # Expected outside short-term gains absorb it again.
    picture = {"realized_short_ytd": -20_000, "outside_short": 80_000}
    assert harvested(harvest_case(picture)) == pytest.approx(1000)


def test_a_gain_absorbed_by_a_carried_loss_is_realized_to_fix_drift() -> None:
    # $90,000 of C bought at $60 five months ago (a $45,000 short-term gain), target
    # 50%: each dollar sold removes $0.10 of drift penalty and costs 40% × 33% = 13.3¢ of
    # tax without a picture; with a $100,000 short-term loss carried in it costs the
    # carryforward rate, 22.7% × 33% = 7.6¢, and the account is brought back in band.
    case = rebalance_case(
        securities=[{"id": "C", "price": 90.0, "cost_rate": 0.001}],
        groups=[{"id": "EQ", "members": ["C"], "buy": "C", "target": 0.5, "band": 0.0}],
        lots=[
            {
                "id": "L1",
                "security": "C",
                "quantity": 1000,
                "cost_basis": 60.0,
                "acquired": days_ago(150),
            },
        ],
        cash=10_000.0,
    )
    assert lot_sales(optimize_json(case)) == {}
    case["tax"]["picture"] = {"carryforward_short": 100_000}
    sold = lot_sales(optimize_json(case))["L1"]
    assert sold * 90.0 == pytest.approx(40_000, rel=1e-6)


def test_each_lot_gets_the_rate_of_its_term_and_sign() -> None:
    # Only long-term gains this year: a loss saves 23.8%, whatever its term; a short-term
    # gain costs 40%, a long-term gain 23.8%.
    case = harvest_case({"realized_long_ytd": 50_000})
    case["lots"] += [
        {"id": "G1", "security": "A", "quantity": 10, "cost_basis": 50.0, "acquired": days_ago(30)},
        {"id": "G2", "security": "A", "quantity": 10, "cost_basis": 50.0, "acquired": "2020-01-02"},
        {"id": "L2", "security": "A", "quantity": 10, "cost_basis": 95.0, "acquired": "2020-01-02"},
    ]
    parsed, problems = parse_case(case)
    assert parsed is not None, problems
    rates = dict(zip(build_arrays(parsed).lot_ids, build_arrays(parsed).lot_rate, strict=True))
    assert rates == pytest.approx({"L1": 0.238, "G1": 0.4, "G2": 0.238, "L2": 0.238})


def test_a_picture_with_a_wrong_field_names_it() -> None:
    case = harvest_case({"carryforward_long": -5, "realised_short_ytd": 1})
    _parsed, problems = parse_case(case)
    assert sorted(str(p) for p in problems) == [
        "tax.picture.carryforward_long: must be a loss amount ≥ 0, got -5",
        "tax.picture.realised_short_ytd: unknown field 'realised_short_ytd' "
        "(did you mean 'realized_short_ytd'?)",
    ]
