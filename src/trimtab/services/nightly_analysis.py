"""One account's nightly analysis: inputs in, a decision, its record and its route out.

Problem: the nightly run must turn what the store holds about an account (lots, cash,
the household's recent trades, restrictions from feeds and from settings, the target it
follows, its effective settings) into one engine case, rebalance it, and say what
happens next — without one account's bad data or a solver failure stopping the others,
and with a record complete enough to re-run the analysis to the same result.

Rule, per account (`analyze_account`), given a firm-wide `NightContext`:
1. Data quality (`domain.data_quality.check_account`): any data error → no rebalance
   (status `bad_data`); an account that is not open (held out of trading) is not
   rebalanced either (status `held`).
2. Restrictions are the *union* of the `restrictions` table (feeds, firm lists, ESG
   screens) and the `restriction.<TICKER>` settings: both become `Restriction` values and
   go through `effective_restrictions` together (any level's no-buy blocks the buy; the
   more specific of no-sell / must-sell wins). The target's exclusions add no-buys, its
   legacy keeps add no-sells.
3. The target is resolved as of the day with today's no-buys and wash-sale blocks
   (a household sale at a loss in the last 30 days blocks its wash group's buys).
4. The case (shared/spec/rebalance-case.md) carries the calibration settings that differ
   from their defaults, and always those a case applies only when stated
   (`calibration.APPLIED_WHEN_STATED`: loss harvesting, at the firm's default too);
   `engine.parse_case` + `engine.rebalance` answer it. An exception is caught and
   recorded (status `failed`), never raised.
5. The numbers filters read (value, largest pre-trade out-of-band drift, turnover,
   estimated tax, cost/benefit, data errors, mandate, trades) are rounded exactly as the
   `analyses` columns store them, so routing in memory and a filter in SQL agree; then
   `domain.routing.route` picks the outcome.

Worked example: an open account with one lot of VTI worth $9,000, $1,000 cash and a
target of 95% VTI: value $10,000, drift 0 (inside the band) → optimal, no trades →
outcome `no_trade` by the built-in rule `no_trades` (tests/integration/nightly).
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trimtab.domain import (
    Account,
    AccountStatus,
    Kind,
    Restriction,
    Security,
    TaxLot,
    TaxProfile,
    TradeRecord,
    effective_restrictions,
)
from trimtab.domain.calibration import APPLIED_WHEN_STATED, REFERENCE_COST_RATE, VOCABULARY
from trimtab.domain.data_quality import AccountInputs, DataError, PricePoint, check_account
from trimtab.domain.filters import Filter, matches
from trimtab.domain.money import round_cents_even
from trimtab.domain.problems import Problem
from trimtab.domain.resolution import ResolvedTarget, Resolver
from trimtab.domain.routing import Routing, RoutingPolicy, route
from trimtab.domain.settings_catalog import (
    RESTRICTION_PREFIX,
    default_value,
    is_restriction,
    tax_setting,
)
from trimtab.domain.settings_levels import Effective, Placement, SettingsBook
from trimtab.domain.tax_picture import DEFAULT_CARRYFORWARD_DISCOUNT
from trimtab.domain.wash_sales import DEFAULT_WASH_GROUP_POLICY, WASH_SALE_WINDOW
from trimtab.engine import parse_case, rebalance
from trimtab.engine.case import (
    AccountInput,
    LotInput,
    RecentTrade,
    SecurityInput,
    TaxRates,
    picture_of,
)
from trimtab.services.nightly_case import build_case

__all__ = [
    "DECIDED",
    "AccountAnalysis",
    "AccountSnapshot",
    "NightContext",
    "analyze_account",
    "case_tax",
    "routing_record",
]

# Quanta of the `analyses` columns: routing sees exactly the numbers SQL will see.
MONEY_QUANTUM = Decimal("0.000001")
FRACTION_QUANTUM = Decimal("0.0000000001")
DECIDED = frozenset({"optimal"})


@dataclass(frozen=True)
class AccountSnapshot:
    """What the store holds about one account tonight (read in bulk per chunk)."""

    account: Account
    target: str | None
    lots: tuple[TaxLot, ...]
    cash: Decimal | None
    positions: Mapping[str, Decimal] | None = None
    unknown_basis: frozenset[str] = frozenset()
    tax: TaxProfile | None = None
    household_trades: tuple[TradeRecord, ...] = ()
    restrictions: tuple[Restriction, ...] = ()  # from the restrictions table, applicable
    holds: tuple[str, ...] = ()  # reasons the account is held out of trading


@dataclass(frozen=True)
class NightContext:
    """What every account of the run shares: read once per worker and run."""

    as_of: dt.date
    firm: str
    resolver: Resolver
    securities: Mapping[str, Security]
    closes: Mapping[str, tuple[PricePoint, ...]]  # last two closes on or before as_of
    actions: Mapping[str, dt.date]  # security -> latest corporate action effective date
    settings: SettingsBook
    policy: RoutingPolicy
    filters: Mapping[str, Filter]
    advisors: Mapping[str, str] = field(default_factory=dict)  # id -> name
    branches: Mapping[str, str] = field(default_factory=dict)
    business_days_between: Callable[[dt.date, dt.date], int] | None = None
    # (target, no-buys, wash-blocked) -> resolution: a cache, not state (see `_resolve`)
    resolved: dict[
        tuple[str, frozenset[str], frozenset[str]],
        tuple[ResolvedTarget | None, list[Problem]],
    ] = field(default_factory=dict, compare=False, repr=False)
    # ticker -> wash group under the firm's policy (`night_context` reads it), derived
    # once (asked for every security of every account: ~15,000 times a chunk); left
    # empty, the default policy with no firm-defined groups
    wash_groups: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.wash_groups:
            groups = DEFAULT_WASH_GROUP_POLICY.groups(self.securities.values())
            object.__setattr__(self, "wash_groups", groups)

    def wash_group(self, ticker: str) -> str:
        """The security's wash-sale group; an unknown ticker is its own group."""
        return self.wash_groups.get(ticker, ticker)


