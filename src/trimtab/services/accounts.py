"""Seeing accounts: list them through a filter, and show one account whole.

Problem: an operations desk, an advisor or a compliance officer asks about accounts
from outside the nightly run: which accounts match "advisor Lee, drifted, sent to
review"? For one account, what does it hold, what did each lot cost and is its gain
short or long term, how far is each group from target and is that outside its band,
which settings are in force, where each was set and what it means, and what did the
last run decide and why? Each answer already exists somewhere (filters, lots, prices,
the target resolution, the settings book, calibration's sentences, the run's records);
nothing showed them together.

Rule:
- `list_accounts` checks the filter text (or `@saved-name`) with the filter machinery,
  and one query of the store (`AccountReads.lines`) answers it inside the viewer's scope
  (an advisor sees the accounts of their own households only; the scope is part of the
  query). Value and drift are those the latest analysis measured; cash is held now.
- `show_account` reads one account as of a day (default: today): lots valued at each
  security's last close on or before that day; unrealized gain = value − cost basis;
  term by the domain's rule (`TaxLot.term_on`: held more than one year is long). The
  target is resolved from the model book in force that day (`Resolver`), each group's
  weight is its members' value over the account's value (cash included), drift is
  weight − target, and it is *outside its band* by max(0, |drift| − band), the group's
  band or the account's `drift_tolerance` default (the quantity routing's `drift` is
  the largest of). A security held in no group has target 0 and band 0.
- Effective settings come from the settings book (`SettingsBook.resolve`), each with
  the level and scope that set it, the bulk change that wrote it if any, and the
  sentence calibration writes for it (`calibration.describe`); settings calibration
  does not read (commission schedule, review thresholds, restrictions) have no sentence.
- An account that does not exist, or is outside the viewer's scope, is not found (so
  its existence does not leak).

Worked example (an account with one VTI lot of 100 shares bought 2024-03-15 for
$20,000, VTI at $250 on 2025-06-30, $1,000 cash, target 95% VTI, band 2%): value
$26,000; the lot is worth $25,000, gain $5,000, long term; VTI's weight 96.15%, drift
+1.15%, inside its 2% band (0 outside it).

    >>> # view, problems = show_account(db.unit_of_work, "A-1", viewer=ops,
    >>> #                               as_of=dt.date(2025, 6, 30))
    >>> # view.lots[0].term, view.groups[0].outside_band
    >>> # (<Term.LONG: 'long'>, 0.0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from trimtab.domain.accounts import Account
from trimtab.domain.calibration import VOCABULARY, describe, resolve_parameters
from trimtab.domain.holdings import TaxLot, Term
from trimtab.domain.money import ZERO, round_cents
from trimtab.domain.principal import Principal, Scope
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.resolution import ResolvedTarget, Resolver
from trimtab.domain.settings_levels import Effective, SettingsBook
from trimtab.engine.result import Trade
from trimtab.services.account_ports import AccountLine, AccountReads, LastOutcome
from trimtab.services.dashboards import AccountHistory, DashboardReads
from trimtab.services.feed_ports import HoldRepository
from trimtab.services.filters import resolve_filter_text
from trimtab.services.model_book import load_catalog_for
from trimtab.services.model_ports import ModelUnitOfWork
from trimtab.services.review_ports import ProposalRepository, trade_from_dict
from trimtab.services.workflow_ports import WorkflowUnitOfWork

__all__ = [
    "AccountList",
    "AccountView",
    "AccountsUnitOfWork",
    "AnalysisView",
    "GroupView",
    "HoldingView",
    "LotView",
    "SettingView",
    "explain_settings",
    "list_accounts",
    "show_account",
]

DEFAULT_LIMIT = 50


class AccountsUnitOfWork(WorkflowUnitOfWork, ModelUnitOfWork, Protocol):
    """What the account views read: the foundation, selection and settings, the model
    book, the account lines, the run's proposals and records, and the holds."""

    @property
    def account_reads(self) -> AccountReads: ...
    @property
    def proposals(self) -> ProposalRepository: ...
    @property
    def holds(self) -> HoldRepository: ...
    @property
    def dashboards(self) -> DashboardReads: ...


