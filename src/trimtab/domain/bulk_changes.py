"""Bulk settings changes: one setting for every account a filter matches, with exemptions.

The problem. "All Platinum clients: commission schedule B", "all clients: do not buy
IBM" — except a few accounts, each for a recorded reason. Before applying, an operator
must see exactly which accounts change, which are exempted, and which would not change
because a more specific level overrides the new value.

The rule. A bulk change sets `setting = value` at one `level` for the accounts the
target filter matches:

- level `account` (the default) writes one account-level value per matched account;
- a wider level (household, program, firm) writes one value per scope the matched
  accounts sit in, and is refused when such a scope also holds accounts the filter does
  not match (they would change without having been selected). An exempted account under
  a written scope is *pinned*: its current value is written at its account level with the
  exemption's reason, so it keeps what it had.

Exempted accounts (listed one by one, or matched by a second filter) are never written
(except for that pin). Every account in the preview gets one outcome: affected (its
effective value changes), exempted, overridden (a more specific level sets it, so it
keeps its value) or unchanged (it already had the value).

    >>> import datetime as dt
    >>> from trimtab.domain.settings_levels import SettingsBook
    >>> people = [Placement("A-1", "H-1", None, "F"), Placement("A-2", "H-2", None, "F")]
    >>> request = BulkChangeRequest("commission_schedule", "B", 'tier = "Platinum"',
    ...                             "Platinum pricing 2026")
    >>> plan, problems = plan_bulk_change(
    ...     request, population=people, matched={"A-1", "A-2"},
    ...     exemptions={"A-2": "contract fixes schedule A until June"},
    ...     book=SettingsBook([]), at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    >>> [(o.account, o.outcome.value) for o in plan.outcomes]
    [('A-1', 'affected'), ('A-2', 'exempted')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from trimtab.domain.problems import Problem
from trimtab.domain.settings_catalog import SettingValue, is_restriction, normalize_value
from trimtab.domain.settings_levels import (
    ChangeRequest,
    Level,
    Placement,
    Scope,
    SettingChange,
    SettingsBook,
    validate_request,
)

__all__ = [
    "AccountOutcome",
    "BulkChange",
    "BulkChangeRequest",
    "BulkPlan",
    "Exemption",
    "Outcome",
    "plan_bulk_change",
]


@dataclass(frozen=True, slots=True)
class Exemption:
    """One account left out of a bulk change, and why."""

    account: str
    reason: str


@dataclass(frozen=True, slots=True)
class BulkChangeRequest:
    setting: str
    value: SettingValue
    target: str  # filter text selecting the accounts
    reason: str
    level: Level = Level.ACCOUNT
    exempt_accounts: tuple[Exemption, ...] = ()
    exempt_filter: str | None = None  # a second filter: accounts it matches are exempt
    exempt_filter_reason: str = ""

    def __post_init__(self) -> None:
        # Recorded in the catalog's spelling (`b` is schedule `B`): see normalize_value.
        object.__setattr__(self, "value", normalize_value(self.setting, self.value))


class Outcome(StrEnum):
    AFFECTED = "affected"
    EXEMPTED = "exempted"
    OVERRIDDEN = "overridden"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    account: str
    outcome: Outcome
    before: SettingValue | None
    after: SettingValue | None
    note: str = ""  # the exemption's reason, or which scope overrides the new value


@dataclass(frozen=True, slots=True)
class BulkPlan:
    request: BulkChangeRequest
    writes: tuple[ChangeRequest, ...]
    outcomes: tuple[AccountOutcome, ...]

    def accounts(self, outcome: Outcome) -> list[AccountOutcome]:
        return [o for o in self.outcomes if o.outcome is outcome]

    def counts(self) -> dict[str, int]:
        return {kind.value: len(self.accounts(kind)) for kind in Outcome}


def plan_bulk_change(
    request: BulkChangeRequest,
    *,
    population: Iterable[Placement],
    matched: set[str],
    exemptions: Mapping[str, str],
    book: SettingsBook,
    at: dt.datetime,
) -> tuple[BulkPlan | None, list[Problem]]:
    """What a bulk change would write and do to each account, or why it cannot be done.

    `population` is every account of the firm, `matched` the ids the target filter
    selects, `exemptions` account id → reason (from the list and the second filter).
    """
    level = request.level
    problems = validate_request(
        ChangeRequest(request.setting, Scope(level, "*"), request.value, request.reason)
    )
    problems += [
        Problem(f"exempt_accounts[{i}]", f"say why {e.account} is exempt")
        for i, e in enumerate(request.exempt_accounts)
        if not e.reason.strip()
    ]
    if request.exempt_filter and not request.exempt_filter_reason.strip():
        problems.append(Problem("exempt_filter", "say why the accounts it matches are exempt"))
    everyone = list(population)
    selected = [p for p in everyone if p.account in matched]
    if level is Level.PROGRAM:
        problems += [
            Problem("level", f"account {p.account} is in no program: use level account")
            for p in selected
            if p.program is None
        ]
    if problems:
        return None, problems

    targets = [p for p in selected if p.account not in exemptions]
    scopes = list(dict.fromkeys(p.scope(level) for p in targets))
    if level is Level.ACCOUNT:
        members = selected
    else:
        written = set(scopes)
        members = [p for p in everyone if _scope_or_none(p, level) in written]
        problems += _strays(members, matched, level)
        if is_restriction(request.setting) and any(p.account in exemptions for p in members):
            problems.append(
                Problem(
                    "level",
                    "restrictions from every level combine, so an account cannot be exempted "
                    "from a wider one: use level account",
                )
            )
    writes = [ChangeRequest(request.setting, s, request.value, request.reason) for s in scopes]
    if level is not Level.ACCOUNT:
        pins, pin_problems = _pins(request, members, exemptions, book)
        writes += pins
        problems += pin_problems
    if problems:
        return None, problems

    after = book.plus(_as_changes(writes, at))
    outcomes = [_outcome(p, request, exemptions, book, after) for p in members]
    return BulkPlan(request, tuple(writes), tuple(outcomes)), []


def _scope_or_none(placement: Placement, level: Level) -> Scope | None:
    if level is Level.PROGRAM and placement.program is None:
        return None
    return placement.scope(level)


def _strays(members: list[Placement], matched: set[str], level: Level) -> list[Problem]:
    by_scope: dict[Scope, list[str]] = {}
    for p in members:
        if p.account not in matched:
            by_scope.setdefault(p.scope(level), []).append(p.account)
    return [
        Problem(
            "level",
            f"{scope} also holds {', '.join(sorted(accounts)[:5])}"
            f"{' and more' if len(accounts) > 5 else ''}, which the filter does not match: "
            "use level account, or a filter that selects the whole scope",
        )
        for scope, accounts in by_scope.items()
    ]


def _pins(
    request: BulkChangeRequest,
    members: list[Placement],
    exemptions: Mapping[str, str],
    book: SettingsBook,
) -> tuple[list[ChangeRequest], list[Problem]]:
    pins: list[ChangeRequest] = []
    nothing_to_keep: list[str] = []
    for p in members:
        if p.account not in exemptions:
            continue
        current = book.resolve_one(p, request.setting)
        source = current.source
        if source is not None and source.scope.level is Level.ACCOUNT:
            continue  # already decided for this account alone: nothing to pin
        if current.value is None:
            nothing_to_keep.append(p.account)
            continue
        reason = f"exempt from bulk change ({request.reason}): {exemptions[p.account]}"
        pins.append(ChangeRequest(request.setting, p.scope(Level.ACCOUNT), current.value, reason))
    if not nothing_to_keep:
        return pins, []
    shown = ", ".join(nothing_to_keep[:5]) + (" ..." if len(nothing_to_keep) > 5 else "")
    problem = Problem(
        "exemptions",
        f"{len(nothing_to_keep)} exempted account(s) ({shown}) have no {request.setting} "
        "to keep: set it for them first, or use level account",
    )
    return pins, [problem]


def _as_changes(writes: list[ChangeRequest], at: dt.datetime) -> list[SettingChange]:
    # Negative ids cannot collide with recorded ones; the preview never leaves this module.
    return [
        SettingChange(-(i + 1), w.setting, w.scope, w.value, "(preview)", at, w.reason)
        for i, w in enumerate(writes)
    ]


def _outcome(
    placement: Placement,
    request: BulkChangeRequest,
    exemptions: Mapping[str, str],
    before_book: SettingsBook,
    after_book: SettingsBook,
) -> AccountOutcome:
    before = before_book.resolve_one(placement, request.setting)
    after = after_book.resolve_one(placement, request.setting)
    account = placement.account
    if account in exemptions:
        return AccountOutcome(
            account, Outcome.EXEMPTED, before.value, after.value, exemptions[account]
        )
    if after.value != before.value:
        return AccountOutcome(account, Outcome.AFFECTED, before.value, after.value)
    source = after.source
    if source is not None and source.scope.level > request.level:
        note = f"{source.scope} sets it (#{source.id}: {source.reason})"
        return AccountOutcome(account, Outcome.OVERRIDDEN, before.value, after.value, note)
    return AccountOutcome(account, Outcome.UNCHANGED, before.value, after.value, "already set")


@dataclass(frozen=True, slots=True)
class BulkChange:
    """A bulk change as recorded: the request, who applied it, when, and what it did."""

    id: int
    request: BulkChangeRequest
    actor: str
    at: dt.datetime
    counts: Mapping[str, int]
    exemptions: tuple[Exemption, ...] = ()  # every account exempted, listed or by filter