@dataclass(frozen=True)
class AccountAnalysis:
    account: str
    status: str  # optimal, infeasible, invalid, error, failed, bad_data, held, no_target
    value: Decimal | None
    drift: Decimal | None
    turnover: Decimal | None
    estimated_tax: Decimal | None
    cost_benefit: Decimal | None
    data_errors: tuple[DataError, ...]
    mandate: bool
    trades: tuple[dict[str, Any], ...]
    routing: Routing
    case: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    versions: tuple[str, ...] = ()
    settings: tuple[dict[str, Any], ...] = ()
    reasons: tuple[str, ...] = ()
    failure: str | None = None

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    def record(self) -> dict[str, Any]:
        """The analysis record (domain/records.py): what `record_of` returns, plus the
        status and the routing, so the record alone says what the night decided."""
        return {
            "case": self.case,
            "versions": list(self.versions),
            "settings": list(self.settings),
            "result": self.result,
            "reasons": list(self.reasons),
            "status": self.status,
            "routing": {
                "outcome": self.routing.outcome.value,
                "rule": self.routing.rule,
                "flags": list(self.routing.flags),
            },
        }


def _q(value: float | Decimal | None, quantum: Decimal) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(quantum)


def _restrictions(
    snapshot: AccountSnapshot, effective: Mapping[str, Effective], firm: str
) -> dict[str, frozenset[Kind]]:
    """Feeds' restrictions and settings' restrictions, combined by one rule (union)."""
    from_settings = [
        Restriction(
            c.scope.level, c.scope.id, name.removeprefix(RESTRICTION_PREFIX), Kind(v), c.reason
        )
        for name, e in effective.items()
        if is_restriction(name)
        for c in (*e.sources, *e.shadowed)
        for v in ([c.value] if isinstance(c.value, str) else [])
        if v in {k.value for k in Kind}
    ]
    a = snapshot.account
    return effective_restrictions(
        [*snapshot.restrictions, *from_settings],
        firm=firm,
        program=a.program,
        household=a.household,
        account=a.id,
    )


def _settings_record(effective: Mapping[str, Effective]) -> tuple[dict[str, Any], ...]:
    """Effective settings that some level set, each with where it came from."""
    return tuple(
        {
            "setting": name,
            "value": list(e.value) if isinstance(e.value, tuple) else e.value,
            "sources": [c.describe() for c in e.sources],
            "overrides": [c.describe() for c in e.shadowed],
        }
        for name, e in sorted(effective.items())
        if not e.is_default
    )


