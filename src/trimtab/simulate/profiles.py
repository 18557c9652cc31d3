"""Settings profiles and cash flows: what a shadow run compares, in the firm's own words.

Problem: a firm wants to see its own settings side by side ("tax sensitivity none vs
high", "harvest year-round vs off", "scan monthly vs daily") on the same history. A
profile is a name, the plain-English settings of docs/calibration.md, and a scan
schedule; the engine translates the settings exactly as it does for a real account.

Rule: `parse_profile` reads a named default (`DEFAULT_PROFILES`) or
`NAME:setting=value,setting=value[,schedule=weekly]`, checking every setting against the
calibration vocabulary; `parse_cash_flow` reads `AMOUNT[/monthly|quarterly|yearly]`
(default yearly). Findings are `Problem`s naming the option and the fix.

Worked example:

    >>> parse_profile("tax-aware")[0].settings["tax_sensitivity"]
    'high'
    >>> p, problems = parse_profile("mine:tax_sensitivity=maximum,schedule=weekly")
    >>> p.name, p.schedule.value, dict(p.settings)
    ('mine', 'weekly', {'tax_sensitivity': 'maximum'})
    >>> [str(x) for x in parse_profile("x:tax_sensitivity=hi")[1]]
    ["--profile x: tax_sensitivity: must be one of none, low, medium, high, maximum; got 'hi'"]
    >>> parse_cash_flow("25,000/quarterly", option="--contribution")[0]
    CashFlow(amount=25000.0, frequency=<Frequency.QUARTERLY: 'quarterly'>)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from trimtab.domain.calibration import resolve_parameters
from trimtab.domain.echo import quote_input
from trimtab.domain.problems import Problem

__all__ = [
    "DEFAULT_PROFILES",
    "CashFlow",
    "Frequency",
    "Profile",
    "Schedule",
    "parse_cash_flow",
    "parse_profile",
    "scan_days",
]


class Schedule(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    schedule: Schedule | None = None  # None: the study's schedule

    def describe(self) -> str:
        words = ", ".join(f"{k} {v}" for k, v in self.settings.items()) or "firm defaults"
        return f"{words}; scans {self.schedule.value if self.schedule else 'on the study schedule'}"

    def __reduce__(self) -> tuple[object, ...]:
        # A read-only mapping does not pickle; `--workers N` sends profiles to processes.
        return (_profile, (self.name, dict(self.settings), self.schedule))


def _profile(name: str, settings: dict[str, object], schedule: Schedule | None) -> Profile:
    return Profile(name, MappingProxyType(settings), schedule)


# A direct index holds each stock in lots of a few thousand dollars ($1,000,000 over 431
# stocks: ≈ $2,300), so the firm's year-round minimum of $500 a lot (made for accounts of a
# few funds) would wait for a 22% loss. The tax-aware profiles state a direct index's
# minimums. tax-max keeps them and values a harvest more against drift (maximum
# sensitivity: h 0.7, λ 0.005): lower minimums would harvest earlier in a fall, and a stock
# harvested early cannot be harvested again for 31 days, so they harvest *less*.
DIRECT_INDEX_MINIMUMS: Mapping[str, object] = MappingProxyType(
    {"harvest_min_loss": 100, "harvest_min_loss_pct": 0.03}
)
TAX_AWARE: Mapping[str, object] = MappingProxyType(
    {"tax_sensitivity": "high", "loss_harvesting": "year_round", **DIRECT_INDEX_MINIMUMS}
)
TAX_MAX: Mapping[str, object] = MappingProxyType(
    {"tax_sensitivity": "maximum", "loss_harvesting": "year_round", **DIRECT_INDEX_MINIMUMS}
)

DEFAULT_PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        "tax-naive": Profile(
            "tax-naive", MappingProxyType({"tax_sensitivity": "none", "loss_harvesting": "off"})
        ),
        "tax-aware": Profile("tax-aware", TAX_AWARE),
        "tax-aware-monthly": Profile("tax-aware-monthly", TAX_AWARE, Schedule.MONTHLY),
        "tax-max": Profile("tax-max", TAX_MAX),
    }
)


@dataclass(frozen=True, slots=True)
class CashFlow:
    """A contribution or withdrawal of `amount` dollars on the first trading day of each
    period (never on the first day of the run)."""

    amount: float
    frequency: Frequency = Frequency.YEARLY

    def due(self, previous: dt.date, day: dt.date) -> bool:
        """Is `day` the first trading day of a new period (the last one was `previous`)?"""
        if self.frequency is Frequency.YEARLY:
            return day.year != previous.year
        if self.frequency is Frequency.QUARTERLY:
            return (day.year, (day.month - 1) // 3) != (previous.year, (previous.month - 1) // 3)
        return (day.year, day.month) != (previous.year, previous.month)


def parse_profile(text: str) -> tuple[Profile, list[Problem]]:
    where = f"--profile {text.split(':', 1)[0]}"
    if ":" not in text:
        known = DEFAULT_PROFILES.get(text)
        if known is None:
            names = ", ".join(DEFAULT_PROFILES)
            return Profile(text), [
                Problem(where, f"unknown profile; use one of {names} or NAME:setting=value,...")
            ]
        return known, []
    name, _, body = text.partition(":")
    settings: dict[str, object] = {}
    schedule: Schedule | None = None
    problems: list[Problem] = []
    for item in filter(None, (part.strip() for part in body.split(","))):
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key:
            problems.append(Problem(where, f"{quote_input(item)} is not setting=value"))
        elif key == "schedule":
            try:
                schedule = Schedule(value)
            except ValueError:
                problems.append(
                    Problem(
                        where,
                        f"schedule must be daily, weekly or monthly; got {quote_input(value)}",
                    )
                )
        else:
            settings[key] = value
    _, found = resolve_parameters(settings, {}, account_value=1.0, tax_status="taxable")
    problems.extend(
        Problem(where, f"{p.path.removeprefix('settings.')}: {p.message}") for p in found
    )
    return Profile(name.strip() or "unnamed", MappingProxyType(settings), schedule), problems


def parse_cash_flow(text: str, *, option: str) -> tuple[CashFlow | None, list[Problem]]:
    amount_text, _, frequency_text = text.partition("/")
    try:
        amount = float(amount_text.replace(",", "").replace("$", "").strip())
    except ValueError:
        return None, [
            Problem(option, f"{quote_input(text)}: write AMOUNT[/monthly|quarterly|yearly]")
        ]
    if amount <= 0:
        return None, [Problem(option, f"{quote_input(text)}: the amount must be positive")]
    try:
        frequency = Frequency((frequency_text or "yearly").strip().lower())
    except ValueError:
        return None, [
            Problem(option, f"{quote_input(text)}: the period must be monthly, quarterly or yearly")
        ]
    return CashFlow(amount, frequency), []


def scan_days(dates: tuple[dt.date, ...], schedule: Schedule) -> list[bool]:
    """Which days are scanned: every day, the first of each ISO week, or of each month."""
    out: list[bool] = []
    for i, day in enumerate(dates):
        if i == 0 or schedule is Schedule.DAILY:
            out.append(True)
            continue
        before = dates[i - 1]
        if schedule is Schedule.WEEKLY:
            out.append(day.isocalendar()[:2] != before.isocalendar()[:2])
        else:
            out.append((day.year, day.month) != (before.year, before.month))
    return out
