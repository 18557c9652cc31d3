"""Calibration: plain-English settings in, the optimizer's parameters out.

The problem. A firm says "tax sensitivity: high, drift tolerance: tight, keep 2% cash,
harvest losses above $500"; the optimizer needs a drift weight λ, a harvest value h, bands,
cash bounds, a minimum trade in dollars. The translation must be deterministic, documented,
shown to the user ("this means ..."), and it must make results *actionable*: an in-band
account makes no trade, no trade is smaller than the minimum, no voluntary trade costs more
than it is worth, and a normal market day does not make tomorrow's rebalance undo today's.

The rule. One table, `VOCABULARY`, gives every setting its words (or its kind of number),
its default, and the parameter values each word stands for; `resolve_parameters` reads it,
then lets explicit `parameters` override, and validates everything, returning problems as
values with the path of the offending field. `describe` writes the "what this means"
sentences from the same table, so what users read is what the optimizer does.

Tax sensitivity is expressed only through λ (`drift_weight`) and h (`harvest_value`): the
objective prices tax at its face value (weight 1). λ is dollars of penalty per dollar of
out-of-band drift, so moving $X from a group above its band to one below its band cuts the
penalty by 2λX, and a sale whose gain is a fraction g of its value (tax rate τ, trading
cost rate c on each side) is worth making only when τ·g·X + 2c·X < 2λX, that is when
g < (2λ − 2c)/τ (`largest_gain_fraction`). The levels are chosen from that bound.

Worked example (a $1,000,000 taxable account, all settings defaulted but one):

    >>> params, problems = resolve_parameters(
    ...     {"tax_sensitivity": "high"}, {}, account_value=1_000_000, tax_status="taxable")
    >>> problems
    []
    >>> params.drift_weight, params.harvest_value, params.min_trade_value
    (0.02, 0.5, 500.0)
    >>> round(largest_gain_fraction(params.drift_weight, 0.238), 3)
    0.164
    >>> _, problems = resolve_parameters({"tax_sensitivity": "hi"}, {}, account_value=1e6,
    ...                                  tax_status="taxable")
    >>> [str(p) for p in problems]
    ["settings.tax_sensitivity: must be one of none, low, medium, high, maximum; got 'hi'"]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from types import MappingProxyType

from trimtab.domain.echo import quote_input
from trimtab.domain.money import cents
from trimtab.domain.problems import Problem

__all__ = [
    "APPLIED_WHEN_STATED",
    "REFERENCE_COST_RATE",
    "REFERENCE_LONG_TERM_RATE",
    "REFERENCE_SHORT_TERM_RATE",
    "VOCABULARY",
    "ResolvedParameters",
    "Setting",
    "SettingKind",
    "SettingMeaning",
    "describe",
    "largest_gain_fraction",
    "resolve_parameters",
    "spelled",
]

# The rates the documented table is computed at: the top US federal rates with the 3.8%
# net investment income tax (37% + 3.8% short term, 20% + 3.8% long term), and a typical
# ETF trading cost (half-spread plus commission) of 5 basis points on each side.
REFERENCE_SHORT_TERM_RATE = 0.408
REFERENCE_LONG_TERM_RATE = 0.238
REFERENCE_COST_RATE = 0.0005

_TAXABLE = "taxable"
_TAX_STATUSES = ("taxable", "tax_deferred", "tax_exempt")


@dataclass(frozen=True, slots=True)
class ResolvedParameters:
    """The optimizer's parameters, exactly as the rebalance-case contract names them.

    Fractions are of V (cash + market value − withdrawal); dollars are account currency.
    `max_turnover` and `gain_budget` are None when off; `tracking_error_weight` (λ_te,
    dollars per unit of tracking variance) 0 is off. The parameters the engine adds to the
    contract (`harvest_min_loss`, `harvest_min_loss_pct`, `harvest_requires_swap`,
    `tracking_error_weight`) are neutral (0 / False) unless a setting that turns them on
    is stated, so a case without them is the contract's problem exactly.
    """

    drift_weight: float
    harvest_value: float
    min_cash: float
    max_cash: float
    min_trade_value: float
    whole_shares: bool
    max_turnover: float | None
    gain_budget: float | None
    withdrawal: float
    default_band: float
    harvest_min_loss: float
    harvest_min_loss_pct: float
    harvest_requires_swap: bool
    tracking_error_weight: float

    def as_dict(self) -> dict[str, object]:
        """Every field, so a case re-run with these as explicit `parameters` matches."""
        # Every field is a scalar, so reading them is all of dataclasses.asdict's deep
        # walk, and ten times cheaper (it runs once per rebalance).
        return {name: getattr(self, name) for name in _PARAMETER_NAMES}


_PARAMETER_NAMES = tuple(f.name for f in fields(ResolvedParameters))


class SettingKind(StrEnum):
    CHOICE = "choice"  # one word of a fixed vocabulary
    DOLLARS = "dollars"  # 500, "$500", "$25,000"
    FRACTION = "fraction"  # 0.02 or "2%"
    FRACTION_RANGE = "fraction_range"  # [0.01, 0.05] or ["1%", "5%"]
    DOLLARS_OR_OFF = "dollars_or_off"
    FRACTION_OR_OFF = "fraction_or_off"


@dataclass(frozen=True, slots=True)
class Setting:
    """One plain-English setting: its words (for a choice) and the parameters they set.

    `choices` maps each word to the parameter values it stands for; settings that take a
    number name the parameter they feed in `parameter` and have no choices.
    """

    name: str
    kind: SettingKind
    default: object
    summary: str
    choices: Mapping[str, Mapping[str, float | bool]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    parameter: str | None = None

    def __post_init__(self) -> None:
        frozen = {word: MappingProxyType(dict(v)) for word, v in self.choices.items()}
        object.__setattr__(self, "choices", MappingProxyType(frozen))


@dataclass(frozen=True, slots=True)
class SettingMeaning:
    """A setting's effective value and the sentence telling the user what it does."""

    setting: str
    value: str
    meaning: str
    defaulted: bool

    def __str__(self) -> str:
        return f"{self.setting} = {self.value}: {self.meaning}"