NewUnitOfWork = Callable[[], AccountsUnitOfWork]


@dataclass(frozen=True, slots=True)
class AccountList:
    lines: tuple[AccountLine, ...]
    count: int  # accounts the filter matches in scope (the lines are the first `limit`)
    filter: str | None  # the filter's text (a saved filter's expression), None for all


@dataclass(frozen=True, slots=True)
class HoldingView:
    security: str
    name: str
    asset_class: str | None
    quantity: Decimal
    price: Decimal | None  # the last close on or before the day; None: never priced
    price_date: dt.date | None
    value: Decimal | None
    cost_basis: Decimal
    unrealized_gain: Decimal | None


@dataclass(frozen=True, slots=True)
class LotView:
    id: str
    security: str
    acquired: dt.date
    quantity: Decimal
    cost_basis: Decimal
    value: Decimal | None
    unrealized_gain: Decimal | None
    term: Term  # if sold on the day shown


@dataclass(frozen=True, slots=True)
class GroupView:
    """One target group against what is held (fractions of the account's value)."""

    id: str
    asset_classes: tuple[str, ...]
    members: tuple[str, ...]
    target: float
    current: float
    band: float

    @property
    def drift(self) -> float:
        return self.current - self.target

    @property
    def outside_band(self) -> float:
        return max(0.0, abs(self.drift) - self.band)


@dataclass(frozen=True, slots=True)
class SettingView:
    setting: str
    value: str
    level: str  # firm, program, household, account, or "default"
    scope: str | None  # the id of the firm, program, household or account that set it
    change: int | None  # the settings change in force (`settings history`)
    bulk: int | None  # the bulk change that wrote it, if any
    meaning: str  # calibration's "what this means" sentence; "" for the others


@dataclass(frozen=True, slots=True)
class AnalysisView:
    outcome: LastOutcome
    trades: tuple[Trade, ...]  # as the engine proposed them, with their reasons
    reasons: tuple[str, ...]  # data errors, holds, failures
    proposal: str | None  # its state in the review queue, if a proposal was made
    edited: bool


@dataclass(frozen=True, slots=True)
class AccountView:
    account: Account
    household_name: str
    advisor_name: str | None
    target: str | None
    as_of: dt.date
    value: Decimal  # cash + every priced holding
    cash: Decimal
    target_cash: float | None
    holdings: tuple[HoldingView, ...]
    lots: tuple[LotView, ...]
    groups: tuple[GroupView, ...]
    flags: tuple[str, ...]
    settings: tuple[SettingView, ...]
    last: AnalysisView | None
    history: AccountHistory | None = None  # when asked for (`show_account(history=N)`)


def _scope(viewer: Principal) -> Scope | None:
    """The viewer's scope for the store's queries (None: the firm): advisors and the
    households of their teams (`trimtab.store.scope_sql`)."""
    scope = viewer.effective_scope
    return None if scope.firm_wide else scope


def list_accounts(
    new_uow: NewUnitOfWork,
    text: str | None,
    *,
    viewer: Principal,
    limit: int | None = DEFAULT_LIMIT,
    offset: int = 0,
) -> tuple[AccountList | None, list[Problem]]:
    """The accounts a filter (or `@saved-name`; None: all) matches, in the viewer's scope."""
    with new_uow() as uow:
        f = None
        if text is not None and text.strip():
            f, problems = resolve_filter_text(uow, text, viewer=viewer)
            if f is None:
                return None, problems
        advisors = _scope(viewer)
        lines = uow.account_reads.lines(f, advisors=advisors, limit=limit, offset=offset)
        count = uow.account_reads.count(f, advisors=advisors)
    return AccountList(tuple(lines), count, None if f is None else f.text), []


