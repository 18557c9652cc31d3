"""Why each trade: plain-English reasons generated from what drove it, with dollar effects.

Problem: an adviser approving a proposal needs, per trade, the reason in words and what
it costs or saves; the firm needs an account-level cost/benefit score. Reasons written
per case would lie the first time the rules changed, so they are generated from numbers.

Rule: for each trade (one security, one side), its *effect* on each objective term is the
term with the trade minus the term without it (the rest of the decision unchanged).
Its drivers, in this order, each adding a sentence when it applies:
- mandate: a must-sell security ("restricted (must sell)"), or, when the account starts
  (after the withdrawal) below its cash floor, a sale without which cash stays below it;
  or, when it starts above its cash ceiling, a buy without which cash stays above it;
  or a buy without which the proceeds of this rebalance's sales would leave cash above
  its ceiling (rule 4) and most of which lies beyond what brings its group up to its
  band (that part cuts no drift; it invests the proceeds) — these are `mandated`;
- drift: the trade lowers the drift term: its group's weight before and after, target
  and band, and the dollars of penalty removed;
- harvest: the sale realizes harvestable losses: their size and the value counted, and
  the buys of the same group it swaps into (a different wash group, per rule 5);
- tracking error: the trade lowers it;
- tax: gains realized by term with their estimated tax; and the gain budget when the
  decision uses all of it.
A buy that invests sales' proceeds is mandated given those sales, not by the account's
state: its cost belongs to the voluntary sales that raised the cash, so the cost/benefit
below counts it with them. Cost/benefit (account level) covers the voluntary trades
only: with M the trades mandated by the account's state alone and D the whole decision,
benefit = (drift + tracking error)(M) − (…)(D) and cost = (tax − harvest + trading)(D)
− (…)(M); score = benefit / cost.

Example: "Bought 10 VOO: group US_LARGE was 55.0% against a 60.0% target (band ±2.0%);
now 58.0%, drift penalty −$240.00."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from trimtab.engine.arrays import AccountArrays, Floats, Ints
from trimtab.engine.case import Case
from trimtab.engine.evaluate import Decision, group_values, objective_terms, post_trade_cash
from trimtab.engine.result import CostBenefit, ObjectiveTerms
from trimtab.engine.tracking import TrackingModel

__all__ = ["Explanation", "explain", "usd"]

TradeKey = tuple[int, str]  # (security index, side)
_CENT = 0.005


@dataclass(frozen=True, slots=True)
class Explanation:
    reasons: Mapping[TradeKey, str]
    effects: Mapping[TradeKey, Mapping[str, float]]
    mandated: Mapping[TradeKey, bool]
    cost_benefit: CostBenefit


def usd(x: float) -> str:
    """Dollars as people write them: $1,234 from $100 up, cents below."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    return f"{sign}${x:,.0f}" if x >= 100 else f"{sign}${x:,.2f}"


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def explain(
    case: Case,
    a: AccountArrays,
    d: Decision,
    tracking: TrackingModel | None,
    full: ObjectiveTerms | None = None,
) -> Explanation:
    """Reasons, effects and the cost/benefit of decision `d` (`full`: its objective terms,
    when the caller has them)."""
    p = a.params
    if not (d.sell.any() or d.buy.any()):  # nothing traded: nothing to explain
        return Explanation({}, {}, {}, CostBenefit(0.0, 0.0))
    v = a.value
    n_s = len(a.sec_ids)
    s = d.sell * a.lot_price
    u = d.buy * a.price[a.buy_sec]
    realized = d.sell * (a.lot_price - a.lot_basis)
    taxed = np.where(a.lot_gain > 0, a.lot_gain * a.lot_rate * s, 0.0)
    harvested = np.where(
        (a.lot_gain < 0) & a.lot_harvestable, -a.lot_gain * a.lot_rate * s * p.harvest_value, 0.0
    )
    lot_cr = a.cost_rate[a.lot_sec]
    buy_cr = a.cost_rate[a.buy_sec]

    def per_sec(weights: Floats) -> Floats:
        out: Floats = np.bincount(a.lot_sec, weights=weights, minlength=n_s).astype(float)
        return out

    sold, sec_tax, sec_harvest = per_sec(s), per_sec(taxed), per_sec(harvested)
    sec_sell_cost = per_sec(s * lot_cr)
    harvest_loss = per_sec(np.where(a.lot_harvestable, -np.minimum(realized, 0.0), 0.0))
    gain_short = per_sec(np.where(a.lot_long, 0.0, realized))
    gain_long = per_sec(np.where(a.lot_long, realized, 0.0))
    sell_secs = np.flatnonzero(sold > 0)
    buys = np.flatnonzero(u > 0)
    buy_secs = a.buy_sec[buys]

    # Per trade: signed dollars it moves into its security (sale −, buy +).
    secs = np.concatenate([sell_secs, buy_secs])
    moved = np.concatenate([-sold[sell_secs], u[buys]])
    groups = a.sec_group[secs]
    dev = group_values(a, d) - v * a.target
    dead = v * a.band

    def penalty(x: Floats, k: Ints) -> Floats:
        return p.drift_weight * np.maximum(np.abs(x) - dead[k], 0.0)

    drift = penalty(dev[groups], groups) - penalty(dev[groups] - moved, groups)
    tax = np.concatenate([sec_tax[sell_secs], np.zeros(len(buys))])
    harvest = -np.concatenate([sec_harvest[sell_secs], np.zeros(len(buys))])
    trading = np.concatenate([sec_sell_cost[sell_secs], u[buys] * buy_cr[buys]])
    te = np.zeros(len(secs))
    if tracking is not None:
        sold_sec, bought_sec = d.by_security(a)
        gap = tracking.deviation(a, sold_sec, bought_sec)
        sigma_gap = tracking.loadings.T @ (tracking.loadings @ gap) + tracking.specific * gap
        sigma_ii = (tracking.loadings**2).sum(axis=0) + tracking.specific
        delta = -moved / v  # removing the trade moves (w − t) back by this much
        te = -tracking.weight * (2 * delta * sigma_gap[secs] + delta**2 * sigma_ii[secs])
    cash = post_trade_cash(a, d)
    cash_without = np.concatenate(
        [cash - (sold[sell_secs] - sec_sell_cost[sell_secs]), cash + u[buys] * (1 + buy_cr[buys])]
    )
    floor, ceiling = p.min_cash * v, p.max_cash * v
    tol = 1e-7 * max(1.0, v)
    is_sell = np.arange(len(secs)) < len(sell_secs)
    must = is_sell & a.must_sell[secs]
    # Only a cash mandate counts: the account starts (after the withdrawal) outside its
    # cash bounds, and without this trade it would end outside them.
    start = a.cash - a.withdrawal
    raises_cash = is_sell & (start < floor - tol) & (cash_without < floor - tol)
    uses_cash = ~is_sell & (start > ceiling + tol) & (cash_without > ceiling + tol)
    mandated_flags = must | raises_cash | uses_cash
    # The part of a buy beyond what brings its group up to its band's lower edge cuts no
    # drift: it is there because the ceiling makes the sales' proceeds go somewhere. When
    # that is most of the buy, the ceiling drives it (mandated); a buy mostly filling its
    # group to the edge is driven by drift and pays for itself (each dollar of it cuts
    # λ > 2·cost_rate), as does one that cuts tracking error.
    shortfall = np.maximum(0.0, -(dev[groups] - moved) - dead[groups])
    excess = np.where(is_sell, 0.0, moved - np.minimum(moved, shortfall))
    reinvests = (
        ~is_sell
        & ~uses_cash
        & (cash_without > ceiling + tol)
        & (te > -_CENT)
        & (excess > 0.5 * moved)
        & (excess >= max(p.min_trade_value, _CENT))
    )
    reinvested = np.where(reinvests, np.minimum(excess, cash_without - ceiling), 0.0)

    group_harvest = np.bincount(
        a.lot_group,
        weights=np.where(a.lot_harvestable, -np.minimum(realized, 0), 0),
        minlength=len(a.group_ids),
    )
    before = a.group_value / v
    after = (dev + v * a.target) / v
    net_gain = float(realized.sum())
    at_budget = p.gain_budget is not None and net_gain >= p.gain_budget - 1.0

    reasons: dict[TradeKey, str] = {}
    effects: dict[TradeKey, Mapping[str, float]] = {}
    mandated: dict[TradeKey, bool] = {}
    # Python lists: the loop below runs once per trade (hundreds on a direct index), and
    # indexing a list is far cheaper than indexing a numpy array for one scalar.
    sec_group = a.sec_group.tolist()
    before_l, after_l = before.tolist(), after.tolist()
    target_l, band_l = a.target.tolist(), a.band.tolist()
    harvest_l, group_harvest_l = harvest_loss.tolist(), group_harvest.tolist()
    short_l, long_l = gain_short.tolist(), gain_long.tolist()
    swaps_into: dict[int, list[str]] = {}
    for b_sec, b_group in zip(buy_secs.tolist(), a.buy_group[buys].tolist(), strict=True):
        swaps_into.setdefault(b_group, []).append(a.sec_ids[b_sec])
    rows = zip(
        secs.tolist(),
        is_sell.tolist(),
        drift.tolist(),
        tax.tolist(),
        harvest.tolist(),
        trading.tolist(),
        te.tolist(),
        must.tolist(),
        raises_cash.tolist(),
        uses_cash.tolist(),
        reinvested.tolist(),
        strict=True,
    )
    for row in rows:
        sec, sell, e_drift, e_tax, e_harvest, e_trading, e_te, forced, raises, uses, invest = row
        key: TradeKey = (sec, "sell" if sell else "buy")
        effect = {"drift": e_drift, "tax": e_tax, "harvest": e_harvest, "trading": e_trading}
        if tracking is not None:
            effect["tracking_error"] = e_te
        effects[key] = effect
        name = a.sec_ids[sec]
        k = sec_group[sec]
        sentences = (
            [f"Sold all {name}: restricted (must sell)."]
            if forced
            else [f"{'Sold' if sell else 'Bought'} {name}."]
        )
        if raises:
            sentences.append(
                f"Raises cash for the {usd(a.withdrawal)} withdrawal."
                if a.withdrawal > 0
                else f"Raises cash to the {_pct(p.min_cash)} minimum ({usd(floor)})."
            )
        if uses:
            sentences.append(f"Invests cash above the {_pct(p.max_cash)} maximum ({usd(ceiling)}).")
        if invest > 0:
            sentences.append(
                f"Invests {usd(invest)} the sales raised, above the {_pct(p.max_cash)} cash "
                f"maximum ({usd(ceiling)})."
            )
        if abs(e_drift) > _CENT:
            was, target = before_l[k], target_l[k]
            direction = "over" if was > target else "under"
            sentences.append(
                f"Group {a.group_ids[k]} was {_pct(abs(was - target))} {direction} "
                f"its {_pct(target)} target (band ±{_pct(band_l[k])}); now "
                f"{_pct(after_l[k])}, drift penalty {'+' if e_drift > 0 else ''}{usd(e_drift)}."
            )
        if sell:
            if e_harvest < -_CENT:
                swaps = sorted(other for other in swaps_into.get(k, []) if other != name)
                into = f", swapped into {', '.join(swaps)}" if swaps else ""
                sentences.append(
                    f"Harvests a {usd(harvest_l[sec])} loss{into} (benefit {usd(-e_harvest)})."
                )
            for term, gain in (("short-term", short_l[sec]), ("long-term", long_l[sec])):
                if gain > _CENT:
                    sentences.append(f"Realizes a {usd(gain)} {term} gain.")
            if at_budget and short_l[sec] + long_l[sec] > _CENT:
                sentences.append(f"Net realized gains are at the {usd(p.gain_budget or 0)} budget.")
        elif k >= 0 and group_harvest_l[k] > _CENT:
            sentences.append(
                f"Replaces harvested holdings in group {a.group_ids[k]} "
                "(not substantially identical, so no wash sale)."
            )
        if e_te < -_CENT:
            sentences.append(f"Lowers tracking error by {usd(-e_te)}.")
        if len(sentences) == 1:
            net = e_drift + e_tax + e_harvest + e_trading + e_te
            sentences.append(f"Part of the least-cost rebalance (net effect {usd(net)}).")
        reasons[key] = " ".join(sentences)
        mandated[key] = forced or raises or uses or invest > 0

    forced_secs = secs[is_sell & mandated_flags]
    forced_buys = np.isin(a.buy_sec, secs[~is_sell & mandated_flags])
    mandates = Decision(
        np.where(np.isin(a.lot_sec, forced_secs), d.sell, 0.0), np.where(forced_buys, d.buy, 0.0)
    )
    base = objective_terms(a, mandates, tracking)
    full = objective_terms(a, d, tracking) if full is None else full
    cost_benefit = CostBenefit(benefit=_risk(base) - _risk(full), cost=_cost(full) - _cost(base))
    return Explanation(reasons, effects, mandated, cost_benefit)


def _risk(t: ObjectiveTerms) -> float:
    return t.drift + (t.tracking_error or 0.0)


def _cost(t: ObjectiveTerms) -> float:
    return t.tax - t.harvest + t.trading