def _choice(
    name: str, default: str, summary: str, **choices: Mapping[str, float | bool]
) -> Setting:
    return Setting(name, SettingKind.CHOICE, default, summary, choices)


# --------------------------------------------------------------------------------------
# THE table. docs/calibration.md explains each number; tests read it, never copy it.
# --------------------------------------------------------------------------------------
VOCABULARY: Mapping[str, Setting] = MappingProxyType(
    {
        s.name: s
        for s in (
            _choice(
                "tax_sensitivity",
                "medium",
                "how much drift reduction a dollar of realized tax must buy",
                # λ halves-to-fifths per step, so the largest accepted gain fraction
                # 2λ/τ steps from "any" to 84%, 42%, 16% and 4% of a sale at 23.8%;
                # h rises with it: a harvested loss defers tax, worth less than its
                # face value (the lower basis is taxed later), more so the longer the
                # client holds and the more they care.
                none={"drift_weight": 1.0, "harvest_value": 0.0},
                low={"drift_weight": 0.10, "harvest_value": 0.20},
                medium={"drift_weight": 0.05, "harvest_value": 0.35},
                high={"drift_weight": 0.02, "harvest_value": 0.50},
                maximum={"drift_weight": 0.005, "harvest_value": 0.70},
            ),
            _choice(
                "drift_tolerance",
                "normal",
                "how far a group's weight may stray from target before it trades",
                tight={"default_band": 0.01},
                normal={"default_band": 0.02},
                loose={"default_band": 0.03},
            ),
            _choice(
                "loss_harvesting",
                "opportunistic",
                "which unrealized losses are worth selling for their tax value",
                # "opportunistic" harvests only where the proceeds have a home: a swap
                # into the group's buy member in another wash group. Without one, the
                # sale empties the group for 30 days and its cash is forced, over the
                # cash ceiling, into other groups' bands: the next day's rise sells it
                # back (docs/calibration.md, "Why tomorrow does not undo today").
                off={
                    "harvest_enabled": False,
                    "harvest_min_loss": 0.0,
                    "harvest_min_loss_pct": 0.0,
                    "harvest_requires_swap": False,
                },
                opportunistic={
                    "harvest_enabled": True,
                    "harvest_min_loss": 1000.0,
                    "harvest_min_loss_pct": 0.10,
                    "harvest_requires_swap": True,
                },
                year_round={
                    "harvest_enabled": True,
                    "harvest_min_loss": 500.0,
                    "harvest_min_loss_pct": 0.05,
                    "harvest_requires_swap": False,
                },
            ),
            Setting(
                "harvest_min_loss",
                SettingKind.DOLLARS,
                None,
                "smallest loss, in dollars, a lot must show to be harvested "
                "(overrides loss_harvesting's)",
                parameter="harvest_min_loss",
            ),
            Setting(
                "harvest_min_loss_pct",
                SettingKind.FRACTION,
                None,
                "smallest loss, as a fraction of the lot's basis, to be harvested "
                "(overrides loss_harvesting's)",
                parameter="harvest_min_loss_pct",
            ),
            Setting(
                "cash_target",
                SettingKind.FRACTION,
                0.02,
                "the cash the account keeps; the cash range is centred on it",
            ),
            Setting(
                "cash_range",
                SettingKind.FRACTION_RANGE,
                None,
                "post-trade cash bounds [min, max]; default: half the target to target + 3%",
            ),
            Setting(
                "min_trade",
                SettingKind.DOLLARS,
                100.0,
                "smallest trade in dollars",
                parameter="min_trade_value",
            ),
            Setting(
                "min_trade_pct",
                SettingKind.FRACTION,
                0.0005,
                "smallest trade as a fraction of the account (the larger minimum applies)",
            ),
            _choice(
                "whole_shares",
                "yes",
                "whether trades are in whole shares",
                yes={"whole_shares": True},
                no={"whole_shares": False},
            ),
            Setting(
                "turnover_limit",
                SettingKind.FRACTION_OR_OFF,
                "off",
                "largest one-way turnover of one rebalance",
                parameter="max_turnover",
            ),
            Setting(
                "annual_gain_budget",
                SettingKind.DOLLARS_OR_OFF,
                "off",
                "net realized gains allowed this calendar year (taxable accounts)",
            ),
            Setting(
                "realized_gains_ytd",
                SettingKind.DOLLARS,
                0.0,
                "net gains already realized this year; the budget left is what remains",
            ),
            _choice(
                "tracking_error",
                "off",
                "how much tracking error versus the target the client will pay to avoid",
                # Per dollar of account and unit of annual tracking variance (resolved
                # λ_te = this × V): "high" pays up to 0.75% of the account
                # (25 × (2%² − 1%²)) in tax and costs to cut TE from 2% to 1%.
                off={"te_weight_per_dollar": 0.0},
                low={"te_weight_per_dollar": 1.0},
                medium={"te_weight_per_dollar": 5.0},
                high={"te_weight_per_dollar": 25.0},
            ),
            Setting(
                "raise_cash",
                SettingKind.DOLLARS,
                0.0,
                "cash that must leave the account in this rebalance (a withdrawal)",
                parameter="withdrawal",
            ),
        )
    }
)

