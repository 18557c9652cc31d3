"""What a shadow run measured: returns before and after tax, tax alpha, and what it cost.

Problem: a firm judging its settings needs the few numbers that matter, computed the same
way for every profile and the benchmark, per year and over the whole run, each with a
definition a reviewer can recompute from the run's daily record.

Definitions (V = account value at the close; F = external flow that day, contributions
+, withdrawals −; P = tax paid out of the account that day, refunds −):
- Pre-tax daily return: (V_t − F_t + P_t) / V_{t−1} − 1: taxes are treated as money
  leaving for elsewhere, so this is the investment return net of trading costs.
- After-tax value A_t = V_t − taxes owed and not yet paid: year Y's tax (taxes.py, from
  the final ledger) is owed from Y's last trading day until it is paid in April; the last
  year's tax is owed on the last day. Liquidated, the last day also owes the tax of
  selling every lot at the close (the final year's netting and carryforward included).
  Daily after-tax return: (A_t − F_t) / A_{t−1} − 1.
- Annualized: the product of daily returns, to the power 365.25 / calendar days.
- Tax alpha: a profile's annualized after-tax return minus the benchmark's (buy-and-hold
  of the same target) or the reference profile's (tax-naive), liquidated and not.
  Tax effect: the tax alpha less the pre-tax return difference, i.e. (after-tax −
  pre-tax) of the profile minus the same of the benchmark: what taxes did, apart from
  the profile's different holdings earning a different pre-tax return.
- Tracking error: the standard deviation of the daily pre-tax return minus the target's
  (the index at yesterday's target weights, plus the cash weight at the cash return),
  × √252. Drift: active share ½ Σ |w − t| over stocks and cash, at the close.
- Turnover: Σ trade value / 2 / mean V, per year; losses harvested: realized losses
  (before wash-sale disallowance); wash-sale events: realized losses the ledger
  disallowed (in part or whole). Day one's funding trade is left out of turnover and
  trading cost (it is the same for every run).

Example: V 100 → 110 with no flow and no tax is a 10% pre- and after-tax return; with
$2 of tax owed at the end the after-tax return is 8%.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trimtab.domain.holdings import Term
from trimtab.simulate.market import Floats, MarketHistory
from trimtab.simulate.shadow_run import EngineStats, RunRecord
from trimtab.simulate.taxes import Carryforward, TaxModel, net_gains_by_year, taxes_by_year
from trimtab.simulate.universe import Universe, target_weights

__all__ = [
    "RunMetrics",
    "YearMetrics",
    "annualized",
    "measure",
    "target_returns",
]

TRADING_DAYS = 252


@dataclass(frozen=True, slots=True)
class YearMetrics:
    year: int
    pre_tax_return: float
    after_tax_return: float
    realized_short_term: float  # net deductible gain
    realized_long_term: float
    losses_harvested: float  # positive dollars
    wash_sale_events: int
    wash_sale_disallowed: float
    tax: float  # negative: losses saved tax on other income
    turnover: float
    trading_cost: float
    tracking_error: float
    mean_active_share: float
    end_value: float


@dataclass(frozen=True, eq=False)
class RunMetrics:
    name: str
    description: str
    pre_tax_annual: float
    after_tax_annual: float
    after_tax_liquidated_annual: float
    final_value: float
    after_tax_value: float
    after_tax_liquidated_value: float
    liquidation_tax: float
    unused_carryforward: float
    taxes: float  # Σ yearly tax, the last year's included (not the liquidation's)
    losses_harvested: float
    realized_short_term: float
    realized_long_term: float
    wash_sale_events: int
    wash_sale_disallowed: float
    turnover_annual: float
    trading_cost: float
    tracking_error: float
    mean_active_share: float
    max_active_share: float
    years: tuple[YearMetrics, ...]
    after_tax_wealth: Floats  # A_t per day (the last day liquidated)
    active_return: Floats  # daily pre-tax return − target return
    engine: EngineStats | None
    seconds: float
    tax_alpha_vs_benchmark: tuple[float, float] | None = None  # (not liquidated, liquidated)
    tax_alpha_vs_reference: tuple[float, float] | None = None
    # Tax alpha less the pre-tax difference: the part of the alpha the taxes made, apart
    # from the profile simply holding different stocks (not liquidated, liquidated).
    tax_effect_vs_benchmark: tuple[float, float] | None = None


def annualized(daily: Floats, days: int) -> float:
    """Compound daily returns over `days` calendar days into a yearly rate."""
    growth = float(np.prod(1.0 + daily))
    if days <= 0 or growth <= 0:
        return 0.0 if days <= 0 else -1.0
    return float(growth ** (365.25 / days) - 1.0)


def target_returns(market: MarketHistory, universe: Universe) -> Floats:
    """Daily return of the target portfolio (yesterday's weights), 0 on day one."""
    out = np.zeros(len(market.dates))
    if len(market.dates) < 2:
        return out
    weights = target_weights(market.prices[:-1], universe.weighting, universe.cash_weight)
    out[1:] = (weights * market.returns[1:]).sum(axis=1) + (
        universe.cash_weight * market.cash_returns[1:]
    )
    return out


def measure(run: RunRecord, tax: TaxModel, target: Floats) -> RunMetrics:
    dates = run.dates
    years = sorted({d.year for d in dates})
    nets = net_gains_by_year(run.realized)
    yearly = taxes_by_year(tax, nets, years)
    last_year = years[-1]
    # Liquidation: every open lot sold at the last close, netted into the last year.
    short, long = nets.get(last_year, (0.0, 0.0))
    for lot in run.lots:
        gain = float(lot.quantity) * run.final_prices[lot.security] - float(lot.cost_basis)
        if lot.term_on(dates[-1]) is Term.SHORT:
            short += gain
        else:
            long += gain
    carry_in = yearly[years[-2]][1] if len(years) > 1 else Carryforward()
    liquidated_tax, liquidated_carry = tax.year_tax(short, long, carry_in)
    liquidation_tax = liquidated_tax - yearly[last_year][0]

    owed = _owed(dates, run.tax_paid, {y: yearly[y][0] for y in years})
    after = run.value - owed
    after_liq = after.copy()
    after_liq[-1] -= liquidation_tax
    pre_daily = _daily(run.value, run.flow - run.tax_paid)
    after_daily = _daily(after, run.flow)
    after_liq_daily = _daily(after_liq, run.flow)
    active = pre_daily - target
    active[0] = 0.0
    days = (dates[-1] - dates[0]).days

    traded = run.traded.copy()
    cost = run.trading_cost.copy()
    traded[0] = cost[0] = 0.0  # the funding trade
    year_rows = tuple(
        _year(run, y, dates, pre_daily, after_daily, active, traded, cost, yearly[y][0], nets)
        for y in years
    )
    losses = [g for g in run.realized if g.gain < 0]
    washed = [g for g in run.realized if g.wash_sale_disallowed > 0]
    span_years = max(days / 365.25, 1e-9)
    return RunMetrics(
        name=run.name,
        description=run.description,
        pre_tax_annual=annualized(pre_daily[1:], days),
        after_tax_annual=annualized(after_daily[1:], days),
        after_tax_liquidated_annual=annualized(after_liq_daily[1:], days),
        final_value=float(run.value[-1]),
        after_tax_value=float(after[-1]),
        after_tax_liquidated_value=float(after_liq[-1]),
        liquidation_tax=liquidation_tax,
        unused_carryforward=liquidated_carry.total,
        taxes=sum(yearly[y][0] for y in years),
        losses_harvested=-float(sum(float(g.gain) for g in losses)),
        realized_short_term=sum(nets.get(y, (0.0, 0.0))[0] for y in years),
        realized_long_term=sum(nets.get(y, (0.0, 0.0))[1] for y in years),
        wash_sale_events=len(washed),
        wash_sale_disallowed=float(sum(float(g.wash_sale_disallowed) for g in washed)),
        turnover_annual=float(traded.sum() / 2 / max(float(run.value.mean()), 1e-9) / span_years),
        trading_cost=float(cost.sum()),
        tracking_error=_tracking_error(active[1:]),
        mean_active_share=float(run.active_share.mean()),
        max_active_share=float(run.active_share.max()),
        years=year_rows,
        after_tax_wealth=after_liq,
        active_return=active,
        engine=run.engine,
        seconds=run.seconds,
    )


def _daily(value: Floats, flow: Floats) -> Floats:
    out = np.zeros(len(value))
    if len(value) > 1:
        previous = value[:-1]
        out[1:] = np.where(
            previous > 0, (value[1:] - flow[1:]) / np.where(previous > 0, previous, 1.0) - 1.0, 0.0
        )
    return out


def _owed(dates: Sequence[dt.date], paid: Floats, tax_of_year: dict[int, float]) -> Floats:
    """Taxes owed and not yet paid at each close (see the module's definition)."""
    owed = np.zeros(len(dates))
    running = 0.0
    for i, day in enumerate(dates):
        running -= float(paid[i])
        last_of_year = i == len(dates) - 1 or dates[i + 1].year != day.year
        if last_of_year:
            running += tax_of_year.get(day.year, 0.0)
        owed[i] = running
    return owed


def _tracking_error(active: Floats) -> float:
    if len(active) < 2:
        return 0.0
    return float(np.std(active, ddof=1) * math.sqrt(TRADING_DAYS))


def _year(
    run: RunRecord,
    year: int,
    dates: Sequence[dt.date],
    pre: Floats,
    after: Floats,
    active: Floats,
    traded: Floats,
    cost: Floats,
    tax: float,
    nets: dict[int, tuple[float, float]],
) -> YearMetrics:
    mask = np.array([d.year == year for d in dates])
    first = int(np.argmax(mask))
    mask_returns = mask.copy()
    mask_returns[0] = False  # day one has no return
    realized = [g for g in run.realized if g.date.year == year]
    washed = [g for g in realized if g.wash_sale_disallowed > 0]
    short, long = nets.get(year, (0.0, 0.0))
    return YearMetrics(
        year=year,
        pre_tax_return=float(np.prod(1.0 + pre[mask_returns]) - 1.0),
        after_tax_return=float(np.prod(1.0 + after[mask_returns]) - 1.0),
        realized_short_term=short,
        realized_long_term=long,
        losses_harvested=-sum(float(g.gain) for g in realized if g.gain < 0),
        wash_sale_events=len(washed),
        wash_sale_disallowed=sum(float(g.wash_sale_disallowed) for g in washed),
        tax=tax,
        turnover=float(traded[mask].sum() / 2 / max(float(run.value[mask].mean()), 1e-9)),
        trading_cost=float(cost[mask].sum()),
        tracking_error=_tracking_error(active[mask_returns]),
        mean_active_share=float(run.active_share[mask].mean()),
        end_value=float(run.value[first + int(mask.sum()) - 1]),
    )
