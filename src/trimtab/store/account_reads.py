"""SQL for the account views: one line per account, and an account's last outcome.

The list is one statement: the filter's own query (`filter_sql.account_query`, values
bound, fields from the registry only) as a subquery of matching ids, joined to the
account's household, advisor, cash balance, latest analysis and that analysis' run
outcome. The advisor scope is a condition of the same statement, so a limit never cuts
before it. The latest analysis is the kept pointer `latest_analyses` (newest `as_of`,
then highest id, voided runs left out; run_repository.py keeps it): a primary-key
look-up per line, so a page of 50 reads 50 pointers, not a window over every analysis
of the firm (≈ 100 ms a page at 100,000 accounts, bench/README.md "Web app under load").
An account's last outcome is its pointer's run outcome, the same way.

    >>> # with db.unit_of_work() as uow: uow.account_reads.lines(f, limit=50)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from trimtab.domain.filters import Filter
from trimtab.domain.principal import Scope
from trimtab.services.account_ports import AccountLine, LastOutcome
from trimtab.store.filter_sql import account_query
from trimtab.store.nightly_tables import RunOutcomeRow
from trimtab.store.scope_sql import account_condition, as_scope
from trimtab.store.tables import AccountRow, AdvisorRow, CashBalanceRow
from trimtab.store.workflow_tables import AnalysisRow, LatestAnalysisRow

__all__ = ["SqlAccountReads"]


class SqlAccountReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _matching(self, f: Filter | None, advisors: Scope | Collection[str] | None) -> Select[str]:
        """The ids the filter matches inside the scope, from one `accounts` (the filter's
        own query): joining its ids back to `accounts` scanned the firm twice to count."""
        query = select(AccountRow.id) if f is None else account_query(f).order_by(None)
        # The row-level scope (advisors and their teams' households), part of the query.
        return query.where(account_condition(as_scope(advisors)))

    def visible(self, account: str, *, advisors: Scope | Collection[str] | None = None) -> bool:
        """Whether `account` exists inside the scope (one indexed look-up)."""
        query = self._matching(None, advisors).where(AccountRow.id == account)
        return self.session.scalar(query) is not None

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
        page = self._matching(f, advisors).order_by(AccountRow.id)
        if limit is not None:
            page = page.limit(limit)
        if offset:
            page = page.offset(offset)
        ids = page.subquery("page")
        # Any: ten columns are more than `select`'s typed overloads spell out.
        analysis: Any = aliased(AnalysisRow, name="latest_analysis")
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
            .outerjoin(LatestAnalysisRow, LatestAnalysisRow.account_id == AccountRow.id)
            .outerjoin(analysis, analysis.id == LatestAnalysisRow.analysis_id)
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
        matching = self._matching(f, advisors).subquery("matching")
        return int(self.session.scalar(select(func.count()).select_from(matching)) or 0)

    def last_outcome(self, account: str) -> LastOutcome | None:
        # The outcome of the run of the account's latest analysis (its kept pointer).
        row = self.session.execute(
            select(RunOutcomeRow, LatestAnalysisRow.as_of)
            .join(
                LatestAnalysisRow,
                and_(
                    LatestAnalysisRow.run_id == RunOutcomeRow.run_id,
                    LatestAnalysisRow.account_id == RunOutcomeRow.account_id,
                ),
            )
            .where(LatestAnalysisRow.account_id == account)
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
