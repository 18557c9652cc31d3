"""The customization editor's reads: what an account is customized with now, and what an
unsaved change would make the engine trade.

Problem: an advisor changing a client's settings ("tax sensitivity high"), restrictions
("never sell AAPL") or product choices ("no real estate") cannot know what it will do
until the nightly run trades it: a harmless-looking change may sell a whole position
at a gain. The editor must show, before anything is saved, the trades and the tax the
change would cause, as the nightly run would compute them, and it must write nothing.

Rule:
- `AccountChange` is the unsaved change: account-level settings (a calibration setting,
  a review threshold, or `restriction.<TICKER>`; None clears the account's own value)
  and, optionally, the account's customizations (its own child target `C-<account>`,
  whose parent is the target it follows today, or the parent of the child it already
  has). `check_change` refuses a value outside the vocabulary, a restriction on a
  ticker the security master does not know, and a customization outside its parent's
  limits, each problem at its field.
- `preview_change` builds the account's case exactly as the nightly run does
  (`nightly_analysis.analyze_account` over the account's `AccountSnapshot` and a
  `NightContext` read as of the latest run's day), twice: as stored ("before") and with
  the change applied in memory ("after": the settings book `plus` the change, the
  catalog `with_target` the child, the snapshot following the child). The engine
  answers both; nothing is recorded (no unit of work is committed), so a preview leaves
  the database as it was.
- An account outside the viewer's scope is not found, like one that does not exist.

Worked example: a $500,000 account holding VTI at a large gain with tax sensitivity
medium; previewing `tax_sensitivity = none` shows "before: no trades" and "after: sell
120 VTI, est. tax $6,430.12, turnover 4.1%, largest drift after 0%": the advisor sees
the tax bill before saving.

    >>> parse_customizations("drop REAL_ESTATE\\nexclude aapl")[0]
    (DropClass(asset_class='REAL_ESTATE'), ExcludeSecurity(security='AAPL'))
    >>> [str(p) for p in parse_customizations("tilt US_MID=lots")[1]]
    ["customizations line 1: tilt US_MID=lots: 'lots' is not a number (use +0.03 or 3%)"]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Protocol

from trimtab.domain.calibration import VOCABULARY, describe
from trimtab.domain.file_transfers import BusinessCalendar
from trimtab.domain.limits import check_limits
from trimtab.domain.money import round_cents, to_decimal
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.resolution import Catalog, Resolver
from trimtab.domain.restrictions import Kind, Level
from trimtab.domain.routing import RoutingPolicy
from trimtab.domain.settings_catalog import (
    RESTRICTION_PREFIX,
    REVIEW_THRESHOLDS,
    SettingValue,
    check_restriction_security,
    is_restriction,
    known_settings,
    normalize_value,
    validate_setting,
)
from trimtab.domain.settings_levels import Placement, Scope, SettingChange, SettingsBook
from trimtab.domain.targets import (
    Customization,
    DropClass,
    ExcludeSector,
    ExcludeSecurity,
    KeepLegacy,
    Product,
    ProductKind,
    ReplaceProduct,
    Target,
    Tilt,
)
from trimtab.engine.result import Trade
from trimtab.services.account_ports import AccountReads
from trimtab.services.model_book import load_catalog_for
from trimtab.services.model_ports import ModelUnitOfWork
from trimtab.services.nightly_analysis import AccountAnalysis, NightContext, analyze_account
from trimtab.services.review_ports import trade_from_dict
from trimtab.services.run_ports import NightInputs, RunLookup
from trimtab.services.workflow_ports import WorkflowUnitOfWork

__all__ = [
    "AccountChange",
    "CustomizationPreview",
    "EditorView",
    "PreviewSide",
    "PreviewUnitOfWork",
    "SettingChoice",
    "check_change",
    "checked_change",
    "child_target",
    "customization_editor",
    "own_target_id",
    "parse_customizations",
    "preview_change",
    "read_value",
    "restriction_kinds",
    "setting_choices",
    "unparse_customization",
]

OWN_TARGET_PREFIX = "C-"  # an account's own customized target: `C-<account>` (the demo's)
_CALENDAR = BusinessCalendar()
_PREVIEW_ACTOR = "preview:unsaved"  # never recorded: names the in-memory change


class PreviewUnitOfWork(WorkflowUnitOfWork, ModelUnitOfWork, Protocol):
    """What the editor reads: accounts, settings, the model book, the night's inputs."""

    @property
    def runs(self) -> RunLookup: ...
    @property
    def night(self) -> NightInputs: ...
    @property
    def account_reads(self) -> AccountReads: ...


