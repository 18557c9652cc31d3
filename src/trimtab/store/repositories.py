"""SQLAlchemy implementations of the repository ports in `trimtab.services.ports`.

Each repository works inside the session its unit of work owns: it adds rows and reads
them back as domain values, and never commits. Reads return plain frozen values, so
nothing a service holds is tied to a session.

    >>> # with uow: uow.securities.add(Security("AAPL")); uow.commit()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from trimtab.domain import (
    Account,
    Advisor,
    AssetAllocation,
    AssetClass,
    Branch,
    CashBalance,
    Firm,
    Household,
    Model,
    Price,
    Program,
    Restriction,
    Security,
    TaxLot,
    TaxProfile,
    TradeRecord,
)
from trimtab.store import mapping as m
from trimtab.store.tables import (
    AccountRow,
    AdvisorRow,
    AllocationWeightRow,
    AssetAllocationRow,
    AssetClassRow,
    BranchRow,
    CashBalanceRow,
    FirmRow,
    HouseholdRow,
    ModelRow,
    ModelWeightRow,
    PriceRow,
    ProgramRow,
    RestrictionRow,
    SecurityRow,
    TaxLotRow,
    TaxProfileRow,
    TransactionRow,
)

__all__ = [
    "SqlAccountRepository",
    "SqlAssetClassRepository",
    "SqlCashRepository",
    "SqlHouseholdRepository",
    "SqlLotRepository",
    "SqlOrganizationRepository",
    "SqlPriceRepository",
    "SqlRestrictionRepository",
    "SqlSecurityRepository",
    "SqlTargetRepository",
    "SqlTradeHistoryRepository",
]


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _add(self, row: object) -> None:
        # Rows carry no ORM relationships, so the session cannot order INSERTs by foreign
        # key on its own; flushing each add keeps the order the use case wrote them in.
        self.session.add(row)
        self.session.flush()


class SqlOrganizationRepository(_Repository):
    def add_firm(self, firm: Firm) -> None:
        self._add(FirmRow(**m.firm_to_row(firm)))

    def add_program(self, program: Program) -> None:
        self._add(ProgramRow(**m.program_to_row(program)))

    def add_branch(self, branch: Branch) -> None:
        self._add(BranchRow(**m.branch_to_row(branch)))

    def add_advisor(self, advisor: Advisor) -> None:
        self._add(AdvisorRow(**m.advisor_to_row(advisor)))

    def firms(self) -> list[Firm]:
        return [m.firm_from_row(r) for r in self.session.scalars(select(FirmRow).order_by("id"))]

    def programs(self) -> list[Program]:
        rows = self.session.scalars(select(ProgramRow).order_by("id"))
        return [m.program_from_row(r) for r in rows]

    def branches(self) -> list[Branch]:
        rows = self.session.scalars(select(BranchRow).order_by("id"))
        return [m.branch_from_row(r) for r in rows]

    def advisors(self) -> list[Advisor]:
        rows = self.session.scalars(select(AdvisorRow).order_by("id"))
        return [m.advisor_from_row(r) for r in rows]

    def advisor(self, id: str) -> Advisor | None:
        row = self.session.get(AdvisorRow, id)
        return m.advisor_from_row(row) if row else None


class SqlAssetClassRepository(_Repository):
    def add(self, asset_class: AssetClass) -> None:
        self._add(AssetClassRow(**m.asset_class_to_row(asset_class)))
        # A child may be added right after its parent in one unit of work.
        self.session.flush()

    def get(self, id: str) -> AssetClass | None:
        row = self.session.get(AssetClassRow, id)
        return m.asset_class_from_row(row) if row else None

    def list(self) -> list[AssetClass]:
        rows = self.session.scalars(select(AssetClassRow).order_by("id"))
        return [m.asset_class_from_row(r) for r in rows]


class SqlSecurityRepository(_Repository):
    def add(self, security: Security) -> None:
        self._add(SecurityRow(**m.security_to_row(security)))

    def get(self, ticker: str) -> Security | None:
        row = self.session.get(SecurityRow, ticker)
        return m.security_from_row(row) if row else None

    def list(self) -> list[Security]:
        # Plain rows, not ORM instances: the whole master is read on every account page
        # and preview, where the instances' bookkeeping cost more than the query.
        rows = self.session.execute(select(*SecurityRow.__table__.columns).order_by("ticker"))
        return [m.security_from_row(r) for r in rows]  # type: ignore[arg-type]


class SqlPriceRepository(_Repository):
    def add(self, price: Price) -> None:
        self._add(PriceRow(**m.price_to_row(price)))

    def on(self, ticker: str, date: dt.date) -> Price | None:
        row = self.session.get(PriceRow, (ticker, date))
        return m.price_from_row(row) if row else None

    def latest(self, tickers: Iterable[str], as_of: dt.date) -> dict[str, Price]:
        wanted = sorted(set(tickers))
        if not wanted:
            return {}
        # Each known security's last day by its own (security, date) index, one look-up
        # each: grouping every close of the wanted securities to find their last read
        # years of history (a direct index's 300 holdings: 41 ms; this way under 2 ms).
        last_day = (
            select(func.max(PriceRow.date))
            .where(PriceRow.security == SecurityRow.ticker, PriceRow.date <= as_of)
            .scalar_subquery()
        )
        last = (
            select(SecurityRow.ticker.label("security"), last_day.label("date"))
            .where(SecurityRow.ticker.in_(wanted))
            .subquery()
        )
        # Every price is of a security of the master (a foreign key), so none is missed.
        rows = self.session.scalars(
            select(PriceRow).join(
                last, and_(PriceRow.security == last.c.security, PriceRow.date == last.c.date)
            )
        )
        return {r.security: m.price_from_row(r) for r in rows}

    def history(self, ticker: str, start: dt.date, end: dt.date) -> list[Price]:
        rows = self.session.scalars(
            select(PriceRow)
            .where(PriceRow.security == ticker, PriceRow.date.between(start, end))
            .order_by(PriceRow.date)
        )
        return [m.price_from_row(r) for r in rows]


class SqlHouseholdRepository(_Repository):
    def add(self, household: Household) -> None:
        self._add(HouseholdRow(**m.household_to_row(household)))

    def get(self, id: str) -> Household | None:
        row = self.session.get(HouseholdRow, id)
        return m.household_from_row(row) if row else None

    def set_tax_profile(self, profile: TaxProfile) -> None:
        self.session.merge(TaxProfileRow(**m.tax_profile_to_row(profile)))
        self.session.flush()

    def tax_profile(self, household: str) -> TaxProfile | None:
        row = self.session.get(TaxProfileRow, household)
        return m.tax_profile_from_row(row) if row else None


class SqlAccountRepository(_Repository):
    def add(self, account: Account) -> None:
        self._add(AccountRow(**m.account_to_row(account)))

    def get(self, id: str) -> Account | None:
        row = self.session.get(AccountRow, id)
        return m.account_from_row(row) if row else None

    def save(self, account: Account) -> None:
        self.session.merge(AccountRow(**m.account_to_row(account)))
        self.session.flush()

    def in_household(self, household: str) -> list[Account]:
        rows = self.session.scalars(
            select(AccountRow).where(AccountRow.household_id == household).order_by("id")
        )
        return [m.account_from_row(r) for r in rows]

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AccountRow)) or 0


class SqlLotRepository(_Repository):
    def add(self, lot: TaxLot) -> None:
        self._add(TaxLotRow(**m.lot_to_row(lot)))

    def for_account(self, account: str) -> list[TaxLot]:
        rows = self.session.scalars(
            select(TaxLotRow)
            .where(TaxLotRow.account_id == account)
            .order_by(TaxLotRow.security, TaxLotRow.acquired, TaxLotRow.id)
        )
        return [m.lot_from_row(r) for r in rows]

    def remove(self, lot_id: str) -> None:
        self.session.execute(delete(TaxLotRow).where(TaxLotRow.id == lot_id))


class SqlCashRepository(_Repository):
    def set(self, balance: CashBalance) -> None:
        self.session.merge(CashBalanceRow(**m.cash_to_row(balance)))
        self.session.flush()

    def get(self, account: str) -> CashBalance | None:
        row = self.session.get(CashBalanceRow, account)
        return m.cash_from_row(row) if row else None


class SqlRestrictionRepository(_Repository):
    def add(self, restriction: Restriction) -> None:
        self._add(RestrictionRow(**m.restriction_to_row(restriction)))

    def applicable(self, account: Account, *, firm: str) -> list[Restriction]:
        scopes = [("firm", firm), ("household", account.household), ("account", account.id)]
        if account.program:
            scopes.append(("program", account.program))
        rows = self.session.scalars(
            select(RestrictionRow)
            .where(
                or_(
                    *(
                        and_(RestrictionRow.level == level, RestrictionRow.scope == scope)
                        for level, scope in scopes
                    )
                )
            )
            .order_by(RestrictionRow.id)
        )
        return [m.restriction_from_row(r) for r in rows]


class SqlTradeHistoryRepository(_Repository):
    def add(self, trade: TradeRecord) -> None:
        self._add(TransactionRow(**m.trade_to_row(trade)))

    def in_household_since(self, household: str, since: dt.date) -> list[TradeRecord]:
        rows = self.session.scalars(
            select(TransactionRow)
            .join(AccountRow, AccountRow.id == TransactionRow.account_id)
            .where(AccountRow.household_id == household, TransactionRow.trade_date >= since)
            .order_by(TransactionRow.trade_date, TransactionRow.id)
        )
        return [m.trade_from_row(r) for r in rows]


class SqlTargetRepository(_Repository):
    def add_allocation(self, allocation: AssetAllocation) -> None:
        self._add(AssetAllocationRow(id=allocation.id, name=allocation.name))
        for values in m.allocation_weights_to_rows(allocation):
            self._add(AllocationWeightRow(**values))

    def allocation(self, id: str) -> AssetAllocation | None:
        row = self.session.get(AssetAllocationRow, id)
        return m.allocation_from_row(row, self._allocation_weights(id)) if row else None

    def allocations(self) -> list[AssetAllocation]:
        rows = self.session.scalars(select(AssetAllocationRow).order_by("id"))
        return [m.allocation_from_row(r, self._allocation_weights(r.id)) for r in rows]

    def add_model(self, model: Model) -> None:
        self._add(ModelRow(id=model.id, name=model.name))
        for values in m.model_weights_to_rows(model):
            self._add(ModelWeightRow(**values))

    def model(self, id: str) -> Model | None:
        row = self.session.get(ModelRow, id)
        if row is None:
            return None
        weights = self.session.execute(
            select(ModelWeightRow.security, ModelWeightRow.weight).where(
                ModelWeightRow.model_id == id
            )
        )
        return m.model_from_row(row, dict(weights.all()))

    def _allocation_weights(self, id: str) -> dict[str, Decimal]:
        weights = self.session.execute(
            select(AllocationWeightRow.asset_class_id, AllocationWeightRow.weight).where(
                AllocationWeightRow.allocation_id == id
            )
        )
        return dict(weights.all())
