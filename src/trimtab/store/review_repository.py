"""SQL for the review queue: a run's proposals, their analysis records, review decisions.

The values crossing the port are typed (`ProposalState`, `DecisionAction`, the engine's
`Trade`); the rows keep the strings and the trades' Result JSON they always had, and this
module converts at the boundary (`trade_from_dict` / `trade_to_dict`), so no row changes.

    >>> # with db.unit_of_work() as uow: uow.proposals.proposals(run_id, states=[PENDING])
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, type_coerce, update
from sqlalchemy.orm import Session

from trimtab.domain.filters import Filter
from trimtab.domain.principal import Scope
from trimtab.domain.records import RecordDraft, RecordKind
from trimtab.services.review_ports import (
    AccountOutcome,
    DecisionAction,
    DecisionRecord,
    ProposalState,
    ProposalView,
    trade_from_dict,
    trade_to_dict,
)
from trimtab.store.data_tables import DataErrorRow
from trimtab.store.filter_sql import account_query
from trimtab.store.mapping import as_utc
from trimtab.store.nightly_tables import (
    ProposalRow,
    ReviewDecisionRow,
    RunOutcomeRow,
    RunRow,
)
from trimtab.store.record_repository import SqlRecords
from trimtab.store.run_repository import json_safe
from trimtab.store.scope_sql import account_condition, account_ids_condition, as_scope
from trimtab.store.tables import MONEY, AccountRow

__all__ = ["QUEUE_ORDERS", "SqlProposalRepository"]

# The review queue's sort orders, as `services.review.SORTS` sorts in memory: largest
# first, ties by account id, so a page boundary never depends on the plan.
QUEUE_ORDERS = {
    "value": (ProposalRow.value.desc(), ProposalRow.account_id),
    "tax": (ProposalRow.estimated_tax.desc(), ProposalRow.account_id),
    "turnover": (ProposalRow.turnover.desc(), ProposalRow.account_id),
    "account": (ProposalRow.account_id,),
}


class SqlProposalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def proposals(
        self,
        run_id: str,
        *,
        states: Collection[ProposalState] | None = None,
        advisors: Scope | None = None,
    ) -> list[ProposalView]:
        # The row-level scope is part of the query (an advisor's queue is counted, paged
        # and sorted over their own accounts only); firm-wide it is no condition at all.
        query = select(ProposalRow).where(
            ProposalRow.run_id == run_id,
            account_ids_condition(as_scope(advisors), ProposalRow.account_id),
        )
        if states is not None:
            query = query.where(ProposalRow.state.in_([s.value for s in states]))
        return [_proposal(r) for r in self.session.scalars(query.order_by(ProposalRow.account_id))]

    def count(
        self,
        run_id: str,
        *,
        states: Collection[ProposalState] | None = None,
        advisors: Scope | None = None,
    ) -> int:
        """How many of the run's proposals (in these states, in scope): counted, not read."""
        query = select(func.count()).where(
            ProposalRow.run_id == run_id,
            account_ids_condition(as_scope(advisors), ProposalRow.account_id),
        )
        if states is not None:
            query = query.where(ProposalRow.state.in_([s.value for s in states]))
        return int(self.session.scalar(query) or 0)

    def _queue(self, query: Any, run_id: str, advisors: Scope | None, selected: Any) -> Any:
        # The run's pending proposals in scope (and, with a filter, of the accounts it
        # selects: the filter's own statement as a semi-join), all in one WHERE clause.
        query = query.where(
            ProposalRow.run_id == run_id,
            ProposalRow.state == ProposalState.PENDING.value,
            account_ids_condition(as_scope(advisors), ProposalRow.account_id),
        )
        if selected is not None:
            query = query.where(ProposalRow.account_id.in_(account_query(selected).order_by(None)))
        return query

    def queue_totals(
        self, run_id: str, *, advisors: Scope | None = None, selected: Filter | None = None
    ) -> tuple[int, Decimal, Decimal]:
        """(count, value, estimated tax) of the run's pending proposals in scope."""
        query = self._queue(
            select(
                func.count(),
                type_coerce(func.coalesce(func.sum(ProposalRow.value), 0), MONEY),
                type_coerce(func.coalesce(func.sum(ProposalRow.estimated_tax), 0), MONEY),
            ),
            run_id,
            advisors,
            selected,
        )
        count, value, tax = self.session.execute(query).one()
        return int(count), Decimal(value or 0), Decimal(tax or 0)

    def queue_page(
        self,
        run_id: str,
        *,
        sort: str,
        offset: int,
        limit: int,
        advisors: Scope | None = None,
        selected: Filter | None = None,
    ) -> list[ProposalView]:
        """One page of the run's pending proposals in scope, in `sort` order: only these
        rows are read and only their trades parsed."""
        query = self._queue(select(ProposalRow), run_id, advisors, selected)
        query = query.order_by(*QUEUE_ORDERS[sort]).offset(offset).limit(limit)
        return [_proposal(r) for r in self.session.scalars(query)]

    def proposal(self, run_id: str, account_id: str) -> ProposalView | None:
        row = self.session.get(ProposalRow, (run_id, account_id))
        return None if row is None else _proposal(row)

    def record_of(self, run_id: str, account_id: str) -> dict[str, Any] | None:
        records = SqlRecords(self.session)
        entry = records.latest_analysis(account_id, run_id=run_id)
        return None if entry is None else records.analysis(entry)

    def outcome_of(self, run_id: str, account_id: str) -> AccountOutcome | None:
        row = self.session.get(RunOutcomeRow, (run_id, account_id))
        if row is None:
            return None
        run = self.session.get(RunRow, run_id)
        # Data errors are kept per account and day (a later run of the day replaces them).
        errors = (
            list(
                self.session.scalars(
                    select(DataErrorRow.message)
                    .where(DataErrorRow.account_id == account_id, DataErrorRow.as_of == run.as_of)
                    .order_by(DataErrorRow.id)
                )
            )
            if run is not None
            else []
        )
        return AccountOutcome(
            run_id,
            account_id,
            row.outcome,
            row.rule,
            tuple(row.flags or ()),
            row.status,
            row.failure,
            tuple(errors),
        )

    def is_account(self, account_id: str, *, advisors: Scope | None = None) -> bool:
        if advisors is None or advisors.firm_wide:
            return self.session.get(AccountRow, account_id) is not None
        query = select(AccountRow.id).where(
            AccountRow.id == account_id, account_condition(advisors)
        )
        return self.session.scalar(query) is not None

    def decide(self, decision: DecisionRecord) -> None:
        after = [trade_to_dict(t) for t in decision.after]
        before = [trade_to_dict(t) for t in decision.before]
        content = {
            "action": decision.action.value,
            "actor": decision.actor,
            "reason": decision.reason,
            "before": before,
            "after": after,
        }
        SqlRecords(self.session).append(
            [
                RecordDraft(
                    RecordKind.DECISION,
                    decision.run_id,
                    decision.account,
                    None,
                    decision.at,
                    json_safe(content),
                )
            ]
        )
        self.session.add(
            ReviewDecisionRow(
                run_id=decision.run_id,
                account_id=decision.account,
                action=decision.action.value,
                actor=decision.actor,
                at=decision.at,
                reason=decision.reason,
                before=before,
                after=after,
            )
        )
        values: dict[str, Any] = {
            "state": decision.action.leaves.value,
            "decided_by": decision.actor,
            "decided_at": decision.at,
        }
        if decision.action is DecisionAction.EDIT:
            values.update(
                trades=after,
                edited=True,
                estimated_tax=decision.estimated_tax,
                turnover=decision.turnover,
            )
        self.session.execute(
            update(ProposalRow)
            .where(
                ProposalRow.run_id == decision.run_id, ProposalRow.account_id == decision.account
            )
            .values(**values)
        )

    def decisions(self, run_id: str, account_id: str) -> list[DecisionRecord]:
        rows = self.session.scalars(
            select(ReviewDecisionRow)
            .where(ReviewDecisionRow.run_id == run_id, ReviewDecisionRow.account_id == account_id)
            .order_by(ReviewDecisionRow.id)
        )
        return [
            DecisionRecord(
                r.run_id,
                r.account_id,
                DecisionAction(r.action),
                r.actor,
                as_utc(r.at) or r.at,
                r.reason,
                tuple(trade_from_dict(t) for t in r.before),
                tuple(trade_from_dict(t) for t in r.after),
            )
            for r in rows
        ]


def _proposal(row: ProposalRow) -> ProposalView:
    return ProposalView(
        run_id=row.run_id,
        account=row.account_id,
        as_of=row.as_of,
        state=ProposalState(row.state),
        value=row.value,
        trades=tuple(trade_from_dict(t) for t in row.trades),
        estimated_tax=row.estimated_tax,
        turnover=row.turnover,
        rule=row.rule,
        edited=row.edited,
        decided_by=row.decided_by,
        decided_at=as_utc(row.decided_at),
    )
