"""Scenarios of the review queue on in-memory fakes: a reviewer approves, rejects and
edits proposals; each decision is recorded once, with the principal and one audit entry,
and a refused decision or edit leaves nothing behind."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.fakes.trading_desk import FakeTradingDesk, finished_run
from trimtab.domain.principal import Principal, Role, Scope
from trimtab.domain.problems import ProblemKind
from trimtab.engine.result import LotPick, Trade
from trimtab.services.review import approve, edit, open_proposal, reject, review_queue
from trimtab.services.review_ports import DecisionAction, ProposalState, ProposalView
from trimtab.services.run_ports import RunState

NOW = dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC)
RUN = "2025-06-30.1"
ANA = Principal.cli("ana")

# $10,000 taxable: $1,000 cash, 14 VOO at $500 (L1 long-term at $400, L2 short-term at
# $450), 20 BND at $100. The night proposed selling 2 VOO from L2 and buying 10 BND.
CASE: dict[str, Any] = {
    "as_of": "2025-06-30",
    "account": {"id": "A-2", "tax_status": "taxable", "cash": 1000.0},
    "tax": {"short_term_rate": 0.40, "long_term_rate": 0.20},
    "securities": [
        {"id": "VOO", "price": 500.0, "cost_rate": 0.0},
        {"id": "BND", "price": 100.0, "cost_rate": 0.0},
    ],
    "groups": [
        {"id": "US", "members": ["VOO"], "buy": "VOO", "target": 0.6, "band": 0.02},
        {"id": "BONDS", "members": ["BND"], "buy": "BND", "target": 0.3, "band": 0.02},
    ],
    "lots": [
        {"id": "L1", "security": "VOO", "quantity": 10, "cost_basis": 400.0,
         "acquired": "2020-01-02"},
        {"id": "L2", "security": "VOO", "quantity": 4, "cost_basis": 450.0,
         "acquired": "2025-01-02"},
        {"id": "B1", "security": "BND", "quantity": 20, "cost_basis": 100.0,
         "acquired": "2020-01-02"},
    ],
    "parameters": {
        "drift_weight": 1.0, "harvest_value": 0.5, "min_cash": 0.0, "max_cash": 0.2,
        "min_trade_value": 0.0, "whole_shares": False, "max_turnover": None,
        "gain_budget": None, "withdrawal": 0.0, "default_band": 0.02,
        "harvest_min_loss": 0.0, "harvest_min_loss_pct": 0.0, "tracking_error_weight": 0.0,
    },
}  # fmt: skip
SELL = Trade("VOO", "sell", 2.0, 1000.0, (LotPick("L2", 2.0, 100.0, "short"),), "trims VOO",
             {"drift": -12.0}, False)  # fmt: skip
BUY = Trade("BND", "buy", 10.0, 1000.0, (), "brings bonds to target", {"drift": -20.0})


def proposal(account: str, value: str, state: ProposalState = ProposalState.PENDING) -> Any:
    return ProposalView(
        RUN,
        account,
        dt.date(2025, 6, 30),
        state,
        Decimal(value),
        (SELL, BUY),
        Decimal("40.00"),
        Decimal("0.1"),
        "review_high_turnover",
    )


@pytest.fixture
def desk() -> FakeTradingDesk:
    desk = FakeTradingDesk()
    desk.runs.add(finished_run(RUN))
    desk.proposals.add(proposal("A-1", "5000"))
    desk.proposals.add(proposal("A-2", "10000"), {"case": CASE})
    desk.proposals.add(proposal("A-3", "8000", ProposalState.AUTO))
    return desk


def test_the_queue_is_the_latest_runs_pending_proposals_largest_first(
    desk: FakeTradingDesk,
) -> None:
    assert [p.account for p in review_queue(desk)] == ["A-2", "A-1"]
    assert [p.account for p in review_queue(desk, sort="account")] == ["A-1", "A-2"]
    # A voided later run is nobody's latest: its proposals never reach the queue.
    desk.runs.add(
        finished_run("2025-07-01.1", state=RunState.VOIDED, started_at=NOW, finished_at=NOW)
    )
    desk.proposals.add(dataclasses.replace(proposal("A-9", "1"), run_id="2025-07-01.1"))
    assert [p.account for p in review_queue(desk)] == ["A-2", "A-1"]


def test_approving_records_the_decision_the_principal_and_one_audit_entry(
    desk: FakeTradingDesk,
) -> None:
    assert approve(desk, "A-1", principal=ANA, reason="in policy", now=NOW) == []

    detail, _ = open_proposal(desk, "A-1")
    assert detail is not None
    assert detail.proposal.state is ProposalState.APPROVED
    assert (detail.proposal.decided_by, detail.proposal.decided_at) == ("cli:ana", NOW)
    [decision] = detail.decisions
    assert (decision.action, decision.actor, decision.reason) == (
        DecisionAction.APPROVE,
        "cli:ana",
        "in policy",
    )
    assert decision.before == decision.after == (SELL, BUY)
    [entry] = desk.audit.appended
    assert (entry.action, entry.principal, entry.targets, entry.reason) == (
        "review.approve",
        "cli:ana",
        ("A-1", f"run:{RUN}"),
        "in policy",
    )
    assert entry.summary["state"] == {"from": "pending", "to": "approved"}
    assert desk.commits == 1


def test_a_decision_on_behalf_of_someone_names_both(desk: FakeTradingDesk) -> None:
    bo = Principal("user:bo", "Bo", frozenset({Role.OVERLAY}), Scope.firm())
    assert reject(desk, "A-1", principal=ANA.acting_for(bo), reason="client call") == []
    assert desk.proposals.proposal(RUN, "A-1").decided_by == "cli:ana for user:bo"  # type: ignore[union-attr]
    [entry] = desk.audit.appended
    assert (entry.principal, entry.on_behalf_of, entry.action) == (
        "cli:ana",
        "user:bo",
        "review.reject",
    )


def test_deciding_twice_is_a_conflict_and_records_nothing_more(desk: FakeTradingDesk) -> None:
    assert reject(desk, "A-1", principal=ANA, reason="client call", now=NOW) == []
    [again] = approve(desk, "A-1", principal=ANA, reason="changed my mind", now=NOW)
    assert again.kind is ProblemKind.CONFLICT
    assert "rejected, not pending" in again.message
    assert [d.action for d in desk.proposals.decisions(RUN, "A-1")] == [DecisionAction.REJECT]
    assert desk.audit.actions() == ["review.reject"]
    # An auto-traded proposal is not the reviewer's either.
    assert approve(desk, "A-3", principal=ANA, reason="ok")[0].kind is ProblemKind.CONFLICT


def test_a_decision_needs_a_reason_and_an_existing_proposal(desk: FakeTradingDesk) -> None:
    [no_reason] = approve(desk, "A-1", principal=ANA, reason="  ")
    assert no_reason.path == "reason"
    [unknown] = approve(desk, "A-404", principal=ANA, reason="ok")
    assert unknown.kind is ProblemKind.NOT_FOUND
    assert desk.audit.appended == []
    assert desk.proposals.decided == []
    assert desk.commits == 0


def test_an_edit_that_keeps_every_rule_is_saved_pending_with_its_new_figures(
    desk: FakeTradingDesk,
) -> None:
    problems = edit(
        desk, "A-2", quantities={("sell", "VOO"): 3}, principal=ANA, reason="trim more", now=NOW
    )
    assert problems == []

    after = desk.proposals.proposal(RUN, "A-2")
    assert after is not None
    assert (after.state, after.edited) == (ProposalState.PENDING, True)
    sale, buy = after.trades
    # The sale takes the proposal's own lot first: 3 of L2 at a $50 short-term gain each.
    assert (sale.security, sale.side, sale.quantity, sale.value) == ("VOO", "sell", 3.0, 1500.0)
    assert sale.lots == (LotPick("L2", 3.0, 150.0, "short"),)
    assert (buy.security, buy.quantity) == ("BND", 10.0)
    assert after.estimated_tax == Decimal("60.00")  # 40% of $150
    assert after.turnover == Decimal("0.125")  # ($1,500 + $1,000) / 2 / $10,000
    [decision] = desk.proposals.decisions(RUN, "A-2")
    assert decision.before == (SELL, BUY)
    assert decision.after == after.trades
    [entry] = desk.audit.appended
    assert entry.action == "review.edit"
    assert entry.summary["changed"] == ["sell VOO: 2 -> 3"]
    assert entry.summary["estimated_tax"] == {"from": "40.00", "to": "60.000000"}
    # Approving the edited proposal trades the edited trades.
    assert approve(desk, "A-2", principal=ANA, reason="checked the edit") == []
    assert desk.proposals.proposal(RUN, "A-2").trades == after.trades  # type: ignore[union-attr]


def test_an_edit_that_breaks_a_rule_saves_nothing(desk: FakeTradingDesk) -> None:
    problems = edit(desk, "A-2", lots={"L2": 6}, principal=ANA, reason="sell it all", now=NOW)
    assert any("rule 3" in str(p) for p in problems), problems
    problems = edit(
        desk, "A-2", quantities={("buy", "BND"): 200}, principal=ANA, reason="all bonds"
    )
    assert any("rule 4" in str(p) for p in problems), problems  # cash would go negative
    assert desk.proposals.proposal(RUN, "A-2") == proposal("A-2", "10000")
    assert desk.proposals.decisions(RUN, "A-2") == []
    assert desk.audit.appended == []
    assert desk.commits == 0


def test_an_edit_needs_the_nights_case(desk: FakeTradingDesk) -> None:
    [problem] = edit(desk, "A-1", quantities={("sell", "VOO"): 1}, principal=ANA, reason="x")
    assert problem.path == "case"
    assert desk.audit.appended == []
