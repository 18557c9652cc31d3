"""SQL for the account views: one line per account, and an account's last outcome.

The list is one statement: the filter's own query (`filter_sql.account_query`, values
bound, fields from the registry only) as a subquery of matching ids, joined to the
account's household, advisor, cash balance, latest analysis (the order of
`filter_sql.latest_analyses`: newest `as_of`, then newest id; voided runs excluded) and
that analysis' run outcome. The advisor scope is a condition of the same statement, so a
limit never cuts before it. Each line's latest analysis is found for that account alone
(a correlated look-up on `ix_analyses_account_as_of`), so a page of 50 reads 50 accounts'
analyses, not a window over every analysis of the firm (≈ 100 ms a page at 100,000
accounts, bench/README.md "Web app under load").

    >>> # with db.unit_of_work() as uow: uow.account_reads.lines(f, limit=50)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from trimtab.domain.filters import Filter
from trimtab.domain.principal import Scope
from trimtab.services.account_ports import AccountLine, LastOutcome
from trimtab.store.filter_sql import account_query
from trimtab.store.nightly_tables import RunOutcomeRow, RunRow
from trimtab.store.scope_sql import account_condition, as_scope
from trimtab.store.tables import AccountRow, AdvisorRow, CashBalanceRow
from trimtab.store.workflow_tables import AnalysisRow

__all__ = ["SqlAccountReads"]


class SqlAccountReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _scoped(
        self, query: Any, f: Filter | None, advisors: Scope | Collection[str] | None
    ) -> Any:
        if f is not None:
            matching = account_query(f).subquery("matching")
            query = query.join(matching, matching.c.id == AccountRow.id)
        # The row-level scope (advisors and their teams' households), part of the query.
        return query.where(account_condition(as_scope(advisors)))

    def visible(self, account: str, *, advisors: Scope | Collection[str] | None = None) -> bool:
        """Whether `account` exists inside the scope (one indexed look-up)."""
        query = select(AccountRow.id).where(AccountRow.id == account)
        return self.session.scalar(self._scoped(query, None, advisors)) is not None

    def lines(
        self,
        f: Filter | None,
        *,
        advisors: Scope | Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[AccountLine]:
        # The page of ids first (filter, scope, order, window: an index walk), then each
        # line's details for those ids only, a deep page included.
        page = self._scoped(select(AccountRow.id), f, advisors).order_by(AccountRow.id)
        if limit is not None:
            page = page.limit(limit)
        if offset:
            page = page.offset(offset)
        ids = page.subquery("page")
        analysis = _latest_analysis_of_each_account()
        query = (
            select(
                AccountRow.id,
                AccountRow.household_id,
                AdvisorRow.name,
                AccountRow.program_id,
                analysis.value,
                CashBalanceRow.amount,
                analysis.drift,
                RunOutcomeRow.outcome,
                analysis.run_id,
                analysis.as_of,
            )
            .select_from(ids)
            .join(AccountRow, AccountRow.id == ids.c.id)
            .outerjoin(AdvisorRow, AdvisorRow.id == AccountRow.advisor_id)
            .outerjoin(CashBalanceRow, CashBalanceRow.account_id == AccountRow.id)
            .outerjoin(analysis, analysis.id == _latest_analysis_id())
            .outerjoin(
                RunOutcomeRow,
                and_(
                    RunOutcomeRow.run_id == analysis.run_id,
                    RunOutcomeRow.account_id == AccountRow.id,
                ),
            )
            .order_by(AccountRow.id)
        )
        return [AccountLine(*row) for row in self.session.execute(query)]

    def count(self, f: Filter | None, *, advisors: Scope | Collection[str] | None = None) -> int:
        query = self._scoped(select(func.count()).select_from(AccountRow), f, advisors)
        return int(self.session.scalar(query) or 0)

    def last_outcome(self, account: str) -> LastOutcome | None:
        # One account: its own latest row by the same order as `latest_analyses`, not
        # the firm-wide window.
        voided = select(RunRow.id).where(RunRow.state == "voided")
        row = self.session.execute(
            select(RunOutcomeRow, AnalysisRow.as_of)
            .join(
                AnalysisRow,
                and_(
                    AnalysisRow.run_id == RunOutcomeRow.run_id,
                    AnalysisRow.account_id == RunOutcomeRow.account_id,
                ),
            )
            .where(AnalysisRow.account_id == account, AnalysisRow.run_id.not_in(voided))
            .order_by(AnalysisRow.as_of.desc(), AnalysisRow.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        outcome, as_of = row
        return LastOutcome(
            run=outcome.run_id,
            as_of=as_of,
            outcome=outcome.outcome,
            rule=outcome.rule,
            flags=tuple(outcome.flags or ()),
            status=outcome.status,
            failure=outcome.failure,
            trades=outcome.trades,
            estimated_tax=outcome.estimated_tax,
        )


def _latest_analysis_of_each_account() -> Any:
    return aliased(AnalysisRow, name="latest_analysis")


def _latest_analysis_id() -> Any:
    """The id of the outer `accounts` row's latest analysis of a run not voided (a scalar
    subquery correlated to that row: an index look-up per account line)."""
    voided = select(RunRow.id).where(RunRow.state == "voided")
    return (
        select(AnalysisRow.id)
        .where(AnalysisRow.account_id == AccountRow.id, AnalysisRow.run_id.not_in(voided))
        .order_by(AnalysisRow.as_of.desc(), AnalysisRow.id.desc())
        .limit(1)
        .correlate(AccountRow)
        .scalar_subquery()
    )
