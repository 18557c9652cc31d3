"""The unit of work: one database transaction, and the repositories that work inside it.

    with uow:
        uow.accounts.add(account)
        uow.commit()

Leaving the `with` block rolls back whatever was not committed, so an exception (or a
forgotten `commit()`) can never leave half a change behind. A unit of work can be
entered again after it ends; each entry is a fresh session and transaction.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from trimtab.store.account_reads import SqlAccountReads
from trimtab.store.alert_reads import SqlMonitoringReads
from trimtab.store.alert_repository import SqlAlertRepository, SqlDeliveryOutbox
from trimtab.store.audit_repository import SqlAuditTrail
from trimtab.store.bulk import SqlBulkLoader
from trimtab.store.dashboard_reads import SqlDashboardReads
from trimtab.store.data_repository import (
    SqlFeedDataRepository,
    SqlFeedLoadRepository,
    SqlHoldRepository,
)
from trimtab.store.model_repository import SqlModelBookRepository
from trimtab.store.order_repository import SqlOrderRepository
from trimtab.store.pipeline_repository import SqlExecutionRepository, SqlPipelineRepository
from trimtab.store.record_repository import SqlRecords
from trimtab.store.report_repository import SqlReportStore
from trimtab.store.repositories import (
    SqlAccountRepository,
    SqlAssetClassRepository,
    SqlCashRepository,
    SqlHouseholdRepository,
    SqlLotRepository,
    SqlOrganizationRepository,
    SqlPriceRepository,
    SqlRestrictionRepository,
    SqlSecurityRepository,
    SqlTargetRepository,
    SqlTradeHistoryRepository,
)
from trimtab.store.review_repository import SqlProposalRepository
from trimtab.store.routing_repository import SqlRoutingRepository
from trimtab.store.run_repository import SqlNightInputs, SqlRunRepository
from trimtab.store.user_repository import (
    SqlAdvisorCoverage,
    SqlSessionRepository,
    SqlSignInAttempts,
    SqlTeamRepository,
    SqlTokenRepository,
    SqlUserRepository,
)
from trimtab.store.wash_group_repository import SqlWashGroups
from trimtab.store.workflow_repositories import (
    SqlAccountSelection,
    SqlSavedFilterRepository,
    SqlSettingsRepository,
)

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    organization: SqlOrganizationRepository
    asset_classes: SqlAssetClassRepository
    securities: SqlSecurityRepository
    prices: SqlPriceRepository
    households: SqlHouseholdRepository
    accounts: SqlAccountRepository
    lots: SqlLotRepository
    cash: SqlCashRepository
    restrictions: SqlRestrictionRepository
    trades: SqlTradeHistoryRepository
    targets: SqlTargetRepository
    bulk: SqlBulkLoader
    selection: SqlAccountSelection
    filters: SqlSavedFilterRepository
    settings: SqlSettingsRepository
    feed_loads: SqlFeedLoadRepository
    feed_data: SqlFeedDataRepository
    holds: SqlHoldRepository
    audit: SqlAuditTrail
    alerts: SqlAlertRepository
    alert_deliveries: SqlDeliveryOutbox
    monitoring: SqlMonitoringReads
    runs: SqlRunRepository
    night: SqlNightInputs
    proposals: SqlProposalRepository
    orders: SqlOrderRepository
    records: SqlRecords
    reports: SqlReportStore
    pipeline: SqlPipelineRepository
    executions: SqlExecutionRepository
    routing: SqlRoutingRepository
    account_reads: SqlAccountReads
    dashboards: SqlDashboardReads
    users: SqlUserRepository
    teams: SqlTeamRepository
    tokens: SqlTokenRepository
    web_sessions: SqlSessionRepository
    sign_in_attempts: SqlSignInAttempts
    coverage: SqlAdvisorCoverage
    wash_groups: SqlWashGroups

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session, for store code that adds its own repositories."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        return self._session

    def __enter__(self) -> Self:
        session = self._session = self._session_factory()
        self.organization = SqlOrganizationRepository(session)
        self.asset_classes = SqlAssetClassRepository(session)
        self.securities = SqlSecurityRepository(session)
        self.prices = SqlPriceRepository(session)
        self.households = SqlHouseholdRepository(session)
        self.accounts = SqlAccountRepository(session)
        self.lots = SqlLotRepository(session)
        self.cash = SqlCashRepository(session)
        self.restrictions = SqlRestrictionRepository(session)
        self.trades = SqlTradeHistoryRepository(session)
        self.targets = SqlTargetRepository(session)
        self.selection = SqlAccountSelection(session)
        self.filters = SqlSavedFilterRepository(session)
        self.settings = SqlSettingsRepository(session)
        self.model_book = SqlModelBookRepository(session)
        self.bulk = SqlBulkLoader(session)
        self.feed_loads = SqlFeedLoadRepository(session)
        self.feed_data = SqlFeedDataRepository(session)
        self.holds = SqlHoldRepository(session)
        self.audit = SqlAuditTrail(session)
        self.alerts = SqlAlertRepository(session)
        self.alert_deliveries = SqlDeliveryOutbox(session)
        self.monitoring = SqlMonitoringReads(session)
        self.runs = SqlRunRepository(session)
        self.night = SqlNightInputs(session)
        self.proposals = SqlProposalRepository(session)
        self.orders = SqlOrderRepository(session)
        self.records = SqlRecords(session)
        self.reports = SqlReportStore(session)
        self.pipeline = SqlPipelineRepository(session)
        self.executions = SqlExecutionRepository(session)
        self.routing = SqlRoutingRepository(session)
        self.account_reads = SqlAccountReads(session)
        self.dashboards = SqlDashboardReads(session)
        self.users = SqlUserRepository(session)
        self.teams = SqlTeamRepository(session)
        self.tokens = SqlTokenRepository(session)
        self.web_sessions = SqlSessionRepository(session)
        self.sign_in_attempts = SqlSignInAttempts(session)
        self.coverage = SqlAdvisorCoverage(session)
        self.wash_groups = SqlWashGroups(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
