"""The canonical feed formats: for each kind of file, its columns and how a row is read.

Problem: every feed, in CSV or Parquet, from trimtab's own layout or a custodian's,
must turn each row into one domain value or into precise problems (the column, the
value, what was expected) — never an exception, never a guess.

Rule: `COLUMNS[kind]` lists the canonical columns in order (what `docs/feeds.md` shows
and what a canonical file's header must be); `*` marks a required one. A `Dialect`
says how the source writes dates and numbers and which raw values it uses for a
column (a custodian's "B"/"S" for buy/sell); `read_row` applies it. Values may arrive
as text (CSV) or already typed (Parquet: dates, numbers); both are accepted.

    >>> row = {"security": "xyz", "date": "2025-06-02", "close": "101.5"}
    >>> record, problems = read_row(FeedKind.PRICES, row, 2, "p.csv", Dialect())
    >>> record, problems
    (Price(ticker='XYZ', date=datetime.date(2025, 6, 2), close=Decimal('101.5')), [])
    >>> _, problems = read_row(FeedKind.PRICES, {**row, "close": "-3"}, 3, "p.csv", Dialect())
    >>> print(problems[0])
    p.csv row 3, column close: got '-3', expected a number above 0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from trimtab.domain.accounts import AccountStatus, TaxProfile, TaxStatus
from trimtab.domain.corporate_action_events import (
    ActionKind,
    CorporateActionEvent,
    validate_event,
)
from trimtab.domain.feed_records import (
    AccountOnboarding,
    CustodianPosition,
    FeedKind,
    FeedRecord,
    FileProblem,
    ModelWeight,
    ReportedLot,
)
from trimtab.domain.holdings import CashBalance, TaxLot
from trimtab.domain.money import ZERO, to_decimal
from trimtab.domain.restrictions import Kind, Level, Restriction
from trimtab.domain.risk_model import FactorCovariance, FactorExposure, SpecificRisk
from trimtab.domain.securities import Price, Security, SecurityType
from trimtab.domain.trade_history import TradeRecord, TradeSide

__all__ = ["COLUMNS", "Column", "Dialect", "read_row", "required_columns"]


ISO_DATE = "%Y-%m-%d"


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one source writes values; the canonical dialect is ISO dates and plain numbers."""

    date_format: str = ISO_DATE
    decimal_separator: str = "."
    thousands_separator: str = ""
    # canonical column -> {raw value as the source writes it: canonical value}
    values: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))


