"""SQL for the dashboards: counts and short lists over the latest run and the review queue.

Each figure is one statement; the viewer's scope (advisor ids) is a condition of that
statement (`_in_scope`: `store.scope_sql`, the advisors' accounts and their teams'
households), never a filter applied afterwards, so a
count and the list beside it agree. Voided runs are left out everywhere. A flag is
found in the outcome's JSON list by its quoted name, which reads the same on SQLite and
PostgreSQL (the list is stored as JSON text on both).

    >>> # with db.unit_of_work() as uow: uow.dashboards.outcomes("2025-06-30.1", advisors=None)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from trimtab.domain.principal import Scope
from trimtab.services.dashboards import (
    AnalysisLine,
    BookLine,
    DecisionLine,
    FlaggedAccount,
    OutcomeTotal,
    PendingProposal,
    RunHeadline,
)
from trimtab.store.model_tables import DefinitionVersionRow
from trimtab.store.nightly_tables import (
    OrderRow,
    ProposalRow,
    ReviewDecisionRow,
    RunOutcomeRow,
    RunRow,
)
from trimtab.store.scope_sql import account_ids_condition, as_scope
from trimtab.store.tables import AccountRow, AdvisorRow
from trimtab.store.workflow_tables import AnalysisRow

__all__ = ["SqlDashboardReads"]

Scopes = Scope | Collection[str] | None  # None: the firm

ZERO = Decimal(0)


def _voided() -> Any:
    return select(RunRow.id).where(RunRow.state == "voided")


def _in_scope(query: Any, account_column: Any, advisors: Scopes) -> Any:
    # the row-level scope (advisors and their teams' households), part of the statement
    return query.where(account_ids_condition(as_scope(advisors), account_column))


class SqlDashboardReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_run(self) -> RunHeadline | None:
        row = self.session.execute(
            select(RunRow.id, RunRow.as_of, RunRow.state, RunRow.accounts)
            .where(RunRow.state != "voided")
            .order_by(RunRow.as_of.desc(), RunRow.started_at.desc(), RunRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else RunHeadline(*row)

    def outcomes(self, run: str, *, advisors: Scopes) -> list[OutcomeTotal]:
        query = (
            select(
                RunOutcomeRow.outcome,
                func.count(),
                func.coalesce(func.sum(AnalysisRow.value), 0),
            )
            .select_from(RunOutcomeRow)
            .outerjoin(
                AnalysisRow,
                and_(
                    AnalysisRow.run_id == RunOutcomeRow.run_id,
                    AnalysisRow.account_id == RunOutcomeRow.account_id,
                ),
            )
            .where(RunOutcomeRow.run_id == run)
            .group_by(RunOutcomeRow.outcome)
        )
        query = _in_scope(query, RunOutcomeRow.account_id, advisors)
        return [
            OutcomeTotal(outcome, int(n), Decimal(str(value or 0)))
            for outcome, n, value in self.session.execute(query.order_by(RunOutcomeRow.outcome))
        ]

    def _pending(self, query: Any, advisors: Scopes) -> Any:
        query = query.where(ProposalRow.state == "pending", ProposalRow.run_id.not_in(_voided()))
        return _in_scope(query, ProposalRow.account_id, advisors)

    def pending(self, *, advisors: Scopes, limit: int | None) -> list[PendingProposal]:
        query = self._pending(
            select(
                ProposalRow.run_id,
                ProposalRow.account_id,
                ProposalRow.as_of,
                ProposalRow.value,
                ProposalRow.trades,
                ProposalRow.estimated_tax,
            ),
            advisors,
        ).order_by(ProposalRow.value.desc(), ProposalRow.account_id, ProposalRow.run_id)
        if limit is not None:
            query = query.limit(limit)
        return [
            PendingProposal(run, account, as_of, value, len(trades or ()), tax)
            for run, account, as_of, value, trades, tax in self.session.execute(query)
        ]

    def pending_count(self, *, advisors: Scopes) -> int:
        query = self._pending(select(func.count()).select_from(ProposalRow), advisors)
        return int(self.session.scalar(query) or 0)

    def pending_days(self, *, advisors: Scopes) -> list[tuple[dt.date, int]]:
        query = self._pending(
            select(ProposalRow.as_of, func.count()).group_by(ProposalRow.as_of), advisors
        ).order_by(ProposalRow.as_of)
        return [(day, int(n)) for day, n in self.session.execute(query)]

    def orders(self, run: str) -> int:
        query = select(func.count()).select_from(OrderRow).where(OrderRow.run_id == run)
        return int(self.session.scalar(query) or 0)

    def _flagged(self, query: Any, run: str, advisors: Scopes, flag: str | None) -> Any:
        query = (
            query.select_from(RunOutcomeRow)
            .join(AccountRow, AccountRow.id == RunOutcomeRow.account_id)
            .outerjoin(
                AnalysisRow,
                and_(
                    AnalysisRow.run_id == RunOutcomeRow.run_id,
                    AnalysisRow.account_id == RunOutcomeRow.account_id,
                ),
            )
            .where(RunOutcomeRow.run_id == run)
        )
        flags_text = cast(RunOutcomeRow.flags, String)
        if flag is not None:
            query = query.where(flags_text.like(f'%"{flag}"%'))
        else:
            query = query.where(
                or_(
                    flags_text.like('%"%'),  # any flag: a non-empty list holds a quoted name
                    RunOutcomeRow.status != "optimal",
                    AnalysisRow.drift > 0,
                    AnalysisRow.data_errors > 0,
                )
            )
        return _in_scope(query, RunOutcomeRow.account_id, advisors)

    def flagged(
        self,
        run: str,
        *,
        advisors: Scopes,
        flag: str | None = None,
        limit: int | None = None,
    ) -> list[FlaggedAccount]:
        query = self._flagged(
            select(
                RunOutcomeRow.account_id,
                AdvisorRow.name,
                RunOutcomeRow.outcome,
                RunOutcomeRow.rule,
                RunOutcomeRow.status,
                RunOutcomeRow.flags,
                AnalysisRow.drift,
                func.coalesce(AnalysisRow.data_errors, 0),
                AnalysisRow.value,
            ),
            run,
            advisors,
            flag,
        )
        query = query.outerjoin(AdvisorRow, AdvisorRow.id == AccountRow.advisor_id).order_by(
            func.coalesce(AnalysisRow.drift, 0).desc(), RunOutcomeRow.account_id
        )
        if limit is not None:
            query = query.limit(limit)
        return [
            FlaggedAccount(
                account, advisor, outcome, rule, status, tuple(flags or ()), drift, int(n), value
            )
            for account, advisor, outcome, rule, status, flags, drift, n, value in (
                self.session.execute(query)
            )
        ]

    def flagged_count(self, run: str, *, advisors: Scopes, flag: str | None = None) -> int:
        query = self._flagged(select(func.count()), run, advisors, flag)
        return int(self.session.scalar(query) or 0)

    def flag_counts(self, run: str, *, advisors: Scopes) -> list[tuple[str, int]]:
        # One grouped statement over the run's few distinct flag lists (not a row per
        # flagged account): each flag's count is the sum over the lists holding it.
        flags_text = cast(RunOutcomeRow.flags, String)
        query = self._flagged(select(flags_text, func.count()), run, advisors, None).group_by(
            flags_text
        )
        counts: dict[str, int] = {}
        for text, n in self.session.execute(query):
            for name in set(json.loads(text) if text else ()):
                counts[str(name)] = counts.get(str(name), 0) + int(n)
        return sorted(counts.items())

    def suspensions(self, run: str, *, advisors: Scopes) -> list[tuple[str, int]]:
        query = (
            select(RunOutcomeRow.rule, func.count())
            .where(RunOutcomeRow.run_id == run, RunOutcomeRow.outcome == "suspended")
            .group_by(RunOutcomeRow.rule)
        )
        query = _in_scope(query, RunOutcomeRow.account_id, advisors)
        found = [(rule, int(n)) for rule, n in self.session.execute(query)]
        return sorted(found, key=lambda r: (-r[1], r[0]))

    def traded_tax(self, *, advisors: Scopes) -> Decimal:
        query = select(func.coalesce(func.sum(ProposalRow.estimated_tax), 0)).where(
            ProposalRow.state.in_(("approved", "auto")), ProposalRow.run_id.not_in(_voided())
        )
        query = _in_scope(query, ProposalRow.account_id, advisors)
        return Decimal(str(self.session.scalar(query) or 0))

    def analyses(self, account: str, *, limit: int) -> list[AnalysisLine]:
        query = (
            select(
                AnalysisRow.run_id,
                AnalysisRow.as_of,
                RunOutcomeRow.outcome,
                AnalysisRow.status,
                AnalysisRow.value,
                AnalysisRow.drift,
                AnalysisRow.trades,
                AnalysisRow.estimated_tax,
            )
            .outerjoin(
                RunOutcomeRow,
                and_(
                    RunOutcomeRow.run_id == AnalysisRow.run_id,
                    RunOutcomeRow.account_id == AnalysisRow.account_id,
                ),
            )
            .where(AnalysisRow.account_id == account, AnalysisRow.run_id.not_in(_voided()))
            .order_by(AnalysisRow.as_of.desc(), AnalysisRow.id.desc())
            .limit(limit)
        )
        return [AnalysisLine(*row) for row in self.session.execute(query)]

    def decisions(self, account: str, *, limit: int) -> list[DecisionLine]:
        query = (
            select(
                ReviewDecisionRow.run_id,
                ReviewDecisionRow.action,
                ReviewDecisionRow.actor,
                ReviewDecisionRow.at,
                ReviewDecisionRow.reason,
            )
            .where(ReviewDecisionRow.account_id == account)
            .order_by(ReviewDecisionRow.at.desc(), ReviewDecisionRow.id.desc())
            .limit(limit)
        )
        return [DecisionLine(*row) for row in self.session.execute(query)]

    def book_counts(self) -> list[tuple[str, int, int]]:
        query = (
            select(
                DefinitionVersionRow.kind,
                func.count(func.distinct(DefinitionVersionRow.key)),
                func.count(),
            )
            .group_by(DefinitionVersionRow.kind)
            .order_by(DefinitionVersionRow.kind)
        )
        return [(kind, int(keys), int(n)) for kind, keys, n in self.session.execute(query)]

    def book_latest(self, limit: int) -> list[BookLine]:
        query = (
            select(
                DefinitionVersionRow.kind,
                DefinitionVersionRow.key,
                DefinitionVersionRow.number,
                DefinitionVersionRow.effective,
                DefinitionVersionRow.author,
                DefinitionVersionRow.recorded_at,
                DefinitionVersionRow.reason,
            )
            .order_by(
                DefinitionVersionRow.recorded_at.desc(),
                DefinitionVersionRow.kind,
                DefinitionVersionRow.key,
                DefinitionVersionRow.number.desc(),
            )
            .limit(limit)
        )
        return [BookLine(*row) for row in self.session.execute(query)]
