"""The rebalance case: one account's decision problem, read from the contract's JSON.

Problem: a case arrives as untrusted JSON (a file, a support ticket, a batch row). The
engine must either get a complete, consistent picture of the account or tell the user
every mistake at once, each with the JSON path to fix, never a stack trace.

Rule: `parse_case` checks every field of the contract (docs/contracts/rebalance-case.md,
schema `trimtab/contracts/rebalance-case.schema.json`) and returns `(case, problems)`;
`case` is None whenever `problems` is not empty. Plain-English `settings` and explicit
`parameters` are resolved by `trimtab.domain.calibration`, whose problems are reported
with the same paths (`settings.tax_sensitivity`, `parameters.min_cash`).

The contract is strict: a key that `CASE_FIELDS` does not list for its object is
invalid ("unknown field 'setings' (did you mean 'settings'?)"), because a misspelt
optional field ("must_sel") would otherwise be dropped silently and change the answer.
Targets may sum to more than 1 by `TARGET_SUM_TOLERANCE` (a provider's rounding): they
are used as given, and the excess comes out of cash's implied share 1 − Σ targets (read
as 0; cash stays within min_cash/max_cash as always).

Fields this engine adds to the contract (all optional):
- `securities[i].no_sell` (every lot of the security) and `lots[j].no_sell` (one lot);
- `lots[j].holding_period_start`: for a wash-sale replacement whose period is tacked on;
- `recent_trades[k].wash_group`: for a household trade in a security this case does not
  list (otherwise its wash group is the listed security's, or its own id);
- `tax.picture`: the client's year (realized, outside gains, carryforward): losses and
  gains are then valued at the marginal rate Schedule D gives the next dollar
  (`trimtab.domain.tax_picture`);
- `factor_model`: {"factors": [names], "exposures": {security: [one per factor]},
  "covariance": [[...]], "specific_variance": {security: v}} for the tracking-error term.

Worked example:

    >>> case, problems = parse_case({"as_of": "2026-11-20",
    ...     "account": {"id": "A", "tax_status": "taxable", "cash": 100.0},
    ...     "tax": {"short_term_rate": 0.4, "long_term_rate": 0.2},
    ...     "securities": [{"id": "VOO", "price": -5}], "groups": [], "lots": []})
    >>> [str(p) for p in problems]
    ['securities[0].price: must be a positive number, got -5']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING

from trimtab.domain.allocations import WEIGHT_TOLERANCE
from trimtab.domain.calibration import VOCABULARY, ResolvedParameters, resolve_parameters
from trimtab.domain.problems import Problem, unknown_fields
from trimtab.domain.tax_netting import ORDINARY_OFFSET_LIMIT
from trimtab.domain.tax_picture import DEFAULT_CARRYFORWARD_DISCOUNT, TaxPicture

if TYPE_CHECKING:
    from trimtab.engine.arrays import AccountArrays

__all__ = [
    "CASE_FIELDS",
    "TARGET_SUM_TOLERANCE",
    "TAX_STATUSES",
    "AccountInput",
    "Case",
    "FactorModel",
    "GroupInput",
    "LotInput",
    "RecentTrade",
    "SecurityInput",
    "TaxRates",
    "parse_case",
    "picture_of",
]

TAX_STATUSES = ("taxable", "tax_deferred", "tax_exempt")
# Weights rounded by a provider (0.333333 × 3 + ...) overshoot 1 by a few millionths;
# the same basis point of slack as models and allocations (one definition, in domain).
TARGET_SUM_TOLERANCE = WEIGHT_TOLERANCE

# The client's tax picture (docs/contracts/rebalance-case.md, "Tax picture"): amounts in
# dollars, then the two rates; the case's own rates are the picture's rates.
PICTURE_AMOUNTS = (
    "realized_short_ytd",
    "realized_long_ytd",
    "outside_short",
    "outside_long",
    "carryforward_short",
    "carryforward_long",
)
PICTURE_FIELDS = (*PICTURE_AMOUNTS, "ordinary_rate", "carryforward_discount", "ordinary_offset")

# Every field the contract defines, per object ("[]": each element of that list); the
# JSON Schema (trimtab/contracts/rebalance-case.schema.json) lists exactly these.
CASE_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "": (
            "as_of",
            "account",
            "tax",
            "securities",
            "groups",
            "lots",
            "recent_trades",
            "settings",
            "parameters",
            "factor_model",
        ),
        "account": ("id", "tax_status", "cash"),
        "tax": ("short_term_rate", "long_term_rate", "picture"),
        "tax.picture": PICTURE_FIELDS,
        "securities[]": (
            "id",
            "price",
            "cost_rate",
            "wash_group",
            "no_buy",
            "no_sell",
            "must_sell",
        ),
        "groups[]": ("id", "members", "buy", "target", "band"),
        "lots[]": (
            "id",
            "security",
            "quantity",
            "cost_basis",
            "acquired",
            "no_sell",
            "holding_period_start",
        ),
        "recent_trades[]": ("security", "side", "date", "quantity", "realized_gain", "wash_group"),
        "settings": tuple(VOCABULARY),
        "parameters": tuple(f.name for f in fields(ResolvedParameters)),
        "factor_model": ("factors", "exposures", "covariance", "specific_variance"),
    }
)


@dataclass(frozen=True, slots=True)
class AccountInput:
    id: str
    tax_status: str
    cash: float

    @property
    def is_taxable(self) -> bool:
        return self.tax_status == "taxable"


@dataclass(frozen=True, slots=True)
class TaxRates:
    """The case's rates, and optionally the client's tax picture.

    Without a picture a lot's τ is its term's rate, for a gain and a loss alike. With
    one, τ is the picture's marginal rate for the lot's term and the sign of its gain
    (`TaxPicture.marginal`): the value of the next dollar under Schedule D netting.
    """

    short_term_rate: float = 0.0
    long_term_rate: float = 0.0
    picture: TaxPicture | None = None


@dataclass(frozen=True, slots=True)
class SecurityInput:
    id: str
    price: float
    cost_rate: float = 0.0
    wash_group: str = ""  # "" = its own id
    no_buy: bool = False
    no_sell: bool = False
    must_sell: bool = False

    @property
    def wash_key(self) -> str:
        return self.wash_group or self.id


@dataclass(frozen=True, slots=True)
class GroupInput:
    id: str
    members: tuple[str, ...]
    buy: str | None
    target: float
    band: float | None = None  # None: the resolved `default_band`


@dataclass(frozen=True, slots=True)
class LotInput:
    id: str
    security: str
    quantity: float
    cost_basis: float  # per share, as in the contract
    acquired: dt.date
    no_sell: bool = False
    holding_period_start: dt.date | None = None


@dataclass(frozen=True, slots=True)
class RecentTrade:
    security: str
    side: str  # "buy" or "sell"
    date: dt.date
    quantity: float | None = None
    realized_gain: float | None = None  # a sale without it is treated as a possible loss
    wash_group: str | None = None


@dataclass(frozen=True, slots=True)
class FactorModel:
    """Risk model Σ = B F Bᵀ + D over the case's securities (weights as fractions of V)."""

    factors: tuple[str, ...]
    exposures: Mapping[str, tuple[float, ...]]
    covariance: tuple[tuple[float, ...], ...]
    specific_variance: Mapping[str, float]


