"""Every hard rule of the rebalance contract, checked on trades a person edited.

Problem: a reviewer may change a proposal's quantities or the lots a sale comes from.
The edited trades must still obey every hard rule the engine obeyed (shared/spec/
rebalance-case.md, "Hard rules" 1–9), or an edit could buy a restricted security, sell
a no-sell lot, overdraw cash or trigger a wash sale. The engine checks rules while it
optimizes and has no checker to call on given trades, so this module re-checks them on
the analysis' own case (the inputs snapshot recorded that night).

Rule: `check_trades(case, trades)` returns the trades with values, realized gains and
terms recomputed at the case's prices, the estimated tax and turnover, and one
`Problem` per broken rule, naming the trade (`trades[2]`) or the lot and the rule.
Tolerances are a cent for dollars and 1e-9 for shares and fractions.

    >>> # checked, problems = check_trades(case, [{"security": "VOO", "side": "buy",
    >>> #                                          "quantity": 3}])
    >>> # [str(p) for p in problems] -> ["trades[0]: rule 1: VOO is not a group's buy member"]
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trimtab.domain import is_long_term
from trimtab.domain.problems import Problem
from trimtab.engine import Case

__all__ = ["CheckedTrades", "check_trades"]

CENT = 0.01
TINY = 1e-9
WASH_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class CheckedTrades:
    trades: tuple[dict[str, Any], ...]
    estimated_tax: float
    turnover: float


def check_trades(
    case: Case, trades: Sequence[Mapping[str, Any]]
) -> tuple[CheckedTrades, list[Problem]]:
    p = case.parameters
    securities = {s.id: s for s in case.securities}
    lots = {lot.id: lot for lot in case.lots}
    value = float(case.arrays.value)
    taxable = case.account.is_taxable
    buyable = {g.buy for g in case.groups if g.buy}
    problems: list[Problem] = []
    sold: defaultdict[str, float] = defaultdict(float)
    buy_value: defaultdict[str, float] = defaultdict(float)
    sell_value: defaultdict[str, float] = defaultdict(float)
    out: list[dict[str, Any]] = []
    tax = 0.0

    def wash(ticker: str) -> str:
        s = securities.get(ticker)
        return s.wash_key if s is not None else ticker

    for i, t in enumerate(trades):
        path = f"trades[{i}]"
        ticker, side = str(t.get("security")), str(t.get("side"))
        quantity = float(t.get("quantity") or 0)
        security = securities.get(ticker)
        if security is None:
            problems.append(Problem(path, f"{ticker} is not in this account's analysis"))
            continue
        if side not in ("buy", "sell") or quantity <= 0:
            problems.append(Problem(path, "needs side buy or sell and a positive quantity"))
            continue
        price = security.price
        if side == "buy":
            if ticker not in buyable:
                problems.append(Problem(path, f"rule 1: {ticker} is not a group's buy member"))
            elif security.no_buy:
                problems.append(Problem(path, f"rule 1: {ticker} is no-buy (restricted)"))
            buy_value[ticker] += quantity * price
            out.append(
                {
                    "security": ticker,
                    "side": "buy",
                    "quantity": quantity,
                    "value": round(quantity * price, 2),
                    "lots": [],
                }
            )
            continue
        picks = list(t.get("lots") or ())
        if abs(sum(float(x.get("quantity") or 0) for x in picks) - quantity) > TINY:
            problems.append(Problem(path, "a sale's lots must add up to its quantity"))
        rows = []
        for x in picks:
            lot = lots.get(str(x.get("lot")))
            q = float(x.get("quantity") or 0)
            if lot is None or lot.security != ticker:
                problems.append(Problem(path, f"lot {x.get('lot')} is not a lot of {ticker}"))
                continue
            if q < 0:
                problems.append(Problem(path, f"rule 3: lot {lot.id}: negative quantity"))
                continue
            sold[lot.id] += q
            gain = q * (price - lot.cost_basis)
            long = is_long_term(lot.holding_period_start or lot.acquired, case.as_of)
            if taxable:
                rate = case.tax.long_term_rate if long else case.tax.short_term_rate
                tax += gain * rate
            rows.append(
                {
                    "lot": lot.id,
                    "quantity": q,
                    "realized_gain": round(gain, 2),
                    "term": "long" if long else "short",
                }
            )
        sell_value[ticker] += quantity * price
        out.append(
            {
                "security": ticker,
                "side": "sell",
                "quantity": quantity,
                "value": round(quantity * price, 2),
                "lots": rows,
            }
        )

    for lot_id, q in sold.items():
        lot = lots[lot_id]
        s = securities[lot.security]
        if q > lot.quantity + TINY:
            problems.append(
                Problem(f"lots.{lot_id}", f"rule 3: sells {q:g} of {lot.quantity:g} held")
            )
        if q > TINY and (lot.no_sell or s.no_sell):
            problems.append(Problem(f"lots.{lot_id}", f"rule 2: {lot.security} is no-sell"))
    for s in case.securities:
        if s.must_sell:
            held = sum(lot.quantity for lot in case.lots if lot.security == s.id)
            sold_here = sum(q for lot_id, q in sold.items() if lots[lot_id].security == s.id)
            if held - sold_here > TINY:
                problems.append(Problem(f"securities.{s.id}", "rule 2: must be sold entirely"))

    cost = sum(securities[k].cost_rate * v for k, v in (*buy_value.items(), *sell_value.items()))
    cash = case.account.cash + sum(sell_value.values()) - sum(buy_value.values()) - cost
    cash -= p.withdrawal
    if cash < p.min_cash * value - CENT or cash > p.max_cash * value + CENT:
        problems.append(
            Problem(
                "cash",
                f"rule 4: post-trade cash ${cash:,.2f} is outside "
                f"[${p.min_cash * value:,.2f}, ${p.max_cash * value:,.2f}]",
            )
        )

    since = case.as_of - WASH_WINDOW
    loss_sold = {
        t.wash_group or wash(t.security)
        for t in case.recent_trades
        if t.side == "sell"
        and since <= t.date <= case.as_of
        and (t.realized_gain is None or t.realized_gain < 0)
    }
    bought = {
        t.wash_group or wash(t.security)
        for t in case.recent_trades
        if t.side == "buy" and since <= t.date <= case.as_of
    }
    bought |= {wash(lot.security) for lot in case.lots if since <= lot.acquired <= case.as_of}
    loss_now = {
        wash(lots[lot_id].security)
        for lot_id, q in sold.items()
        if q > TINY
        and securities[lots[lot_id].security].price < lots[lot_id].cost_basis
        and not securities[lots[lot_id].security].must_sell
    }
    for ticker in buy_value:
        if wash(ticker) in loss_sold:
            problems.append(
                Problem(
                    f"buy {ticker}",
                    "rule 5a: its wash group was sold at a loss in the last 30 days",
                )
            )
        if taxable and wash(ticker) in loss_now:
            problems.append(
                Problem(f"buy {ticker}", "rule 5c: bought with a loss sale in its wash group")
            )
    if taxable:
        for group in sorted(loss_now & bought):
            problems.append(
                Problem(
                    f"wash group {group}", "rule 5b: a loss sale after a buy in the last 30 days"
                )
            )

    m = p.min_trade_value
    if m > 0:
        for ticker, v in buy_value.items():
            if 0 < v < m - CENT:
                problems.append(Problem(f"buy {ticker}", f"rule 6: ${v:,.2f} is under ${m:,.2f}"))
        for ticker, v in sell_value.items():
            held = sum(lot.quantity for lot in case.lots if lot.security == ticker)
            whole = abs(v / securities[ticker].price - held) <= TINY
            if 0 < v < m - CENT and not whole and not securities[ticker].must_sell:
                problems.append(Problem(f"sell {ticker}", f"rule 6: ${v:,.2f} is under ${m:,.2f}"))
    if p.whole_shares:
        # A lot that holds a fractional share count may still be sold whole.
        for i, t in enumerate(out):
            parts = [(x["quantity"], lots[x["lot"]].quantity) for x in t["lots"]]
            if t["side"] == "buy":
                parts = [(t["quantity"], math.inf)]
            if any(abs(q - round(q)) > TINY and abs(q - whole) > TINY for q, whole in parts):
                problems.append(Problem(f"trades[{i}]", "rule 7: whole shares only"))
    turnover = (sum(buy_value.values()) + sum(sell_value.values())) / (2 * value) if value else 0.0
    if p.max_turnover is not None and turnover > p.max_turnover + TINY:
        problems.append(Problem("turnover", f"rule 8: {turnover:.2%} is over {p.max_turnover:.2%}"))
    gains = sum(x["realized_gain"] for t in out for x in t["lots"])
    if p.gain_budget is not None and gains > p.gain_budget + CENT:
        problems.append(
            Problem("gains", f"rule 9: ${gains:,.2f} is over the budget ${p.gain_budget:,.2f}")
        )
    return CheckedTrades(tuple(out), round(tax, 2), turnover), problems
