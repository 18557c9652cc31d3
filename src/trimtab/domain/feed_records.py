"""Feed records: what one row of a data feed means, and what is wrong with a row.

Problem: a firm sends trimtab a dozen kinds of files every morning (security master,
prices, tax lots, custodian positions, transactions, cash, corporate actions,
restriction lists, provider model weights, and a risk model in three parts). Each row,
whatever its layout on disk, must become one domain value, and every row that cannot
must be reported with the file, row, column, the value found and what was expected, so
the data manager fixes the file without reading code.

Rule: a `FeedKind` names the kind of file; each kind's rows become the domain value in
`RECORD_OF` (a lot row is a `ReportedLot`, since custodians do send lots whose basis
they do not know). A `FileProblem` is the one shape every finding takes; `row` 0 is the
file itself (its encoding, header or end), row 1 the header, data from row 2 — the line
numbers a spreadsheet shows.

Three rules say what a file may do to the store, whatever its layout:
- `AccountOnboarding` (kind `accounts`) creates or updates an account, its household and
  the household's tax profile, and the advisor it names; a blank column keeps what the
  firm has (or the default, for a new account).
- A lots file is a snapshot (`LotSnapshot`): of the accounts in it (the default) or of
  the whole firm (an account absent from the file loses its lots). A file that would
  remove more than `max_removed_share` of the firm's lots is refused unless forced;
  `LotChange` is what one account would gain and lose.
- A number must fit the column it is written to (`NumberLimit`): the store keeps
  NUMERIC(p, s), and on SQLite a double (15 significant digits); a value it would round
  or could not hold is a problem, never silently changed.

    >>> str(FileProblem("lots.csv", 7, "quantity", "12,5", "a number like 12.5"))
    "lots.csv row 7, column quantity: got '12,5', expected a number like 12.5"
    >>> str(FileProblem("lots.csv", 0, "", "", "UTF-8 text"))
    "lots.csv: got '', expected UTF-8 text"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.accounts import AccountStatus, TaxProfile, TaxStatus
from trimtab.domain.corporate_action_events import CorporateActionEvent
from trimtab.domain.echo import quote_input, show_input
from trimtab.domain.holdings import CashBalance, TaxLot
from trimtab.domain.restrictions import Restriction
from trimtab.domain.risk_model import FactorCovariance, FactorExposure, SpecificRisk
from trimtab.domain.securities import Price, Security
from trimtab.domain.trade_history import TradeRecord

__all__ = [
    "AccountOnboarding",
    "CustodianPosition",
    "FeedKind",
    "FeedRecord",
    "FeedRow",
    "FileProblem",
    "LotChange",
    "LotSnapshot",
    "ModelWeight",
    "NumberLimit",
    "ReportedLot",
    "SnapshotScope",
    "lot_changes",
    "numbers_of",
]


class FeedKind(StrEnum):
    SECURITIES = "securities"
    PRICES = "prices"
    LOTS = "lots"
    POSITIONS = "positions"
    TRANSACTIONS = "transactions"
    CASH = "cash"
    CORPORATE_ACTIONS = "corporate_actions"
    RESTRICTIONS = "restrictions"
    MODEL_WEIGHTS = "model_weights"
    RISK_EXPOSURES = "risk_exposures"
    RISK_COVARIANCE = "risk_covariance"
    SPECIFIC_RISK = "specific_risk"
    ACCOUNTS = "accounts"  # onboarding: accounts, households, advisors, tax profiles


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One thing wrong with a file: where (row and column), what was found, what was expected."""

    file: str
    row: int  # 0: the file as a whole; 1: the header; data rows from 2
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        # The file name, column and value come from the file: escaped and cut (echo.py).
        where = show_input(self.file)
        if self.row != 0:
            where += f" row {self.row}"
        if self.column:
            where += f", column {show_input(self.column)}"
        return f"{where}: got {quote_input(self.value)}, expected {self.expected}"

    def as_dict(self) -> dict[str, str | int]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
        }


@dataclass(frozen=True, slots=True)
class ReportedLot:
    """A tax lot as the custodian reports it; `basis_known` False when the basis was blank.

    A lot with an unknown basis is still held (its shares are real), with basis 0, and
    becomes the data error `missing_cost_basis` on its account until a basis arrives.
    """

    lot: TaxLot
    basis_known: bool = True