# Settings whose product default turns on a parameter beyond the contract's table: in a
# case they apply only when stated (absent, the case is the spec's problem exactly), so a
# caller running the firm's defaults (the nightly run) states them even at their default.
APPLIED_WHEN_STATED: frozenset[str] = frozenset({"loss_harvesting"})

# How far the default cash range reaches either side of the target: a floor at half the
# target and a ceiling 3 points above leave room for a 2008-size day (cash weight moves
# by ~10% of itself) without a forced trade the next day.
_CASH_FLOOR_SHARE = 0.5
_CASH_CEILING_ROOM = 0.03


def largest_gain_fraction(
    drift_weight: float, tax_rate: float, cost_rate: float = REFERENCE_COST_RATE
) -> float:
    """The largest gain, as a fraction of a sale's value, a two-sided rebalance accepts.

    Moving $X from an over- to an under-weight group (both beyond their bands) cuts the
    drift penalty by 2λX and costs τ·g·X of tax plus c·X on each side, so it pays while
    g < (2λ − 2c)/τ. Values above 1 mean every gain is accepted (g ≤ 1 always).

        >>> round(largest_gain_fraction(0.05, 0.238), 3)
        0.416
    """
    if tax_rate <= 0:
        return math.inf
    return max(0.0, (2 * drift_weight - 2 * cost_rate) / tax_rate)