@dataclass(frozen=True)
class Case:
    """One account, as of one day, with its parameters resolved (see module docstring)."""

    as_of: dt.date
    account: AccountInput
    tax: TaxRates
    securities: tuple[SecurityInput, ...]
    groups: tuple[GroupInput, ...]
    lots: tuple[LotInput, ...]
    recent_trades: tuple[RecentTrade, ...]
    parameters: ResolvedParameters
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    explicit_parameters: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    factor_model: FactorModel | None = None

    @property
    def arrays(self) -> AccountArrays:
        """The case as numpy arrays, computed once (the solver's hot path reads only these)."""
        cached: AccountArrays | None = self.__dict__.get("_arrays")
        if cached is None:
            from trimtab.engine.arrays import build_arrays

            cached = build_arrays(self)
            # A derived cache, not state: the frozen value is unchanged.
            object.__setattr__(self, "_arrays", cached)
        return cached


class _Reader:
    """Collects every problem of a JSON document while reading it, with JSON paths."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(
        self, value: object, path: str, known: Sequence[str] | None = None
    ) -> Mapping[str, object] | None:
        """The object at `path`; with `known`, any other key in it is a problem."""
        if isinstance(value, Mapping):
            if known is not None:
                self.problems.extend(unknown_fields(value, known, path))
            return value
        if value is None and path:
            self.add(path, "is required")
            return None
        self.add(path, f"must be an object, got {_show(value)}")
        return None

    def array(self, parent: Mapping[str, object], key: str, path: str) -> list[object]:
        value = parent.get(key, [])
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.add(path, f"must be a list, got {_show(value)}")
        return []

    def text(
        self, parent: Mapping[str, object], key: str, path: str, *, required: bool = True
    ) -> str | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.add(path, "is required")
            return None
        if isinstance(value, str) and value:
            return value
        self.add(path, f"must be a non-empty string, got {_show(value)}")
        return None

    def number(
        self,
        parent: Mapping[str, object],
        key: str,
        path: str,
        *,
        default: float | None = None,
        low: float | None = None,
        high: float | None = None,
        positive: bool = False,
        rule: str = "",
    ) -> float | None:
        value = parent.get(key)
        if value is None:
            if default is None:
                self.add(path, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(path, f"must be a number, got {_show(value)}")
            return default
        number = float(value)
        if not math.isfinite(number):
            self.add(path, f"must be a finite number, got {_show(value)}")
            return default
        if positive and number <= 0:
            self.add(path, f"must be a positive number, got {_show(value)}")
            return default
        if (low is not None and number < low) or (high is not None and number > high):
            self.add(path, f"must be {rule}, got {_show(value)}")
            return default
        return number

    def flag(self, parent: Mapping[str, object], key: str, path: str) -> bool:
        value = parent.get(key, False)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        self.add(path, f"must be true or false, got {_show(value)}")
        return False

    def date(
        self, parent: Mapping[str, object], key: str, path: str, *, required: bool = True
    ) -> dt.date | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.add(path, "is required (a date YYYY-MM-DD)")
            return None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.add(path, f"must be a date YYYY-MM-DD, got {_show(value)}")
        return None


def _show(value: object) -> str:
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_case(data: object) -> tuple[Case | None, list[Problem]]:
    """Read a case from parsed JSON; return it with no problems, or None with all of them."""
    r = _Reader()
    root = r.obj(data, "", CASE_FIELDS[""])
    if root is None:
        return None, r.problems

    as_of = r.date(root, "as_of", "as_of")
    account = _read_account(r, root.get("account"))
    taxable = account is not None and account.is_taxable
    tax = _read_tax(r, root.get("tax"), required=taxable)
    securities = _read_securities(r, root)
    known = {s.id: s for s in securities}
    lots = _read_lots(r, root, known, as_of)
    groups = _read_groups(r, root, known)
    recent = _read_recent_trades(r, root, as_of)
    factor_model = _read_factor_model(r, root.get("factor_model"), known)

    # Unknown names are reported here, in the contract's words, and kept from calibration
    # (which would report them again in its own).
    settings = _known(r, root.get("settings"), "settings")
    explicit = _known(r, root.get("parameters"), "parameters")
    price = {s.id: s.price for s in securities}
    account_value = (account.cash if account else 0.0) + sum(
        lot.quantity * price.get(lot.security, 0.0) for lot in lots
    )
    parameters, calibration_problems = resolve_parameters(
        settings,
        explicit,
        account_value=account_value,
        tax_status=account.tax_status if account else "taxable",
    )
    r.problems.extend(calibration_problems)

    if r.problems or as_of is None or account is None or tax is None:
        return None, r.problems
    case = Case(
        as_of=as_of,
        account=account,
        tax=tax,
        securities=tuple(securities),
        groups=tuple(groups),
        lots=tuple(lots),
        recent_trades=tuple(recent),
        parameters=parameters,
        settings=MappingProxyType(dict(settings)),
        explicit_parameters=MappingProxyType(dict(explicit)),
        factor_model=factor_model,
    )
    return case, []


def _known(r: _Reader, value: object, key: str) -> dict[str, object]:
    """The object's entries the contract names (the others are reported as unknown)."""
    obj = r.obj(value or {}, key, CASE_FIELDS[key]) or {}
    return {k: v for k, v in obj.items() if k in CASE_FIELDS[key]}