NewUnitOfWork = Callable[[], PreviewUnitOfWork]


@dataclass(frozen=True)
class AccountChange:
    """An unsaved change to one account: settings at account level (None clears the
    account's own value) and, when not None, its customizations (its own child target)."""

    settings: Mapping[str, SettingValue | None] = field(
        default_factory=lambda: MappingProxyType({})
    )
    customizations: tuple[Customization, ...] | None = None

    @property
    def empty(self) -> bool:
        return not self.settings and self.customizations is None


@dataclass(frozen=True)
class SettingChoice:
    """One plain-English setting as the editor offers it: its words, or its kind of number."""

    name: str
    summary: str
    kind: str  # calibration's SettingKind value, or "threshold"
    choices: tuple[str, ...]  # the words of a choice; () for a number


@dataclass(frozen=True)
class EditorView:
    account: str
    advisor: str | None
    as_of: dt.date
    target: str | None  # the target followed today
    parent: str | None  # the parent a customization applies to
    customizations: tuple[Customization, ...]  # the account's own, if it has a child
    own: Mapping[str, SettingValue]  # values set at account level
    effective: Mapping[str, tuple[str, str, str]]  # name -> (value, where from, meaning)
    restrictions: Mapping[str, str]  # ticker -> kind, set at account level


@dataclass(frozen=True)
class PreviewSide:
    """What the engine would do with the account, as stored or as changed."""

    status: str  # optimal, no_target, bad_data, infeasible...
    trades: tuple[Trade, ...]
    estimated_tax: Decimal | None
    turnover: Decimal | None
    drift_before: Decimal | None  # largest out-of-band drift before trading
    drift_after: Decimal | None  # ... after the trades
    reasons: tuple[str, ...]

    @property
    def traded_value(self) -> Decimal:
        return round_cents(sum((to_decimal(t.value) for t in self.trades), Decimal(0)))


@dataclass(frozen=True)
class CustomizationPreview:
    account: str
    as_of: dt.date
    before: PreviewSide
    after: PreviewSide
    target: str | None  # the target the account would follow after the change


def setting_choices() -> list[SettingChoice]:
    """The editable settings (the catalog's, restrictions aside) in the catalog's order."""
    out = [
        SettingChoice(s.name, s.summary, s.kind.value, tuple(s.choices))
        for s in VOCABULARY.values()
    ]
    for name in known_settings():
        if name in REVIEW_THRESHOLDS:
            out.append(
                SettingChoice(
                    name, f"send to review above this ({REVIEW_THRESHOLDS[name]}, or off)",
                    "threshold", (),
                )
            )  # fmt: skip
    return out


_EDITABLE = frozenset({*VOCABULARY, *REVIEW_THRESHOLDS})


def own_target_id(account: str) -> str:
    return f"{OWN_TARGET_PREFIX}{account}"


def _number(text: str, where: str, problems: list[Problem], line: str) -> Decimal | None:
    raw = text.strip()
    try:
        value = Decimal(raw.rstrip("%"))
    except InvalidOperation:
        problems.append(
            Problem(where, f"{line}: {raw!r} is not a number (use +0.03 or 3%)")
        )  # fmt: skip
        return None
    return value / 100 if raw.endswith("%") else value