def explain_settings(
    effective: Mapping[str, Effective], *, account_value: float | None = None
) -> list[SettingView]:
    """Each effective setting with its source and, for calibration's settings, the
    sentence saying what it means for an account of this value (None: any account)."""
    stated = {
        name: list(e.value) if isinstance(e.value, tuple) else e.value
        for name, e in effective.items()
        if name in VOCABULARY and e.value is not None
    }
    meanings = {m.setting: m.meaning for m in describe(stated, account_value=account_value)}
    views = []
    for name, e in effective.items():
        source = e.source
        views.append(
            SettingView(
                setting=name,
                value="(none)" if e.value is None else _shown(e.value),
                level="default" if source is None else source.scope.level.name.lower(),
                scope=None if source is None else source.scope.id,
                change=None if source is None else source.id,
                bulk=None if source is None else source.bulk,
                meaning=meanings.get(name, ""),
            )
        )
    return views


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _not_found(account: str) -> Problem:
    return Problem("account", f"no account {account!r}", ProblemKind.NOT_FOUND)


def show_account(
    new_uow: NewUnitOfWork,
    account_id: str,
    *,
    viewer: Principal,
    as_of: dt.date | None = None,
    history: int = 0,
) -> tuple[AccountView | None, list[Problem]]:
    """One account whole, as of a day (default today); see the module doc. With
    `history`, also its latest `history` analyses and review decisions (the account
    page shows them: read in the same unit of work, not a second visit to the store)."""
    day = as_of or dt.datetime.now(dt.UTC).date()
    with new_uow() as uow:
        account = uow.accounts.get(account_id)
        advisors = _scope(viewer)
        if account is None or (
            advisors is not None and not uow.account_reads.visible(account_id, advisors=advisors)
        ):
            return None, [_not_found(account_id)]
        household = uow.households.get(account.household)
        advisor = uow.organization.advisor(account.advisor) if account.advisor else None
        lots = sorted(uow.lots.for_account(account_id), key=lambda lot: (lot.security, lot.id))
        balance = uow.cash.get(account_id)
        cash = balance.amount if balance is not None else ZERO
        held = sorted({lot.security for lot in lots})
        prices = uow.prices.latest(held, day)
        # One read of the security master, not one per holding (a direct index holds ~300).
        master = {s.ticker: s for s in uow.securities.list()}  # the catalog's too
        securities = {t: master.get(t) for t in held}
        target = uow.model_book.target_of(account_id) or account.target
        resolved: ResolvedTarget | None = None
        target_problems: list[Problem] = []
        if target is not None:
            catalog = load_catalog_for(uow, day, [target], securities=master)
            resolved, target_problems = Resolver(catalog).resolve(target)
        placement = uow.selection.placements([account_id])
        effective = SettingsBook(uow.settings.history()).resolve(placement[0]) if placement else {}
        holds = [h.reason for h in uow.holds.active(account=account_id)]
        last = uow.account_reads.last_outcome(account_id)
        analysis = _analysis(uow, account_id, last) if last is not None else None
        past = (
            AccountHistory(
                tuple(uow.dashboards.analyses(account_id, limit=history)),
                tuple(uow.dashboards.decisions(account_id, limit=history)),
            )
            if history
            else None
        )

    lot_views = tuple(_lot(lot, prices.get(lot.security), day) for lot in lots)
    value = cash + sum((v.value for v in lot_views if v.value is not None), ZERO)
    holdings = tuple(
        _holding(t, [v for v in lot_views if v.security == t], securities.get(t), prices.get(t))
        for t in held
    )
    settings = explain_settings(effective, account_value=float(value) if value > 0 else None)
    band = _default_band(effective, float(value), account.tax_status.value)
    groups = _groups(resolved, holdings, value, band)
    flags = _flags(account, last, holds, holdings, target, target_problems, day)
    return (
        AccountView(
            account=account,
            household_name=household.name if household is not None else "",
            advisor_name=advisor.name if advisor else None,
            target=target,
            as_of=day,
            value=round_cents(value),
            cash=cash,
            target_cash=resolved.cash if resolved is not None else None,
            holdings=holdings,
            lots=lot_views,
            groups=groups,
            flags=flags,
            settings=tuple(settings),
            last=analysis,
            history=past,
        ),
        [],
    )


