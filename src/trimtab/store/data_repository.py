"""SQLAlchemy implementations of the data-management ports (`services.feed_ports`).

Feed writes go through Core statements with many parameter sets, in slices of
`CHUNK_ROWS`, never row by row through the ORM: a lots file for 100,000 accounts is a
million rows. "Upsert" (securities, prices, restrictions) is INSERT ... ON CONFLICT DO
UPDATE, which SQLite and PostgreSQL spell the same way. Nothing here commits.

`NUMBER_COLUMNS` says which table column each number of a feed is written to; the
limits a load checks before writing (`number_limits`) are read from those columns'
NUMERIC(p, s), so a wider or narrower column changes the check with it.

    >>> # with uow: uow.feed_data.upsert_prices(chunk); uow.commit()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from trimtab.domain.accounts import AccountStatus
from trimtab.domain.corporate_action_events import ActionKind, CorporateActionEvent
from trimtab.domain.data_quality import DataError, ErrorCode
from trimtab.domain.feed_records import (
    AccountOnboarding,
    CustodianPosition,
    FeedKind,
    FileProblem,
    NumberLimit,
    ReportedLot,
)
from trimtab.domain.file_transfers import ArrivalOutcome, ExpectedFile
from trimtab.domain.holdings import CashBalance, TaxLot
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
    AdvisorRow,
    AssetClassRow,
    BranchRow,
    CashBalanceRow,
    HouseholdRow,
    PriceRow,
    ProgramRow,
    RestrictionRow,
    SecurityRow,
    TaxLotRow,
    TaxProfileRow,
    TransactionRow,
)
from trimtab.store.types import ExactDecimal

__all__ = [
    "NUMBER_COLUMNS",
    "SqlFeedDataRepository",
    "SqlFeedLoadRepository",
    "SqlHoldRepository",
]

CHUNK_ROWS = 10_000

# Feed kind -> canonical column -> the table column its numbers are stored in.
NUMBER_COLUMNS: dict[FeedKind, dict[str, Any]] = {
    FeedKind.PRICES: {"close": PriceRow.close},
    FeedKind.LOTS: {
        "quantity": TaxLotRow.quantity,
        "cost_basis": TaxLotRow.cost_basis,
        "wash_sale_adjustment": TaxLotRow.wash_sale_adjustment,
    },
    FeedKind.POSITIONS: {"quantity": CustodianPositionRow.quantity},
    FeedKind.TRANSACTIONS: {
        "quantity": TransactionRow.quantity,
        "price": TransactionRow.price,
        "realized_gain": TransactionRow.realized_gain,
    },
    FeedKind.CASH: {"amount": CashBalanceRow.amount},
    FeedKind.CORPORATE_ACTIONS: {
        "ratio": CorporateActionEventRow.ratio,
        "cash_per_share": CorporateActionEventRow.cash_per_share,
        "basis_allocation": CorporateActionEventRow.basis_allocation,
        "new_security_price": CorporateActionEventRow.new_security_price,
    },
    FeedKind.ACCOUNTS: {
        "short_term_rate": TaxProfileRow.short_term_rate,
        "long_term_rate": TaxProfileRow.long_term_rate,
        "realized_short_ytd": TaxProfileRow.realized_short_ytd,
        "realized_long_ytd": TaxProfileRow.realized_long_ytd,
        "loss_carryforward": TaxProfileRow.loss_carryforward,
    },
}


def number_limits(kind: FeedKind) -> dict[str, NumberLimit]:
    """The limits of each number column of a feed kind, read from its table columns."""
    limits: dict[str, NumberLimit] = {}
    for name, attribute in NUMBER_COLUMNS.get(kind, {}).items():
        kind_of_column = attribute.property.columns[0].type
        if isinstance(kind_of_column, ExactDecimal):
            limits[name] = NumberLimit(kind_of_column.precision, kind_of_column.scale)
    return limits


def _table(row: type[Any]) -> Table:
    table: Table = row.__table__
    return table


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
            received_at=m.as_utc(load.received_at),
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
            .where(
                FeedLoadRow.received_at >= m.as_utc(start), FeedLoadRow.received_at < m.as_utc(end)
            )
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
                raised_at=m.as_utc(alert.raised_at),
            )
        )
        self.session.flush()
        return True

    def alerts(self, day: dt.date) -> list[Alert]:
        rows = self.session.scalars(
            select(AlertRow).where(AlertRow.day == day).order_by(AlertRow.id)
        )
        return [Alert(r.day, r.kind, r.subject, r.message, m.as_utc(r.raised_at)) for r in rows]


def _account_values(row: AccountOnboarding, stored: AccountRow | None) -> dict[str, Any]:
    """The account's full row: the file's fields over the stored ones (or the defaults)."""
    given: dict[str, Any] = {
        "household_id": row.household,
        "tax_status": row.tax_status.value,
        "name": row.name,
        "advisor_id": row.advisor,
        "branch_id": row.branch,
        "program_id": row.program,
        "tier": row.tier,
        "status": row.status.value if row.status is not None else None,
        "discretionary": row.discretionary,
        "approved_for_trading": row.approved_for_trading,
    }
    if stored is None:
        base: dict[str, Any] = {
            "name": "",
            "status": AccountStatus.OPEN.value,
            "discretionary": True,
            "approved_for_trading": True,
            "tier": None,
            "advisor_id": None,
            "branch_id": None,
            "program_id": None,
            "target_id": None,
            "fields": {},
        }
    else:
        base = {
            c: getattr(stored, c)
            for c in (
                "name",
                "status",
                "discretionary",
                "approved_for_trading",
                "tier",
                "advisor_id",
                "branch_id",
                "program_id",
                "target_id",
                "fields",
            )
        }
        if stored.status == AccountStatus.SUSPENDED.value and row.status is AccountStatus.OPEN:
            # A held account stays suspended until its holds are released; the file's
            # "open" is what a release will restore, not a way around the hold.
            given["status"] = None
    return {"id": row.account, **base, **{k: v for k, v in given.items() if v is not None}}


def _load(row: FeedLoadRow) -> FeedLoad:
    return FeedLoad(
        source=row.source,
        feed=row.feed,
        filename=row.filename,
        checksum=row.checksum,
        outcome=ArrivalOutcome(row.outcome),
        received_at=m.as_utc(row.received_at),
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

    def number_limits(self, kind: FeedKind) -> dict[str, NumberLimit]:
        return number_limits(kind)

    def organization_ids(self) -> dict[str, set[str]]:
        return {
            "advisor": set(self.session.scalars(select(AdvisorRow.id))),
            "branch": set(self.session.scalars(select(BranchRow.id))),
            "program": set(self.session.scalars(select(ProgramRow.id))),
        }

    def lots_of(self, accounts: Collection[str] | None = None) -> list[TaxLot]:
        query = select(TaxLotRow).order_by(TaxLotRow.account_id, TaxLotRow.id)
        if accounts is None:
            return [m.lot_from_row(r) for r in self.session.scalars(query)]
        items = sorted(accounts)
        found: list[TaxLot] = []
        for start in range(0, len(items), 500):
            part = query.where(TaxLotRow.account_id.in_(items[start : start + 500]))
            found += [m.lot_from_row(r) for r in self.session.scalars(part)]
        return found

    def lot_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(TaxLotRow)) or 0

    def onboard(self, rows: Sequence[AccountOnboarding]) -> None:
        """Create or update the advisors, households, tax profiles and accounts of `rows`;
        a field a row leaves None keeps its stored value (or the new account's default)."""
        advisors = {
            r.advisor: {"id": r.advisor, "name": r.advisor_name, "branch_id": r.branch}
            for r in rows
            if r.advisor is not None and r.advisor_name is not None
        }
        self._upsert(AdvisorRow, list(advisors.values()), ["id"])
        stored = set(
            self.session.scalars(
                select(HouseholdRow.id).where(HouseholdRow.id.in_({r.household for r in rows}))
            )
        )
        named = {r.household: r.household_name for r in rows if r.household_name is not None}
        fresh = {r.household for r in rows} - stored
        self._insert(HouseholdRow, [{"id": h, "name": named.get(h, "")} for h in sorted(fresh)])
        for household, name in sorted(named.items()):
            if household in stored:
                self.session.execute(
                    update(HouseholdRow).where(HouseholdRow.id == household).values(name=name)
                )
        profiles = {
            r.household: {
                "household_id": r.household,
                "short_term_rate": p.short_term_rate,
                "long_term_rate": p.long_term_rate,
                "realized_short_ytd": p.realized_short_ytd,
                "realized_long_ytd": p.realized_long_ytd,
                "loss_carryforward": p.loss_carryforward,
            }
            for r in rows
            if (p := r.tax_profile) is not None
        }
        self._upsert(TaxProfileRow, list(profiles.values()), ["household_id"])
        existing = {
            a.id: a
            for a in self.session.scalars(
                select(AccountRow).where(AccountRow.id.in_({r.account for r in rows}))
            )
        }
        accounts = [_account_values(r, existing.get(r.account)) for r in rows]
        self._upsert(AccountRow, accounts, ["id"])

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
                m.as_utc(r.applied_at) if r.applied_at else None,
                r.applied_by,
            )
            for r in rows
        ]

    def mark_applied(self, action: str, *, at: dt.datetime, actor: str) -> None:
        self.session.execute(
            update(CorporateActionEventRow)
            .where(CorporateActionEventRow.id == action)
            .values(applied_at=m.as_utc(at), applied_by=actor)
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
                    m.as_utc(r.classified_at) if r.classified_at else None,
                    r.classified_by,
                )
            )
        return out

    def mark_classified(self, ticker: str, *, at: dt.datetime, actor: str) -> None:
        self.session.execute(
            update(UnknownSecurityRow)
            .where(UnknownSecurityRow.ticker == ticker)
            .values(classified_at=m.as_utc(at), classified_by=actor)
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
                since=m.as_utc(hold.since),
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
            row.released_at = m.as_utc(at)
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

    def active(self, cause: str | None = None, *, account: str | None = None) -> list[AccountHold]:
        query = select(AccountHoldRow).where(AccountHoldRow.released_at.is_(None))
        if cause is not None:
            query = query.where(AccountHoldRow.cause == cause)
        if account is not None:
            query = query.where(AccountHoldRow.account_id == account)
        return [
            AccountHold(r.account_id, r.cause, r.key, r.reason, m.as_utc(r.since))
            for r in self.session.scalars(
                query.order_by(AccountHoldRow.account_id, AccountHoldRow.id)
            )
        ]
