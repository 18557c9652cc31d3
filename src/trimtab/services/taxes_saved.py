"""Taxes saved by active tax management, against a tax-naive rebalance of the same accounts.

Problem: "how much tax did trimtab save?" is easy to overstate — value every harvested
loss at the top rate, count a deferred gain as if it were never taxed, compare against a
strawman. A client, a regulator and the firm's management need a figure whose method
they can check (docs/taxes-saved.md).

Rule:
- The counterfactual: beside each real analysis of a taxable account, the same case
  (same night, prices, lots, targets, bands, restrictions, cash, wash-sale history) is
  re-solved tax-naive — tax sensitivity `none`, harvesting off, no gain budget, and no
  tax rates in the objective, so lot choice carries no tax preference — and its sells
  are relieved first-in, first-out. Its realized gains and losses by term are stored
  once per analysis (`compute_counterfactuals`, keyed by the analysis id).
- What counts: analyses whose trades happened or whose "no trade" stood — routed to
  auto-trade, approved in review, or no trade proposed. Rejected, still pending and
  suspended analyses are listed, not counted (nothing was done, by either policy).
- Per tax year and per tax return (a household; an account report nets the account
  alone), with R = realized actual, N = naive, st/lt the terms, g/l gains/losses (>= 0):
  - losses harvested = tax(R gains with N losses) − tax(R gains with R losses), each
    through the year's netting (`domain.tax_netting`: short against short first, the
    $3,000 ordinary offset, the carryforward valued a year later, discounted);
  - short-term gains avoided = (N st g − R st g) × (short rate − long rate): permanent
    (a gain not realized short-term is, when realized later, long-term);
  - gains deferred = (N g − R g) × long rate × (1 − (1 + d)^−h): the value of paying
    later, at discount rate d over h years — never the tax itself.
  Each is signed: a night where the naive rebalance would have realized less counts
  against the total.

Worked example (short rate 40%, long 20%, d = 5%, h = 5 years): the naive rebalance
sells a lot with a $1,000 short-term gain; trimtab instead sells a lot with a $1,000
long-term loss and defers the gain. Losses harvested: tax(0, −1,000) − tax(0, 0) =
−400 (the whole loss offsets ordinary income) → $400 saved; short-term gains avoided:
1,000 × 0.20 = $200; gains deferred: 1,000 × 0.20 × (1 − 1.05⁻⁵) = $43.29.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trimtab.domain.holdings import is_long_term
from trimtab.domain.money import round_cents, to_decimal
from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.records import RecordEntry
from trimtab.domain.tax_netting import net_capital_gains, tax_of
from trimtab.engine import Case, parse_case, rebalance
from trimtab.engine.result import Result
from trimtab.services.audit import record, write_service
from trimtab.services.report_ports import (
    AccountFacts,
    Counterfactual,
    OutcomeFacts,
    ReportUnitOfWork,
    TaxesSavedTotal,
)
from trimtab.services.report_scope import Level, ReportRequest, select_accounts

__all__ = [
    "BENCHMARK_ANNUAL_PCT",
    "Assumptions",
    "Realized",
    "Saving",
    "TaxesSavedLine",
    "TaxesSavedReport",
    "compute_counterfactuals",
    "counterfactual_of",
    "naive_case",
    "realized_fifo",
    "record_taxes_saved_to_date",
    "saving",
    "taxes_saved",
]

UnitOfWorkFactory = Callable[[], ReportUnitOfWork]

BENCHMARK_ANNUAL_PCT = Decimal("1.62")
"""The seed's published benchmark: taxes saved, % of portfolio value in a year."""

COUNTED = frozenset({"auto", "approved"})  # proposal states whose trades happened
_ZERO = Decimal(0)

# Settings and parameters that express tax preference: the naive case drops them.
_TAX_SETTINGS = (
    "annual_gain_budget",
    "realized_gains_ytd",
    "harvest_min_loss",
    "harvest_min_loss_pct",
)
_TAX_PARAMETERS = (
    "drift_weight",
    "harvest_value",
    "gain_budget",
    "harvest_min_loss",
    "harvest_min_loss_pct",
    "harvest_requires_swap",
)


