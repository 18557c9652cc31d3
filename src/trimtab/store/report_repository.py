"""The reports' store (`services/report_ports.ReportStore`) on SQLite and PostgreSQL.

Every read takes the viewer's scope and puts it in its own WHERE clause
(`scope_sql.account_ids_condition`), and leaves out voided runs, so a report never shows
an account the viewer may not see, nor a night that was thrown away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from trimtab.domain.principal import Scope
from trimtab.domain.records import RecordEntry, RecordKind
from trimtab.services.report_ports import (
    AccountFacts,
    Counterfactual,
    Exemption,
    HealthCheck,
    OutcomeFacts,
    TaxesSavedTotal,
)
from trimtab.store.mapping import as_utc
from trimtab.store.nightly_tables import ProposalRow, RunOutcomeRow, RunRow
from trimtab.store.record_repository import SqlRecords
from trimtab.store.record_tables import RecordRow
from trimtab.store.report_tables import (
    CounterfactualRow,
    HealthCheckRow,
    HealthExemptionRow,
    TaxesSavedTotalRow,
)
from trimtab.store.run_repository import voided_runs
from trimtab.store.scope_sql import account_condition, account_ids_condition
from trimtab.store.tables import AccountRow, HouseholdRow

__all__ = ["SqlReportStore"]

_IN = 500  # ids per IN list: SQLite's bound-parameter limit is far above, PG's planner likes it


def _chunks(ids: Collection[Any]) -> list[list[Any]]:
    items = sorted(ids)
    return [items[i : i + _IN] for i in range(0, len(items), _IN)]


class SqlReportStore:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._records = SqlRecords(session)

    def accounts(
        self,
        scope: Scope,
        *,
        account: str | None = None,
        household: str | None = None,
        advisor: str | None = None,
    ) -> list[AccountFacts]:
        query = (
            select(AccountRow, HouseholdRow.name)
            .join(HouseholdRow, HouseholdRow.id == AccountRow.household_id)
            .where(account_condition(scope))
        )
        if account is not None:
            query = query.where(AccountRow.id == account)
        if household is not None:
            query = query.where(AccountRow.household_id == household)
        if advisor is not None:
            query = query.where(AccountRow.advisor_id == advisor)
        return [
            AccountFacts(a.id, a.name, a.household_id, name, a.advisor_id, a.tax_status)
            for a, name in self._session.execute(query.order_by(AccountRow.id))
        ]

    def analyses(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[RecordEntry]:
        found: list[RecordEntry] = []
        for ids in _chunks(accounts):
            query = select(RecordRow).where(
                RecordRow.kind == RecordKind.ANALYSIS.value,
                RecordRow.account_id.in_(ids),
                account_ids_condition(scope, RecordRow.account_id),
                RecordRow.as_of >= start,
                RecordRow.as_of <= end,
                RecordRow.run_id.not_in(voided_runs()),
            )
            found.extend(self._records.entries_of(self._session.scalars(query).all()))
        return sorted(found, key=lambda e: e.seq)

    def run_analyses(self, run_id: str) -> list[RecordEntry]:
        return self._records.entries(run_id=run_id, kinds=[RecordKind.ANALYSIS])

    def latest_run(self) -> tuple[str, dt.date] | None:
        row = self._session.execute(
            select(RunRow.id, RunRow.as_of)
            .where(RunRow.voided_at.is_(None))
            .order_by(RunRow.started_at.desc())
            .limit(1)
        ).first()
        return None if row is None else (row[0], row[1])

    def analysis(self, entry: RecordEntry) -> dict[str, Any]:
        return self._records.analysis(entry)

    def counterfactuals(self, analysis_ids: Collection[int]) -> dict[int, Counterfactual]:
        found: dict[int, Counterfactual] = {}
        for ids in _chunks(analysis_ids):
            for r in self._session.scalars(
                select(CounterfactualRow).where(CounterfactualRow.analysis_id.in_(ids))
            ):
                found[r.analysis_id] = Counterfactual(
                    r.analysis_id,
                    r.run_id,
                    r.account_id,
                    r.as_of,
                    r.status,
                    r.trades,
                    Decimal(r.short_term_gains),
                    Decimal(r.short_term_losses),
                    Decimal(r.long_term_gains),
                    Decimal(r.long_term_losses),
                )
        return found

    def add_taxes_saved_total(self, total: TaxesSavedTotal) -> None:
        self._session.add(TaxesSavedTotalRow(**asdict(total)))  # the row's columns, by name
        self._session.flush()

    def latest_taxes_saved_total(self) -> TaxesSavedTotal | None:
        row = self._session.scalars(
            select(TaxesSavedTotalRow)
            .order_by(TaxesSavedTotalRow.end.desc(), TaxesSavedTotalRow.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return TaxesSavedTotal(
            row.start,
            row.end,
            row.analyses,
            row.not_counted,
            row.missing,
            Decimal(row.losses_harvested),
            Decimal(row.short_term_avoided),
            Decimal(row.gains_deferred),
            Decimal(row.portfolio_value),
            as_utc(row.computed_at),
        )

    def add_counterfactuals(self, items: Sequence[Counterfactual], at: dt.datetime) -> None:
        self._session.add_all(
            CounterfactualRow(
                analysis_id=c.analysis_id,
                run_id=c.run_id,
                account_id=c.account,
                as_of=c.as_of,
                status=c.status,
                trades=c.trades,
                short_term_gains=c.short_term_gains,
                short_term_losses=c.short_term_losses,
                long_term_gains=c.long_term_gains,
                long_term_losses=c.long_term_losses,
                computed_at=at,
            )
            for c in items
        )
        self._session.flush()

    def outcomes(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[OutcomeFacts]:
        found: list[OutcomeFacts] = []
        for ids in _chunks(accounts):
            query = (
                select(RunOutcomeRow, RunRow.as_of, ProposalRow)
                .join(RunRow, RunRow.id == RunOutcomeRow.run_id)
                .outerjoin(
                    ProposalRow,
                    and_(
                        ProposalRow.run_id == RunOutcomeRow.run_id,
                        ProposalRow.account_id == RunOutcomeRow.account_id,
                    ),
                )
                .where(
                    RunOutcomeRow.account_id.in_(ids),
                    account_ids_condition(scope, RunOutcomeRow.account_id),
                    RunRow.as_of >= start,
                    RunRow.as_of <= end,
                    RunRow.voided_at.is_(None),
                )
            )
            for o, as_of, p in self._session.execute(query):
                found.append(
                    OutcomeFacts(
                        o.run_id,
                        o.account_id,
                        as_of,
                        o.outcome,
                        as_utc(o.at),
                        None if p is None else p.state,
                        None if p is None else p.decided_by,
                        None if p is None or p.decided_at is None else as_utc(p.decided_at),
                    )
                )
        return sorted(found, key=lambda o: (o.as_of, o.run_id, o.account))

    def health_checks(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[HealthCheck]:
        found: list[HealthCheck] = []
        for ids in _chunks(accounts):
            query = select(HealthCheckRow).where(
                HealthCheckRow.account_id.in_(ids),
                account_ids_condition(scope, HealthCheckRow.account_id),
                HealthCheckRow.as_of >= start,
                HealthCheckRow.as_of <= end,
                HealthCheckRow.run_id.not_in(voided_runs()),
            )
            found.extend(
                HealthCheck(
                    r.run_id,
                    r.account_id,
                    r.as_of,
                    r.kind,
                    r.passed,
                    r.measure,
                    r.threshold,
                    r.detail,
                    as_utc(r.at),
                )
                for r in self._session.scalars(query)
            )
        return sorted(found, key=lambda c: (c.as_of, c.run_id, c.account, c.kind))

    def run_has_health_checks(self, run_id: str) -> bool:
        return bool(self._session.scalar(select(exists().where(HealthCheckRow.run_id == run_id))))

    def add_health_checks(self, items: Sequence[HealthCheck]) -> None:
        self._session.add_all(
            HealthCheckRow(
                run_id=c.run_id,
                account_id=c.account,
                kind=c.kind,
                as_of=c.as_of,
                passed=c.passed,
                measure=c.measure,
                threshold=c.threshold,
                detail=c.detail,
                at=c.at,
            )
            for c in items
        )
        self._session.flush()

    def exemptions(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[Exemption]:
        found: list[Exemption] = []
        for ids in _chunks(accounts):
            query = (
                select(HealthExemptionRow)
                .join(RunRow, RunRow.id == HealthExemptionRow.run_id)
                .where(
                    HealthExemptionRow.account_id.in_(ids),
                    account_ids_condition(scope, HealthExemptionRow.account_id),
                    RunRow.as_of >= start,
                    RunRow.as_of <= end,
                )
            )
            found.extend(
                Exemption(r.run_id, r.account_id, r.kind, r.reason, r.actor, as_utc(r.at))
                for r in self._session.scalars(query)
            )
        return found

    def exemption(self, run_id: str, account: str, kind: str) -> Exemption | None:
        r = self._session.get(HealthExemptionRow, (run_id, account, kind))
        return (
            None
            if r is None
            else Exemption(r.run_id, r.account_id, r.kind, r.reason, r.actor, as_utc(r.at))
        )

    def add_exemption(self, item: Exemption) -> None:
        self._session.add(
            HealthExemptionRow(
                run_id=item.run_id,
                account_id=item.account,
                kind=item.kind,
                reason=item.reason,
                actor=item.actor,
                at=item.at,
            )
        )
        self._session.flush()
