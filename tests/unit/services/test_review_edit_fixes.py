"""Scenarios (issue 18, item 20): an edit the rules refuse says what would fix it, and
`rebalance_rest` re-optimizes the rest of the proposal around the reviewer's edit.

The account (tests/unit/services/test_review.py): V = $10,000, cash $1,000, cash band
[0%, 20%] = [$0, $2,000]; the night sells 2 VOO ($1,000) and buys 10 BND ($1,000)."""

from __future__ import annotations

import copy

import pytest

from tests.fakes.trading_desk import FakeTradingDesk, finished_run
from tests.unit.services.test_review import ANA, CASE, NOW, RUN, proposal
from trimtab.engine import parse_case
from trimtab.engine.decision_check import DecidedTrade, LotPick, check_decision
from trimtab.services.review import edit


def desk_with(case: dict[str, object]) -> FakeTradingDesk:
    desk = FakeTradingDesk()
    desk.runs.add(finished_run(RUN))
    desk.proposals.add(proposal("A-2", "10000"), {"case": case})
    return desk


@pytest.fixture
def desk() -> FakeTradingDesk:
    return desk_with(CASE)


def keeps_every_rule(desk: FakeTradingDesk, case: dict[str, object] = CASE) -> bool:
    parsed, _ = parse_case(case)
    assert parsed is not None
    trades = desk.proposals.proposal(RUN, "A-2").trades  # type: ignore[union-attr]
    asked = [
        DecidedTrade(
            t.security, t.side, t.quantity, tuple(LotPick(x.lot, x.quantity) for x in t.lots)
        )
        for t in trades
    ]
    return check_decision(parsed, asked).ok


def test_too_much_cash_names_the_other_trade_to_change_and_by_how_much(
    desk: FakeTradingDesk,
) -> None:
    # Selling 6 VOO instead of 2 leaves $3,000 of cash: $1,000 over the band.
    [problem] = edit(desk, "A-2", quantities={("sell", "VOO"): 6}, principal=ANA, reason="x")
    assert problem.path == "cash"
    assert "post-trade cash $3,000.00 is above the maximum $2,000.00" in problem.message
    assert "buy $1,000.00 more of BND (buy:BND=20)" in problem.message
    assert "--rebalance-rest" in problem.message
    # Following the fix gives an edit every rule accepts.
    fixed = {("sell", "VOO"): 6, ("buy", "BND"): 20}
    assert edit(desk, "A-2", quantities=fixed, principal=ANA, reason="x", now=NOW) == []
    assert keeps_every_rule(desk)


def test_too_little_cash_names_the_sale_to_raise(desk: FakeTradingDesk) -> None:
    case = copy.deepcopy(CASE)
    case["parameters"]["min_cash"] = 0.05  # $500
    desk = desk_with(case)
    # Buying 16 BND instead of 10 leaves $400 of cash: $100 short of the minimum.
    [problem] = edit(desk, "A-2", quantities={("buy", "BND"): 16}, principal=ANA, reason="x")
    assert "below the minimum $500.00" in problem.message
    assert "sell $100.00 more of VOO (sell:VOO=2.2)" in problem.message
    fixed = {("buy", "BND"): 16, ("sell", "VOO"): 2.2}
    assert edit(desk, "A-2", quantities=fixed, principal=ANA, reason="x", now=NOW) == []
    assert keeps_every_rule(desk, case)


def test_selling_more_than_is_held_says_how_much_is_held(desk: FakeTradingDesk) -> None:
    problems = edit(desk, "A-2", quantities={("sell", "VOO"): 500}, principal=ANA, reason="x")
    assert any("sells 500 shares of VOO; only 14 are held" in p.message for p in problems)
    assert not any("lots add up" in p.message for p in problems), problems


def test_rebalance_rest_balances_the_edit_with_the_other_trades(desk: FakeTradingDesk) -> None:
    problems = edit(
        desk,
        "A-2",
        quantities={("sell", "VOO"): 6},
        rebalance_rest=True,
        principal=ANA,
        reason="sell more VOO, invest the rest",
        now=NOW,
    )
    assert problems == []
    after = desk.proposals.proposal(RUN, "A-2")
    assert after is not None
    assert after.edited
    trades = {(t.side, t.security): t for t in after.trades}
    assert trades[("sell", "VOO")].quantity == 6  # the edit, as set
    assert trades[("sell", "VOO")].lots[0].lot == "L2"  # the proposal's lot first
    # The engine placed the freed cash: enough BND to bring cash inside its band.
    assert trades[("buy", "BND")].quantity >= 20 - 1e-6
    assert trades[("buy", "BND")].reason.startswith("Bought BND")
    assert set(trades) == {("sell", "VOO"), ("buy", "BND")}
    assert keeps_every_rule(desk)


def test_rebalance_rest_keeps_the_pinned_security_untouched(desk: FakeTradingDesk) -> None:
    # Dropping the BND buy: the engine may not trade BND at all; it re-decides VOO.
    problems = edit(
        desk,
        "A-2",
        quantities={("buy", "BND"): 0},
        rebalance_rest=True,
        principal=ANA,
        reason="no bonds today",
        now=NOW,
    )
    assert problems == []
    after = desk.proposals.proposal(RUN, "A-2")
    assert after is not None
    assert all(t.security != "BND" for t in after.trades)
    assert keeps_every_rule(desk)
    [decision] = desk.proposals.decisions(RUN, "A-2")
    assert decision.action.value == "edit"


def test_rebalance_rest_refuses_an_edit_that_breaks_a_rule_by_itself(
    desk: FakeTradingDesk,
) -> None:
    [problem] = edit(
        desk,
        "A-2",
        quantities={("sell", "VOO"): 500},
        rebalance_rest=True,
        principal=ANA,
        reason="x",
    )
    assert "only 14 are held" in problem.message
    assert desk.proposals.decisions(RUN, "A-2") == []
    assert desk.audit.appended == []


def test_rebalance_rest_keeps_the_turnover_cap_over_the_whole_proposal() -> None:
    case = copy.deepcopy(CASE)
    case["parameters"]["max_turnover"] = 0.15  # $3,000 of sales + buys
    desk = desk_with(case)
    problems = edit(
        desk,
        "A-2",
        quantities={("sell", "VOO"): 4},
        rebalance_rest=True,
        principal=ANA,
        reason="x",
        now=NOW,
    )
    assert problems == []
    after = desk.proposals.proposal(RUN, "A-2")
    assert after is not None
    assert float(after.turnover) <= 0.15 + 1e-9
    assert keeps_every_rule(desk, case)
    # Selling 6 ($3,000) and investing what the band needs (>= $2,000) exceeds the cap.
    [problem] = edit(
        desk,
        "A-2",
        quantities={("sell", "VOO"): 6},
        rebalance_rest=True,
        principal=ANA,
        reason="x",
    )
    assert "cannot be rebalanced around this edit" in problem.message