@dataclass(frozen=True, slots=True)
class CustodianPosition:
    """The custodian's own count of an account's shares: what the lots must add up to."""

    account: str
    security: str
    quantity: Decimal
    as_of: dt.date


@dataclass(frozen=True, slots=True)
class ModelWeight:
    """One line of a provider's model file: `weight` of `security` in `model`."""

    provider: str
    model: str
    security: str
    weight: Decimal
    name: str = ""


@dataclass(frozen=True, slots=True)
class AccountOnboarding:
    """One row of an onboarding file: an account, with its household and advisor.

    None means "not in the file": an existing account keeps what it has, a new one gets
    the default (open, discretionary, approved for trading). The household's tax
    profile, when given, replaces the household's; several accounts of one household
    must agree on its name and profile.
    """

    account: str
    household: str
    tax_status: TaxStatus
    name: str | None = None
    household_name: str | None = None
    advisor: str | None = None
    advisor_name: str | None = None
    branch: str | None = None
    program: str | None = None
    tier: str | None = None
    status: AccountStatus | None = None
    discretionary: bool | None = None
    approved_for_trading: bool | None = None
    tax_profile: TaxProfile | None = None


FeedRecord = (
    Security
    | Price
    | ReportedLot
    | CustodianPosition
    | TradeRecord
    | CashBalance
    | CorporateActionEvent
    | Restriction
    | ModelWeight
    | FactorExposure
    | FactorCovariance
    | SpecificRisk
    | AccountOnboarding
)


class SnapshotScope(StrEnum):
    ACCOUNTS = "accounts"  # the accounts in the file; the others keep their lots
    FIRM = "firm"  # the whole firm: an account absent from the file loses its lots


@dataclass(frozen=True, slots=True)
class LotSnapshot:
    """What a lots file replaces, as its source's mapping declares it.

    >>> LotSnapshot().refuses(removed=30, held=100), LotSnapshot().refuses(removed=20, held=100)
    (True, False)
    """

    scope: SnapshotScope = SnapshotScope.ACCOUNTS
    max_removed_share: Decimal = Decimal("0.2")

    def refuses(self, *, removed: int, held: int) -> bool:
        """Whether removing `removed` of the firm's `held` lots is more than one file may do
        unforced (a firm with no lots loses none)."""
        return held > 0 and Decimal(removed) > self.max_removed_share * held

    def refusal(self, changes: Sequence[LotChange], *, held: int) -> str | None:
        """Why a file making `changes` to a firm holding `held` lots is refused unforced
        (the `expected` of its problem), or None when it may load."""
        removed = sum(len(c.lost) for c in changes)
        if not self.refuses(removed=removed, held=held):
            return None
        losing = sum(1 for c in changes if c.lost)
        return (
            f"a lots file removing at most {self.max_removed_share:.0%} of the firm's lots; "
            f"this {self.describe()} would remove {_count(removed, 'lot')} of "
            f"{_count(losing, 'account')} ({Decimal(removed) / held:.0%} of the "
            f"{held} held): check the file, or load it with --force"
        )

    def describe(self) -> str:
        if self.scope is SnapshotScope.FIRM:
            return "snapshot of the whole firm (accounts absent from it lose their lots)"
        return "snapshot of the accounts in the file (the others keep their lots)"


@dataclass(frozen=True, slots=True)
class LotChange:
    """What a lots file does to one account: lots it gains (in the file, not held), lots
    it loses (held, not in the file), and how many it keeps (same lot id; their
    quantities and bases are the file's)."""

    account: str
    gained: tuple[TaxLot, ...] = ()
    lost: tuple[TaxLot, ...] = ()
    kept: int = 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def lot_changes(
    held: Iterable[TaxLot], in_file: Mapping[str, Sequence[TaxLot]]
) -> tuple[LotChange, ...]:
    """What replacing `held` (the stored lots of the accounts a snapshot covers) with the
    file's lots does to each account, by account id.

    >>> old = [TaxLot("L1", "A", "XYZ", Decimal(5), Decimal(1), dt.date(2020, 1, 2))]
    >>> new = {"A": [TaxLot("L2", "A", "XYZ", Decimal(5), Decimal(1), dt.date(2020, 1, 2))]}
    >>> (change,) = lot_changes(old, new)
    >>> change.account, [x.id for x in change.gained], [x.id for x in change.lost], change.kept
    ('A', ['L2'], ['L1'], 0)
    """
    stored: dict[str, dict[str, TaxLot]] = {}
    for lot in held:
        stored.setdefault(lot.account, {})[lot.id] = lot
    changes: list[LotChange] = []
    for account in sorted(set(stored) | set(in_file)):
        before = stored.get(account, {})
        after = in_file.get(account, ())
        ids = {lot.id for lot in after}
        changes.append(
            LotChange(
                account,
                gained=tuple(lot for lot in after if lot.id not in before),
                lost=tuple(lot for lot_id, lot in sorted(before.items()) if lot_id not in ids),
                kept=sum(1 for lot in after if lot.id in before),
            )
        )
    return tuple(changes)


