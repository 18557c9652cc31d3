"""`FakeReportStore` and `FakeReportUnitOfWork`: the reports' port in memory.

Analysis records are given whole (entry + joined record), as the SQL store returns them
after joining the parts; scope is by advisor (teams are the SQL store's to test).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Any, Self

from tests.fakes.audit import FakeAuditTrail
from trimtab.domain.principal import Scope
from trimtab.domain.records import RecordDraft, RecordEntry, RecordKind
from trimtab.services.report_ports import (
    AccountFacts,
    Counterfactual,
    Exemption,
    HealthCheck,
    OutcomeFacts,
)

__all__ = ["FakeReportStore", "FakeReportUnitOfWork"]


def _in(scope: Scope, account: AccountFacts | None) -> bool:
    if account is None:
        return False
    return scope.advisor_ids is None or account.advisor_id in scope.advisor_ids


class FakeReportStore:
    def __init__(self) -> None:
        self.account_list: list[AccountFacts] = []
        self.records: list[tuple[RecordEntry, dict[str, Any]]] = []
        self.stored_counterfactuals: dict[int, Counterfactual] = {}
        self.outcome_list: list[OutcomeFacts] = []
        self.checks: list[HealthCheck] = []
        self.exemption_list: list[Exemption] = []
        self.voided: set[str] = set()

    # -- building the scenario --------------------------------------------------------

    def add_analysis(
        self,
        account: str,
        run_id: str,
        as_of: dt.date,
        analysis: dict[str, Any],
        *,
        at: dt.datetime | None = None,
        status: str = "optimal",
    ) -> RecordEntry:
        draft = RecordDraft(
            RecordKind.ANALYSIS,
            run_id,
            account,
            as_of,
            at or dt.datetime.combine(as_of, dt.time(22), tzinfo=dt.UTC),
            {"status": status},
        )
        entry = RecordEntry(len(self.records) + 1, draft, "0" * 64, f"{len(self.records) + 1:064x}")
        self.records.append((entry, analysis))
        return entry

    def _account(self, account_id: str) -> AccountFacts | None:
        return next((a for a in self.account_list if a.id == account_id), None)

    # -- the port ---------------------------------------------------------------------

    def accounts(
        self,
        scope: Scope,
        *,
        account: str | None = None,
        household: str | None = None,
        advisor: str | None = None,
    ) -> list[AccountFacts]:
        return [
            a
            for a in sorted(self.account_list, key=lambda a: a.id)
            if _in(scope, a)
            and (account is None or a.id == account)
            and (household is None or a.household_id == household)
            and (advisor is None or a.advisor_id == advisor)
        ]

    def analyses(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[RecordEntry]:
        return [
            e
            for e, _ in self.records
            if e.draft.account in accounts
            and _in(scope, self._account(e.draft.account))
            and e.draft.as_of is not None
            and start <= e.draft.as_of <= end
            and e.draft.run_id not in self.voided
        ]

    def run_analyses(self, run_id: str) -> list[RecordEntry]:
        return [e for e, _ in self.records if e.draft.run_id == run_id]

    def latest_run(self) -> tuple[str, dt.date] | None:
        runs = sorted({(e.draft.as_of, e.draft.run_id) for e, _ in self.records})
        if not runs:
            return None
        day, run = runs[-1]
        assert day is not None
        assert run is not None
        return run, day

    def analysis(self, entry: RecordEntry) -> dict[str, Any]:
        return next(a for e, a in self.records if e.seq == entry.seq)

    def counterfactuals(self, analysis_ids: Collection[int]) -> dict[int, Counterfactual]:
        return {i: c for i, c in self.stored_counterfactuals.items() if i in analysis_ids}

    def add_counterfactuals(self, items: Sequence[Counterfactual], at: dt.datetime) -> None:
        for c in items:
            assert c.analysis_id not in self.stored_counterfactuals, "computed twice"
            self.stored_counterfactuals[c.analysis_id] = c

    def outcomes(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[OutcomeFacts]:
        return [
            o
            for o in self.outcome_list
            if o.account in accounts
            and _in(scope, self._account(o.account))
            and start <= o.as_of <= end
        ]

    def health_checks(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[HealthCheck]:
        return [
            c
            for c in self.checks
            if c.account in accounts
            and _in(scope, self._account(c.account))
            and start <= c.as_of <= end
        ]

    def run_has_health_checks(self, run_id: str) -> bool:
        return any(c.run_id == run_id for c in self.checks)

    def add_health_checks(self, items: Sequence[HealthCheck]) -> None:
        self.checks.extend(items)

    def exemptions(
        self, scope: Scope, accounts: Collection[str], start: dt.date, end: dt.date
    ) -> list[Exemption]:
        return [e for e in self.exemption_list if e.account in accounts]

    def exemption(self, run_id: str, account: str, kind: str) -> Exemption | None:
        return next(
            (
                e
                for e in self.exemption_list
                if (e.run_id, e.account, e.kind) == (run_id, account, kind)
            ),
            None,
        )

    def add_exemption(self, item: Exemption) -> None:
        self.exemption_list.append(item)


class FakeReportUnitOfWork:
    """One store and audit trail shared by every `with` (committed or not: the fake
    keeps what was written; tests check the audit entries through `audit.appended`)."""

    def __init__(self) -> None:
        self.reports = FakeReportStore()
        self.audit = FakeAuditTrail()
        self.commits = 0

    def __call__(self) -> Self:
        return self

    def commit(self) -> None:
        self.commits += 1

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