# --------------------------------------------------------------------------------------
# Reading plain values: words, dollars, fractions
# --------------------------------------------------------------------------------------
_OFF_WORDS = frozenset({"off", "none", "no"})
_BOOL_WORDS = {True: "yes", False: "no"}
_DOLLARS = re.compile(r"^\$?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*([kKmM]?)$")
_PERCENT = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)\s*%$")
_PLAIN_NUMBER = re.compile(r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")


class _Unreadable(Exception):
    """A setting's value is not of its kind; carries the message for the Problem."""


def _word(value: object) -> str:
    if isinstance(value, bool):
        return _BOOL_WORDS[value]
    if not isinstance(value, str):
        raise _Unreadable(f"must be a word; got {quote_input(value)}")
    return _as_word(value)


def _as_word(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unreadable(f"must be a number; got {quote_input(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise _Unreadable(f"must be a finite number; got {quote_input(value)}")
    return number


def _dollars(value: object) -> float:
    """500, 500.0, "$500", "$25,000", "25k" → dollars (never negative)."""
    if isinstance(value, str):
        match = _DOLLARS.match(value.strip())
        if match is None:
            raise _Unreadable(
                f"must be an amount in dollars like 500 or '$25,000'; got {quote_input(value)}"
            )
        scale = {"": 1.0, "k": 1e3, "m": 1e6}[match.group(2).lower()]
        amount = float(match.group(1).replace(",", "")) * scale
    else:
        amount = _number(value)
    if amount < 0:
        raise _Unreadable(f"must be at least $0; got {quote_input(value)}")
    return amount


def _fraction(value: object) -> float:
    """0.02, "0.02" or "2%" → 0.02, within [0, 1].

    Text comes from a command line (`--profile NAME:cash_target=0.02`, `settings set`),
    so a fraction written as text is read like the number it spells.
    """
    if isinstance(value, str):
        text = value.strip()
        percent = _PERCENT.match(text)
        if percent is not None:
            fraction = float(percent.group(1)) / 100
        elif _PLAIN_NUMBER.match(text):
            fraction = float(text)
        else:
            raise _Unreadable(
                f"must be a fraction like 0.02 or a percent like '2%'; got {quote_input(value)}"
            )
    else:
        fraction = _number(value)
    if not 0 <= fraction <= 1:
        raise _Unreadable(
            "must be between 0 and 1 (a fraction like 0.02 or a percent like '2%'); "
            f"got {quote_input(value)}"
        )
    return fraction


def spelled(name: str, value: object) -> object:
    """A setting's value in the vocabulary's own spelling, when it reads as one.

    The readers forgive case, spaces and dashes (`"Year-Round"` reads as `year_round`);
    what is recorded should be the word the catalog lists, so a history, a lineage and a
    bulk change's "unchanged" compare like with like. A value that does not read is
    returned as typed, for the refusal to quote.

        >>> spelled("tax_sensitivity", "HIGH"), spelled("turnover_limit", "Off")
        ('high', 'off')
        >>> spelled("tax_sensitivity", "hi"), spelled("min_trade", 500)
        ('hi', 500)
    """
    setting = VOCABULARY.get(name)
    if setting is None or not isinstance(value, str):
        return value
    word = _as_word(value)
    if setting.kind is SettingKind.CHOICE and word in setting.choices:
        return word
    off_kinds = (SettingKind.DOLLARS_OR_OFF, SettingKind.FRACTION_OR_OFF)
    if setting.kind in off_kinds and word in _OFF_WORDS:
        return "off"
    return value


def _fraction_range(value: object) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _Unreadable(f"must be a pair [min, max] like ['1%', '5%']; got {quote_input(value)}")
    low, high = _fraction(value[0]), _fraction(value[1])
    if low > high:
        raise _Unreadable(f"min must not exceed max; got {quote_input(value)}")
    return low, high


def _or_off(read: Callable[[object], float]) -> Callable[[object], float | None]:
    def read_or_off(value: object) -> float | None:
        if value is None or (isinstance(value, str) and _word(value) in _OFF_WORDS):
            return None
        if value is False:
            return None
        return read(value)

    return read_or_off


_READERS: Mapping[SettingKind, Callable[[object], object]] = MappingProxyType(
    {
        SettingKind.CHOICE: _word,
        SettingKind.DOLLARS: _dollars,
        SettingKind.FRACTION: _fraction,
        SettingKind.FRACTION_RANGE: _fraction_range,
        SettingKind.DOLLARS_OR_OFF: _or_off(_dollars),
        SettingKind.FRACTION_OR_OFF: _or_off(_fraction),
    }
)


@dataclass(frozen=True, slots=True)
class _Reading:
    """Every setting read into its word or number (given, else its default).

    None for a number setting means "not set": it falls back to what another setting
    implies (harvest minimums from loss_harvesting, the cash range from cash_target) or
    is off (turnover limit, gain budget).
    """

    tax_sensitivity: str
    drift_tolerance: str
    loss_harvesting: str
    harvest_min_loss: float | None
    harvest_min_loss_pct: float | None
    cash_target: float
    cash_range: tuple[float, float] | None
    min_trade: float
    min_trade_pct: float
    whole_shares: str
    turnover_limit: float | None
    annual_gain_budget: float | None
    realized_gains_ytd: float
    tracking_error: str
    raise_cash: float

    def choice(self, name: str) -> Mapping[str, float | bool]:
        word = getattr(self, name)
        assert isinstance(word, str)
        return VOCABULARY[name].choices[word]

    @property
    def cash_bounds(self) -> tuple[float, float]:
        if self.cash_range is not None:
            return self.cash_range
        return (
            self.cash_target * _CASH_FLOOR_SHARE,
            min(1.0, self.cash_target + _CASH_CEILING_ROOM),
        )

    @property
    def harvest_minimums(self) -> tuple[float, float]:
        """(dollars, fraction of basis): the explicit settings win over loss_harvesting's."""
        return self.harvest_thresholds(word_stated=True)

    def harvest_thresholds(self, *, word_stated: bool) -> tuple[float, float]:
        """The harvest minimums; loss_harvesting's own only when it was stated (else 0)."""
        chosen = self.choice("loss_harvesting")
        dollars = self.harvest_min_loss
        pct = self.harvest_min_loss_pct
        word_dollars = float(chosen["harvest_min_loss"]) if word_stated else 0.0
        word_pct = float(chosen["harvest_min_loss_pct"]) if word_stated else 0.0
        return (
            word_dollars if dollars is None else dollars,
            word_pct if pct is None else pct,
        )


def _read_one(setting: Setting, raw: object) -> object:
    if raw is None and setting.kind in (
        SettingKind.DOLLARS,
        SettingKind.FRACTION,
        SettingKind.FRACTION_RANGE,
    ):
        return None
    value = _READERS[setting.kind](raw)
    if setting.kind is SettingKind.CHOICE and value not in setting.choices:
        raise _Unreadable(f"must be one of {', '.join(setting.choices)}; got {quote_input(raw)}")
    return value


def _read_settings(settings: Mapping[str, object]) -> tuple[_Reading, set[str], list[Problem]]:
    """The settings read, the names that fell back to their default, and the problems."""
    problems = [
        Problem(f"settings.{name}", f"unknown setting; known: {', '.join(VOCABULARY)}")
        for name in settings
        if name not in VOCABULARY
    ]
    values: dict[str, object] = {}
    defaulted: set[str] = set()
    for name, setting in VOCABULARY.items():
        # An explicit null reads as "not stated": the setting's default, never a crash.
        if settings.get(name) is not None:
            try:
                values[name] = _read_one(setting, settings[name])
                continue
            except _Unreadable as unreadable:
                problems.append(Problem(f"settings.{name}", str(unreadable)))
        defaulted.add(name)
        values[name] = _read_one(setting, setting.default)
    # Each reader returns its kind's type (word, dollars, fraction, pair), as _Reading says.
    return _Reading(**values), defaulted, problems  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Settings → parameters
# --------------------------------------------------------------------------------------
def _translate(
    reading: _Reading, *, stated: frozenset[str], account_value: float, taxable: bool
) -> dict[str, object]:
    tax = reading.choice("tax_sensitivity")
    min_cash, max_cash = reading.cash_bounds
    # Spec-literal unless stated: the parameters beyond the contract's table stay neutral
    # unless the setting that turns them on is in the case (APPLIED_WHEN_STATED).
    harvesting_stated = "loss_harvesting" in stated
    min_loss, min_loss_pct = reading.harvest_thresholds(word_stated=harvesting_stated)
    budget = reading.annual_gain_budget
    # A spent budget means "no further net gains", never "realize losses to get back".
    gain_budget = (
        None if budget is None or not taxable else max(0.0, budget - reading.realized_gains_ytd)
    )
    return {
        "drift_weight": float(tax["drift_weight"]),
        "harvest_value": (
            float(tax["harvest_value"])
            if reading.choice("loss_harvesting")["harvest_enabled"]
            else 0.0
        ),
        "min_cash": min_cash,
        "max_cash": max_cash,
        "min_trade_value": max(reading.min_trade, reading.min_trade_pct * max(0.0, account_value)),
        "whole_shares": bool(reading.choice("whole_shares")["whole_shares"]),
        "max_turnover": reading.turnover_limit,
        "gain_budget": gain_budget,
        "withdrawal": reading.raise_cash,
        "default_band": float(reading.choice("drift_tolerance")["default_band"]),
        "harvest_min_loss": min_loss,
        "harvest_min_loss_pct": min_loss_pct,
        "harvest_requires_swap": harvesting_stated
        and bool(reading.choice("loss_harvesting")["harvest_requires_swap"]),
        # The engine's term is λ_te·(w − t)ᵀΣ(w − t) with no V in it (OPTIMIZER.md), so
        # λ_te is dollars per unit of variance: the word's per-dollar weight times V.
        "tracking_error_weight": (
            float(reading.choice("tracking_error")["te_weight_per_dollar"])
            * max(0.0, account_value)
        ),
    }


# --------------------------------------------------------------------------------------
# Explicit parameters: types and ranges
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Range:
    low: float | None = 0.0
    high: float | None = None
    nullable: bool = False


_PARAMETER_RANGES: Mapping[str, _Range | None] = MappingProxyType(
    {
        "drift_weight": _Range(),
        "harvest_value": _Range(high=1.0),
        "min_cash": _Range(high=1.0),
        "max_cash": _Range(high=1.0),
        "min_trade_value": _Range(),
        "whole_shares": None,  # a boolean
        "max_turnover": _Range(high=1.0, nullable=True),
        # Negative is allowed: the contract reads it as "realize at least this net loss".
        "gain_budget": _Range(low=None, nullable=True),
        "withdrawal": _Range(),
        "default_band": _Range(high=1.0),
        "harvest_min_loss": _Range(),
        "harvest_min_loss_pct": _Range(high=1.0),
        "harvest_requires_swap": None,  # a boolean
        "tracking_error_weight": _Range(),
    }
)


def _check_explicit(name: str, value: object) -> tuple[object, Problem | None]:
    path = f"parameters.{name}"
    rule = _PARAMETER_RANGES[name]
    if rule is None:
        if isinstance(value, bool):
            return value, None
        return None, Problem(path, f"must be true or false; got {quote_input(value)}")
    if value is None:
        if rule.nullable:
            return None, None
        return None, Problem(path, "must be a number, not null")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        kind = "a finite number or null (off)" if rule.nullable else "a finite number"
        return None, Problem(path, f"must be {kind}; got {quote_input(value)}")
    number = float(value)
    too_low = rule.low is not None and number < rule.low
    too_high = rule.high is not None and number > rule.high
    if too_low or too_high:
        if rule.high is None:
            return None, Problem(path, f"must be at least {rule.low:g}; got {quote_input(value)}")
        return None, Problem(
            path, f"must be between {rule.low:g} and {rule.high:g}; got {quote_input(value)}"
        )
    return number, None


def resolve_parameters(
    settings: Mapping[str, object],
    explicit: Mapping[str, object],
    *,
    account_value: float,
    tax_status: str,
) -> tuple[ResolvedParameters, list[Problem]]:
    """Translate a case's `settings`, let its explicit `parameters` win, validate both.

    `account_value` is V (it turns `min_trade_pct` into dollars); `tax_status` is the
    account's: outside a taxable account the gain budget is off (gains are not taxed; an
    explicit `gain_budget` still applies). Problems name `settings.<name>` or
    `parameters.<name>`. With problems, the parameters returned are still complete (a bad
    value is replaced by its default), so a caller can go on validating the rest of a case
    and report every error at once.
    """
    reading, defaulted, problems = _read_settings(settings)
    if tax_status not in _TAX_STATUSES:
        problems.append(
            Problem(
                "account.tax_status",
                f"must be one of {', '.join(_TAX_STATUSES)}; got {quote_input(tax_status)}",
            )
        )
    resolved = _translate(
        reading,
        stated=frozenset(VOCABULARY) - defaulted,
        account_value=account_value,
        taxable=tax_status == _TAXABLE,
    )

    for name, value in explicit.items():
        if name not in _PARAMETER_RANGES:
            known = ", ".join(_PARAMETER_RANGES)
            problems.append(Problem(f"parameters.{name}", f"unknown parameter; known: {known}"))
            continue
        checked, problem = _check_explicit(name, value)
        if problem is None:
            resolved[name] = checked
        else:
            problems.append(problem)

    # Every key is a field and _translate/_check_explicit give each its field's type.
    params = ResolvedParameters(**resolved)  # type: ignore[arg-type]
    if params.min_cash > params.max_cash:
        path = next(
            (f"parameters.{n}" for n in ("min_cash", "max_cash") if n in explicit),
            "settings.cash_range",
        )
        problems.append(
            Problem(
                path,
                f"min_cash {params.min_cash:g} must not exceed max_cash {params.max_cash:g}",
            )
        )
        params = replace(params, min_cash=params.max_cash)
    return params, problems


# --------------------------------------------------------------------------------------
# "What this means": one sentence per setting, written from the table
# --------------------------------------------------------------------------------------
def _pct(fraction: float, places: int = 1) -> str:
    text = f"{fraction * 100:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _usd(amount: float) -> str:
    rounded = cents(amount)
    return f"${rounded:,.0f}" if rounded == round(rounded) else f"${rounded:,.2f}"


def _tax_sensitivity_meaning(r: _Reading, account_value: float | None) -> str:
    chosen = r.choice("tax_sensitivity")
    lam, h = float(chosen["drift_weight"]), float(chosen["harvest_value"])
    long_g = largest_gain_fraction(lam, REFERENCE_LONG_TERM_RATE)
    short_g = largest_gain_fraction(lam, REFERENCE_SHORT_TERM_RATE)
    if min(long_g, short_g) >= 1:
        gains = "so rebalancing sells whatever gains it realizes"
    else:
        gains = (
            f"so a rebalancing sale is made only when its gain is at most {_pct(long_g)} of its "
            f"value if long-term (taxed at {_pct(REFERENCE_LONG_TERM_RATE)}) or {_pct(short_g)} "
            f"if short-term (at {_pct(REFERENCE_SHORT_TERM_RATE)})"
        )
    harvest = (
        "a harvested loss is worth nothing"
        if h == 0
        else f"a harvested loss is worth {_pct(h, 0)} of the tax it saves"
    )
    return (
        f"a rebalancing trade must cut out-of-band drift by at least {_usd(1 / lam)} for each "
        f"$1 of tax it realizes, {gains}; {harvest}."
    )


def _drift_tolerance_meaning(r: _Reading, account_value: float | None) -> str:
    band = float(r.choice("drift_tolerance")["default_band"])
    return (
        f"a group trades only when its weight is more than {_pct(band)} of the account away "
        f"from target (a band set in the model wins), and only back to the edge of its band, "
        f"so a small move does not cause a trade and the next day's move does not undo it."
    )


def _loss_harvesting_meaning(r: _Reading, account_value: float | None) -> str:
    if not r.choice("loss_harvesting")["harvest_enabled"]:
        return (
            "no lot is sold for its tax loss alone (when a sale is needed, "
            "loss lots still go first)."
        )
    dollars, pct = r.harvest_minimums
    where = (
        "only where its group can buy a substitute outside the lot's wash group, and the "
        "money moves there"
        if r.choice("loss_harvesting")["harvest_requires_swap"]
        else "the money moves to a substitute outside the lot's wash group where the group "
        "has one, else to the other groups"
    )
    return (
        f"a lot is sold for its tax loss when the loss is more than {_usd(dollars)} and more "
        f"than {_pct(pct)} of its cost basis, and the tax it saves (as valued by tax "
        f"sensitivity) beats the trading cost; {where}."
    )


def _harvest_min_loss_meaning(r: _Reading, account_value: float | None) -> str:
    if r.harvest_min_loss is None:
        return f"as loss_harvesting sets it: {_usd(r.harvest_minimums[0])}."
    return f"only a loss of more than {_usd(r.harvest_min_loss)} on a lot is harvested."


def _harvest_min_loss_pct_meaning(r: _Reading, account_value: float | None) -> str:
    if r.harvest_min_loss_pct is None:
        return f"as loss_harvesting sets it: {_pct(r.harvest_minimums[1])} of the lot's basis."
    return f"only a loss of more than {_pct(r.harvest_min_loss_pct)} of a lot's basis is harvested."


def _cash_target_meaning(r: _Reading, account_value: float | None) -> str:
    return (
        f"the account keeps about {_pct(r.cash_target)} in cash (the model's targets leave it "
        f"uninvested); the cash range is set around it."
    )


def _cash_range_meaning(r: _Reading, account_value: float | None) -> str:
    low, high = r.cash_bounds
    return (
        f"after trading, cash stays between {_pct(low)} and {_pct(high)} of the account; "
        f"outside that, a trade is forced (a sale to raise cash, a purchase to invest it)."
    )


def _min_trade_meaning(r: _Reading, account_value: float | None) -> str:
    return (
        f"no trade is smaller than {_usd(r.min_trade)} (selling a whole position and mandated "
        f"sales excepted)."
    )


def _min_trade_pct_meaning(r: _Reading, account_value: float | None) -> str:
    here = f" ({_usd(r.min_trade_pct * account_value)} here)" if account_value else ""
    return (
        f"no trade is smaller than {_pct(r.min_trade_pct, 2)} of the account{here}; "
        f"the larger of the two minimums applies."
    )


def _whole_shares_meaning(r: _Reading, account_value: float | None) -> str:
    if r.choice("whole_shares")["whole_shares"]:
        return "trades are in whole shares."
    return "trades may be in fractional shares."


def _turnover_limit_meaning(r: _Reading, account_value: float | None) -> str:
    if r.turnover_limit is None:
        return "no limit on how much one rebalance trades."
    return (
        f"one rebalance trades at most {_pct(r.turnover_limit)} of the account "
        f"(buys and sells averaged)."
    )


def _annual_gain_budget_meaning(r: _Reading, account_value: float | None) -> str:
    if r.annual_gain_budget is None:
        return "no cap on the gains realized this year."
    left = max(0.0, r.annual_gain_budget - r.realized_gains_ytd)
    return (
        f"net realized gains this calendar year stay within {_usd(r.annual_gain_budget)}; "
        f"with those already realized, {_usd(left)} is left (taxable accounts only)."
    )


def _realized_gains_ytd_meaning(r: _Reading, account_value: float | None) -> str:
    return (
        f"{_usd(r.realized_gains_ytd)} of net gains already realized this year count "
        f"against the annual gain budget."
    )


def _tracking_error_meaning(r: _Reading, account_value: float | None) -> str:
    weight = float(r.choice("tracking_error")["te_weight_per_dollar"])
    if weight == 0:
        return "tracking error against the target is not priced; only drift beyond the bands is."
    worth = weight * (0.02**2 - 0.01**2)
    here = f" ({_usd(worth * account_value)} here)" if account_value else ""
    return (
        f"the optimizer will pay up to {_pct(worth, 3)} of the account{here} in tax and "
        f"trading cost to cut annual tracking error from 2% to 1%."
    )


def _raise_cash_meaning(r: _Reading, account_value: float | None) -> str:
    if r.raise_cash == 0:
        return "no cash has to be raised."
    return f"{_usd(r.raise_cash)} must be raised and leaves the account in this rebalance."


_MEANINGS: Mapping[str, Callable[[_Reading, float | None], str]] = MappingProxyType(
    {
        "tax_sensitivity": _tax_sensitivity_meaning,
        "drift_tolerance": _drift_tolerance_meaning,
        "loss_harvesting": _loss_harvesting_meaning,
        "harvest_min_loss": _harvest_min_loss_meaning,
        "harvest_min_loss_pct": _harvest_min_loss_pct_meaning,
        "cash_target": _cash_target_meaning,
        "cash_range": _cash_range_meaning,
        "min_trade": _min_trade_meaning,
        "min_trade_pct": _min_trade_pct_meaning,
        "whole_shares": _whole_shares_meaning,
        "turnover_limit": _turnover_limit_meaning,
        "annual_gain_budget": _annual_gain_budget_meaning,
        "realized_gains_ytd": _realized_gains_ytd_meaning,
        "tracking_error": _tracking_error_meaning,
        "raise_cash": _raise_cash_meaning,
    }
)


def _display(setting: Setting, value: object) -> str:
    if value is None:
        off = setting.kind in (SettingKind.DOLLARS_OR_OFF, SettingKind.FRACTION_OR_OFF)
        return "off" if off else "unset"
    if isinstance(value, tuple):
        return f"[{', '.join(_pct(v) for v in value)}]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe(
    settings: Mapping[str, object], *, account_value: float | None = None
) -> list[SettingMeaning]:
    """A "what this means" sentence for every setting, at its given or default value.

    A setting that does not read (see `resolve_parameters` for the problem) is described
    at its default and flagged `defaulted`, like one that was not given.

        >>> print(describe({"drift_tolerance": "tight"})[1])  # doctest: +ELLIPSIS
        drift_tolerance = tight: a group trades only when its weight is more than 1% of ...
    """
    reading, defaulted, _ = _read_settings(settings)
    return [
        SettingMeaning(
            setting=name,
            value=_display(setting, getattr(reading, name)),
            meaning=_MEANINGS[name](reading, account_value),
            defaulted=name in defaulted,
        )
        for name, setting in VOCABULARY.items()
    ]


# The tables must stay in step with the dataclasses they describe.
assert set(_PARAMETER_RANGES) == {f.name for f in fields(ResolvedParameters)}
assert set(_MEANINGS) == set(VOCABULARY) == {f.name for f in fields(_Reading)}
