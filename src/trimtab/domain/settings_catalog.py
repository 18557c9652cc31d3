"""Which settings exist, what values each accepts, and its default.

The problem: a setting can be changed for one account or for a hundred thousand at once,
so a bad value must be refused before it is recorded, with a message naming the setting
and the accepted values. The rebalancing settings' vocabulary belongs to calibration
(`trimtab.domain.calibration.VOCABULARY`); this module does not copy it, it asks
`resolve_parameters` to read the one value and keeps the problems about that setting.
Three families live here because the optimizer does not read them:

- `commission_schedule`: the name of the schedule the firm bills trades with ("A", "B";
  default "standard");
- review thresholds: `review_above_value` ($), `review_above_turnover` (fraction or %),
  `review_above_tax` ($), each `off` by default: an account whose proposal is above any
  of them goes to the review queue;
- restrictions: `restriction.<TICKER>` = `no_buy`, `no_sell` or `must_sell`. Unlike the
  others, restrictions from all levels combine (any level's no-buy blocks the buy), by
  the rule in `trimtab.domain.restrictions`.

    >>> validate_setting("tax_sensitivity", "hi")  # doctest: +NORMALIZE_WHITESPACE
    [Problem(path='settings.tax_sensitivity',
             message="must be one of none, low, medium, high, maximum; got 'hi'")]
    >>> validate_setting("restriction.IBM", "no_buy"), default_value("tax_sensitivity")
    ([], 'medium')
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from trimtab.domain.calibration import VOCABULARY, resolve_parameters
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Kind

__all__ = [
    "COMMISSION_SCHEDULE",
    "RESTRICTION_PREFIX",
    "REVIEW_THRESHOLDS",
    "SettingValue",
    "default_value",
    "is_restriction",
    "known_settings",
    "validate_setting",
]

# A value as stored: a JSON scalar, or a tuple for a range (`cash_range`: (0.01, 0.05)).
SettingValue = str | int | float | bool | tuple[str | int | float, ...]

COMMISSION_SCHEDULE = "commission_schedule"
RESTRICTION_PREFIX = "restriction."
REVIEW_THRESHOLDS = {
    "review_above_value": "dollars",
    "review_above_turnover": "fraction",
    "review_above_tax": "dollars",
}
OFF = "off"
_OWN_DEFAULTS: dict[str, SettingValue] = {
    COMMISSION_SCHEDULE: "standard",
    **dict.fromkeys(REVIEW_THRESHOLDS, OFF),
}
_SCHEDULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}")
_TICKER = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,14}")
# Any account will do: a single setting's vocabulary does not depend on the account.
_PROBE_VALUE = 1_000_000.0


def is_restriction(name: str) -> bool:
    return name.startswith(RESTRICTION_PREFIX)


def known_settings() -> list[str]:
    """Every setting name but the per-security restrictions (`restriction.<TICKER>`)."""
    return [*VOCABULARY, COMMISSION_SCHEDULE, *REVIEW_THRESHOLDS]


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
        if isinstance(value, str) and _SCHEDULE_NAME.fullmatch(value):
            return []
        return [Problem(path, f"must be a schedule name like 'B' (letters, digits); got {value!r}")]
    if name in REVIEW_THRESHOLDS:
        return _validate_threshold(path, REVIEW_THRESHOLDS[name], value)
    if is_restriction(name):
        ticker = name.removeprefix(RESTRICTION_PREFIX)
        problems = []
        if not _TICKER.fullmatch(ticker):
            problems.append(Problem(path, f"{ticker!r} is not a ticker (upper case, e.g. IBM)"))
        kinds = [k.value for k in Kind]
        if value not in kinds:
            problems.append(Problem(path, f"must be one of {', '.join(kinds)}; got {value!r}"))
        return problems
    known = ", ".join(known_settings())
    return [Problem(path, f"unknown setting; known: {known}, restriction.<TICKER>")]


def _validate_threshold(path: str, kind: str, value: object) -> list[Problem]:
    if value == OFF:
        return []
    number = _as_number(value)
    if number is None or number < 0:
        example = "25000" if kind == "dollars" else "0.05 or '5%'"
        return [Problem(path, f"must be off, or a {kind} amount ≥ 0 like {example}; got {value!r}")]
    if kind == "fraction" and number > 1:
        return [Problem(path, f"must be a fraction between 0 and 1 (or a percent); got {value!r}")]
    return []


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