def _read_account(r: _Reader, value: object) -> AccountInput | None:
    obj = r.obj(value, "account", CASE_FIELDS["account"])
    if obj is None:
        return None
    ident = r.text(obj, "id", "account.id")
    status = obj.get("tax_status")
    if status not in TAX_STATUSES:
        r.add(
            "account.tax_status",
            f"must be one of {', '.join(TAX_STATUSES)}; got {_show(status)}",
        )
        status = None
    cash = r.number(obj, "cash", "account.cash")
    if ident is None or not isinstance(status, str) or cash is None:
        return None
    return AccountInput(ident, status, cash)


def _read_tax(r: _Reader, value: object, *, required: bool) -> TaxRates | None:
    if value is None:
        if required:
            r.add("tax", "is required for a taxable account (short_term_rate, long_term_rate)")
            return None
        return TaxRates()
    obj = r.obj(value, "tax", CASE_FIELDS["tax"])
    if obj is None:
        return None
    rates = [
        r.number(
            obj,
            key,
            f"tax.{key}",
            default=None if required else 0.0,
            low=0,
            high=1,
            rule="a rate between 0 and 1",
        )
        for key in ("short_term_rate", "long_term_rate")
    ]
    if rates[0] is None or rates[1] is None:
        return None
    picture = None
    if obj.get("picture") is not None:
        picture = _read_picture(r, obj["picture"], rates[0], rates[1])
        if picture is None:
            return None
    return TaxRates(rates[0], rates[1], picture)


