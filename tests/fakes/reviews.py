"""`FakeProposalRepository`: a run's proposals and review decisions in memory.

Follows `store/review_repository.py`: proposals listed in account order, a decision
appended and the proposal moved to the state its action leaves (an edit also replaces
the trades, tax and turnover).

>>> import datetime as dt
>>> from decimal import Decimal
>>> from trimtab.services.review_ports import ProposalState, ProposalView
>>> repo = FakeProposalRepository()
>>> repo.add(ProposalView("R1", "A-1", dt.date(2025, 6, 30), ProposalState.PENDING,
...                       Decimal(1000), (), Decimal(0), Decimal(0), "review_high_tax"))
>>> [p.account for p in repo.proposals("R1", states=[ProposalState.PENDING])]
['A-1']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from trimtab.domain.principal import Scope
from trimtab.services.review_ports import (
    AccountOutcome,
    DecisionAction,
    DecisionRecord,
    ProposalState,
    ProposalView,
)

__all__ = ["FakeProposalRepository"]


class FakeProposalRepository:
    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], ProposalView] = {}
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.decided: list[DecisionRecord] = []
        self.outcomes: dict[tuple[str, str], AccountOutcome] = {}
        self.accounts: set[str] = set()  # the firm's accounts, besides those set up here
        # Who covers each account, for the scope (`Scope.covers`, the SQL rule in memory).
        self.advisor_of: dict[str, str] = {}
        self.household_of: dict[str, str] = {}
        self.team_households: dict[str, set[str]] = {}

    def add(self, proposal: ProposalView, record: dict[str, Any] | None = None) -> None:
        """Test setup: what a night's `write_chunk` leaves (a proposal and its record)."""
        key = (proposal.run_id, proposal.account)
        self.by_key[key] = proposal
        if record is not None:
            self.records[key] = record

    def add_outcome(self, outcome: AccountOutcome, record: dict[str, Any] | None = None) -> None:
        """Test setup: a run's outcome for an account (with or without a proposal)."""
        key = (outcome.run_id, outcome.account)
        self.outcomes[key] = outcome
        if record is not None:
            self.records[key] = record

    def outcome_of(self, run_id: str, account_id: str) -> AccountOutcome | None:
        found = self.outcomes.get((run_id, account_id))
        proposal = self.by_key.get((run_id, account_id))
        if found is None and proposal is not None:
            # A proposal is always one of its run's outcomes (what `write_chunk` writes).
            outcome = "auto_trade" if proposal.state is ProposalState.AUTO else "review"
            found = AccountOutcome(run_id, account_id, outcome, proposal.rule, (), "optimal")
        return found

    def _in_scope(self, account_id: str, advisors: Scope | None) -> bool:
        return advisors is None or advisors.covers(
            advisor=self.advisor_of.get(account_id),
            household=self.household_of.get(account_id),
            team_households=self.team_households,
        )

    def is_account(self, account_id: str, *, advisors: Scope | None = None) -> bool:
        known = account_id in self.accounts or any(
            a == account_id for _r, a in (*self.by_key, *self.outcomes)
        )
        return known and self._in_scope(account_id, advisors)

    def proposals(
        self,
        run_id: str,
        *,
        states: Collection[ProposalState] | None = None,
        advisors: Scope | None = None,
    ) -> list[ProposalView]:
        return sorted(
            (
                p
                for (run, a), p in self.by_key.items()
                if run == run_id
                and (states is None or p.state in states)
                and self._in_scope(a, advisors)
            ),
            key=lambda p: p.account,
        )

    def proposal(self, run_id: str, account_id: str) -> ProposalView | None:
        return self.by_key.get((run_id, account_id))

    def record_of(self, run_id: str, account_id: str) -> dict[str, Any] | None:
        return self.records.get((run_id, account_id))

    def decide(self, decision: DecisionRecord) -> None:
        key = (decision.run_id, decision.account)
        self.decided.append(decision)
        changed = dataclasses.replace(
            self.by_key[key],
            state=decision.action.leaves,
            decided_by=decision.actor,
            decided_at=decision.at,
        )
        if decision.action is DecisionAction.EDIT:
            changed = dataclasses.replace(
                changed,
                trades=decision.after,
                edited=True,
                estimated_tax=decision.estimated_tax,
                turnover=decision.turnover,
            )
        self.by_key[key] = changed

    def decisions(self, run_id: str, account_id: str) -> list[DecisionRecord]:
        return [d for d in self.decided if (d.run_id, d.account) == (run_id, account_id)]