@dataclass(frozen=True, slots=True)
class NumberLimit:
    """What a NUMERIC(precision, scale) column holds exactly, on every database we run.

    At most `precision - scale` digits before the point and `scale` after it, and at
    most `significant` significant digits in all (SQLite stores a double: 15 digits
    survive its round trip; PostgreSQL is held to the same, so a file loads on one
    database exactly when it loads on the other).

    >>> money = NumberLimit(20, 6)
    >>> money.problem(Decimal("1234.5")) is None
    True
    >>> print(money.problem(Decimal("1e40")))  # doctest: +NORMALIZE_WHITESPACE
    a number between -10^14 and 10^14 (at most 14 digits before the point,
    6 decimal places and 15 significant digits: the store's NUMERIC(20,6))
    """

    precision: int
    scale: int
    significant: int = 15

    def problem(self, value: Decimal) -> str | None:
        """Why the store cannot hold `value` exactly, as the `expected` of a problem."""
        if not value.is_finite():
            return self._expected("a finite number")
        _, digits, exponent = value.normalize().as_tuple()
        assert isinstance(exponent, int)  # finite, so an int
        whole = len(digits) + exponent  # digits before the point
        decimals = max(0, -exponent)
        significant = len(digits) if value else 0
        if whole > self.precision - self.scale:
            size = self.precision - self.scale
            return self._expected(f"a number between -10^{size} and 10^{size}")
        if decimals > self.scale:
            return self._expected(f"a number with at most {self.scale} decimal places")
        if significant > self.significant:
            return self._expected(f"a number of at most {self.significant} significant digits")
        return None

    def _expected(self, what: str) -> str:
        return (
            f"{what} (at most {self.precision - self.scale} digits before the point, "
            f"{self.scale} decimal places and {self.significant} significant digits: "
            f"the store's NUMERIC({self.precision},{self.scale}))"
        )


def numbers_of(record: FeedRecord) -> dict[str, Decimal]:
    """A record's exact numbers by canonical column (blank ones left out): what
    `NumberLimit`s are checked on. Risk-model numbers are floats and not here."""
    match record:
        case ReportedLot(lot=lot):
            found: dict[str, Decimal | None] = {
                "quantity": lot.quantity,
                "cost_basis": lot.cost_basis,
                "wash_sale_adjustment": lot.wash_sale_adjustment,
            }
        case Price():
            found = {"close": record.close}
        case CustodianPosition():
            found = {"quantity": record.quantity}
        case TradeRecord():
            found = {
                "quantity": record.quantity,
                "price": record.price,
                "realized_gain": record.realized_gain,
            }
        case CashBalance():
            found = {"amount": record.amount}
        case CorporateActionEvent():
            found = {
                "ratio": record.ratio,
                "cash_per_share": record.cash_per_share,
                "basis_allocation": record.basis_allocation,
                "new_security_price": record.new_security_price,
            }
        case ModelWeight():
            found = {"weight": record.weight}
        case AccountOnboarding(tax_profile=TaxProfile() as profile):
            found = {
                "short_term_rate": profile.short_term_rate,
                "long_term_rate": profile.long_term_rate,
                "realized_short_ytd": profile.realized_short_ytd,
                "realized_long_ytd": profile.realized_long_ytd,
                "loss_carryforward": profile.loss_carryforward,
            }
        case _:
            found = {}
    return {column: value for column, value in found.items() if value is not None}


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One row read from a file: its record, or the problems that kept it from being one."""

    row: int
    record: FeedRecord | None
    problems: tuple[FileProblem, ...] = ()