@dataclass(frozen=True, slots=True)
class Assumptions:
    """The report's stated assumptions (shown on every report)."""

    discount_rate: Decimal = Decimal("0.05")
    deferral_years: int = 5

    @property
    def deferral_factor(self) -> Decimal:
        """1 − (1 + d)^−h: the part of a tax deferred h years that paying later saves."""
        return 1 - 1 / (1 + self.discount_rate) ** self.deferral_years

    def as_dict(self) -> dict[str, str]:
        return {
            "discount_rate": str(self.discount_rate),
            "deferral_years": str(self.deferral_years),
            "deferral_factor": str(round(self.deferral_factor, 6)),
            "ordinary_offset_limit": "3000",
            "counterfactual": "same case, tax sensitivity none, no harvesting, FIFO lots",
        }


@dataclass(frozen=True, slots=True)
class Realized:
    """Realized gains and losses by term, each >= 0."""

    short_term_gains: Decimal = _ZERO
    short_term_losses: Decimal = _ZERO
    long_term_gains: Decimal = _ZERO
    long_term_losses: Decimal = _ZERO

    def __add__(self, other: Realized) -> Realized:
        return Realized(
            self.short_term_gains + other.short_term_gains,
            self.short_term_losses + other.short_term_losses,
            self.long_term_gains + other.long_term_gains,
            self.long_term_losses + other.long_term_losses,
        )

    @property
    def gains(self) -> Decimal:
        return self.short_term_gains + self.long_term_gains

    @property
    def losses(self) -> Decimal:
        return self.short_term_losses + self.long_term_losses

    @staticmethod
    def of(gains: Iterable[tuple[Decimal, bool]]) -> Realized:
        """From (gain, long term?) pairs: a negative gain is a loss."""
        st_g = st_l = lt_g = lt_l = _ZERO
        for gain, long in gains:
            if long:
                lt_g, lt_l = lt_g + max(gain, _ZERO), lt_l + max(-gain, _ZERO)
            else:
                st_g, st_l = st_g + max(gain, _ZERO), st_l + max(-gain, _ZERO)
        return Realized(st_g, st_l, lt_g, lt_l)


@dataclass(frozen=True, slots=True)
class Saving:
    """The three parts of taxes saved, in dollars (positive: tax saved)."""

    losses_harvested: Decimal = _ZERO
    short_term_avoided: Decimal = _ZERO
    gains_deferred: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        return self.losses_harvested + self.short_term_avoided + self.gains_deferred

    def __add__(self, other: Saving) -> Saving:
        return Saving(
            self.losses_harvested + other.losses_harvested,
            self.short_term_avoided + other.short_term_avoided,
            self.gains_deferred + other.gains_deferred,
        )


def saving(
    actual: Realized,
    naive: Realized,
    *,
    short_term_rate: Decimal,
    long_term_rate: Decimal,
    assumptions: Assumptions = Assumptions(),
) -> Saving:
    """One tax return's year: the taxes saved by the actual against the naive (module doc).

    >>> s = saving(Realized(long_term_losses=Decimal(1000)),
    ...            Realized(short_term_gains=Decimal(1000)),
    ...            short_term_rate=Decimal("0.4"), long_term_rate=Decimal("0.2"))
    >>> s.losses_harvested, s.short_term_avoided, s.gains_deferred
    (Decimal('400.00'), Decimal('200.00'), Decimal('43.29'))
    """

    def tax(st: Decimal, lt: Decimal) -> Decimal:
        return tax_of(
            net_capital_gains(st, lt),
            short_term_rate=short_term_rate,
            long_term_rate=long_term_rate,
            discount_rate=assumptions.discount_rate,
        )

    with_naive_losses = tax(
        actual.short_term_gains - naive.short_term_losses,
        actual.long_term_gains - naive.long_term_losses,
    )
    with_actual_losses = tax(
        actual.short_term_gains - actual.short_term_losses,
        actual.long_term_gains - actual.long_term_losses,
    )
    avoided = (naive.short_term_gains - actual.short_term_gains) * (
        short_term_rate - long_term_rate
    )
    deferred = (naive.gains - actual.gains) * long_term_rate * assumptions.deferral_factor
    return Saving(
        round_cents(with_naive_losses - with_actual_losses),
        round_cents(avoided),
        round_cents(deferred),
    )


# -- the counterfactual ----------------------------------------------------------------


