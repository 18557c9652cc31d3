"""SQLAlchemy implementations of the data-management ports (`services.feed_ports`).

Feed writes go through Core statements with many parameter sets, in slices of
`CHUNK_ROWS`, never row by row through the ORM: a lots file for 100,000 accounts is a
million rows. "Upsert" (securities, prices, restrictions) is INSERT ... ON CONFLICT DO
UPDATE, which SQLite and PostgreSQL spell the same way. Nothing here commits.

    >>> # with uow: uow.feed_data.upsert_prices(chunk); uow.commit()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from trimtab.domain.accounts import AccountStatus
from trimtab.domain.corporate_action_events import ActionKind, CorporateActionEvent
from trimtab.domain.data_quality import DataError, ErrorCode
from trimtab.domain.feed_records import CustodianPosition, FeedKind, FileProblem, ReportedLot
from trimtab.domain.file_transfers import ArrivalOutcome, ExpectedFile
from trimtab.domain.holdings import CashBalance
from trimtab.domain.restrictions import Restriction
from trimtab.domain.risk_model import FactorCovariance, FactorExposure, SpecificRisk
from trimtab.domain.securities import Price, Security
from trimtab.domain.trade_history import TradeRecord
from trimtab.services.feed_ports import (
    AccountHold,
    ActionStatus,
    Alert,
    FeedLoad,
    UnknownSecurity,
)
from trimtab.store import mapping as m
from trimtab.store.data_tables import (
    AccountHoldRow,
    AlertRow,
    CorporateActionEventRow,
    CustodianPositionRow,
    DataErrorRow,
    ExpectedFileRow,
    FactorCovarianceRow,
    FeedLoadRow,
    LotBasisUnknownRow,
    RiskExposureRow,
    SpecificRiskRow,
    UnknownSecurityRow,
)
from trimtab.store.tables import (
    AccountRow,
    AssetClassRow,
    CashBalanceRow,
    PriceRow,
    RestrictionRow,
    SecurityRow,
    TaxLotRow,
    TransactionRow,
)

__all__ = ["SqlFeedDataRepository", "SqlFeedLoadRepository", "SqlHoldRepository"]

CHUNK_ROWS = 10_000


def _table(row: type[Any]) -> Table:
    table: Table = row.__table__
    return table


def _utc(value: dt.datetime) -> dt.datetime:
    """Stored times are UTC (SQLite keeps no offset): in as UTC, out as aware UTC."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _slices(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK_ROWS):
        yield items[start : start + CHUNK_ROWS]


class _Sql:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, row: type[Any], values: Sequence[dict[str, Any]]) -> None:
        for part in _slices(values):
            if part:
                self.session.execute(insert(_table(row)), list(part))

    def _upsert(
        self, row: type[Any], values: Sequence[dict[str, Any]], keys: Sequence[str]
    ) -> None:
        table = _table(row)
        dialect = self.session.get_bind().dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for part in _slices(values):
            if not part:
                continue
            # Within one statement a key may appear once; the last row of a slice wins.
            unique = list({tuple(v[k] for k in keys): v for v in part}.values())
            stmt = make(table)
            changed = {c: stmt.excluded[c] for c in unique[0] if c not in keys}
            stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=changed)
            self.session.execute(stmt, unique)

    def _delete_in(self, column: Any, values: Collection[str]) -> None:
        items = sorted(values)
        for start in range(0, len(items), 500):
            self.session.execute(delete(column.table).where(column.in_(items[start : start + 500])))