def _case_settings(effective: Mapping[str, Effective], tax: TaxProfile | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in VOCABULARY:
        e = effective.get(name)
        if name in APPLIED_WHEN_STATED:
            # A case applies these only when stated: the firm's default is stated too.
            value = default_value(name) if e is None or e.value is None else e.value
            if value is not None:
                out[name] = value
            continue
        if e is None or e.is_default or e.value is None or e.value == default_value(name):
            continue
        out[name] = list(e.value) if isinstance(e.value, tuple) else e.value
    if tax is not None and "realized_gains_ytd" not in out:
        # Net losses so far this year leave the whole budget: the setting counts gains only.
        ytd = tax.realized_short_ytd + tax.realized_long_ytd
        if ytd > 0:
            out["realized_gains_ytd"] = float(ytd)
    return out


def _plain_tax(tax: TaxProfile | None) -> tuple[dict[str, Any], TaxRates]:
    rates = TaxRates(float(tax.short_term_rate), float(tax.long_term_rate)) if tax else TaxRates()
    return {"short_term_rate": rates.short_term_rate, "long_term_rate": rates.long_term_rate}, rates


def case_tax(
    tax: TaxProfile | None, effective: Mapping[str, Effective]
) -> tuple[dict[str, Any], TaxRates]:
    """A taxable account's `tax`: the profile's rates (+ `state_tax_rate`) and its tax
    picture — the household's realized gains this year from the profile (kept up to date
    from fills), the tax-picture settings, the profile's carryforward split by
    `carryforward_short_share` (docs/settings.md, "Tax picture")."""
    if tax is None:
        return _plain_tax(tax)

    def setting(name: str) -> Decimal:
        e = effective.get(name)
        return tax_setting(name, None if e is None else e.value)

    state = setting("state_tax_rate")
    short_rate, long_rate = tax.short_term_rate + state, tax.long_term_rate + state
    out: dict[str, Any] = {"short_term_rate": float(short_rate), "long_term_rate": float(long_rate)}
    if short_rate >= 1 or long_rate >= 1:  # refused by the case's parser, with the field named
        return out, TaxRates(float(short_rate), float(long_rate))
    outside, outside_short = setting("outside_gains"), setting("outside_short_share")
    carry, carry_short = tax.loss_carryforward, setting("carryforward_short_share")
    amounts = {
        "realized_short_ytd": tax.realized_short_ytd,
        "realized_long_ytd": tax.realized_long_ytd,
        "outside_short": outside * outside_short,
        "outside_long": outside - outside * outside_short,
        "carryforward_short": carry * carry_short,
        "carryforward_long": carry - carry * carry_short,
    }
    # Only what differs from the contract's defaults: the case is stored every night.
    picture = {k: float(round_cents_even(v)) for k, v in amounts.items() if v}
    discount = setting("carryforward_discount")
    if discount != DEFAULT_CARRYFORWARD_DISCOUNT:
        picture["carryforward_discount"] = float(discount)
    out["picture"] = picture
    short, long = out["short_term_rate"], out["long_term_rate"]
    return out, TaxRates(short, long, picture_of(short, long, picture))


def _failed(
    snapshot: AccountSnapshot,
    ctx: NightContext,
    status: str,
    *,
    value: Decimal | None = None,
    errors: tuple[DataError, ...] = (),
    reasons: tuple[str, ...] = (),
    failure: str | None = None,
    case: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    versions: tuple[str, ...] = (),
    settings: tuple[dict[str, Any], ...] = (),
    mandate: bool = False,
) -> AccountAnalysis:
    numbers: dict[str, object] = {
        "value": value,
        "drift": None,
        "turnover": None,
        "estimated_tax": None,
        "cost_benefit": None,
        "data_errors": len(errors),
        "mandate": mandate,
        "trades": 0,
    }
    routing = _route(snapshot.account, ctx, numbers, decided=False, trades=0)
    return AccountAnalysis(
        snapshot.account.id,
        status,
        value,
        None,
        None,
        None,
        None,
        errors,
        mandate,
        (),
        routing,
        case=case,
        result=result,
        versions=versions,
        settings=settings,
        reasons=reasons,
        failure=failure,
    )


def routing_record(
    account: Account, ctx: NightContext, numbers: Mapping[str, object]
) -> dict[str, object]:
    """The account as the filter language names it (docs/filters.md), plus tonight's numbers."""
    record: dict[str, object] = {
        "id": account.id,
        "status": account.status.value,
        "tax_status": account.tax_status.value,
        "tier": account.tier,
        "discretionary": account.discretionary,
        "approved": account.approved_for_trading,
        "advisor": ctx.advisors.get(account.advisor or ""),
        "branch": ctx.branches.get(account.branch or ""),
        "household": account.household,
        "program": account.program,
        **numbers,
    }
    for key, value in account.fields.items():
        record[f"field.{key}"] = value
    return record


def _route(
    account: Account,
    ctx: NightContext,
    numbers: Mapping[str, object],
    *,
    decided: bool,
    trades: int,
) -> Routing:
    record = routing_record(account, ctx, numbers)

    def hit(name: str) -> bool:
        f = ctx.filters.get(name)
        return f is not None and matches(f, record)

    return route(ctx.policy, hit, decided=decided, trades=trades)


def _closes_value(lots: Sequence[TaxLot], ctx: NightContext) -> Decimal | None:
    total = Decimal(0)
    for lot in lots:
        closes = ctx.closes.get(lot.security)
        if not closes:
            return None
        total += lot.quantity * closes[-1].close
    return total


def analyze_account(snapshot: AccountSnapshot, ctx: NightContext) -> AccountAnalysis:
    """Analyze one account; never raises for the account's own problems (see module doc)."""
    try:
        return _analyze(snapshot, ctx)
    except Exception as exc:  # one account's bug must not stop the run: record it
        where = traceback.extract_tb(exc.__traceback__)[-1]
        failure = (
            f"{type(exc).__name__}: {exc} (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
        )
        return _failed(snapshot, ctx, "failed", failure=failure, reasons=(failure,))


def _analyze(snapshot: AccountSnapshot, ctx: NightContext) -> AccountAnalysis:
    account, day = snapshot.account, ctx.as_of
    held = {lot.security for lot in snapshot.lots}
    closes = {s: ctx.closes[s] for s in held if s in ctx.closes}
    explained = frozenset(
        s for s in held if s in ctx.actions and closes.get(s) and ctx.actions[s] > closes[s][0].date
    )
    inputs = AccountInputs(
        account.id,
        lots=snapshot.lots,
        positions=snapshot.positions,
        cash=snapshot.cash,
        closes=closes,
        unknown_basis=snapshot.unknown_basis,
        actions=explained,
    )
    errors = tuple(
        check_account(inputs, day=day)
        if ctx.business_days_between is None
        else check_account(inputs, day=day, business_days_between=ctx.business_days_between)
    )
    cash = snapshot.cash or Decimal(0)
    holdings = _closes_value(snapshot.lots, ctx)
    value = None if holdings is None else _q(holdings + cash, MONEY_QUANTUM)
    if account.status is not AccountStatus.OPEN:
        reasons = snapshot.holds or (f"account is {account.status.value}",)
        return _failed(snapshot, ctx, "held", value=value, errors=errors, reasons=reasons)
    if errors:
        return _failed(
            snapshot,
            ctx,
            "bad_data",
            value=value,
            errors=errors,
            reasons=tuple(e.message for e in errors),
        )
    if snapshot.target is None:
        return _failed(
            snapshot, ctx, "no_target", value=value, reasons=("the account follows no target",)
        )

    placement = Placement(account.id, account.household, account.program, ctx.firm)
    effective = ctx.settings.resolve(placement)
    kinds = _restrictions(snapshot, effective, ctx.firm)
    no_buy = {t for t, k in kinds.items() if Kind.NO_BUY in k or Kind.MUST_SELL in k}
    since = day - WASH_SALE_WINDOW
    recent = [t for t in snapshot.household_trades if since <= t.date <= day]
    sold_at_loss = {ctx.wash_group(t.security) for t in recent if t.is_loss_sale}
    wash_blocked = frozenset(t for t, group in ctx.wash_groups.items() if group in sold_at_loss)
    resolved, problems = _resolve(ctx, snapshot.target, frozenset(no_buy), wash_blocked)
    settings_record = _settings_record(effective)
    if resolved is None:
        reasons = tuple(str(p) for p in problems) or ("the target does not resolve",)
        return _failed(
            snapshot, ctx, "no_target", value=value, reasons=reasons, settings=settings_record
        )

    groups = resolved.engine_groups()
    wanted = set(held)
    for g in groups:
        wanted.update(str(m) for m in g["members"])  # type: ignore[attr-defined]
    unpriced = sorted(t for t in wanted - held if t not in ctx.closes)
    if unpriced:
        # A target security nobody holds and nobody priced cannot be bought tonight.
        for g in groups:
            members = [m for m in g["members"] if m not in unpriced]  # type: ignore[attr-defined]
            g["members"] = members
            if g["buy"] in unpriced:
                g["buy"] = None
        groups = [g for g in groups if g["members"]]
    # One pass builds both the engine's typed inputs and the case dict the record keeps
    # (services/nightly_case.py checks the typed ones instead of re-reading the dict).
    securities: list[dict[str, Any]] = []
    security_inputs: list[SecurityInput] = []
    for ticker in sorted(wanted - set(unpriced)):
        price, group = float(ctx.closes[ticker][-1].close), ctx.wash_group(ticker)
        entry: dict[str, Any] = {
            "id": ticker,
            "price": price,
            "cost_rate": REFERENCE_COST_RATE,
            "wash_group": group,
        }
        k = kinds.get(ticker, frozenset())
        no_buy_it = Kind.NO_BUY in k or ticker in resolved.excluded
        no_sell_it = Kind.NO_SELL in k or ticker in resolved.keep
        must_sell_it = Kind.MUST_SELL in k and ticker in held
        if no_buy_it:
            entry["no_buy"] = True
        if no_sell_it:
            entry["no_sell"] = True
        if must_sell_it:
            entry["must_sell"] = True
        securities.append(entry)
        security_inputs.append(
            SecurityInput(
                ticker, price, REFERENCE_COST_RATE, group, no_buy_it, no_sell_it, must_sell_it
            )
        )
    lots: list[dict[str, Any]] = []
    lot_inputs: list[LotInput] = []
    for lot in snapshot.lots:
        quantity, basis = float(lot.quantity), float(lot.cost_basis / lot.quantity)
        start = lot.holding_period_start
        entry = {
            "id": lot.id,
            "security": lot.security,
            "quantity": quantity,
            "cost_basis": basis,
            "acquired": lot.acquired.isoformat(),
        }
        if start:
            entry["holding_period_start"] = start.isoformat()
        lots.append(entry)
        lot_inputs.append(
            LotInput(lot.id, lot.security, quantity, basis, lot.acquired, False, start or None)
        )
    recent_trades: list[dict[str, Any]] = []
    recent_inputs: list[RecentTrade] = []
    for t in recent:
        gain = None if t.realized_gain is None else float(t.realized_gain)
        group = ctx.wash_group(t.security)
        entry = {
            "security": t.security,
            "side": t.side.value,
            "date": t.date.isoformat(),
            "quantity": float(t.quantity),
        }
        if gain is not None:
            entry["realized_gain"] = gain
        entry["wash_group"] = group
        recent_trades.append(entry)
        recent_inputs.append(
            RecentTrade(t.security, t.side.value, t.date, float(t.quantity), gain, group)
        )
    tax = snapshot.tax
    tax_json, rates = case_tax(tax, effective) if account.is_taxable else _plain_tax(tax)
    case: dict[str, Any] = {
        "as_of": day.isoformat(),
        "account": {"id": account.id, "tax_status": account.tax_status.value, "cash": float(cash)},
        "tax": tax_json,
        "securities": securities,
        "groups": groups,
        "lots": lots,
        "recent_trades": recent_trades,
        "settings": _case_settings(effective, tax),
        "parameters": {},
    }
    if resolved.cash > 0:
        case["settings"].setdefault("cash_target", round(resolved.cash, 10))
    reasons = tuple(f"{t}: unpriced target security, not bought tonight" for t in unpriced)
    mandate = any(s.get("must_sell") for s in securities)
    parsed = build_case(
        as_of=day,
        account=AccountInput(account.id, account.tax_status.value, float(cash)),
        tax=rates,
        securities=security_inputs,
        groups=groups,
        lots=lot_inputs,
        recent=recent_inputs,
        settings=case["settings"],
    )
    problems = []
    if parsed is None:  # an invariant broke: parse_case names every problem and where
        parsed, problems = parse_case(case)
    if parsed is None:
        failure = "; ".join(str(p) for p in problems)
        return _failed(
            snapshot,
            ctx,
            "invalid",
            value=value,
            reasons=(*reasons, failure),
            failure=failure,
            case=case,
            versions=resolved.versions,
            settings=settings_record,
            mandate=mandate,
        )
    result = rebalance(parsed)
    answer = result.as_dict()
    mandate = mandate or parsed.parameters.withdrawal > 0
    if result.status != "optimal":
        failure = result.reason or result.status
        return _failed(
            snapshot,
            ctx,
            result.status,
            value=value,
            reasons=(*reasons, failure),
            failure=failure,
            case=case,
            result=answer,
            versions=resolved.versions,
            settings=settings_record,
            mandate=mandate,
        )
    a = parsed.arrays
    drift = _pre_trade_drift(parsed)
    trades = tuple(t.as_dict() for t in result.trades)
    numbers: dict[str, object] = {
        "value": _q(float(a.value), MONEY_QUANTUM),
        "drift": _q(drift, FRACTION_QUANTUM),
        "turnover": _q(result.turnover, FRACTION_QUANTUM),
        "estimated_tax": _q(result.tax.estimated_tax if result.tax else 0.0, MONEY_QUANTUM),
        "cost_benefit": _q(
            result.cost_benefit.score if result.cost_benefit else None, MONEY_QUANTUM
        ),
        "data_errors": 0,
        "mandate": mandate,
        "trades": len(trades),
    }
    routing = _route(account, ctx, numbers, decided=True, trades=len(trades))
    return AccountAnalysis(
        account.id,
        "optimal",
        numbers["value"],  # type: ignore[arg-type]
        numbers["drift"],  # type: ignore[arg-type]
        numbers["turnover"],  # type: ignore[arg-type]
        numbers["estimated_tax"],  # type: ignore[arg-type]
        numbers["cost_benefit"],  # type: ignore[arg-type]
        (),
        mandate,
        trades,
        routing,
        case=case,
        result=answer,
        versions=resolved.versions,
        settings=settings_record,
        reasons=reasons,
    )


_RESOLVED_KEPT = 4096  # targets × restriction sets kept per worker: memory stays bounded


def _resolve(
    ctx: NightContext, target: str, no_buy: frozenset[str], wash_blocked: frozenset[str]
) -> tuple[ResolvedTarget | None, list[Problem]]:
    """The target resolved for these blocks; most accounts share a target and its blocks,
    so each combination is resolved once per worker and run."""
    key = (target, no_buy, wash_blocked)
    found = ctx.resolved.get(key)
    if found is None:
        if len(ctx.resolved) >= _RESOLVED_KEPT:
            ctx.resolved.clear()
        found = ctx.resolved[key] = ctx.resolver.resolve(
            target, no_buy=no_buy, wash_blocked=wash_blocked
        )
    return found[0], list(found[1])


def _pre_trade_drift(case: Any) -> float:
    """Largest out-of-band drift of any group before trading, a fraction of value."""
    value = case.arrays.value
    if value <= 0:
        return 0.0
    held: dict[str, float] = {}
    prices = {s.id: s.price for s in case.securities}
    for lot in case.lots:
        held[lot.security] = held.get(lot.security, 0.0) + lot.quantity * prices[lot.security]
    default_band = case.parameters.default_band
    worst = 0.0
    grouped: set[str] = set()
    for g in case.groups:
        grouped.update(g.members)
        weight = sum(held.get(m, 0.0) for m in g.members) / value
        band = default_band if g.band is None else g.band
        worst = max(worst, abs(weight - g.target) - band)
    for ticker, dollars in held.items():
        if ticker not in grouped:  # held outside every group: target 0, band 0
            worst = max(worst, dollars / value)
    return max(0.0, worst)
