"""Scenarios (issue 18, item 21): a reviewer works a run other than the latest (a voided
one is refused), and approves in bulk every pending proposal a filter selects, in one
transaction with one audit entry listing the accounts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any, Self

import pytest

from tests.fakes.filters import FakeSavedFilters
from tests.fakes.trading_desk import FakeTradingDesk, finished_run
from tests.unit.services.test_review import ANA, NOW, RUN, proposal
from trimtab.domain.filters import Filter, SavedFilter
from trimtab.domain.filters.evaluate import matches
from trimtab.domain.problems import ProblemKind
from trimtab.domain.settings_levels import Placement
from trimtab.services.review import (
    approve,
    approve_matching,
    edit,
    pending,
    pending_matching,
    reject,
)
from trimtab.services.review_ports import DecisionAction, ProposalState
from trimtab.services.run_ports import RunState

LATER = "2025-07-01.1"
VOIDED = "2025-07-02.1"


class FakeSelection:
    """Accounts as filters see them, from plain records (`matches` is the SQL's twin)."""

    def __init__(self, records: dict[str, dict[str, Any]]) -> None:
        self.records = records

    def matching(self, f: Filter, *, limit: int | None = None) -> list[str]:
        found = [a for a, r in sorted(self.records.items()) if matches(f, {"id": a, **r})]
        return found[:limit]

    def count(self, f: Filter) -> int:
        return len(self.matching(f))

    def placements(self, ids: Iterable[str] | None = None) -> list[Placement]:
        return []  # not read by the review queue

    def existing(self, ids: Iterable[str]) -> set[str]:
        return set(ids) & set(self.records)

    def count_all(self) -> int:
        return len(self.records)


class SelectingDesk(FakeTradingDesk):
    """The trading desk with saved filters and a selection: a `SelectingReviewUnitOfWork`."""

    def __init__(self, records: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.filters = FakeSavedFilters()
        self.selection = FakeSelection(records)

    def _fakes(self) -> tuple[object, ...]:
        return (*super()._fakes(), self.filters)

    def __call__(self) -> Self:
        return self


@pytest.fixture
def desk() -> SelectingDesk:
    desk = SelectingDesk(
        {
            "A-1": {"value": 5000, "tier": "Gold"},
            "A-2": {"value": 10000, "tier": "Gold"},
            "A-3": {"value": 8000, "tier": "Silver"},
            "A-4": {"value": 7000, "tier": "Gold"},
        }
    )
    older = finished_run(RUN)
    desk.runs.add(older)
    later = dataclasses.replace(
        older,
        id=LATER,
        as_of=dt.date(2025, 7, 1),
        started_at=older.started_at + dt.timedelta(days=1),
    )
    desk.runs.add(later)
    desk.runs.add(
        dataclasses.replace(
            later,
            id=VOIDED,
            started_at=later.started_at + dt.timedelta(days=1),
            state=RunState.VOIDED,
            voided_by="cli:ops",
            voided_at=NOW,
            void_reason="stale prices",
        )
    )
    for account, value in (("A-1", "5000"), ("A-2", "10000"), ("A-3", "8000")):
        desk.proposals.add(dataclasses.replace(proposal(account, value), run_id=LATER))
    desk.proposals.add(proposal("A-4", "7000", ProposalState.AUTO))
    desk.proposals.add(dataclasses.replace(proposal("A-4", "7000"), run_id=LATER))
    desk.proposals.add(proposal("A-1", "5000"))  # the older run's, still pending
    desk.proposals.add(dataclasses.replace(proposal("A-1", "5000"), run_id=VOIDED))
    return desk


def test_the_commands_act_on_a_named_run_and_the_latest_otherwise(desk: SelectingDesk) -> None:
    latest, _ = pending(desk)
    assert latest is not None
    assert latest.run.id == LATER
    assert [p.account for p in latest.items] == ["A-2", "A-3", "A-4", "A-1"]
    older, _ = pending(desk, run=RUN)
    assert older is not None
    assert [p.account for p in older.items] == ["A-1"]
    assert approve(desk, "A-1", principal=ANA, reason="last week's", run=RUN, now=NOW) == []
    assert desk.proposals.proposal(RUN, "A-1").state is ProposalState.APPROVED  # type: ignore[union-attr]
    assert desk.proposals.proposal(LATER, "A-1").state is ProposalState.PENDING  # type: ignore[union-attr]
    [entry] = desk.audit.appended
    assert entry.targets == ("A-1", f"run:{RUN}")


def test_a_voided_run_is_refused_with_who_and_why(desk: SelectingDesk) -> None:
    for problems in (
        pending(desk, run=VOIDED)[1],
        approve(desk, "A-1", principal=ANA, reason="x", run=VOIDED),
        reject(desk, "A-1", principal=ANA, reason="x", run=VOIDED),
        edit(desk, "A-1", quantities={("buy", "BND"): 1}, principal=ANA, reason="x", run=VOIDED),
        pending_matching(desk, "value > 0", viewer=ANA, run=VOIDED)[1],
    ):
        [problem] = problems
        assert problem.kind is ProblemKind.CONFLICT
        assert f"run {VOIDED} was voided by cli:ops" in problem.message
        assert "stale prices" in problem.message
    [unknown] = pending(desk, run="1999-01-01.1")[1]
    assert unknown.kind is ProblemKind.NOT_FOUND
    assert desk.audit.appended == []


def test_approving_by_filter_approves_every_matching_pending_proposal_at_once(
    desk: SelectingDesk,
) -> None:
    preview, problems = pending_matching(desk, 'tier = "Gold" and value < 9000', viewer=ANA)
    assert problems == []
    assert preview is not None
    assert preview.accounts == ("A-1", "A-4")
    assert desk.proposals.decided == []  # a dry run writes nothing

    approved, problems = approve_matching(
        desk, 'tier = "Gold" and value < 9000', principal=ANA, reason="routine", now=NOW
    )
    assert problems == []
    assert approved is not None
    assert approved.accounts == ("A-1", "A-4")
    assert [(d.account, d.action, d.run_id) for d in desk.proposals.decided] == [
        ("A-1", DecisionAction.APPROVE, LATER),
        ("A-4", DecisionAction.APPROVE, LATER),
    ]
    # One entry for the bulk decision, naming every account approved, then the run.
    [entry] = desk.audit.appended
    assert entry.action == "review.bulk_approve"
    assert entry.targets == ("A-1", "A-4", f"run:{LATER}")
    assert entry.reason == "routine"
    assert entry.summary["approved"] == 2
    assert desk.commits == 1
    # Only pending proposals: A-2 (over $9,000) and A-3 (Silver) still wait; again, none.
    again, _ = approve_matching(desk, 'tier = "Gold" and value < 9000', principal=ANA, reason="x")
    assert again is not None
    assert again.accounts == ()
    assert len(desk.audit.appended) == 1


def test_approving_by_a_saved_filters_name(desk: SelectingDesk) -> None:
    desk.filters.save(SavedFilter("silver", 'tier = "Silver"', "", None, "cli:ops"))
    approved, problems = approve_matching(desk, "silver", principal=ANA, reason="ok", now=NOW)
    assert problems == []
    assert approved is not None
    assert approved.accounts == ("A-3",)
    assert approved.saved == "silver"
    [entry] = desk.audit.appended
    assert entry.targets == ("A-3", f"run:{LATER}", "filter:silver")
    [missing] = pending_matching(desk, "@gold", viewer=ANA)[1]
    assert missing.kind is ProblemKind.NOT_FOUND


def test_a_bad_filter_or_no_reason_approves_nothing(desk: SelectingDesk) -> None:
    [bad] = approve_matching(desk, "vlaue < 9000", principal=ANA, reason="x")[1]
    assert bad.path == "filter"
    assert "value" in bad.message  # the typo's fix
    [no_reason] = approve_matching(desk, "value > 0", principal=ANA, reason=" ")[1]
    assert no_reason.path == "reason"
    assert desk.proposals.decided == []
    assert desk.audit.appended == []