class SqlFeedLoadRepository(_Sql):
    def accepted(self, checksum: str) -> FeedLoad | None:
        row = self.session.scalars(
            select(FeedLoadRow)
            .where(FeedLoadRow.checksum == checksum, FeedLoadRow.outcome == "loaded")
            .order_by(FeedLoadRow.id)
        ).first()
        return _load(row) if row else None

    def record(self, load: FeedLoad) -> int:
        row = FeedLoadRow(
            source=load.source,
            feed=load.feed,
            filename=load.filename,
            checksum=load.checksum,
            outcome=load.outcome.value,
            received_at=_utc(load.received_at),
            actor=load.actor,
            rows=load.rows,
            report={
                "problems": [p.as_dict() for p in load.problems],
                "notes": list(load.notes),
            },
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def received_between(self, start: dt.datetime, end: dt.datetime) -> list[FeedLoad]:
        rows = self.session.scalars(
            select(FeedLoadRow)
            .where(FeedLoadRow.received_at >= _utc(start), FeedLoadRow.received_at < _utc(end))
            .order_by(FeedLoadRow.received_at, FeedLoadRow.id)
        )
        return [_load(r) for r in rows]

    def set_expected(self, source: str, files: Sequence[ExpectedFile], timezone: str) -> None:
        self.session.execute(delete(ExpectedFileRow).where(ExpectedFileRow.source == source))
        for f in files:
            self.session.add(
                ExpectedFileRow(
                    source=source,
                    feed=f.feed,
                    deadline=f.deadline.strftime("%H:%M"),
                    timezone=timezone,
                )
            )
        self.session.flush()

    def expected(self) -> list[tuple[ExpectedFile, str]]:
        rows = self.session.scalars(select(ExpectedFileRow).order_by("source", "feed"))
        return [
            (ExpectedFile(r.source, r.feed, dt.time.fromisoformat(r.deadline)), r.timezone)
            for r in rows
        ]

    def raise_alert(self, alert: Alert) -> bool:
        exists = self.session.scalar(
            select(AlertRow.id).where(
                AlertRow.day == alert.day,
                AlertRow.kind == alert.kind,
                AlertRow.subject == alert.subject,
            )
        )
        if exists is not None:
            return False
        self.session.add(
            AlertRow(
                day=alert.day,
                kind=alert.kind,
                subject=alert.subject,
                message=alert.message,
                raised_at=_utc(alert.raised_at),
            )
        )
        self.session.flush()
        return True

    def alerts(self, day: dt.date) -> list[Alert]:
        rows = self.session.scalars(
            select(AlertRow).where(AlertRow.day == day).order_by(AlertRow.id)
        )
        return [Alert(r.day, r.kind, r.subject, r.message, _utc(r.raised_at)) for r in rows]


def _load(row: FeedLoadRow) -> FeedLoad:
    return FeedLoad(
        source=row.source,
        feed=row.feed,
        filename=row.filename,
        checksum=row.checksum,
        outcome=ArrivalOutcome(row.outcome),
        received_at=_utc(row.received_at),
        actor=row.actor,
        rows=row.rows,
        problems=tuple(
            FileProblem(p["file"], p["row"], p["column"], p["value"], p["expected"])
            for p in row.report.get("problems", [])
        ),
        notes=tuple(row.report.get("notes", [])),
        id=row.id,
    )


class SqlFeedDataRepository(_Sql):
    def account_ids(self) -> set[str]:
        return set(self.session.scalars(select(AccountRow.id)))

    def tickers(self) -> set[str]:
        return set(self.session.scalars(select(SecurityRow.ticker)))

    def asset_class_ids(self) -> set[str]:
        return set(self.session.scalars(select(AssetClassRow.id)))

    def upsert_securities(self, securities: Sequence[Security]) -> None:
        self._upsert(SecurityRow, [m.security_to_row(s) for s in securities], ["ticker"])

    def upsert_prices(self, prices: Sequence[Price]) -> None:
        self._upsert(PriceRow, [m.price_to_row(p) for p in prices], ["security", "date"])

    def remove_lots(self, accounts: Collection[str]) -> None:
        self._delete_in(TaxLotRow.__table__.c.account_id, accounts)

    def add_lots(self, lots: Sequence[ReportedLot]) -> None:
        self._insert(TaxLotRow, [m.lot_to_row(r.lot) for r in lots])
        self._insert(LotBasisUnknownRow, [{"lot_id": r.lot.id} for r in lots if not r.basis_known])

    def unknown_basis(self, account: str) -> set[str]:
        return set(
            self.session.scalars(
                select(LotBasisUnknownRow.lot_id)
                .join(TaxLotRow, TaxLotRow.id == LotBasisUnknownRow.lot_id)
                .where(TaxLotRow.account_id == account)
            )
        )

    def replace_positions(self, accounts: Collection[str]) -> None:
        self._delete_in(CustodianPositionRow.__table__.c.account_id, accounts)

    def add_positions(self, positions: Sequence[CustodianPosition]) -> None:
        self._insert(
            CustodianPositionRow,
            [
                {
                    "account_id": p.account,
                    "security": p.security,
                    "quantity": p.quantity,
                    "as_of": p.as_of,
                }
                for p in positions
            ],
        )

    def positions(self, account: str) -> dict[str, Decimal] | None:
        rows = self.session.execute(
            select(CustodianPositionRow.security, CustodianPositionRow.quantity).where(
                CustodianPositionRow.account_id == account
            )
        ).all()
        return dict(rows) if rows else None

    def add_trades(self, trades: Sequence[TradeRecord]) -> None:
        self._insert(TransactionRow, [m.trade_to_row(t) for t in trades])

    def set_cash(self, balances: Sequence[CashBalance]) -> None:
        self._upsert(CashBalanceRow, [m.cash_to_row(c) for c in balances], ["account_id"])

    def upsert_restrictions(self, restrictions: Sequence[Restriction]) -> None:
        self._upsert(
            RestrictionRow,
            [m.restriction_to_row(r) for r in restrictions],
            ["level", "scope", "security", "kind"],
        )

    def all_restrictions(self) -> list[Restriction]:
        rows = self.session.scalars(select(RestrictionRow).order_by(RestrictionRow.id))
        return [m.restriction_from_row(r) for r in rows]

    def replace_restrictions_of(self, security: str, restrictions: Sequence[Restriction]) -> None:
        named = {security} | {r.security for r in restrictions}
        self.session.execute(delete(RestrictionRow).where(RestrictionRow.security.in_(named)))
        self._insert(RestrictionRow, [m.restriction_to_row(r) for r in restrictions])

    def add_actions(self, events: Sequence[CorporateActionEvent], source: str) -> None:
        self._upsert(
            CorporateActionEventRow,
            [
                {
                    "id": e.id,
                    "kind": e.kind.value,
                    "security": e.security,
                    "effective": e.effective,
                    "new_security": e.new_security,
                    "ratio": e.ratio,
                    "cash_per_share": e.cash_per_share,
                    "basis_allocation": e.basis_allocation,
                    "new_security_price": e.new_security_price,
                    "new_cusip": e.new_cusip,
                    "source": source,
                }
                for e in events
            ],
            ["id"],
        )

    def actions(self) -> list[ActionStatus]:
        rows = self.session.scalars(
            select(CorporateActionEventRow).order_by(
                CorporateActionEventRow.effective, CorporateActionEventRow.id
            )
        )
        return [
            ActionStatus(
                CorporateActionEvent(
                    r.id,
                    ActionKind(r.kind),
                    r.security,
                    r.effective,
                    new_security=r.new_security,
                    ratio=r.ratio,
                    cash_per_share=r.cash_per_share,
                    basis_allocation=r.basis_allocation,
                    new_security_price=r.new_security_price,
                    new_cusip=r.new_cusip,
                ),
                r.source,
                _utc(r.applied_at) if r.applied_at else None,
                r.applied_by,
            )
            for r in rows
        ]

    def mark_applied(self, action: str, *, at: dt.datetime, actor: str) -> None:
        self.session.execute(
            update(CorporateActionEventRow)
            .where(CorporateActionEventRow.id == action)
            .values(applied_at=_utc(at), applied_by=actor)
        )

    def remove_risk_models(self, names: Collection[str], kind: FeedKind) -> None:
        row = {
            FeedKind.RISK_EXPOSURES: RiskExposureRow,
            FeedKind.RISK_COVARIANCE: FactorCovarianceRow,
            FeedKind.SPECIFIC_RISK: SpecificRiskRow,
        }[kind]
        self._delete_in(_table(row).c.model, names)

    def add_exposures(self, rows: Sequence[FactorExposure]) -> None:
        self._insert(
            RiskExposureRow,
            [
                {
                    "model": r.model,
                    "security": r.security,
                    "factor": r.factor,
                    "exposure": r.exposure,
                }
                for r in rows
            ],
        )

    def add_covariances(self, rows: Sequence[FactorCovariance]) -> None:
        self._insert(
            FactorCovarianceRow,
            [
                {"model": r.model, "factor": r.factor, "other": r.other, "covariance": r.covariance}
                for r in rows
            ],
        )

    def add_specific_risks(self, rows: Sequence[SpecificRisk]) -> None:
        self._insert(
            SpecificRiskRow,
            [{"model": r.model, "security": r.security, "variance": r.variance} for r in rows],
        )

    def risk_model_parts(
        self, name: str
    ) -> tuple[list[FactorExposure], list[FactorCovariance], list[SpecificRisk]]:
        exposures = [
            FactorExposure(r.model, r.security, r.factor, r.exposure)
            for r in self.session.scalars(
                select(RiskExposureRow)
                .where(RiskExposureRow.model == name)
                .order_by("security", "factor")
            )
        ]
        covariances = [
            FactorCovariance(r.model, r.factor, r.other, r.covariance)
            for r in self.session.scalars(
                select(FactorCovarianceRow).where(FactorCovarianceRow.model == name)
            )
        ]
        specific = [
            SpecificRisk(r.model, r.security, r.variance)
            for r in self.session.scalars(
                select(SpecificRiskRow).where(SpecificRiskRow.model == name).order_by("security")
            )
        ]
        return exposures, covariances, specific

    def holders(self, security: str) -> list[str]:
        lots = select(TaxLotRow.account_id).where(TaxLotRow.security == security)
        positions = select(CustodianPositionRow.account_id).where(
            CustodianPositionRow.security == security
        )
        return sorted(set(self.session.scalars(lots)) | set(self.session.scalars(positions)))

    def replace_data_errors(self, as_of: dt.date, errors: Sequence[DataError]) -> None:
        self.session.execute(delete(DataErrorRow))
        self._insert(DataErrorRow, [m.data_error_to_row(e, as_of) for e in errors])

    def data_errors(self, account: str | None = None) -> list[DataError]:
        query = select(DataErrorRow).order_by(DataErrorRow.account_id, DataErrorRow.id)
        if account is not None:
            query = query.where(DataErrorRow.account_id == account)
        return [
            DataError(r.account_id, ErrorCode(r.code), r.message, r.security)
            for r in self.session.scalars(query)
        ]


class SqlHoldRepository(_Sql):
    def note_unknown(self, ticker: str, *, first_seen: dt.date, source: str) -> None:
        if self.session.get(UnknownSecurityRow, ticker) is None:
            self.session.add(
                UnknownSecurityRow(ticker=ticker, first_seen=first_seen, source=source)
            )
            self.session.flush()

    def unknown(self, *, include_classified: bool = False) -> list[UnknownSecurity]:
        query = select(UnknownSecurityRow).order_by(UnknownSecurityRow.ticker)
        if not include_classified:
            query = query.where(UnknownSecurityRow.classified_at.is_(None))
        out: list[UnknownSecurity] = []
        for r in self.session.scalars(query):
            accounts = self.session.scalars(
                select(AccountHoldRow.account_id)
                .where(AccountHoldRow.cause == "unknown_security", AccountHoldRow.key == r.ticker)
                .distinct()
                .order_by(AccountHoldRow.account_id)
            )
            out.append(
                UnknownSecurity(
                    r.ticker,
                    r.first_seen,
                    r.source,
                    tuple(accounts),
                    _utc(r.classified_at) if r.classified_at else None,
                    r.classified_by,
                )
            )
        return out

    def mark_classified(self, ticker: str, *, at: dt.datetime, actor: str) -> None:
        self.session.execute(
            update(UnknownSecurityRow)
            .where(UnknownSecurityRow.ticker == ticker)
            .values(classified_at=_utc(at), classified_by=actor)
        )

    def hold(self, hold: AccountHold) -> bool:
        active = self.session.scalar(
            select(AccountHoldRow.id).where(
                AccountHoldRow.account_id == hold.account,
                AccountHoldRow.cause == hold.cause,
                AccountHoldRow.key == hold.key,
                AccountHoldRow.released_at.is_(None),
            )
        )
        if active is not None:
            return False
        account = self.session.get(AccountRow, hold.account)
        if account is None:
            raise ValueError(f"cannot hold unknown account {hold.account}")
        prior = self._prior_status(hold.account, account.status)
        self.session.add(
            AccountHoldRow(
                account_id=hold.account,
                cause=hold.cause,
                key=hold.key,
                reason=hold.reason[:500],
                since=_utc(hold.since),
                prior_status=prior,
            )
        )
        if account.status == AccountStatus.OPEN.value:
            account.status = AccountStatus.SUSPENDED.value
        self.session.flush()
        return True

    def _prior_status(self, account: str, current: str) -> str:
        # Under an earlier hold the account shows "suspended"; what a release must restore
        # is the status before the first hold.
        earlier = self.session.scalar(
            select(AccountHoldRow.prior_status)
            .where(AccountHoldRow.account_id == account, AccountHoldRow.released_at.is_(None))
            .order_by(AccountHoldRow.id)
        )
        return earlier or current

    def release(
        self, cause: str, key: str, *, at: dt.datetime, accounts: Collection[str] | None = None
    ) -> list[str]:
        query = select(AccountHoldRow).where(
            AccountHoldRow.cause == cause,
            AccountHoldRow.key == key,
            AccountHoldRow.released_at.is_(None),
        )
        if accounts is not None:
            query = query.where(AccountHoldRow.account_id.in_(sorted(accounts)))
        released: list[str] = []
        for row in self.session.scalars(query).all():
            row.released_at = _utc(at)
            released.append(row.account_id)
            self.session.flush()
            still = self.session.scalar(
                select(AccountHoldRow.id).where(
                    AccountHoldRow.account_id == row.account_id,
                    AccountHoldRow.released_at.is_(None),
                )
            )
            account = self.session.get(AccountRow, row.account_id)
            if (
                still is None
                and account is not None
                and account.status == AccountStatus.SUSPENDED.value
            ):
                account.status = row.prior_status
        self.session.flush()
        return sorted(set(released))

    def active(self, cause: str | None = None) -> list[AccountHold]:
        query = select(AccountHoldRow).where(AccountHoldRow.released_at.is_(None))
        if cause is not None:
            query = query.where(AccountHoldRow.cause == cause)
        return [
            AccountHold(r.account_id, r.cause, r.key, r.reason, _utc(r.since))
            for r in self.session.scalars(
                query.order_by(AccountHoldRow.account_id, AccountHoldRow.id)
            )
        ]
