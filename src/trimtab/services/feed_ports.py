"""Ports for data management: feed files in, and the records loads, holds and alerts leave.

The use cases in `load_feed`, `corporate_action_processing`, `security_master`,
`synchronization`, `file_monitoring` and `data_quality` see only these protocols:
`trimtab.feeds` implements `FeedFile` (a CSV or Parquet file, canonical or mapped),
`trimtab.store` the repositories, and unit tests use in-memory fakes.

    with uow:
        if uow.feed_loads.accepted(file.checksum) is None:
            uow.feed_data.add_prices(chunk)
            uow.feed_loads.record(load)
            uow.commit()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from trimtab.domain.corporate_action_events import CorporateActionEvent
from trimtab.domain.data_quality import DataError
from trimtab.domain.feed_records import (
    AccountOnboarding,
    CustodianPosition,
    FeedKind,
    FeedRow,
    FileProblem,
    LotSnapshot,
    NumberLimit,
    ReportedLot,
)
from trimtab.domain.file_transfers import ArrivalOutcome, ExpectedFile
from trimtab.domain.holdings import CashBalance, TaxLot
from trimtab.domain.restrictions import Restriction
from trimtab.domain.risk_model import FactorCovariance, FactorExposure, SpecificRisk
from trimtab.domain.securities import Price, Security
from trimtab.domain.trade_history import TradeRecord
from trimtab.services.model_ports import ModelBookRepository
from trimtab.services.ports import UnitOfWork

__all__ = [
    "AccountHold",
    "ActionStatus",
    "Alert",
    "DataUnitOfWork",
    "FeedDataRepository",
    "FeedFile",
    "FeedLoad",
    "FeedLoadRepository",
    "HoldRepository",
    "UnknownSecurity",
]


class FeedFile(Protocol):
    """A file to load: its name, kind, source, content checksum and its rows, re-readable."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> FeedKind: ...
    @property
    def source(self) -> str: ...
    @property
    def checksum(self) -> str: ...
    @property
    def snapshot(self) -> LotSnapshot:
        """What a lots file replaces (its source's mapping says; ignored for other kinds)."""
        ...

    def rows(self) -> Iterator[FeedRow]: ...


@dataclass(frozen=True, slots=True)
class FeedLoad:
    """The record of one file's arrival: what it was, what happened, and the report."""

    source: str
    feed: str
    filename: str
    checksum: str
    outcome: ArrivalOutcome
    received_at: dt.datetime
    actor: str
    rows: int = 0
    problems: tuple[FileProblem, ...] = ()
    notes: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    day: dt.date
    kind: str  # late, missing, malformed, duplicate, desynchronized, unknown_security
    subject: str
    message: str
    raised_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AccountHold:
    """Why an account is held out of trading; released when the cause clears."""

    account: str
    cause: str  # unknown_security, corporate_action
    key: str  # the ticker or the corporate action's id
    reason: str
    since: dt.datetime
    released_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class UnknownSecurity:
    ticker: str
    first_seen: dt.date
    source: str
    accounts: tuple[str, ...] = ()
    classified_at: dt.datetime | None = None
    classified_by: str | None = None


@dataclass(frozen=True, slots=True)
class ActionStatus:
    event: CorporateActionEvent
    source: str
    applied_at: dt.datetime | None = None
    applied_by: str | None = None


class FeedLoadRepository(Protocol):
    def accepted(self, checksum: str) -> FeedLoad | None:
        """The loaded file with this content, if any."""
        ...

    def record(self, load: FeedLoad) -> int: ...
    def received_between(self, start: dt.datetime, end: dt.datetime) -> list[FeedLoad]: ...
    def set_expected(self, source: str, files: Sequence[ExpectedFile], timezone: str) -> None:
        """Replace the source's expected files."""
        ...

    def expected(self) -> list[tuple[ExpectedFile, str]]:
        """Every expected file with its source's time zone name."""
        ...

    def raise_alert(self, alert: Alert) -> bool:
        """Record the alert unless the same (day, kind, subject) was raised; True if new."""
        ...

    def alerts(self, day: dt.date) -> list[Alert]: ...


