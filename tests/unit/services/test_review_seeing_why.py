"""Scenarios (issue 18, item 9): a reviewer opens an account the night did not send to
review and sees why: the routing outcome, the filter that decided it, flags, data errors
and the engine's reasons; an account the firm does not have is told apart; an edit keeps
the engine's explanation of every trade it did not change."""

from __future__ import annotations

import pytest

from tests.fakes.trading_desk import FakeTradingDesk, finished_run
from tests.unit.services.test_review import ANA, BUY, CASE, NOW, RUN, SELL, proposal
from trimtab.domain.problems import ProblemKind
from trimtab.services.review import account_review, approve, edit, open_proposal
from trimtab.services.review_ports import AccountOutcome

SUSPENDED = AccountOutcome(
    RUN,
    "A-7",
    "suspended",
    "compliance_no_ips",
    ("compliance_no_ips", "should_have_traded"),
    "optimal",
    None,
    ("MSFX: no price on 2025-06-30",),
)
RECORD = {
    "case": None,
    "reasons": ["MSFX: unpriced target security, not bought tonight"],
    "settings": [],
    "versions": [],
}


@pytest.fixture
def desk() -> FakeTradingDesk:
    desk = FakeTradingDesk()
    desk.runs.add(finished_run(RUN))
    desk.proposals.add(proposal("A-2", "10000"), {"case": CASE})
    desk.proposals.add_outcome(SUSPENDED, RECORD)
    desk.proposals.add_outcome(AccountOutcome(RUN, "A-8", "no_trade", "within_bands"))
    desk.proposals.accounts.add("A-9")  # an account of the firm the run did not analyze
    return desk


def test_an_account_without_a_proposal_shows_its_outcome_and_why(desk: FakeTradingDesk) -> None:
    review, problems = account_review(desk, "A-7")
    assert problems == []
    assert review is not None
    assert review.proposal is None
    assert (review.outcome.outcome, review.outcome.rule) == ("suspended", "compliance_no_ips")
    assert review.outcome.flags == ("compliance_no_ips", "should_have_traded")
    assert review.outcome.data_errors == ("MSFX: no price on 2025-06-30",)
    assert review.reasons == ("MSFX: unpriced target security, not bought tonight",)


def test_deciding_on_an_account_without_a_proposal_says_what_the_night_decided(
    desk: FakeTradingDesk,
) -> None:
    [suspended] = approve(desk, "A-7", principal=ANA, reason="ok", now=NOW)
    assert suspended.kind is ProblemKind.NOT_FOUND
    assert "routed suspended by compliance_no_ips" in suspended.message
    assert "should_have_traded" in suspended.message
    [no_trade] = open_proposal(desk, "A-8")[1]
    assert "routed no_trade by within_bands" in no_trade.message
    [not_analyzed] = open_proposal(desk, "A-9")[1]
    assert "A-9 was not analyzed in run" in not_analyzed.message


def test_an_unknown_account_is_not_found_and_says_so(desk: FakeTradingDesk) -> None:
    review, [problem] = account_review(desk, "A-404")
    assert review is None
    assert problem.kind is ProblemKind.NOT_FOUND
    assert problem.message == "A-404 is not an account of the firm"
    [again] = approve(desk, "A-404", principal=ANA, reason="ok")
    assert again.message == "A-404 is not an account of the firm"


def test_an_edit_keeps_the_engines_explanation_of_the_trades_it_did_not_change(
    desk: FakeTradingDesk,
) -> None:
    problems = edit(
        desk, "A-2", quantities={("sell", "VOO"): 3}, principal=ANA, reason="trim more", now=NOW
    )
    assert problems == []
    review, _ = account_review(desk, "A-2")
    assert review is not None
    assert review.proposal is not None
    sale, buy = review.proposal.trades
    assert buy == BUY  # untouched: the night's reason and effects kept
    assert buy.reason == "brings bonds to target"
    assert sale.quantity == 3.0
    assert sale.reason == ""
    assert sale != SELL
