"""SQL for the dashboards: counts and short lists over the latest run and the review queue.

A finished run's firm-wide figures (outcomes, flagged accounts and their counts, flag
counts, suspensions) never change once the run has finished, yet at 100,000 accounts
each aggregates 100,000 outcomes (70–400 ms a statement). They are computed on the first
read and remembered in this process, keyed by the database, the run and its start and
finish times (`_RunFigures`): every later dashboard reads the remembered answer. A run
still running is never remembered; scoped figures (an advisor's) are always one
statement over the advisor's accounts. What may change after the run (the advisors'
names and an account's advisor, shown beside a flagged account) is read each time.

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
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import String, and_, case, cast, func, or_, select
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


T = TypeVar("T")


class _RunFigures:
    """A finished run's firm-wide figures, remembered in this process (bounded: the
    least recently used are forgotten first)."""

    def __init__(self, size: int = 512) -> None:
        self._answers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()  # uvicorn runs sync routes in a thread pool

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]  # type: ignore[no-any-return]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


RUN_FIGURES = _RunFigures()


def _in_scope(query: Any, account_column: Any, advisors: Scopes) -> Any:
    # the row-level scope (advisors and their teams' households), part of the statement
    return query.where(account_ids_condition(as_scope(advisors), account_column))


class SqlDashboardReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _finished(self, run: str) -> tuple[Any, ...] | None:
        """The key of a finished run's figures: the database, the run, its start and
        finish (a rebuilt database reusing the run's id differs there); None while the
        run is not finished."""
        row = self.session.execute(
            select(RunRow.state, RunRow.started_at, RunRow.finished_at).where(RunRow.id == run)
        ).first()
        if row is None or row.state != "finished" or row.finished_at is None:
            return None
        url = self.session.get_bind().engine.url.render_as_string(hide_password=True)
        return (url, run, row.started_at, row.finished_at)

    def _remembered(
        self, run: str, advisors: Scopes, figure: tuple[Any, ...], compute: Callable[[], T]
    ) -> T:
        """`compute()`, remembered for a finished run's firm-wide figure."""
        if advisors is not None and not as_scope(advisors).firm_wide:
            return compute()
        key = self._finished(run)
        if key is None:
            return compute()
        return RUN_FIGURES.get((*key, *figure), compute)

    def latest_run(self) -> RunHeadline | None:
        row = self.session.execute(
            select(RunRow.id, RunRow.as_of, RunRow.state, RunRow.accounts)
            .where(RunRow.state != "voided")
            .order_by(RunRow.as_of.desc(), RunRow.started_at.desc(), RunRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else RunHeadline(*row)

    def outcomes(self, run: str, *, advisors: Scopes) -> list[OutcomeTotal]:
        return list(
            self._remembered(
                run, advisors, ("outcomes",), lambda: tuple(self._outcomes(run, advisors))
            )
        )

    def _outcomes(self, run: str, advisors: Scopes) -> list[OutcomeTotal]:
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
                # counted by the database: the trades' JSON is not read for a count
                func.json_array_length(ProposalRow.trades),
                ProposalRow.estimated_tax,
            ),
            advisors,
        ).order_by(ProposalRow.value.desc(), ProposalRow.account_id, ProposalRow.run_id)
        if limit is not None:
            query = query.limit(limit)
        return [
            PendingProposal(run, account, as_of, value, int(trades or 0), tax)
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
        found = self._remembered(
            run,
            advisors,
            ("flagged", flag, limit),
            lambda: tuple(self._flagged_rows(run, advisors, flag, limit)),
        )
        # The account's advisor now (an account may change advisor, an advisor its name).
        ids = [row[0] for row in found]
        names: dict[str, str] = {}
        if ids:
            query = (
                select(AccountRow.id, AdvisorRow.name)
                .join(AdvisorRow, AdvisorRow.id == AccountRow.advisor_id)
                .where(AccountRow.id.in_(ids))
            )
            names = {str(row[0]): str(row[1]) for row in self.session.execute(query)}
        return [
            FlaggedAccount(
                account,
                names.get(account),
                outcome,
                rule,
                status,
                tuple(flags or ()),
                drift,
                int(n),
                value,
            )
            for account, outcome, rule, status, flags, drift, n, value in found
        ]

    def _flagged_rows(
        self, run: str, advisors: Scopes, flag: str | None, limit: int | None
    ) -> list[tuple[Any, ...]]:
        query = self._flagged(
            select(
                RunOutcomeRow.account_id,
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
        ).order_by(func.coalesce(AnalysisRow.drift, 0).desc(), RunOutcomeRow.account_id)
        if limit is not None:
            query = query.limit(limit)
        return [tuple(row) for row in self.session.execute(query)]

    def flagged_count(self, run: str, *, advisors: Scopes, flag: str | None = None) -> int:
        query = self._flagged(select(func.count()), run, advisors, flag)
        return self._remembered(
            run,
            advisors,
            ("flagged_count", flag),
            lambda: int(self.session.scalar(query) or 0),
        )

    def flag_counts(self, run: str, *, advisors: Scopes) -> list[tuple[str, int]]:
        return list(
            self._remembered(
                run, advisors, ("flag_counts",), lambda: tuple(self._flag_counts(run, advisors))
            )
        )

    def _flag_counts(self, run: str, advisors: Scopes) -> list[tuple[str, int]]:
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
        return list(
            self._remembered(
                run, advisors, ("suspensions",), lambda: tuple(self._suspensions(run, advisors))
            )
        )

    def _suspensions(self, run: str, advisors: Scopes) -> list[tuple[str, int]]:
        query = (
            select(RunOutcomeRow.rule, func.count())
            .where(RunOutcomeRow.run_id == run, RunOutcomeRow.outcome == "suspended")
            .group_by(RunOutcomeRow.rule)
        )
        query = _in_scope(query, RunOutcomeRow.account_id, advisors)
        found = [(rule, int(n)) for rule, n in self.session.execute(query)]
        return sorted(found, key=lambda r: (-r[1], r[0]))

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
        # A definition's versions are numbered from 1, so its first versions count the
        # definitions: one pass over the key index, not a distinct over every key.
        first = case((DefinitionVersionRow.number == 1, 1), else_=0)
        query = (
            select(DefinitionVersionRow.kind, func.sum(first), func.count())
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