def parse_customizations(text: str) -> tuple[tuple[Customization, ...], list[Problem]]:
    """Customizations from the editor's text, one a line, in `trimtab models customize`'s
    words: `drop CLASS`, `replace CLASS=KIND:REF` (model, fund, direct_index, cash),
    `tilt CLASS=+3%[:FROM]`, `exclude TICKER`, `exclude-sector SECTOR`, `keep TICKER=5%`.
    Each problem names its line."""
    found: list[Customization] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"customizations line {number}"
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        word = word.lower()
        if not rest:
            problems.append(Problem(where, f"{line}: say what to {word}"))
            continue
        if word == "drop":
            found.append(DropClass(rest.upper()))
        elif word == "exclude":
            found.append(ExcludeSecurity(rest.upper()))
        elif word == "exclude-sector":
            found.append(ExcludeSector(rest))
        elif word == "replace":
            cls, _, product = rest.partition("=")
            kind, _, ref = product.partition(":")
            kinds = [k.value for k in ProductKind]
            if kind.strip() not in kinds:
                problems.append(
                    Problem(where, f"{line}: use replace CLASS=KIND:REF, KIND one of "
                            f"{', '.join(kinds)}")
                )  # fmt: skip
                continue
            found.append(
                ReplaceProduct(cls.strip().upper(), Product(ProductKind(kind.strip()), ref.strip()))
            )
        elif word == "tilt":
            cls, _, amount = rest.partition("=")
            delta, _, source = amount.partition(":")
            value = _number(delta, where, problems, line)
            if value is not None:
                found.append(Tilt(cls.strip().upper(), value, source.strip().upper() or None))
        elif word == "keep":
            ticker, _, weight = rest.partition("=")
            value = _number(weight, where, problems, line)
            if value is not None:
                found.append(KeepLegacy(ticker.strip().upper(), value))
        else:
            problems.append(
                Problem(where, f"{line}: start with drop, replace, tilt, exclude, "
                        "exclude-sector or keep")
            )  # fmt: skip
    return tuple(found), problems


def unparse_customization(c: Customization) -> str:
    """One customization in the editor's words (the inverse of `parse_customizations`)."""
    match c:
        case DropClass():
            return f"drop {c.asset_class}"
        case ReplaceProduct():
            return f"replace {c.asset_class}={c.product.kind.value}:{c.product.ref}"
        case Tilt():
            source = f":{c.funded_from}" if c.funded_from else ""
            return f"tilt {c.asset_class}={c.delta:+}{source}"
        case ExcludeSecurity():
            return f"exclude {c.security}"
        case ExcludeSector():
            return f"exclude-sector {c.sector}"
        case KeepLegacy():
            return f"keep {c.security}={c.weight}"


def _day(uow: PreviewUnitOfWork) -> dt.date:
    """The day a preview is priced as of: the latest run's (the night's prices), else
    the last business day."""
    run = uow.runs.latest_run()
    if run is not None:
        return run.as_of
    return _CALENDAR.previous(_today())


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _book_day(day: dt.date) -> dt.date:
    """The model book a preview reads: the one in force for the next night (today's, so a
    customization saved today, effective today, is what the editor shows back), never
    older than the night priced."""
    return max(day, _today())