def naive_case(case: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded case made tax-naive: same everything, no tax preference (module doc).

    >>> c = naive_case({"tax": {"short_term_rate": 0.4, "long_term_rate": 0.2},
    ...                 "settings": {"tax_sensitivity": "high"}, "parameters": {}})
    >>> c["tax"], c["settings"]
    ({'short_term_rate': 0.0, 'long_term_rate': 0.0}, {'tax_sensitivity': 'none', \
'loss_harvesting': 'off'})
    """
    naive = copy.deepcopy(dict(case))
    settings = {k: v for k, v in (naive.get("settings") or {}).items() if k not in _TAX_SETTINGS}
    settings["tax_sensitivity"] = "none"
    settings["loss_harvesting"] = "off"
    naive["settings"] = settings
    naive["parameters"] = {
        k: v for k, v in (naive.get("parameters") or {}).items() if k not in _TAX_PARAMETERS
    }
    naive["tax"] = {"short_term_rate": 0.0, "long_term_rate": 0.0}
    return naive


def realized_fifo(case: Case, result: Result) -> Realized:
    """The gains and losses of `result`'s sells when each takes its shares first-in,
    first-out from the case's sellable lots (the lot choice a tax-naive system makes).

    Real rates are not needed here: only the amounts and their terms."""
    prices = {s.id: s.price for s in case.securities}
    frozen = {s.id for s in case.securities if s.no_sell}
    pairs: list[tuple[Decimal, bool]] = []
    for trade in result.trades:
        if trade.side != "sell":
            continue
        lots = sorted(
            (
                lot
                for lot in case.lots
                if lot.security == trade.security and not lot.no_sell and lot.security not in frozen
            ),
            key=lambda lot: (lot.acquired, lot.id),
        )
        left = to_decimal(trade.quantity)
        price = to_decimal(prices[trade.security])
        for lot in lots:
            if left <= 0:
                break
            taken = min(left, to_decimal(lot.quantity))
            left -= taken
            start = lot.holding_period_start or lot.acquired
            gain = taken * (price - to_decimal(lot.cost_basis))
            pairs.append((gain, is_long_term(start, case.as_of)))
    return Realized.of(pairs)


def realized_actual(result: Mapping[str, Any]) -> Realized:
    """The recorded result's realized gains and losses, from its lot picks."""
    return Realized.of(
        (to_decimal(pick["realized_gain"]), pick["term"] == "long")
        for trade in result.get("trades") or ()
        if trade.get("side") == "sell"
        for pick in trade.get("lots") or ()
    )


def counterfactual_of(entry: RecordEntry, analysis: Mapping[str, Any]) -> Counterfactual | None:
    """The tax-naive counterfactual of one analysis record; None when there is nothing to
    compare (no case or no optimal result was recorded, or the account is not taxable)."""
    case_json, result = analysis.get("case"), analysis.get("result")
    if not case_json or not result or result.get("status") != "optimal":
        return None
    if (case_json.get("account") or {}).get("tax_status") != "taxable":
        return None
    d = entry.draft
    case, _ = parse_case(naive_case(case_json))
    as_of = d.as_of or dt.date.fromisoformat(str(case_json["as_of"]))
    if case is None:  # the recorded case parsed once; a naive copy of it always should
        return Counterfactual(entry.seq, d.run_id, d.account, as_of, "invalid", 0, *[_ZERO] * 4)
    answer = rebalance(case)
    if answer.status != "optimal":
        return Counterfactual(entry.seq, d.run_id, d.account, as_of, answer.status, 0, *[_ZERO] * 4)
    r = realized_fifo(case, answer)
    return Counterfactual(
        entry.seq,
        d.run_id,
        d.account,
        as_of,
        answer.status,
        len(answer.trades),
        round_cents(r.short_term_gains),
        round_cents(r.short_term_losses),
        round_cents(r.long_term_gains),
        round_cents(r.long_term_losses),
    )


@write_service("reports.counterfactuals")
def compute_counterfactuals(
    new_uow: UnitOfWorkFactory,
    run_id: str,
    *,
    principal: Principal,
    now: dt.datetime | None = None,
) -> tuple[int, list[Problem]]:
    """Compute and store the counterfactual of every analysis of `run_id` that has none
    yet; (how many were computed, problems). Idempotent: a second call computes none."""
    with new_uow() as uow:
        store = uow.reports
        entries = store.run_analyses(run_id)
        if not entries:
            return 0, [
                Problem("run", f"no analysis records of run {run_id!r}", ProblemKind.NOT_FOUND)
            ]
        done = store.counterfactuals([e.seq for e in entries])
        computed = [
            c
            for e in entries
            if e.seq not in done
            for c in [counterfactual_of(e, store.analysis(e))]
            if c is not None
        ]
        at = now or dt.datetime.now(dt.UTC)
        store.add_counterfactuals(computed, at)
        record(
            uow,
            principal,
            "reports.counterfactuals",
            targets=[f"run:{run_id}"],
            summary={"run": run_id, "computed": len(computed), "analyses": len(entries)},
            at=at,
        )
        uow.commit()
        return len(computed), []


# -- the report ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaxesSavedLine:
    """One tax return's (household's, or the account's) year."""

    year: int
    household: str
    household_name: str
    advisor: str | None
    accounts: tuple[str, ...]
    analyses: int
    actual: Realized
    naive: Realized
    short_term_rate: Decimal
    long_term_rate: Decimal
    saved: Saving


@dataclass(frozen=True)
class TaxesSavedReport:
    request: ReportRequest
    assumptions: Assumptions
    lines: tuple[TaxesSavedLine, ...]
    portfolio_value: Decimal  # the covered taxable accounts' value at their last analysis
    not_counted: Mapping[str, int] = field(default_factory=dict)  # why -> analyses
    missing_counterfactuals: int = 0
    runs_missing: tuple[str, ...] = ()
    nights: tuple[dt.date, ...] = ()  # the nights whose analyses are counted

    @property
    def total(self) -> Saving:
        return sum((line.saved for line in self.lines), Saving())

    @property
    def by_year(self) -> dict[int, Saving]:
        years: dict[int, Saving] = defaultdict(Saving)
        for line in self.lines:
            years[line.year] = years[line.year] + line.saved
        return dict(sorted(years.items()))

    @property
    def pct_of_value(self) -> Decimal | None:
        if self.portfolio_value <= 0:
            return None
        return round(self.total.total / self.portfolio_value * 100, 4)

    @property
    def days(self) -> int:
        return (self.request.end - self.request.start).days + 1


def _value_of(case: Mapping[str, Any]) -> Decimal:
    prices = {s["id"]: to_decimal(s["price"]) for s in case.get("securities") or ()}
    held = sum(
        (to_decimal(lot["quantity"]) * prices.get(lot["security"], _ZERO))
        for lot in case.get("lots") or ()
    )
    return round_cents(to_decimal(case["account"]["cash"]) + Decimal(held))


def _why_not_counted(outcome: OutcomeFacts | None) -> str | None:
    if outcome is None:
        return "no routing outcome"
    if outcome.outcome == "no_trade" or outcome.proposal_state in COUNTED:
        return None
    if outcome.outcome == "suspended":
        return "suspended"
    return {"rejected": "rejected in review", "pending": "pending review"}.get(
        outcome.proposal_state or "", "no proposal"
    )


def taxes_saved(
    new_uow: UnitOfWorkFactory,
    request: ReportRequest,
    *,
    viewer: Principal,
    assumptions: Assumptions = Assumptions(),
) -> tuple[TaxesSavedReport | None, list[Problem]]:
    """The taxes-saved report of the accounts `request` covers (module doc). Reads only:
    analyses without a stored counterfactual are counted in `missing_counterfactuals`
    (`trimtab reports counterfactuals --run RUN` computes them)."""
    with new_uow() as uow:
        store = uow.reports
        accounts, scope, problems = select_accounts(store, request, viewer, Permission.REPORTS)
        if problems or scope is None:
            return None, problems
        taxable = {a.id: a for a in accounts if a.tax_status == "taxable"}
        entries = store.analyses(scope, list(taxable), request.start, request.end)
        outcomes = {
            (o.run_id, o.account): o
            for o in store.outcomes(scope, list(taxable), request.start, request.end)
        }
        naive = store.counterfactuals([e.seq for e in entries])
        groups: dict[tuple[int, str], _Group] = {}
        not_counted: dict[str, int] = defaultdict(int)
        missing: set[str] = set()
        last_value: dict[str, tuple[dt.date, Decimal]] = {}
        counted_nights: set[dt.date] = set()
        for entry in entries:
            d = entry.draft
            analysis = store.analysis(entry)
            case, result = analysis.get("case"), analysis.get("result")
            if not case or not result or result.get("status") != "optimal":
                not_counted["no optimal analysis"] += 1
                continue
            assert d.as_of is not None
            last_value[d.account] = (d.as_of, _value_of(case))
            why = _why_not_counted(outcomes.get((d.run_id or "", d.account)))
            if why is not None:
                not_counted[why] += 1
                continue
            counterfactual = naive.get(entry.seq)
            if counterfactual is None:
                missing.add(d.run_id or "")
                continue
            if counterfactual.status != "optimal":
                not_counted[f"naive rebalance {counterfactual.status}"] += 1
                continue
            account = taxable[d.account]
            key_id = account.id if request.level is Level.ACCOUNT else account.household_id
            counted_nights.add(d.as_of)
            group = groups.setdefault((d.as_of.year, key_id), _Group(account))
            group.add(entry, case, realized_actual(result), _realized(counterfactual))
        lines = tuple(
            g.line(year, assumptions, by_account=request.level is Level.ACCOUNT)
            for (year, _), g in sorted(groups.items())
        )
        value = sum((v for _, v in last_value.values()), _ZERO)
        report = TaxesSavedReport(
            request,
            assumptions,
            lines,
            Decimal(value),
            dict(not_counted),
            sum(1 for e in entries if e.draft.run_id in missing and e.seq not in naive),
            tuple(sorted(missing)),
            tuple(sorted(counted_nights)),
        )
        return report, []


def _realized(c: Counterfactual) -> Realized:
    return Realized(c.short_term_gains, c.short_term_losses, c.long_term_gains, c.long_term_losses)


class _Group:
    """One tax return's year as the report gathers it."""

    def __init__(self, first: AccountFacts) -> None:
        self.first = first
        self.accounts: set[str] = set()
        self.analyses = 0
        self.actual = Realized()
        self.naive = Realized()
        self.rates = (_ZERO, _ZERO)
        self.latest = 0

    def add(
        self, entry: RecordEntry, case: Mapping[str, Any], actual: Realized, naive: Realized
    ) -> None:
        self.accounts.add(entry.draft.account)
        self.analyses += 1
        self.actual += actual
        self.naive += naive
        if entry.seq > self.latest:  # the rates in force at the year's last analysis
            tax = case.get("tax") or {}
            self.rates = (
                to_decimal(tax.get("short_term_rate", 0)),
                to_decimal(tax.get("long_term_rate", 0)),
            )
            self.latest = entry.seq

    def line(self, year: int, assumptions: Assumptions, *, by_account: bool) -> TaxesSavedLine:
        st, lt = self.rates
        a = self.first
        return TaxesSavedLine(
            year,
            a.id if by_account else a.household_id,
            a.name if by_account else a.household_name,
            a.advisor_id,
            tuple(sorted(self.accounts)),
            self.analyses,
            self.actual,
            self.naive,
            st,
            lt,
            saving(
                self.actual,
                self.naive,
                short_term_rate=st,
                long_term_rate=lt,
                assumptions=assumptions,
            ),
        )


@write_service("reports.taxes_saved_total")
def record_taxes_saved_to_date(
    new_uow: UnitOfWorkFactory,
    *,
    principal: Principal,
    assumptions: Assumptions = Assumptions(),
    now: dt.datetime | None = None,
) -> tuple[TaxesSavedTotal | None, list[Problem]]:
    """Keep the firm's taxes saved from January 1 to the latest night, as the report
    counts them (the management dashboard shows the latest kept: the report reads every
    analysis of the year, 81 s per night of 100,000 accounts, far too long for a page).
    Called after each night's counterfactuals; again after the day's approvals to count
    them."""
    with new_uow() as uow:
        latest = uow.reports.latest_run()
    if latest is None:
        return None, [Problem("run", "no nightly run yet", ProblemKind.NOT_FOUND)]
    night = latest[1]
    request = ReportRequest(Level.FIRM, None, dt.date(night.year, 1, 1), night)
    report, problems = taxes_saved(new_uow, request, viewer=principal, assumptions=assumptions)
    if report is None:
        return None, problems
    saved = report.total
    total = TaxesSavedTotal(
        request.start,
        request.end,
        sum(line.analyses for line in report.lines),
        sum(report.not_counted.values()),
        report.missing_counterfactuals,
        saved.losses_harvested,
        saved.short_term_avoided,
        saved.gains_deferred,
        report.portfolio_value,
        now or dt.datetime.now(dt.UTC),
    )
    with new_uow() as uow:
        uow.reports.add_taxes_saved_total(total)
        record(
            uow,
            principal,
            "reports.taxes_saved_total",
            targets=["firm"],
            summary={"from": request.start, "to": request.end, "taxes_saved": total.total},
            at=total.computed_at,
        )
        uow.commit()
    return total, []