def _read_picture(
    r: _Reader, value: object, short_term_rate: float, long_term_rate: float
) -> TaxPicture | None:
    obj = r.obj(value, "tax.picture", CASE_FIELDS["tax.picture"])
    if obj is None:
        return None
    before = len(r.problems)
    amounts = {
        key: r.number(
            obj,
            key,
            f"tax.picture.{key}",
            default=0.0,
            # A carryforward is loss left over: a positive amount, whatever its term.
            low=0 if key.startswith("carryforward") else None,
            rule="a loss amount ≥ 0",
        )
        for key in PICTURE_AMOUNTS
    }
    ordinary = r.number(
        obj,
        "ordinary_rate",
        "tax.picture.ordinary_rate",
        default=short_term_rate,
        low=0,
        high=0.999,
        rule="a rate between 0 and 1",
    )
    discount = r.number(
        obj,
        "carryforward_discount",
        "tax.picture.carryforward_discount",
        default=float(DEFAULT_CARRYFORWARD_DISCOUNT),
        low=0,
        high=1,
        rule="a discount rate between 0 and 1",
    )
    limit = r.number(
        obj,
        "ordinary_offset",
        "tax.picture.ordinary_offset",
        default=float(ORDINARY_OFFSET_LIMIT),
        low=0,
        rule="a dollar amount ≥ 0",
    )
    if len(r.problems) > before or ordinary is None or discount is None or limit is None:
        return None
    if short_term_rate >= 1 or long_term_rate >= 1:
        r.add("tax", "rates must be below 1 when a tax picture is given")
        return None
    read = {**amounts, "ordinary_rate": ordinary, "carryforward_discount": discount}
    read["ordinary_offset"] = limit
    # Only the fields given: the picture of a case equals the one its writer built.
    stated = {k: v for k, v in read.items() if v is not None and obj.get(k) is not None}
    return picture_of(short_term_rate, long_term_rate, stated)


def picture_of(
    short_term_rate: float, long_term_rate: float, fields: Mapping[str, float]
) -> TaxPicture:
    """The `TaxPicture` of a case's rates and its `tax.picture` fields (valid values;
    a field left out takes its default), each number read as the decimal it is written as.

    The nightly run builds its cases' pictures here too, so a case parsed again from its
    record values every lot exactly as the night did.
    """
    d = {k: _decimal(v) for k, v in fields.items()}
    zero = Decimal(0)
    return TaxPicture(
        _decimal(short_term_rate),
        _decimal(long_term_rate),
        realized_short=d.get("realized_short_ytd", zero),
        realized_long=d.get("realized_long_ytd", zero),
        outside_short=d.get("outside_short", zero),
        outside_long=d.get("outside_long", zero),
        carryforward_short=d.get("carryforward_short", zero),
        carryforward_long=d.get("carryforward_long", zero),
        ordinary_rate=d.get("ordinary_rate"),
        carryforward_discount=d.get("carryforward_discount", DEFAULT_CARRYFORWARD_DISCOUNT),
        ordinary_limit=d.get("ordinary_offset", ORDINARY_OFFSET_LIMIT),
    )


def _decimal(number: float) -> Decimal:
    """The decimal a JSON number was written as (0.1 stays 0.1, not its binary neighbour)."""
    return Decimal(repr(number))


