"""Which settings exist, what values each accepts, and its default.

The problem: a setting can be changed for one account or for a hundred thousand at once,
so a bad value must be refused before it is recorded, with a message naming the setting
and the accepted values. The rebalancing settings' vocabulary belongs to calibration
(`trimtab.domain.calibration.VOCABULARY`); this module does not copy it, it asks
`resolve_parameters` to read the one value and keeps the problems about that setting.
Three families live here because the optimizer does not read them:

- `commission_schedule`: the schedule the firm bills trades with, one of
  `COMMISSION_SCHEDULES` ("standard", the default, and "A" to "D"; case is forgiven and
  the catalog's spelling recorded);
- review thresholds: `review_above_value` ($), `review_above_turnover` (fraction or %),
  `review_above_tax` ($), each `off` by default: an account whose proposal is above any
  of them goes to the review queue;
- the household's tax picture beyond its tax profile (`trimtab.domain.tax_picture`):
  `outside_gains` ($ of net gains a year realized outside the firm, 0),
  `outside_short_share` (their short-term fraction, 0), `carryforward_short_share` (the
  short-term fraction of the profile's loss carryforward, 0), `state_tax_rate` (added
  to the profile's rates when those are federal only, 0) and `carryforward_discount`
  (a year's discount on loss that can only be carried forward, 0.05); numbers or
  percents, never `off` (`tax_setting` reads one as a Decimal);
- restrictions: `restriction.<TICKER>` = `no_buy`, `no_sell` or `must_sell`. Unlike the
  others, restrictions from all levels combine (any level's no-buy blocks the buy), by
  the rule in `trimtab.domain.restrictions`. The ticker must be in the firm's security
  master (`check_restriction_security`, called by the use case that can look it up): a
  restriction on a ticker nobody holds or can buy would silently restrict nothing.

A value is recorded in the catalog's spelling (`normalize_value`): `HIGH` is `high`,
`b` is schedule `B`, `NO-BUY` is `no_buy`, so histories and bulk changes compare alike.

    >>> [str(p) for p in validate_setting("tax_sensitivity", "hi")]
    ["settings.tax_sensitivity: must be one of none, low, medium, high, maximum; got 'hi'"]
    >>> validate_setting("restriction.IBM", "no_buy"), default_value("tax_sensitivity")
    ([], 'medium')
    >>> normalize_value("tax_sensitivity", "HIGH"), normalize_value("commission_schedule", "b")
    ('high', 'B')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from trimtab.domain.calibration import VOCABULARY, resolve_parameters
from trimtab.domain.calibration import spelled as calibration_spelling
from trimtab.domain.echo import quote_input
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Kind

__all__ = [
    "COMMISSION_SCHEDULE",
    "COMMISSION_SCHEDULES",
    "RESTRICTION_PREFIX",
    "REVIEW_THRESHOLDS",
    "TAX_PICTURE_SETTINGS",
    "SettingValue",
    "check_restriction_security",
    "default_value",
    "is_restriction",
    "known_settings",
    "normalize_value",
    "tax_setting",
    "validate_setting",
]

# A value as stored: a JSON scalar, or a tuple for a range (`cash_range`: (0.01, 0.05)).
SettingValue = str | int | float | bool | tuple[str | int | float, ...]

COMMISSION_SCHEDULE = "commission_schedule"
# The schedules trades can be billed with. Commission schedules are not yet firm data
# (docs/nightly.md, known limits): a firm's new schedule is added here.
COMMISSION_SCHEDULES = ("standard", "A", "B", "C", "D")
RESTRICTION_PREFIX = "restriction."
REVIEW_THRESHOLDS = {
    "review_above_value": "dollars",
    "review_above_turnover": "fraction",
    "review_above_tax": "dollars",
}
# The tax picture's settings: (kind, default). A fraction is at most 1.
TAX_PICTURE_SETTINGS: dict[str, tuple[str, float]] = {
    "outside_gains": ("dollars", 0.0),
    "outside_short_share": ("fraction", 0.0),
    "carryforward_short_share": ("fraction", 0.0),
    "state_tax_rate": ("fraction", 0.0),
    "carryforward_discount": ("fraction", 0.05),
}
OFF = "off"
_OWN_DEFAULTS: dict[str, SettingValue] = {
    COMMISSION_SCHEDULE: "standard",
    **dict.fromkeys(REVIEW_THRESHOLDS, OFF),
    **{name: default for name, (_, default) in TAX_PICTURE_SETTINGS.items()},
}
_TICKER = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,14}")
# Any account will do: a single setting's vocabulary does not depend on the account.
_PROBE_VALUE = 1_000_000.0


def is_restriction(name: str) -> bool:
    return name.startswith(RESTRICTION_PREFIX)


def known_settings() -> list[str]:
    """Every setting name but the per-security restrictions (`restriction.<TICKER>`)."""
    return [*VOCABULARY, COMMISSION_SCHEDULE, *REVIEW_THRESHOLDS, *TAX_PICTURE_SETTINGS]


def default_value(name: str) -> SettingValue | None:
    """The value in force when no level sets it (None: off, or no restriction)."""
    if name in VOCABULARY:
        default = VOCABULARY[name].default
        if isinstance(default, str | int | float | bool):
            return default
        return None
    return _OWN_DEFAULTS.get(name)


def validate_setting(name: str, value: object) -> list[Problem]:
    """Problems with setting `name` to `value`; an empty list means it can be recorded."""
    path = f"settings.{name}"
    if name in VOCABULARY:
        raw = list(value) if isinstance(value, tuple) else value
        _, problems = resolve_parameters(
            {name: raw}, {}, account_value=_PROBE_VALUE, tax_status="taxable"
        )
        return [p for p in problems if p.path == path]
    if name == COMMISSION_SCHEDULE:
        if _schedule(value) is not None:
            return []
        schedules = ", ".join(COMMISSION_SCHEDULES)
        return [Problem(path, f"must be a schedule, one of {schedules}; got {quote_input(value)}")]
    if name in REVIEW_THRESHOLDS:
        return _validate_threshold(path, REVIEW_THRESHOLDS[name], value)
    if name in TAX_PICTURE_SETTINGS:
        return _validate_amount(path, TAX_PICTURE_SETTINGS[name][0], value)
    if is_restriction(name):
        ticker = name.removeprefix(RESTRICTION_PREFIX)
        problems = []
        if not _TICKER.fullmatch(ticker):
            problems.append(
                Problem(path, f"{quote_input(ticker)} is not a ticker (upper case, e.g. IBM)")
            )
        kinds = [k.value for k in Kind]
        if not isinstance(value, str) or normalize_value(name, value) not in kinds:
            problems.append(
                Problem(path, f"must be one of {', '.join(kinds)}; got {quote_input(value)}")
            )
        return problems
    known = ", ".join(known_settings())
    return [Problem(path, f"unknown setting; known: {known}, restriction.<TICKER>")]


def normalize_value(name: str, value: SettingValue) -> SettingValue:
    """The value in the catalog's spelling when it reads as one, else as typed.

    Case, spaces and dashes are forgiven when reading (`HIGH`, `Year-Round`, `b`,
    `NO-BUY`, `OFF`); the recorded value is the catalog's word, so two spellings of one
    choice never look like two values. A value outside the catalog is left as typed, for
    the refusal to quote.
    """
    if name in VOCABULARY:
        spelled = calibration_spelling(name, value)
        return spelled if isinstance(spelled, str) else value
    if not isinstance(value, str):
        return value
    if name == COMMISSION_SCHEDULE:
        return _schedule(value) or value
    word = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if name in REVIEW_THRESHOLDS and word == OFF:
        return OFF
    if is_restriction(name) and word in {k.value for k in Kind}:
        return word
    return value


def check_restriction_security(name: str, is_known: Callable[[str], bool]) -> list[Problem]:
    """A restriction names a security of the firm's master (`is_known(ticker)`).

    The use case looks the ticker up (its unit of work reads the security master); a
    malformed ticker is `validate_setting`'s to refuse, so it is not looked up here.

        >>> known = {"IBM"}.__contains__
        >>> [p.message for p in check_restriction_security("restriction.ZZZZ", known)]
        ['ZZZZ is not in the security master; check the ticker, or add the security first']
    """
    if not is_restriction(name):
        return []
    ticker = name.removeprefix(RESTRICTION_PREFIX)
    if not _TICKER.fullmatch(ticker) or is_known(ticker):
        return []
    return [
        Problem(
            f"settings.{name}",
            f"{ticker} is not in the security master; check the ticker, or add the security first",
        )
    ]


def _schedule(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    wanted = value.strip().casefold()
    return next((s for s in COMMISSION_SCHEDULES if s.casefold() == wanted), None)


def tax_setting(name: str, value: SettingValue | None) -> Decimal:
    """A tax-picture setting's value as a number (its default when `value` is None).

    >>> tax_setting("state_tax_rate", "5%"), tax_setting("outside_gains", "$50,000")
    (Decimal('0.05'), Decimal('50000'))
    >>> tax_setting("carryforward_discount", None)
    Decimal('0.05')
    """
    kind, default = TAX_PICTURE_SETTINGS[name]
    number = None if value is None else _as_number(value)
    if number is None or _validate_amount(name, kind, value):
        return _as_number(default) or Decimal(0)
    return number


def _validate_amount(path: str, kind: str, value: object, *, off: bool = False) -> list[Problem]:
    """A dollar or fraction amount ≥ 0 (a fraction at most 1); `off`: the word off too."""
    if off and isinstance(value, str) and value.strip().lower() == OFF:
        return []
    number = _as_number(value)
    if number is None or number < 0:
        example = "25000" if kind == "dollars" else "0.05 or '5%'"
        either = "off, or " if off else ""
        return [
            Problem(
                path,
                f"must be {either}a {kind} amount ≥ 0 like {example}; got {quote_input(value)}",
            )
        ]
    if kind == "fraction" and number > 1:
        return [
            Problem(
                path, f"must be a fraction between 0 and 1 (or a percent); got {quote_input(value)}"
            )
        ]
    return []


def _validate_threshold(path: str, kind: str, value: object) -> list[Problem]:
    return _validate_amount(path, kind, value, off=True)


def _as_number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip().replace(",", "").removeprefix("$")
        scale = Decimal(1)
        if text.endswith("%"):
            text, scale = text[:-1], Decimal("0.01")
        try:
            return Decimal(text) * scale
        except InvalidOperation:
            return None
    return None