def _lot(lot: TaxLot, price: Any, day: dt.date) -> LotView:
    value = None if price is None else round_cents(lot.quantity * price.close)
    return LotView(
        id=lot.id,
        security=lot.security,
        acquired=lot.acquired,
        quantity=lot.quantity,
        cost_basis=lot.cost_basis,
        value=value,
        unrealized_gain=None if value is None else value - lot.cost_basis,
        term=lot.term_on(day),
    )


def _holding(ticker: str, lots: Sequence[LotView], security: Any, price: Any) -> HoldingView:
    values = [v.value for v in lots]
    value = None if any(v is None for v in values) else sum((v for v in values if v), ZERO)
    basis = sum((v.cost_basis for v in lots), ZERO)
    return HoldingView(
        security=ticker,
        name=security.name if security is not None else "",
        asset_class=security.asset_class if security is not None else None,
        quantity=sum((v.quantity for v in lots), ZERO),
        price=None if price is None else price.close,
        price_date=None if price is None else price.date,
        value=value,
        cost_basis=basis,
        unrealized_gain=None if value is None else value - basis,
    )


def _default_band(effective: Mapping[str, Effective], value: float, tax_status: str) -> float:
    # The band a group without its own gets: the account's drift_tolerance, read by
    # calibration exactly as the nightly run reads it.
    tolerance = effective.get("drift_tolerance")
    stated = (
        {} if tolerance is None or tolerance.value is None else {"drift_tolerance": tolerance.value}
    )
    parameters, _ = resolve_parameters(stated, {}, account_value=value, tax_status=tax_status)
    return parameters.default_band


def _groups(
    resolved: ResolvedTarget | None,
    holdings: Sequence[HoldingView],
    value: Decimal,
    default_band: float,
) -> tuple[GroupView, ...]:
    dollars = {h.security: h.value or ZERO for h in holdings}
    total = float(value)

    def weight(members: Sequence[str]) -> float:
        return float(sum((dollars.get(m, ZERO) for m in members), ZERO)) / total if total else 0.0

    groups: list[GroupView] = []
    grouped: set[str] = set()
    for g in resolved.groups if resolved is not None else ():
        grouped.update(g.members)
        classes = tuple(sorted({c.asset_class for c in g.contributions}))
        band = default_band if g.band is None else g.band
        groups.append(GroupView(g.id, classes, g.members, g.target, weight(g.members), band))
    for h in holdings:
        if h.security not in grouped:  # held outside every group: target 0, band 0
            classes = (h.asset_class,) if h.asset_class else ()
            groups.append(
                GroupView(h.security, classes, (h.security,), 0.0, weight([h.security]), 0.0)
            )
    return tuple(groups)


def _flags(
    account: Account,
    last: LastOutcome | None,
    holds: Sequence[str],
    holdings: Sequence[HoldingView],
    target: str | None,
    target_problems: Sequence[Problem],
    day: dt.date,
) -> tuple[str, ...]:
    flags: list[str] = []
    if account.status.value != "open":
        flags.append(f"status: {account.status.value}")
    if not account.approved_for_trading:
        flags.append("not approved for trading")
    if not account.discretionary:
        flags.append("not discretionary")
    flags += [f"held: {reason}" for reason in holds]
    flags += [
        f"unpriced: {h.security} has no price on or before {day}"
        for h in holdings
        if h.price is None
    ]
    if target is None:
        flags.append("no target assigned")
    flags += [f"target: {p}" for p in target_problems]
    if last is not None:
        flags += list(last.flags)
    return tuple(flags)


def _analysis(uow: AccountsUnitOfWork, account: str, last: LastOutcome) -> AnalysisView:
    record = uow.proposals.record_of(last.run, account) or {}
    proposal = uow.proposals.proposal(last.run, account)
    result = record.get("result") or {}
    return AnalysisView(
        outcome=last,
        trades=tuple(trade_from_dict(t) for t in result.get("trades") or ()),
        reasons=tuple(str(r) for r in record.get("reasons") or ()),
        proposal=None if proposal is None else proposal.state.value,
        edited=proposal is not None and proposal.edited,
    )