def _read_securities(r: _Reader, root: Mapping[str, object]) -> list[SecurityInput]:
    out: list[SecurityInput] = []
    seen: set[str] = set()
    for i, item in enumerate(r.array(root, "securities", "securities")):
        path = f"securities[{i}]"
        obj = r.obj(item, path, CASE_FIELDS["securities[]"])
        if obj is None:
            continue
        ident = r.text(obj, "id", f"{path}.id")
        price = r.number(obj, "price", f"{path}.price", positive=True)
        cost_rate = r.number(
            obj,
            "cost_rate",
            f"{path}.cost_rate",
            default=0.0,
            low=0,
            high=0.999,
            rule="a fraction of trade value between 0 and 1",
        )
        wash = r.text(obj, "wash_group", f"{path}.wash_group", required=False)
        flags = [r.flag(obj, k, f"{path}.{k}") for k in ("no_buy", "no_sell", "must_sell")]
        if ident is not None and ident in seen:
            r.add(f"{path}.id", f"duplicate security id {ident!r}")
            continue
        if ident is None or price is None or cost_rate is None:
            continue
        seen.add(ident)
        out.append(SecurityInput(ident, price, cost_rate, wash or "", *flags))
    return out


def _read_lots(
    r: _Reader,
    root: Mapping[str, object],
    known: Mapping[str, SecurityInput],
    as_of: dt.date | None,
) -> list[LotInput]:
    out: list[LotInput] = []
    seen: set[str] = set()
    for i, item in enumerate(r.array(root, "lots", "lots")):
        path = f"lots[{i}]"
        obj = r.obj(item, path, CASE_FIELDS["lots[]"])
        if obj is None:
            continue
        ident = r.text(obj, "id", f"{path}.id")
        security = r.text(obj, "security", f"{path}.security")
        if security is not None and security not in known:
            r.add(f"{path}.security", f"unknown security {security!r}: list it in securities")
            security = None
        quantity = r.number(obj, "quantity", f"{path}.quantity", positive=True)
        basis = r.number(
            obj, "cost_basis", f"{path}.cost_basis", low=0, rule="a cost per share ≥ 0"
        )
        acquired = r.date(obj, "acquired", f"{path}.acquired")
        start = r.date(obj, "holding_period_start", f"{path}.holding_period_start", required=False)
        for key, day in (("acquired", acquired), ("holding_period_start", start)):
            if day is not None and as_of is not None and day > as_of:
                r.add(f"{path}.{key}", f"{day} is after as_of {as_of}")
        no_sell = r.flag(obj, "no_sell", f"{path}.no_sell")
        if ident is not None and ident in seen:
            r.add(f"{path}.id", f"duplicate lot id {ident!r}")
            continue
        if ident is None or security is None or quantity is None or basis is None:
            continue
        if acquired is None:
            continue
        seen.add(ident)
        out.append(LotInput(ident, security, quantity, basis, acquired, no_sell, start))
    return out


def _read_groups(
    r: _Reader, root: Mapping[str, object], known: Mapping[str, SecurityInput]
) -> list[GroupInput]:
    out: list[GroupInput] = []
    seen: set[str] = set()
    member_of: dict[str, str] = {}
    # Summed as the decimals typed (float's shortest repr), so 0.6 + 0.4001 is exactly
    # 1.0001, at the tolerance, and the message shows the excess digit for digit.
    total_target = Decimal(0)
    for i, item in enumerate(r.array(root, "groups", "groups")):
        path = f"groups[{i}]"
        obj = r.obj(item, path, CASE_FIELDS["groups[]"])
        if obj is None:
            continue
        ident = r.text(obj, "id", f"{path}.id")
        members: list[str] = []
        raw_members = r.array(obj, "members", f"{path}.members")
        if not raw_members:
            r.add(f"{path}.members", "must list at least one security")
        for j, member in enumerate(raw_members):
            mpath = f"{path}.members[{j}]"
            if not isinstance(member, str) or member not in known:
                r.add(mpath, f"unknown security {_show(member)}: list it in securities")
            elif member in member_of:
                r.add(mpath, f"{member} is already a member of group {member_of[member]!r}")
            else:
                members.append(member)
                member_of[member] = ident or path
        buy = obj.get("buy")
        if buy is not None and (not isinstance(buy, str) or buy not in raw_members):
            r.add(f"{path}.buy", f"must be null or one of the group's members, got {_show(buy)}")
            buy = None
        target = r.number(
            obj, "target", f"{path}.target", low=0, high=1, rule="a weight between 0 and 1"
        )
        band = r.number(
            obj,
            "band",
            f"{path}.band",
            default=-1.0,
            low=0,
            high=1,
            rule="a weight between 0 and 1",
        )
        if ident is not None and ident in seen:
            r.add(f"{path}.id", f"duplicate group id {ident!r}")
            continue
        if ident is None or target is None:
            continue
        seen.add(ident)
        total_target += Decimal(repr(target))
        out.append(
            GroupInput(
                ident,
                tuple(members),
                buy if isinstance(buy, str) else None,
                target,
                None if band is None or band < 0 else band,
            )
        )
    if total_target > 1 + TARGET_SUM_TOLERANCE:
        # At least six places, more when the excess needs them (1.0001000001).
        places = max(6, -int(total_target.normalize().as_tuple().exponent))
        r.add(
            "groups",
            f"targets sum to {total_target:.{places}f}; they must sum to at most 1 "
            f"(+{TARGET_SUM_TOLERANCE:.0e} rounding tolerance)",
        )
    return out