class _Bad(Exception):
    """A value that does not parse; carries what was expected (internal to this module)."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


Parse = Callable[[Any, Dialect], Any]


def _text(raw: Any, _: Dialect) -> str:
    return str(raw).strip()


def _issuer(raw: Any, _: Dialect) -> str:
    # The store keeps 40 characters; longer would fail the whole load at the database.
    text = str(raw).strip()
    if len(text) > 40:
        raise _Bad("an issuer id of at most 40 characters")
    return text


def _ticker(raw: Any, _: Dialect) -> str:
    text = str(raw).strip().upper()
    if len(text) > 16 or " " in text:
        raise _Bad("a ticker of at most 16 characters, no spaces")
    return text


def _number(raw: Any, dialect: Dialect) -> Decimal:
    if isinstance(raw, bool):
        raise _Bad("a number")
    if isinstance(raw, int | float | Decimal):
        value = to_decimal(raw)
    else:
        text = str(raw).strip()
        if dialect.thousands_separator:
            text = text.replace(dialect.thousands_separator, "")
        if dialect.decimal_separator != ".":
            text = text.replace(dialect.decimal_separator, ".")
        percent = text.endswith("%")
        try:
            value = Decimal(text.rstrip("%").strip())
        except InvalidOperation:
            example = "12,5" if dialect.decimal_separator == "," else "12.5"
            raise _Bad(f"a number like {example}") from None
        if percent:
            value /= 100
    if not value.is_finite():
        raise _Bad("a finite number")
    return value


def _positive(raw: Any, dialect: Dialect) -> Decimal:
    value = _number(raw, dialect)
    if value <= 0:
        raise _Bad("a number above 0")
    return value


def _non_negative(raw: Any, dialect: Dialect) -> Decimal:
    value = _number(raw, dialect)
    if value < 0:
        raise _Bad("a number of 0 or more")
    return value


def _fraction(raw: Any, dialect: Dialect) -> Decimal:
    value = _number(raw, dialect)
    if not ZERO <= value <= 1:
        raise _Bad("a fraction from 0 to 1 (or a percentage like 25%)")
    return value


def _float(raw: Any, dialect: Dialect) -> float:
    return float(_number(raw, dialect))


def _rate(raw: Any, dialect: Dialect) -> Decimal:
    value = _number(raw, dialect)
    if not ZERO <= value < 1:
        raise _Bad("a tax rate from 0 to under 1 (or a percentage like 37%)")
    return value


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def _yes_no(raw: Any, _: Dialect) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text not in _YES | _NO:
        raise _Bad("yes or no (also y/n, true/false, 1/0)")
    return text in _YES


def _date(raw: Any, dialect: Dialect) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    try:
        if dialect.date_format == ISO_DATE and len(text) == 10 and text[4] == text[7] == "-":
            return dt.date.fromisoformat(text)  # the common case, ten times faster
        return dt.datetime.strptime(text, dialect.date_format).date()  # noqa: DTZ007
    except ValueError:
        example = dt.date(2025, 6, 30).strftime(dialect.date_format)
        raise _Bad(f"a date like {example} ({dialect.date_format})") from None


def _one_of(*choices: str) -> Parse:
    def parse(raw: Any, _: Dialect) -> str:
        text = str(raw).strip().lower()
        if text not in choices:
            raise _Bad(f"one of {', '.join(choices)}")
        return text

    return parse


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    parse: Parse
    required: bool = True


def _c(name: str, parse: Parse) -> Column:
    return Column(name, parse, required=True)


def _o(name: str, parse: Parse) -> Column:
    return Column(name, parse, required=False)


_ACTION_KINDS = tuple(k.value for k in ActionKind)

COLUMNS: Mapping[FeedKind, tuple[Column, ...]] = MappingProxyType(
    {
        FeedKind.SECURITIES: (
            _c("ticker", _ticker),
            _o("cusip", _text),
            _o("name", _text),
            _o("type", _one_of(*(t.value for t in SecurityType))),
            _o("asset_class", _text),
            _o("sector", _text),
            _o("wash_group", _text),
            _o("issuer_id", _issuer),
        ),
        FeedKind.PRICES: (_c("security", _ticker), _c("date", _date), _c("close", _positive)),
        FeedKind.LOTS: (
            _c("lot_id", _text),
            _c("account", _text),
            _c("security", _ticker),
            _c("quantity", _positive),
            _o("cost_basis", _non_negative),
            _c("acquired", _date),
            _o("holding_period_start", _date),
            _o("wash_sale_adjustment", _non_negative),
        ),
        FeedKind.POSITIONS: (
            _c("account", _text),
            _c("security", _ticker),
            _c("quantity", _non_negative),
            _c("as_of", _date),
        ),
        FeedKind.TRANSACTIONS: (
            _c("account", _text),
            _c("security", _ticker),
            _c("date", _date),
            _c("side", _one_of("buy", "sell")),
            _c("quantity", _positive),
            _c("price", _positive),
            _o("realized_gain", _number),
        ),
        FeedKind.CASH: (_c("account", _text), _c("amount", _number), _c("as_of", _date)),
        FeedKind.CORPORATE_ACTIONS: (
            _c("action_id", _text),
            _c("kind", _one_of(*_ACTION_KINDS)),
            _c("security", _ticker),
            _c("effective", _date),
            _o("new_security", _ticker),
            _o("ratio", _non_negative),
            _o("cash_per_share", _non_negative),
            _o("basis_allocation", _fraction),
            _o("new_security_price", _positive),
            _o("new_cusip", _text),
        ),
        FeedKind.RESTRICTIONS: (
            _c("level", _one_of(*(level.name.lower() for level in Level))),
            _c("scope", _text),
            _c("security", _ticker),
            _c("kind", _one_of(*(k.value for k in Kind))),
            _c("reason", _text),
        ),
        FeedKind.MODEL_WEIGHTS: (
            _c("provider", _text),
            _c("model", _text),
            _c("security", _ticker),
            _c("weight", _fraction),
            _o("name", _text),
        ),
        FeedKind.RISK_EXPOSURES: (
            _c("model", _text),
            _c("security", _ticker),
            _c("factor", _text),
            _c("exposure", _float),
        ),
        FeedKind.RISK_COVARIANCE: (
            _c("model", _text),
            _c("factor", _text),
            _c("other", _text),
            _c("covariance", _float),
        ),
        FeedKind.SPECIFIC_RISK: (
            _c("model", _text),
            _c("security", _ticker),
            _c("variance", _float),
        ),
        FeedKind.ACCOUNTS: (
            _c("account", _text),
            _c("household", _text),
            _c("tax_status", _one_of(*(t.value for t in TaxStatus))),
            _o("name", _text),
            _o("household_name", _text),
            _o("advisor", _text),
            _o("advisor_name", _text),
            _o("branch", _text),
            _o("program", _text),
            _o("tier", _text),
            # "suspended" is not sent: trimtab suspends an account (holds) and reopens it.
            _o("status", _one_of(AccountStatus.OPEN.value, AccountStatus.CLOSED.value)),
            _o("discretionary", _yes_no),
            _o("approved_for_trading", _yes_no),
            _o("short_term_rate", _rate),
            _o("long_term_rate", _rate),
            _o("realized_short_ytd", _number),
            _o("realized_long_ytd", _number),
            _o("loss_carryforward", _non_negative),
        ),
    }
)


def required_columns(kind: FeedKind) -> list[str]:
    return [c.name for c in COLUMNS[kind] if c.required]


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def read_row(
    kind: FeedKind, raw: Mapping[str, Any], row: int, file: str, dialect: Dialect
) -> tuple[FeedRecord | None, list[FileProblem]]:
    """One row (canonical column → raw value) as its record, or every problem it has."""
    values: dict[str, Any] = {}
    problems: list[FileProblem] = []
    for column in COLUMNS[kind]:
        value = raw.get(column.name)
        shown = "" if value is None else str(value)
        mapped = dialect.values.get(column.name)
        if mapped is not None and not _blank(value):
            value = mapped.get(str(value).strip(), value)
        if _blank(value):
            if column.required:
                problems.append(FileProblem(file, row, column.name, "", "a value (required)"))
            values[column.name] = None
            continue
        try:
            values[column.name] = column.parse(value, dialect)
        except _Bad as bad:
            problems.append(FileProblem(file, row, column.name, shown, bad.expected))
    if problems:
        return None, problems
    return _BUILD[kind](values, row, file)


Built = tuple[FeedRecord | None, list[FileProblem]]


def _ok(record: FeedRecord) -> Built:
    return record, []


def _security(v: dict[str, Any], row: int, file: str) -> Built:
    return _ok(
        Security(
            v["ticker"],
            cusip=v["cusip"],
            name=v["name"] or "",
            type=SecurityType(v["type"] or "stock"),
            asset_class=v["asset_class"],
            sector=v["sector"],
            wash_group=v["wash_group"],
            issuer_id=v["issuer_id"],
        )
    )


def _lot(v: dict[str, Any], row: int, file: str) -> Built:
    known = v["cost_basis"] is not None
    lot = TaxLot(
        v["lot_id"],
        v["account"],
        v["security"],
        v["quantity"],
        v["cost_basis"] if known else ZERO,
        v["acquired"],
        holding_period_start=v["holding_period_start"],
        wash_sale_adjustment=v["wash_sale_adjustment"] or ZERO,
    )
    return _ok(ReportedLot(lot, basis_known=known))


def _trade(v: dict[str, Any], row: int, file: str) -> Built:
    side = TradeSide(v["side"])
    if side is TradeSide.BUY and v["realized_gain"] is not None:
        shown = str(v["realized_gain"])
        return None, [FileProblem(file, row, "realized_gain", shown, "blank for a buy")]
    return _ok(
        TradeRecord(
            v["account"],
            v["security"],
            v["date"],
            side,
            v["quantity"],
            v["price"],
            v["realized_gain"],
        )
    )


def _action(v: dict[str, Any], row: int, file: str) -> Built:
    event = CorporateActionEvent(
        v["action_id"],
        ActionKind(v["kind"]),
        v["security"],
        v["effective"],
        new_security=v["new_security"],
        ratio=v["ratio"] or ZERO,
        cash_per_share=v["cash_per_share"] or ZERO,
        basis_allocation=v["basis_allocation"],
        new_security_price=v["new_security_price"],
        new_cusip=v["new_cusip"],
    )
    problems = [
        FileProblem(file, row, p.path, str(v.get(p.path) or ""), p.message)
        for p in validate_event(event)
    ]
    return (None, problems) if problems else _ok(event)


def _restriction(v: dict[str, Any], row: int, file: str) -> Built:
    return _ok(
        Restriction(
            Level[v["level"].upper()], v["scope"], v["security"], Kind(v["kind"]), v["reason"]
        )
    )


_PROFILE = (
    "short_term_rate",
    "long_term_rate",
    "realized_short_ytd",
    "realized_long_ytd",
    "loss_carryforward",
)


def _onboarding(v: dict[str, Any], row: int, file: str) -> Built:
    profile: TaxProfile | None = None
    if any(v[c] is not None for c in _PROFILE):
        # A tax profile is given whole or not at all: half a profile would zero the rest.
        missing = [c for c in ("short_term_rate", "long_term_rate") if v[c] is None]
        if missing:
            expected = "a value: a tax profile needs both rates"
            return None, [FileProblem(file, row, c, "", expected) for c in missing]
        profile = TaxProfile(
            v["household"],
            v["short_term_rate"],
            v["long_term_rate"],
            v["realized_short_ytd"] or ZERO,
            v["realized_long_ytd"] or ZERO,
            v["loss_carryforward"] or ZERO,
        )
    if v["advisor_name"] is not None and v["advisor"] is None:
        expected = "an advisor id beside the advisor's name"
        return None, [FileProblem(file, row, "advisor", "", expected)]
    return _ok(
        AccountOnboarding(
            v["account"],
            v["household"],
            TaxStatus(v["tax_status"]),
            name=v["name"],
            household_name=v["household_name"],
            advisor=v["advisor"],
            advisor_name=v["advisor_name"],
            branch=v["branch"],
            program=v["program"],
            tier=v["tier"],
            status=AccountStatus(v["status"]) if v["status"] else None,
            discretionary=v["discretionary"],
            approved_for_trading=v["approved_for_trading"],
            tax_profile=profile,
        )
    )


_BUILD: Mapping[FeedKind, Callable[[dict[str, Any], int, str], Built]] = MappingProxyType(
    {
        FeedKind.SECURITIES: _security,
        FeedKind.PRICES: lambda v, r, f: _ok(Price(v["security"], v["date"], v["close"])),
        FeedKind.LOTS: _lot,
        FeedKind.POSITIONS: lambda v, r, f: _ok(
            CustodianPosition(v["account"], v["security"], v["quantity"], v["as_of"])
        ),
        FeedKind.TRANSACTIONS: _trade,
        FeedKind.CASH: lambda v, r, f: _ok(CashBalance(v["account"], v["amount"], v["as_of"])),
        FeedKind.CORPORATE_ACTIONS: _action,
        FeedKind.RESTRICTIONS: _restriction,
        FeedKind.MODEL_WEIGHTS: lambda v, r, f: _ok(
            ModelWeight(v["provider"], v["model"], v["security"], v["weight"], v["name"] or "")
        ),
        FeedKind.RISK_EXPOSURES: lambda v, r, f: _ok(
            FactorExposure(v["model"], v["security"], v["factor"], v["exposure"])
        ),
        FeedKind.RISK_COVARIANCE: lambda v, r, f: _ok(
            FactorCovariance(v["model"], v["factor"], v["other"], v["covariance"])
        ),
        FeedKind.SPECIFIC_RISK: lambda v, r, f: _ok(
            SpecificRisk(v["model"], v["security"], v["variance"])
        ),
        FeedKind.ACCOUNTS: _onboarding,
    }
)


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def record_to_row(kind: FeedKind, record: FeedRecord) -> dict[str, str]:
    """A record as canonical text columns: what `read_row` reads back to the same record."""
    match record:
        case ReportedLot(lot=lot):
            values: dict[str, object] = {
                "lot_id": lot.id,
                "account": lot.account,
                "security": lot.security,
                "quantity": lot.quantity,
                "cost_basis": lot.cost_basis if record.basis_known else None,
                "acquired": lot.acquired,
                "holding_period_start": lot.holding_period_start,
                "wash_sale_adjustment": lot.wash_sale_adjustment or None,
            }
        case Price():
            values = {"security": record.ticker, "date": record.date, "close": record.close}
        case Security():
            values = {
                "ticker": record.ticker,
                "cusip": record.cusip,
                "name": record.name,
                "type": record.type.value,
                "asset_class": record.asset_class,
                "sector": record.sector,
                "wash_group": record.wash_group,
                "issuer_id": record.issuer_id,
            }
        case TradeRecord():
            values = {
                "account": record.account,
                "security": record.security,
                "date": record.date,
                "side": record.side.value,
                "quantity": record.quantity,
                "price": record.price,
                "realized_gain": record.realized_gain,
            }
        case CorporateActionEvent():
            values = {
                "action_id": record.id,
                "kind": record.kind.value,
                "security": record.security,
                "effective": record.effective,
                "new_security": record.new_security,
                "ratio": record.ratio or None,
                "cash_per_share": record.cash_per_share or None,
                "basis_allocation": record.basis_allocation,
                "new_security_price": record.new_security_price,
                "new_cusip": record.new_cusip,
            }
        case Restriction():
            values = {
                "level": record.level.name.lower(),
                "scope": record.scope,
                "security": record.security,
                "kind": record.kind.value,
                "reason": record.reason,
            }
        case AccountOnboarding(tax_profile=profile):
            values = {
                **{c.name: getattr(record, c.name, None) for c in COLUMNS[kind]},
                "tax_status": record.tax_status.value,
                "status": record.status.value if record.status else None,
                **{c: getattr(profile, c) if profile else None for c in _PROFILE},
            }
        case _:  # the rest have a field per column, named as the column
            values = {c.name: getattr(record, c.name) for c in COLUMNS[kind]}
    return {c.name: _plain(values.get(c.name)) for c in COLUMNS[kind]}
