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

    >>> str(FileProblem("lots.csv", 7, "quantity", "12,5", "a number like 12.5"))
    "lots.csv row 7, column quantity: got '12,5', expected a number like 12.5"
    >>> str(FileProblem("lots.csv", 0, "", "", "UTF-8 text"))
    "lots.csv: got '', expected UTF-8 text"
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.corporate_action_events import CorporateActionEvent
from trimtab.domain.holdings import CashBalance, TaxLot
from trimtab.domain.restrictions import Restriction
from trimtab.domain.risk_model import FactorCovariance, FactorExposure, SpecificRisk
from trimtab.domain.securities import Price, Security
from trimtab.domain.trade_history import TradeRecord

__all__ = [
    "CustodianPosition",
    "FeedKind",
    "FeedRecord",
    "FeedRow",
    "FileProblem",
    "ModelWeight",
    "ReportedLot",
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


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One thing wrong with a file: where (row and column), what was found, what was expected."""

    file: str
    row: int  # 0: the file as a whole; 1: the header; data rows from 2
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        where = self.file if self.row == 0 else f"{self.file} row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: got {self.value!r}, expected {self.expected}"

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
)


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One row read from a file: its record, or the problems that kept it from being one."""

    row: int
    record: FeedRecord | None
    problems: tuple[FileProblem, ...] = ()