def _read_recent_trades(
    r: _Reader, root: Mapping[str, object], as_of: dt.date | None
) -> list[RecentTrade]:
    out: list[RecentTrade] = []
    for i, item in enumerate(r.array(root, "recent_trades", "recent_trades")):
        path = f"recent_trades[{i}]"
        obj = r.obj(item, path, CASE_FIELDS["recent_trades[]"])
        if obj is None:
            continue
        security = r.text(obj, "security", f"{path}.security")
        side = obj.get("side")
        if side not in ("buy", "sell"):
            r.add(f"{path}.side", f"must be 'buy' or 'sell', got {_show(side)}")
        day = r.date(obj, "date", f"{path}.date")
        if day is not None and as_of is not None and day > as_of:
            r.add(f"{path}.date", f"{day} is after as_of {as_of}")
        quantity = r.number(
            obj, "quantity", f"{path}.quantity", default=0.0, low=0, rule="a number of shares ≥ 0"
        )
        gain = obj.get("realized_gain")
        realized = None if gain is None else r.number(obj, "realized_gain", f"{path}.realized_gain")
        wash = r.text(obj, "wash_group", f"{path}.wash_group", required=False)
        if security is None or side not in ("buy", "sell") or day is None:
            continue
        assert isinstance(side, str)
        out.append(RecentTrade(security, side, day, quantity, realized, wash))
    return out


def _read_factor_model(
    r: _Reader, value: object, known: Mapping[str, SecurityInput]
) -> FactorModel | None:
    if value is None:
        return None
    obj = r.obj(value, "factor_model", CASE_FIELDS["factor_model"])
    if obj is None:
        return None
    names = r.array(obj, "factors", "factor_model.factors")
    if not all(isinstance(n, str) for n in names):
        r.add("factor_model.factors", "must be a list of factor names")
    k = len(names)
    exposures: dict[str, tuple[float, ...]] = {}
    raw_exp = r.obj(obj.get("exposures", {}), "factor_model.exposures") or {}
    for sec, row in raw_exp.items():
        path = f"factor_model.exposures.{sec}"
        if sec not in known:
            r.add(path, f"unknown security {sec!r}")
        elif not _is_vector(row, k):
            r.add(path, f"must be a list of {k} numbers (one per factor)")
        else:
            assert isinstance(row, Sequence)
            exposures[sec] = tuple(float(v) for v in row)
    cov = obj.get("covariance", [])
    if not isinstance(cov, list) or len(cov) != k or not all(_is_vector(c, k) for c in cov):
        r.add("factor_model.covariance", f"must be a {k}×{k} list of lists of numbers")
        covariance: tuple[tuple[float, ...], ...] = ()
    else:
        covariance = tuple(tuple(float(v) for v in row) for row in cov)
        if not _is_psd(covariance):
            r.add("factor_model.covariance", "must be symmetric positive semidefinite")
    specific: dict[str, float] = {}
    raw_spec = r.obj(obj.get("specific_variance", {}), "factor_model.specific_variance") or {}
    for sec in raw_spec:
        path = f"factor_model.specific_variance.{sec}"
        if sec not in known:
            r.add(path, f"unknown security {sec!r}")
            continue
        v = r.number(raw_spec, sec, path, low=0, rule="a variance ≥ 0")
        if v is not None:
            specific[sec] = v
    return FactorModel(
        tuple(str(n) for n in names),
        MappingProxyType(exposures),
        covariance,
        MappingProxyType(specific),
    )


def _is_vector(value: object, length: int) -> bool:
    return (
        isinstance(value, list)
        and len(value) == length
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
    )


def _is_psd(matrix: tuple[tuple[float, ...], ...]) -> bool:
    import numpy as np

    if not matrix:
        return True
    m = np.array(matrix, dtype=float)
    if not np.allclose(m, m.T, atol=1e-12, rtol=1e-9):
        return False
    return bool(np.linalg.eigvalsh(m).min() >= -1e-10 * max(1.0, float(np.abs(m).max())))
