"""The ledger-replay JSON contract (docs/contracts/ledger-replay.md): read a history, write lots.

Problem: the contract's input is untrusted JSON from custodians and reviewers; the lot
ledger (`trimtab.domain.ledger`) takes typed, valid values. This module is the boundary:
`read_history` turns the parsed document into a `History` or into problems that name the
place (`transactions[3].quantity`) and say what to do; `ledger_answer` and
`invalid_answer` write the contract's output objects. Every field rule of the contract
is checked here; rules that need the replayed state (a sell of more shares than held,
specific lots that do not exist) are the ledger's.

The contract is strict (its JSON Schema, `trimtab/contracts/ledger-replay.schema.json`,
lists exactly `HISTORY_FIELDS` and `ACTION_FIELDS`): a key the contract does not define
is invalid ("unknown field 'qty' (did you mean 'quantity'?)"), and so is a field of
another action ("'ratio' is not a field of a buy"), since either would otherwise be
dropped without a word and change the lots.

Numbers arrive as `Decimal` (the caller parses JSON with `parse_float=Decimal`), so
7.5 stays exactly 7.5. Money leaves rounded to cents and shares to six places through
`domain.money`, integral share counts as JSON integers.

    >>> history, problems = read_history({"accounts": [], "transactions": [
    ...     {"date": "2025-13-01", "account": "T1", "security": "X", "action": "buy",
    ...      "quantity": -5, "price": 10}]})
    >>> [str(p) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    ['transactions[0].date: must be a date YYYY-MM-DD, got "2025-13-01"',
     "transactions[0].account: unknown account 'T1': declare it under accounts",
     'transactions[0].quantity: must be a number greater than 0, got -5']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

from trimtab.domain.accounts import Account, TaxStatus
from trimtab.domain.holdings import TaxLot
from trimtab.domain.ledger import History, Ledger, RealizedGain
from trimtab.domain.money import ZERO, as_float, round_cents, round_shares, to_decimal
from trimtab.domain.problems import Problem, unknown_fields
from trimtab.domain.transactions import (
    Buy,
    LotPick,
    Merger,
    ReliefMethod,
    Rename,
    Sell,
    SpinOff,
    Split,
    Transaction,
)
from trimtab.domain.wash_sales import share_class_groups

__all__ = ["ACTION_FIELDS", "HISTORY_FIELDS", "invalid_answer", "ledger_answer", "read_history"]

_E = TypeVar("_E", ReliefMethod, TaxStatus)
ONE = Decimal(1)
# Far beyond any real position or price, and small enough that every product of them
# stays exact within Decimal's 28 digits and rounds to cents without overflow.
_TOO_LARGE = Decimal(10) ** 15
ACTIONS = ("buy", "sell", "split", "spinoff", "merger", "rename")
# Every field the contract defines, per object ("[]": each element of that list);
# a transaction's fields are the common four and its action's (ACTION_FIELDS).
_COMMON = ("date", "account", "security", "action")
HISTORY_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "": ("method", "accounts", "wash_groups", "issuers", "transactions"),
        "accounts[]": ("id", "household", "tax_status"),
        "transactions[].lots[]": ("acquired", "quantity"),
    }
)
ACTION_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "buy": (*_COMMON, "quantity", "price"),
        "sell": (*_COMMON, "quantity", "price", "method", "lots"),
        "split": (*_COMMON, "ratio"),
        "spinoff": (*_COMMON, "new_security", "ratio", "basis_allocation"),
        "merger": (
            *_COMMON,
            "ratio",
            "cash_per_share",
            "new_security",
            "basis_allocation",
            "new_security_price",
        ),
        "rename": (*_COMMON, "new_security"),
    }
)
_ANY_ACTION = tuple(dict.fromkeys(f for names in ACTION_FIELDS.values() for f in names))
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRANSACTION_PATH = re.compile(r"transactions\[(\d+)\]\.?(.*)")


def read_history(document: object) -> tuple[History | None, list[Problem]]:
    """The `History` the document describes, or None and every problem found in it."""
    problems: list[Problem] = []
    if not isinstance(document, dict):
        return None, [Problem("", f"the history must be a JSON object, got {_kind(document)}")]
    problems.extend(unknown_fields(document, HISTORY_FIELDS[""]))
    top = _Reader(document, "", problems)
    method = top.choice("method", ReliefMethod, default=ReliefMethod.FIFO)
    accounts = _read_accounts(top, problems)
    wash_groups = _read_wash_groups(document.get("wash_groups"), problems)
    issuers = _read_issuers(document.get("issuers"), problems)
    known = {a.id for a in accounts}
    transactions: list[Transaction] = []
    raw = top.list("transactions")
    for index, entry in enumerate(raw or []):
        transaction = _read_transaction(entry, index, known, problems)
        if transaction is not None:
            transactions.append(transaction)
    if problems or method is None:
        return None, problems
    # Share classes of one issuer are one wash group unless `wash_groups` names another:
    # the same rule as the security master's (`WashGroupPolicy`, default policy).
    groups = {**share_class_groups(issuers, issuers), **wash_groups}
    return History(method, tuple(accounts), groups, tuple(transactions)), problems


def ledger_answer(ledger: Ledger) -> dict[str, Any]:
    return {
        "status": "ok",
        "lots": [_lot(lot) for lot in ledger.lots],
        "realized": [_realized(gain) for gain in ledger.realized],
    }


def invalid_answer(problems: list[Problem] | tuple[Problem, ...]) -> dict[str, Any]:
    """The contract's invalid answer; `index` and `field` repeat the path's two halves."""
    errors = []
    for problem in problems:
        at = _TRANSACTION_PATH.fullmatch(problem.path)
        errors.append(
            {
                "path": problem.path,
                "index": int(at.group(1)) if at else None,
                "field": at.group(2) if at else problem.path,
                "message": problem.message,
            }
        )
    return {"status": "invalid", "errors": errors}


# -- reading -------------------------------------------------------------------------------


def _read_accounts(top: _Reader, problems: list[Problem]) -> list[Account]:
    accounts: list[Account] = []
    for k, entry in enumerate(top.list("accounts") or []):
        path = f"accounts[{k}]"
        if not isinstance(entry, dict):
            problems.append(Problem(path, f"must be an object, got {_kind(entry)}"))
            continue
        problems.extend(unknown_fields(entry, HISTORY_FIELDS["accounts[]"], path))
        fields = _Reader(entry, path, problems)
        account_id = fields.text("id")
        household = fields.text("household")
        tax_status = fields.choice("tax_status", TaxStatus)
        if account_id is not None and any(a.id == account_id for a in accounts):
            problems.append(Problem(f"{path}.id", f"account {account_id!r} is declared twice"))
        elif account_id is not None and household is not None and tax_status is not None:
            accounts.append(Account(account_id, household=household, tax_status=tax_status))
    return accounts


def _read_wash_groups(raw: object, problems: list[Problem]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in raw.items()
    ):
        problems.append(
            Problem("wash_groups", 'must map each security to its group, e.g. {"SPY": "SP500"}')
        )
        return {}
    return dict(raw)


def _read_issuers(raw: object, problems: list[Problem]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in raw.items()
    ):
        problems.append(
            Problem("issuers", 'must map each security to its issuer, e.g. {"FOXA": "21CF"}')
        )
        return {}
    return dict(raw)


@dataclass(frozen=True, slots=True)
class _Common:
    """The fields every transaction has."""

    date: dt.date
    account: str
    security: str


def _read_transaction(
    entry: object, index: int, known_accounts: set[str], problems: list[Problem]
) -> Transaction | None:
    path = f"transactions[{index}]"
    if not isinstance(entry, dict):
        problems.append(Problem(path, f"must be an object, got {_kind(entry)}"))
        return None
    before = len(problems)
    _check_transaction_fields(entry, path, problems)
    fields = _Reader(entry, path, problems)
    date = fields.date("date")
    account = fields.text("account")
    if account is not None and account not in known_accounts:
        fields.problem("account", f"unknown account {account!r}: declare it under accounts")
    security = fields.text("security")
    action = fields.text("action")
    if action is not None and action not in ACTIONS:
        fields.problem("action", f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
        return None
    common = None
    if date is not None and account is not None and security is not None:
        common = _Common(date, account, security)
    transaction = _read_action(fields, action, common)
    # A transaction is read only when every one of its fields is right.
    return transaction if len(problems) == before else None


def _check_transaction_fields(entry: dict[str, Any], path: str, problems: list[Problem]) -> None:
    """Unknown keys, and keys of another action (`ratio` on a buy), are problems."""
    problems.extend(unknown_fields(entry, _ANY_ACTION, path))
    action = entry.get("action")
    if not isinstance(action, str) or action not in ACTION_FIELDS:
        return  # the action itself is reported; its fields cannot be judged
    own = ACTION_FIELDS[action]
    problems.extend(
        Problem(
            f"{path}.{key}",
            f"{key!r} is not a field of a {action} (a {action} has {', '.join(own)})",
        )
        for key in entry
        if key in _ANY_ACTION and key not in own
    )


def _read_action(fields: _Reader, action: str | None, common: _Common | None) -> Transaction | None:
    """The transaction of `action`; None when a field is wrong (the problem is recorded)."""
    security = common.security if common else None
    if action == "buy":
        quantity, price = fields.number("quantity", above=ZERO), fields.number("price", above=ZERO)
        if common is None or quantity is None or price is None:
            return None
        return Buy(common.date, common.account, common.security, quantity, price)
    if action == "sell":
        return _read_sell(fields, common)
    if action == "split":
        ratio = fields.number("ratio", above=ZERO)
        if common is None or ratio is None:
            return None
        return Split(common.date, common.account, common.security, ratio)
    if action == "spinoff":
        child = fields.new_security(security)
        ratio = fields.number("ratio", above=ZERO)
        allocation = fields.number("basis_allocation", at_least=ZERO, at_most=ONE)
        if common is None or child is None or ratio is None or allocation is None:
            return None
        return SpinOff(common.date, common.account, common.security, child, ratio, allocation)
    if action == "merger":
        return _read_merger(fields, common)
    if action == "rename":
        new_security = fields.new_security(security)
        if common is None or new_security is None:
            return None
        return Rename(common.date, common.account, common.security, new_security)
    return None


def _read_sell(fields: _Reader, common: _Common | None) -> Sell | None:
    quantity = fields.number("quantity", above=ZERO)
    price = fields.number("price", above=ZERO)
    picks = _read_picks(fields)
    method: ReliefMethod | None = None
    if fields.raw.get("method") == "specific":
        if not picks:
            fields.problem("lots", "specific identification needs the lots to sell")
    else:
        method = fields.choice("method", ReliefMethod, required=False)
    if common is None or quantity is None or price is None or picks is None:
        return None
    return Sell(common.date, common.account, common.security, quantity, price, method, picks)


def _read_picks(fields: _Reader) -> tuple[LotPick, ...] | None:
    raw = fields.raw.get("lots")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        fields.problem("lots", 'must be a non-empty list of {"acquired": DATE, "quantity": N}')
        return None
    picks: list[LotPick] = []
    for k, entry in enumerate(raw):
        path = f"{fields.path}.lots[{k}]"
        if not isinstance(entry, dict):
            fields.problems.append(Problem(path, f"must be an object, got {_kind(entry)}"))
            continue
        fields.problems.extend(unknown_fields(entry, HISTORY_FIELDS["transactions[].lots[]"], path))
        pick = _Reader(entry, path, fields.problems)
        acquired, quantity = pick.date("acquired"), pick.number("quantity", above=ZERO)
        if acquired is not None and quantity is not None:
            picks.append(LotPick(acquired, quantity))
    return tuple(picks) if len(picks) == len(raw) else None


def _read_merger(fields: _Reader, common: _Common | None) -> Merger | None:
    before = len(fields.problems)
    ratio = fields.number("ratio", at_least=ZERO, required=False)
    cash = fields.number("cash_per_share", at_least=ZERO, required=False)
    allocation = fields.number("basis_allocation", at_least=ZERO, at_most=ONE, required=False)
    price = fields.number("new_security_price", above=ZERO, required=False)
    if len(fields.problems) > before:
        return None
    ratio, cash = ratio or ZERO, cash or ZERO
    if ratio == 0 and cash == 0:
        fields.problem("ratio", "a merger pays new shares (ratio) and/or cash (cash_per_share)")
        return None
    new_security = fields.new_security(common.security if common else None) if ratio else None
    if common is None or (ratio and new_security is None):
        return None
    deal = Merger(
        common.date, common.account, common.security, new_security, ratio, cash, allocation, price
    )
    fraction = deal.stock_basis_fraction
    if fraction is None:
        fields.problem(
            "basis_allocation",
            "a merger paying both stock and cash needs basis_allocation (the fraction of "
            "basis the new stock carries) or new_security_price",
        )
        return None
    if ratio and cash and not ZERO < fraction < ONE:
        fields.problem("basis_allocation", "must be strictly between 0 and 1 for a mixed deal")
        return None
    return deal


class _Reader:
    """Typed access to one JSON object's fields; a bad field becomes a problem and None."""

    def __init__(self, raw: dict[str, Any], path: str, problems: list[Problem]) -> None:
        self.raw = raw
        self.path = path
        self.problems = problems

    def problem(self, name: str, message: str) -> None:
        self.problems.append(Problem(f"{self.path}.{name}" if self.path else name, message))

    def _required(self, name: str) -> object:
        if name not in self.raw or self.raw[name] is None:
            self.problem(name, "is missing")
            return None
        return self.raw[name]

    def text(self, name: str) -> str | None:
        value = self._required(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(name, f"must be a non-empty string, got {_show(value)}")
            return None
        return value

    def new_security(self, security: str | None) -> str | None:
        value = self.text("new_security")
        if value is not None and value == security:
            self.problem("new_security", "must differ from security")
            return None
        return value

    def date(self, name: str) -> dt.date | None:
        value = self._required(name)
        if value is None:
            return None
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(name, f"must be a date YYYY-MM-DD, got {_show(value)}")
        return None

    def choice(
        self, name: str, kind: type[_E], *, default: _E | None = None, required: bool = True
    ) -> _E | None:
        if self.raw.get(name) is None and (default is not None or not required):
            return default
        value = self._required(name)
        if value is None:
            return None
        options = [member.value for member in kind]
        if isinstance(value, str) and value in options:
            return kind(value)
        self.problem(name, f"unknown {name} {_show(value)}: use one of {', '.join(options)}")
        return None

    def list(self, name: str) -> list[object] | None:
        value = self._required(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.problem(name, f"must be a list, got {_kind(value)}")
            return None
        return value

    def number(
        self,
        name: str,
        *,
        above: Decimal | None = None,
        at_least: Decimal | None = None,
        at_most: Decimal | None = None,
        required: bool = True,
    ) -> Decimal | None:
        """The field as a Decimal; None if it is wrong (a problem) or absent and optional."""
        if not required and self.raw.get(name) is None:
            return None
        value = self._required(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.problem(name, f"must be a number, got {_show(value)}")
            return None
        number = to_decimal(value)
        if not number.is_finite() or abs(number) >= _TOO_LARGE:
            self.problem(name, f"must be a finite number below 10^15, got {_show(value)}")
            return None
        if above is not None and not number > above:
            self.problem(name, f"must be a number greater than {above}, got {_show(value)}")
            return None
        if at_least is not None and number < at_least:
            self.problem(name, f"must be at least {at_least}, got {_show(value)}")
            return None
        if at_most is not None and number > at_most:
            self.problem(name, f"must be at most {at_most}, got {_show(value)}")
            return None
        return number


# -- writing -------------------------------------------------------------------------------


def _lot(lot: TaxLot) -> dict[str, Any]:
    return {
        "account": lot.account,
        "security": lot.security,
        "quantity": _shares(lot.quantity),
        "cost_basis": _money(lot.cost_basis),
        "acquired": lot.acquired.isoformat(),
        "holding_period_start": lot.period_start.isoformat(),
        "wash_sale_adjustment": _money(lot.wash_sale_adjustment),
    }


def _realized(gain: RealizedGain) -> dict[str, Any]:
    proceeds, basis = round_cents(gain.proceeds), round_cents(gain.cost_basis)
    return {
        "date": gain.date.isoformat(),
        "account": gain.account,
        "security": gain.security,
        "quantity": _shares(gain.quantity),
        "proceeds": as_float(proceeds),
        "cost_basis": as_float(basis),
        # From the rounded amounts, so the three numbers shown always agree.
        "gain": as_float(proceeds - basis),
        "term": gain.term.value,
        "wash_sale_disallowed": _money(gain.wash_sale_disallowed),
        "acquired": gain.acquired.isoformat(),
        "transaction": gain.transaction,
    }


def _money(amount: Decimal) -> float:
    return as_float(round_cents(amount))


def _shares(quantity: Decimal) -> int | float:
    rounded = round_shares(quantity)
    return int(rounded) if rounded == rounded.to_integral_value() else as_float(rounded)


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "an object"
    return {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)
