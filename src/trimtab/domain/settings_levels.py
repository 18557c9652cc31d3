"""Settings at four levels, versioned: what is in force for an account, and why.

The problem. A firm sets defaults; a program (an ESG platform) changes some; a household
or one account overrides others. An operator asks "why does account A-17 harvest losses
year-round?" and a regulator asks "what was in force on 3 March?". Overwriting values
would lose both answers.

The rule. A setting is never edited in place: every change is a `SettingChange` (who,
when, why) appended to the history of one (setting, scope). For an account, the *scope
chain* runs account → household → program → firm; the effective value is the latest
change at the most specific scope that sets it (a change with value None clears that
scope, so the next wider one shows through); nothing set anywhere means the built-in
default. Restrictions (`restriction.<TICKER>`) are the exception: every level's value
stands, combined by `effective_restrictions` (any no-buy blocks the buy). As-of
resolution ignores changes recorded after the moment asked. A revert is a new change that
restores the value before the reverted one, with its own reason.

Worked example:

    >>> import datetime as dt
    >>> t = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    >>> firm = Scope(Level.FIRM, "F")
    >>> home = Placement(account="A-1", household="H-1", program=None, firm="F")
    >>> book = SettingsBook([
    ...     SettingChange(1, "tax_sensitivity", firm, "low", "ops", t, "firm policy"),
    ...     SettingChange(2, "tax_sensitivity", home.scope(Level.HOUSEHOLD), "high",
    ...                   "alice", t + dt.timedelta(days=1), "client in top bracket"),
    ... ])
    >>> e = book.resolve(home)["tax_sensitivity"]
    >>> e.value, e.source.scope.level.name, [c.value for c in e.shadowed]
    ('high', 'HOUSEHOLD', ['low'])
    >>> book.resolve(home, as_of=t)["tax_sensitivity"].value
    'low'
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Kind, Level, Restriction, effective_restrictions
from trimtab.domain.settings_catalog import (
    RESTRICTION_PREFIX,
    SettingValue,
    default_value,
    is_restriction,
    known_settings,
    normalize_value,
    validate_setting,
)

__all__ = [
    "ChangeRequest",
    "Effective",
    "Level",
    "Placement",
    "Scope",
    "SettingChange",
    "SettingsBook",
    "plan_revert",
    "validate_request",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a value is set: the firm, a program, a household or one account, by id."""

    level: Level
    id: str

    def __str__(self) -> str:
        return f"{self.level.name.lower()} {self.id}"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an account sits: the scopes whose settings reach it."""

    account: str
    household: str
    program: str | None
    firm: str

    def scope(self, level: Level) -> Scope:
        ids = {
            Level.FIRM: self.firm,
            Level.PROGRAM: self.program,
            Level.HOUSEHOLD: self.household,
            Level.ACCOUNT: self.account,
        }
        scope_id = ids[level]
        if scope_id is None:
            raise ValueError(f"account {self.account} is in no program")
        return Scope(level, scope_id)

    def chain(self) -> list[Scope]:
        """Most specific first: account, household, program (if any), firm."""
        chain = [Scope(Level.ACCOUNT, self.account), Scope(Level.HOUSEHOLD, self.household)]
        if self.program is not None:
            chain.append(Scope(Level.PROGRAM, self.program))
        chain.append(Scope(Level.FIRM, self.firm))
        return chain


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A change someone asks for; recording it makes a `SettingChange`."""

    setting: str
    scope: Scope
    value: SettingValue | None  # None clears the scope's value
    reason: str
    reverts: int | None = None

    def __post_init__(self) -> None:
        # Recorded in the catalog's spelling (`HIGH` is `high`): see normalize_value.
        if self.value is not None:
            object.__setattr__(self, "value", normalize_value(self.setting, self.value))


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One recorded version of one setting at one scope."""

    id: int
    setting: str
    scope: Scope
    value: SettingValue | None
    actor: str
    at: dt.datetime
    reason: str
    reverts: int | None = None
    bulk: int | None = None  # the bulk change that made it, if any

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"change {self.id}: its time must be timezone-aware")

    def describe(self) -> str:
        what = "cleared" if self.value is None else f"= {_show(self.value)}"
        return (
            f"#{self.id} {self.setting} {what} at {self.scope} by {self.actor} on "
            f"{self.at:%Y-%m-%d %H:%M} UTC: {self.reason}"
        )


@dataclass(frozen=True, slots=True)
class Effective:
    """A setting's value for one account, and its lineage.

    `sources` are the changes that decide the value (one for an ordinary setting, every
    level's for a restriction; none for the built-in default); `shadowed` are values set
    at wider scopes that a more specific one overrides.
    """

    setting: str
    value: SettingValue | None
    sources: tuple[SettingChange, ...]
    shadowed: tuple[SettingChange, ...] = ()

    @property
    def source(self) -> SettingChange | None:
        return self.sources[0] if self.sources else None

    @property
    def is_default(self) -> bool:
        return not self.sources

    def explain(self) -> str:
        value = "(none)" if self.value is None else _show(self.value)
        if not self.sources:
            return f"{self.setting} = {value}: built-in default"
        origin = "; ".join(
            f"set at {c.scope} by {c.actor} on {c.at:%Y-%m-%d} (#{c.id}: {c.reason})"
            for c in self.sources
        )
        text = f"{self.setting} = {value}: {origin}"
        if self.shadowed:
            wider = ", ".join(f"{c.scope} ({_show(c.value)})" for c in self.shadowed)
            text += f"; overrides {wider}"
        return text


def _show(value: SettingValue | None) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


class SettingsBook:
    """Every change, indexed by (setting, scope) in time order, for fast resolution.

    Built once from the history, it resolves an account in a few dictionary look-ups per
    setting, so a whole firm resolves in one pass (bench/settings.py).
    """

    def __init__(self, changes: Iterable[SettingChange]) -> None:
        timeline: defaultdict[tuple[str, Scope], list[SettingChange]] = defaultdict(list)
        self._by_id: dict[int, SettingChange] = {}
        for change in changes:
            timeline[(change.setting, change.scope)].append(change)
            self._by_id[change.id] = change
        for versions in timeline.values():
            versions.sort(key=lambda c: (c.at, c.id))
        self._timeline = dict(timeline)
        self._times = {key: [c.at for c in v] for key, v in self._timeline.items()}
        self._names = sorted({name for name, _ in self._timeline})
        # The same timelines grouped by scope: an account's resolution visits its four
        # scopes and sees only the settings changed there, not every setting name.
        self._by_scope: defaultdict[Scope, dict[str, list[SettingChange]]] = defaultdict(dict)
        for (name, scope), versions in self._timeline.items():
            self._by_scope[scope][name] = versions
        self._defaults: dict[str, Effective] = {}
        self._combined: dict[tuple[str, tuple[int, ...]], Effective] = {}

    def __iter__(self) -> Iterator[SettingChange]:
        return iter(self._by_id.values())

    def get(self, change_id: int) -> SettingChange | None:
        return self._by_id.get(change_id)

    def plus(self, changes: Iterable[SettingChange]) -> SettingsBook:
        """The book with more changes recorded: how a preview sees the future."""
        return SettingsBook([*self._by_id.values(), *changes])

    @property
    def setting_names(self) -> list[str]:
        """Names of settings changed at least once at some scope."""
        return self._names

    def latest(
        self, setting: str, scope: Scope, as_of: dt.datetime | None = None
    ) -> SettingChange | None:
        """The change in force at one scope (None: never set there, or not yet)."""
        versions = self._timeline.get((setting, scope))
        if not versions:
            return None
        if as_of is None:
            return versions[-1]
        i = bisect.bisect_right(self._times[(setting, scope)], as_of)
        return versions[i - 1] if i else None

    def versions(self, setting: str, scope: Scope) -> Sequence[SettingChange]:
        return tuple(self._timeline.get((setting, scope), ()))

    def resolve_one(
        self, placement: Placement, setting: str, as_of: dt.datetime | None = None
    ) -> Effective:
        return self.resolve(placement, as_of=as_of, settings=[setting])[setting]

    def resolve(
        self,
        placement: Placement,
        *,
        as_of: dt.datetime | None = None,
        settings: Iterable[str] | None = None,
    ) -> dict[str, Effective]:
        """Every setting's effective value for one account (all known ones by default)."""
        set_here: dict[str, list[SettingChange]] = {}
        for scope in placement.chain():  # most specific first
            for name, versions in self._by_scope.get(scope, {}).items():
                change = _in_force(versions, as_of)
                if change is not None and change.value is not None:
                    set_here.setdefault(name, []).append(change)
        names = list(settings) if settings is not None else self.all_names()
        result: dict[str, Effective] = {}
        for name in names:
            found = set_here.get(name)
            if found and is_restriction(name):
                result[name] = self._restriction(name, placement, found)
            elif found:
                result[name] = Effective(name, found[0].value, (found[0],), tuple(found[1:]))
            else:
                result[name] = self._default(name)
        return result

    def _restriction(
        self, name: str, placement: Placement, found: list[SettingChange]
    ) -> Effective:
        # Firm-wide restrictions reach every account through the same changes: combine
        # each distinct set of changes once.
        key = (name, tuple(c.id for c in found))
        effective = self._combined.get(key)
        if effective is None:
            effective = self._combined[key] = _combine_restriction(name, placement, found)
        return effective

    def _default(self, name: str) -> Effective:
        effective = self._defaults.get(name)
        if effective is None:
            effective = self._defaults[name] = Effective(name, default_value(name), ())
        return effective

    def all_names(self) -> list[str]:
        restrictions = [n for n in self._names if is_restriction(n)]
        return [*known_settings(), *restrictions]

    def history(self, placement: Placement, *, setting: str | None = None) -> list[SettingChange]:
        """Every change that ever reached the account, oldest first."""
        chain = set(placement.chain())
        found = [
            c
            for (name, scope), versions in self._timeline.items()
            if scope in chain and (setting is None or name == setting)
            for c in versions
        ]
        return sorted(found, key=lambda c: (c.at, c.id))


def _in_force(versions: list[SettingChange], as_of: dt.datetime | None) -> SettingChange | None:
    if as_of is None:
        return versions[-1]
    # Few versions per scope: a backwards scan beats building bisect keys.
    for change in reversed(versions):
        if change.at <= as_of:
            return change
    return None


def _combine_restriction(
    setting: str, placement: Placement, set_here: list[SettingChange]
) -> Effective:
    ticker = setting.removeprefix(RESTRICTION_PREFIX)
    restrictions = [
        Restriction(c.scope.level, c.scope.id, ticker, Kind(str(c.value)), c.reason)
        for c in set_here
    ]
    in_force = effective_restrictions(
        restrictions,
        firm=placement.firm,
        program=placement.program,
        household=placement.household,
        account=placement.account,
    ).get(ticker, frozenset())
    kinds = tuple(sorted(k.value for k in in_force))
    sources = tuple(c for c in set_here if str(c.value) in kinds)
    shadowed = tuple(c for c in set_here if str(c.value) not in kinds)
    value: SettingValue | None = (kinds[0] if len(kinds) == 1 else kinds) if kinds else None
    return Effective(setting, value, sources, shadowed)


def validate_request(request: ChangeRequest) -> list[Problem]:
    """Problems with recording a change: bad value, no reason, a restriction out of place."""
    problems: list[Problem] = []
    if not request.reason.strip():
        problems.append(Problem("reason", "say why: every settings change records a reason"))
    if request.value is not None:
        problems.extend(validate_setting(request.setting, request.value))
    elif not (is_restriction(request.setting) or request.setting in known_settings()):
        problems.extend(validate_setting(request.setting, None))
    return problems


def plan_revert(
    book: SettingsBook, change_id: int, *, reason: str
) -> tuple[ChangeRequest | None, list[Problem]]:
    """The change that undoes change `change_id`, restoring the value it replaced.

    Only the latest change at its scope can be reverted: reverting an older one would
    silently discard the newer decision made on top of it.
    """
    if not reason.strip():
        return None, [Problem("reason", "say why the change is reverted")]
    target = book.get(change_id)
    if target is None:
        return None, [Problem("change", f"there is no settings change #{change_id}")]
    versions = book.versions(target.setting, target.scope)
    if versions[-1].id != target.id:
        newer = versions[-1]
        return None, [
            Problem(
                "change",
                f"#{target.id} was superseded by #{newer.id} at {target.scope}; "
                f"revert #{newer.id} first, or set the value you want",
            )
        ]
    position = versions.index(target)
    previous = versions[position - 1].value if position else None
    return ChangeRequest(target.setting, target.scope, previous, reason, reverts=target.id), []