def read_value(text: str) -> SettingValue:
    """A setting value as typed in a form: a JSON number, boolean or list, else the word
    (`high`, `2%`, `$500`: calibration reads those itself)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text.strip()
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(value)
    if isinstance(value, str | int | float | bool):
        return value
    return text.strip()


def _visible(uow: PreviewUnitOfWork, account_id: str, viewer: Principal) -> Any:
    # The scope (advisors and teams) is applied in SQL by the account reads, as everywhere.
    if not uow.account_reads.visible(account_id, advisors=viewer.effective_scope):
        return None
    return uow.accounts.get(account_id)


def _not_found(account: str) -> Problem:
    return Problem("account", f"no account {account!r}", ProblemKind.NOT_FOUND)


def _placement(uow: PreviewUnitOfWork, account: str) -> Placement | None:
    found = uow.selection.placements([account])
    return found[0] if found else None


def _account_catalog(
    uow: PreviewUnitOfWork, account: str, followed: str | None, day: dt.date
) -> Catalog:
    """The book as one account's change reads it: the target it follows, its own child
    target and their parents (not the other accounts' own targets: 100,000 at a large
    firm)."""
    wanted = [own_target_id(account), *([followed] if followed is not None else [])]
    return load_catalog_for(uow, day, wanted)


def child_target(
    account: str, followed: str | None, catalog: Catalog, customizations: Sequence[Customization]
) -> tuple[Target | None, list[Problem]]:
    """The account's own child target with these customizations: a new version of
    `C-<account>` when it follows it already (same parent), else a new child of the
    target it follows."""
    if followed is None:
        return None, [
            Problem("customizations", "the account follows no target: assign one first")
        ]  # fmt: skip
    own = own_target_id(account)
    parent = followed
    if followed == own:
        current = catalog.targets.get(own)
        parent = current.parent if current is not None and current.parent else followed
    return Target(
        own, f"{account} customized", parent=parent, customizations=tuple(customizations)
    ), []


def customization_editor(
    new_uow: NewUnitOfWork, account_id: str, *, viewer: Principal
) -> tuple[EditorView | None, list[Problem]]:
    """What the editor starts from: the account's own settings, restrictions and
    customizations, and every effective setting with its source and meaning."""
    with new_uow() as uow:
        account = _visible(uow, account_id, viewer)
        placement = _placement(uow, account_id) if account is not None else None
        if account is None or placement is None:
            return None, [_not_found(account_id)]
        day = _day(uow)
        followed = uow.model_book.target_of(account_id) or account.target
        catalog = _account_catalog(uow, account_id, followed, _book_day(day))
        effective = SettingsBook(uow.settings.history()).resolve(placement)
    own_child = catalog.targets.get(own_target_id(account_id))
    parent = own_child.parent if own_child is not None and followed == own_child.id else followed
    customizations = own_child.customizations if own_child is not None else ()
    own: dict[str, SettingValue] = {}
    restrictions: dict[str, str] = {}
    for name, e in effective.items():
        for c in e.sources:
            if c.scope.level is Level.ACCOUNT and c.value is not None:
                if is_restriction(name):
                    restrictions[name.removeprefix(RESTRICTION_PREFIX)] = str(c.value)
                else:
                    own[name] = c.value
    stated = {
        n: list(e.value) if isinstance(e.value, tuple) else e.value
        for n, e in effective.items()
        if n in VOCABULARY and e.value is not None
    }
    meanings = {m.setting: m.meaning for m in describe(stated)}
    shown = {
        name: (
            "(none)" if e.value is None else _shown(e.value),
            "default" if e.source is None else str(e.source.scope),
            meanings.get(name, ""),
        )
        for name, e in effective.items()
        if not is_restriction(name)
    }
    return EditorView(
        account_id,
        account.advisor,
        day,
        followed,
        parent,
        tuple(customizations) if followed == own_target_id(account_id) else (),
        MappingProxyType(own),
        MappingProxyType(shown),
        MappingProxyType(restrictions),
    ), []


def _shown(value: SettingValue) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def check_change(
    uow: PreviewUnitOfWork,
    account: str,
    change: AccountChange,
    catalog: Catalog,
    followed: str | None,
) -> tuple[Target | None, list[Problem]]:
    """Problems with the change, each at its field; and the child target it would record."""
    problems: list[Problem] = []
    for name, value in change.settings.items():
        if not (is_restriction(name) or name in _EDITABLE):
            problems.append(Problem(f"settings.{name}", "not a setting the editor changes"))
            continue
        if value is None:
            continue
        problems += validate_setting(name, normalize_value(name, value))
        problems += check_restriction_security(
            name, lambda ticker: uow.securities.get(ticker) is not None
        )
    child = None
    if change.customizations is not None:
        child, more = child_target(account, followed, catalog, change.customizations)
        problems += more
        if child is not None:
            trial = catalog.with_target(child)
            problems += [
                Problem("customizations", str(p))
                for p in check_limits(child.id, trial, Resolver(trial))
            ]
    return child, problems


def checked_change(
    new_uow: NewUnitOfWork, account_id: str, change: AccountChange, *, viewer: Principal
) -> tuple[Target | None, list[Problem]]:
    """`check_change` in its own unit of work, before a save: the customized target to
    record (None when the customizations are left alone) and every problem at once."""
    with new_uow() as uow:
        account = _visible(uow, account_id, viewer)
        if account is None:
            return None, [_not_found(account_id)]
        followed = uow.model_book.target_of(account_id) or account.target
        catalog = _account_catalog(uow, account_id, followed, _book_day(_day(uow)))
        return check_change(uow, account_id, change, catalog, followed)


def _side(analysis: AccountAnalysis) -> PreviewSide:
    result = analysis.result or {}
    trades = tuple(trade_from_dict(t) for t in result.get("trades") or ())
    post = (result.get("post_trade") or {}).get("groups") or ()
    after = max((float(g.get("out_of_band") or 0.0) for g in post), default=None)
    return PreviewSide(
        analysis.status,
        trades,
        None if analysis.estimated_tax is None else round_cents(analysis.estimated_tax),
        analysis.turnover,
        analysis.drift,
        None if after is None else Decimal(repr(after)).quantize(Decimal("0.0000000001")),
        analysis.reasons,
    )


def preview_change(
    new_uow: NewUnitOfWork, account_id: str, change: AccountChange, *, viewer: Principal
) -> tuple[CustomizationPreview | None, list[Problem]]:
    """The engine's answer for the account as stored and as changed; writes nothing."""
    with new_uow() as uow:
        account = _visible(uow, account_id, viewer)
        placement = _placement(uow, account_id) if account is not None else None
        if account is None or placement is None:
            return None, [_not_found(account_id)]
        day = _day(uow)
        followed = uow.model_book.target_of(account_id) or account.target
        catalog = _account_catalog(uow, account_id, followed, _book_day(day))
        child, problems = check_change(uow, account_id, change, catalog, followed)
        if problems:
            return None, problems
        snapshots = uow.night.snapshots([account_id], as_of=day)
        night = uow.night
        advisors, branches = night.names()
        history = night.settings_history()
        securities = night.securities()
        ctx = NightContext(
            as_of=day,
            firm=night.firm(),
            resolver=Resolver(catalog),
            securities=securities,
            wash_groups=uow.wash_groups.policy().groups(securities.values()),
            closes=night.closes(day),
            actions=night.actions(day),
            settings=SettingsBook(history),
            policy=RoutingPolicy(()),
            filters={},
            advisors=advisors,
            branches=branches,
            business_days_between=_CALENDAR.days_between,
        )
        # Leaving without commit(): the unit of work rolls back; a preview writes nothing.
    if not snapshots:
        return None, [_not_found(account_id)]
    snapshot = snapshots[0]
    before = analyze_account(snapshot, ctx)
    changed_ctx = dataclasses.replace(
        ctx,
        settings=ctx.settings.plus(_as_changes(change, placement, history)),
        resolver=Resolver(catalog.with_target(child)) if child is not None else ctx.resolver,
        resolved={},
    )
    changed_snapshot = (
        dataclasses.replace(snapshot, target=child.id) if child is not None else snapshot
    )
    after = analyze_account(changed_snapshot, changed_ctx)
    return CustomizationPreview(
        account_id,
        day,
        _side(before),
        _side(after),
        child.id if child is not None else snapshot.target,
    ), []


def _as_changes(
    change: AccountChange, placement: Placement, history: Sequence[SettingChange]
) -> list[SettingChange]:
    """The change as settings changes at the account's scope, numbered after the history
    and stamped now, so the book resolves them as the newest (never recorded)."""
    start = max((c.id for c in history), default=0) + 1
    at = max([dt.datetime.now(dt.UTC), *(c.at for c in history)]) + dt.timedelta(seconds=1)
    scope = Scope(Level.ACCOUNT, placement.account)
    return [
        SettingChange(
            start + i,
            name,
            scope,
            None if value is None else normalize_value(name, value),
            _PREVIEW_ACTOR,
            at,
            "preview",
        )
        for i, (name, value) in enumerate(sorted(change.settings.items()))
    ]


def restriction_kinds() -> tuple[str, ...]:
    """The restriction words the editor offers (`no_buy`, `no_sell`, `must_sell`)."""
    return tuple(k.value for k in Kind)