class FeedDataRepository(Protocol):
    """Bulk writes for each feed kind, inside the caller's transaction."""

    def account_ids(self) -> set[str]: ...
    def tickers(self) -> set[str]: ...
    def asset_class_ids(self) -> set[str]: ...
    def number_limits(self, kind: FeedKind) -> dict[str, NumberLimit]:
        """What each number column of `kind` can hold: checked before anything is written."""
        ...

    def organization_ids(self) -> dict[str, set[str]]:
        """The ids of the firm's advisors, branches and programs, by "advisor", "branch",
        "program"."""
        ...

    def lots_of(self, accounts: Collection[str] | None = None) -> list[TaxLot]:
        """The stored lots of `accounts` (of the whole firm for None)."""
        ...

    def lot_count(self) -> int: ...
    def onboard(self, rows: Sequence[AccountOnboarding]) -> None:
        """Create or update the rows' advisors, households, tax profiles and accounts."""
        ...

    def upsert_securities(self, securities: Sequence[Security]) -> None: ...
    def upsert_prices(self, prices: Sequence[Price]) -> None: ...
    def remove_lots(self, accounts: Collection[str]) -> None: ...
    def add_lots(self, lots: Sequence[ReportedLot]) -> None: ...
    def unknown_basis(self, account: str) -> set[str]: ...
    def replace_positions(self, accounts: Collection[str]) -> None: ...
    def add_positions(self, positions: Sequence[CustodianPosition]) -> None: ...
    def positions(self, account: str) -> dict[str, Decimal] | None:
        """The custodian's last positions of the account; None if it never sent any."""
        ...

    def add_trades(self, trades: Sequence[TradeRecord]) -> None: ...
    def set_cash(self, balances: Sequence[CashBalance]) -> None: ...
    def upsert_restrictions(self, restrictions: Sequence[Restriction]) -> None: ...
    def all_restrictions(self) -> list[Restriction]: ...
    def replace_restrictions_of(self, security: str, restrictions: Sequence[Restriction]) -> None:
        """Replace every restriction naming `security` (and its successors) with these."""
        ...

    def add_actions(self, events: Sequence[CorporateActionEvent], source: str) -> None: ...
    def actions(self) -> list[ActionStatus]: ...
    def mark_applied(self, action: str, *, at: dt.datetime, actor: str) -> None: ...
    def remove_risk_models(self, names: Collection[str], kind: FeedKind) -> None: ...
    def add_exposures(self, rows: Sequence[FactorExposure]) -> None: ...
    def add_covariances(self, rows: Sequence[FactorCovariance]) -> None: ...
    def add_specific_risks(self, rows: Sequence[SpecificRisk]) -> None: ...
    def risk_model_parts(
        self, name: str
    ) -> tuple[list[FactorExposure], list[FactorCovariance], list[SpecificRisk]]: ...
    def holders(self, security: str) -> list[str]:
        """Accounts with lots or custodian positions in `security`."""
        ...

    def replace_data_errors(self, as_of: dt.date, errors: Sequence[DataError]) -> None:
        """The day's data errors replace every account's previous ones."""
        ...

    def data_errors(self, account: str | None = None) -> list[DataError]: ...


class HoldRepository(Protocol):
    """Unknown securities and the holds that keep accounts out of trading."""

    def note_unknown(self, ticker: str, *, first_seen: dt.date, source: str) -> None: ...
    def unknown(self, *, include_classified: bool = False) -> list[UnknownSecurity]: ...
    def mark_classified(self, ticker: str, *, at: dt.datetime, actor: str) -> None: ...
    def hold(self, hold: AccountHold) -> bool:
        """Hold (suspend) the account unless the same cause and key do already; True if new."""
        ...

    def release(
        self, cause: str, key: str, *, at: dt.datetime, accounts: Collection[str] | None = None
    ) -> list[str]:
        """Release the active holds of (cause, key) — of `accounts` only, if given; reopen
        an account when no other hold remains. The accounts released."""
        ...

    def active(self, cause: str | None = None, *, account: str | None = None) -> list[AccountHold]:
        """Holds not released, of one cause and of one account when given."""
        ...


class DataUnitOfWork(UnitOfWork, Protocol):
    @property
    def feed_loads(self) -> FeedLoadRepository: ...
    @property
    def feed_data(self) -> FeedDataRepository: ...
    @property
    def holds(self) -> HoldRepository: ...
    @property
    def model_book(self) -> ModelBookRepository: ...
