"""Whole shares: round a fractional decision and repair it one share at a time.

Problem: rule 7 wants integer shares. Rounding every LP quantity to the nearest share can
leave cash outside its bounds or a gain budget exceeded, and floors everything towards
drift; an exact integer program is too slow for the nightly run (see integer.py).

Rule: start from the floor of each sale (a whole lot stays whole, so a fractional lot
can still be closed) and each buy; a trade the floor pushes below the minimum trade value
is lifted to the next share, or dropped when that still falls short. Then move one share
at a time among the traded lots and buys (never opening a new trade, so rules 1–5 keep
holding):
- while cash, the gain budget or the turnover cap is violated, take the move that reduces
  the violation at the least objective cost;
- then, while some move lowers the objective (drift, tax, harvest, trading) and keeps
  every rule, take the best.
Each candidate move's effect is computed exactly and vectorized: its linear cost, its
group's dead-zone drift change, and its cash, gain and turnover changes. Returns None
when no feasible rounding is found (the caller reports it).

Example: buy 12.6 VOO at $500 with cash ending at $6,300 above a $6,000 ceiling → the
floor gives 12 (cash $6,600), the repair buys the 13th share (cash $6,100, still above):
then the next cheapest share elsewhere.
"""

from __future__ import annotations

import numpy as np

from trimtab.engine.arrays import AccountArrays, Floats, Ints
from trimtab.engine.evaluate import Decision, group_values, post_trade_cash

__all__ = ["improve", "round_shares"]

_BIG = 1e6  # weight of one dollar of rule violation against one dollar of objective


def round_shares(a: AccountArrays, d: Decision, sell_cap: Floats) -> Decision | None:
    """Whole-share decision near d; `sell_cap` are the lots' sellable dollars (module doc)."""
    p = a.params
    m = p.min_trade_value
    lot_price = a.price[a.lot_sec]
    buy_price = a.price[a.buy_sec]
    full = d.sell >= a.lot_qty * (1 - 1e-9)
    sell = np.where(full, a.lot_qty, np.floor(d.sell + 1e-9))
    buy = np.floor(d.buy + 1e-9)
    cap_shares = np.where(sell_cap >= a.lot_value * (1 - 1e-9), a.lot_qty, sell_cap / lot_price)

    n_s = len(a.sec_ids)
    whole = np.bincount(a.lot_sec, weights=a.lot_value, minlength=n_s)
    if m > 0:
        sold = np.bincount(a.lot_sec, weights=sell * lot_price, minlength=n_s)
        short = (sold > 0) & (sold < m) & (sold < whole * (1 - 1e-9)) & ~a.must_sell
        for i in np.flatnonzero(short):
            lots = np.flatnonzero((a.lot_sec == i) & (d.sell > sell))
            sell[lots] = np.minimum(np.ceil(d.sell[lots]), np.floor(cap_shares[lots]))
            if sell[a.lot_sec == i].sum() * a.price[i] < m:
                sell[a.lot_sec == i] = 0.0
        small = (buy * buy_price < m) & (d.buy > 0)
        buy = np.where(small & (np.ceil(d.buy) * buy_price >= m), np.ceil(d.buy), buy)
        buy = np.where(buy * buy_price < m, 0.0, buy)

    cand_lots = np.flatnonzero((d.sell > 0) & ~a.lot_forced)
    cand_buys = np.flatnonzero(d.buy > 0)
    unit = a.lot_unit_cost()
    lo, hi = p.min_cash * a.value, p.max_cash * a.value
    tol = 1e-7 * max(1.0, a.value)
    lot_group = a.sec_group[a.lot_sec]
    dev = group_values(a, Decision(sell, buy)) - a.value * a.target
    dead = a.value * a.band

    def violation(cash: Floats, gain: Floats, turnover: Floats) -> Floats:
        out = np.maximum(lo - tol - cash, 0.0) + np.maximum(cash - hi - tol, 0.0)
        if p.gain_budget is not None:
            out = out + np.maximum(gain - p.gain_budget - tol, 0.0)
        if p.max_turnover is not None:
            out = out + np.maximum(turnover - 2 * a.value * p.max_turnover - tol, 0.0)
        return out

    def penalty(x: Floats, k: Ints) -> Floats:
        return p.drift_weight * np.maximum(np.abs(x) - dead[k], 0.0)

    for _ in range(4 * (len(cand_lots) + len(cand_buys)) + 20):
        d_now = Decision(sell, buy)
        cash = post_trade_cash(a, d_now)
        s_dollars, u_dollars = sell * lot_price, buy * buy_price
        gain = float(s_dollars @ a.lot_gain)
        turnover = float(s_dollars.sum() + u_dollars.sum())
        sold = np.bincount(a.lot_sec, weights=s_dollars, minlength=n_s)
        # Candidate moves: each lot up / down to its next allowed quantity, each buy ±1.
        x = sell[cand_lots]
        up = np.floor(x + 1e-9) + 1
        up = np.where(
            up > cap_shares[cand_lots] + 1e-9,
            np.where(
                cap_shares[cand_lots] >= a.lot_qty[cand_lots] - 1e-9, a.lot_qty[cand_lots], np.nan
            ),
            up,
        )
        up = np.where(up > x + 1e-9, up, np.nan)
        down = np.ceil(x - 1e-9) - 1
        down = np.where(down >= 0, down, np.nan)
        lot_moves = np.concatenate([up - x, down - x])  # shares, nan = not allowed
        lots = np.concatenate([cand_lots, cand_lots])
        buy_moves = np.concatenate(
            [np.ones(len(cand_buys)), np.where(buy[cand_buys] >= 1, -1.0, np.nan)]
        )
        buys = np.concatenate([cand_buys, cand_buys])

        ls = np.nan_to_num(lot_moves) * lot_price[lots]
        bs = np.nan_to_num(buy_moves) * buy_price[buys]
        k_l, k_b = lot_group[lots], a.buy_group[buys]
        d_obj = np.concatenate(
            [
                unit[lots] * ls + penalty(dev[k_l] - ls, k_l) - penalty(dev[k_l], k_l),
                a.cost_rate[a.buy_sec[buys]] * bs
                + penalty(dev[k_b] + bs, k_b)
                - penalty(dev[k_b], k_b),
            ]
        )
        d_cash = np.concatenate(
            [ls * (1 - a.cost_rate[a.lot_sec[lots]]), -bs * (1 + a.cost_rate[a.buy_sec[buys]])]
        )
        d_gain = np.concatenate([ls * a.lot_gain[lots], np.zeros(len(buys))])
        d_turn = np.concatenate([ls, bs])
        allowed = np.concatenate([~np.isnan(lot_moves), ~np.isnan(buy_moves)])
        if m > 0:
            new_sold = sold[a.lot_sec[lots]] + ls
            sec = a.lot_sec[lots]
            ok_sell = (
                (new_sold <= 1e-9) | (new_sold >= m - 1e-9) | (new_sold >= whole[sec] * (1 - 1e-9))
            )
            new_buy = (buy[buys] + np.nan_to_num(buy_moves)) * buy_price[buys]
            ok_buy = (new_buy <= 1e-9) | (new_buy >= m - 1e-9)
            allowed &= np.concatenate([ok_sell, ok_buy])
        now = float(violation(np.array([cash]), np.array([gain]), np.array([turnover]))[0])
        after = violation(cash + d_cash, gain + d_gain, turnover + d_turn)
        if now > 0:
            score = np.where(allowed & (after < now - 1e-12), d_obj + _BIG * (after - now), np.inf)
        else:
            score = np.where(allowed & (after <= 0) & (d_obj < -1e-9), d_obj, np.inf)
        best = int(np.argmin(score)) if len(score) else -1
        chosen = [best] if best >= 0 and np.isfinite(score[best]) else []
        if not chosen and now > 0:
            # No single share fixes anything (e.g. a gain budget needing one more loss share
            # whose cash then needs one more share bought): try two moves together.
            var = np.concatenate([lots, len(a.lot_ids) + buys])
            sec = np.concatenate([a.lot_sec[lots], -1 - buys])
            pair_after = violation(
                cash + d_cash[:, None] + d_cash[None, :],
                gain + d_gain[:, None] + d_gain[None, :],
                turnover + d_turn[:, None] + d_turn[None, :],
            )
            pair_ok = allowed[:, None] & allowed[None, :] & (var[:, None] != var[None, :])
            if m > 0:  # two sales of one security could together break its minimum
                pair_ok &= (sec[:, None] != sec[None, :]) | (sec[:, None] < 0)
            pair_score = np.where(
                pair_ok & (pair_after < now - 1e-12),
                d_obj[:, None] + d_obj[None, :] + _BIG * (pair_after - now),
                np.inf,
            )
            if pair_score.size and np.isfinite(pair_score.min()):
                i, j = np.unravel_index(int(np.argmin(pair_score)), pair_score.shape)
                chosen = [int(i), int(j)]
        if not chosen:
            return Decision(sell, buy) if now <= 0 else None
        for move in chosen:
            if move < len(lots):
                sell[lots[move]] += lot_moves[move]
                dev[k_l[move]] -= ls[move]
            else:
                j = move - len(lots)
                buy[buys[j]] += buy_moves[j]
                dev[k_b[j]] += bs[j]
    final = Decision(sell, buy)
    cash = post_trade_cash(a, final)
    return final if lo - tol <= cash <= hi + tol else None


def improve(a: AccountArrays, d: Decision) -> Decision:
    """Drop whole trades that cost more than they earn, while every rule keeps holding.

    The rounding and the minimum-trade lifts decide trade by trade from LP values; a trade
    lifted to the minimum, or rounded, can end up costing more (tax, trading) than the
    drift or harvest it buys. Each candidate — one security's sale (all its lots, never a
    must-sell) or one buy — has its exact effect on the spec's objective computed
    (vectorized: its linear cost and its group's dead-zone drift change); the best removal
    that lowers the objective and keeps cash, the gain budget and the turnover cap within
    bounds is taken, until none helps (removing a trade cannot break rules 1–3, 5, 6, 7).
    """
    p = a.params
    lo, hi = p.min_cash * a.value, p.max_cash * a.value
    tol = 1e-7 * max(1.0, a.value)
    sell, buy = d.sell.copy(), d.buy.copy()
    lot_price = a.price[a.lot_sec]
    unit = a.lot_unit_cost()
    lot_cr = a.cost_rate[a.lot_sec]
    buy_cr = a.cost_rate[a.buy_sec]
    n_s = len(a.sec_ids)
    dead = a.value * a.band
    sec_group = a.sec_group

    def penalty(x: Floats, k: Ints) -> Floats:
        return p.drift_weight * np.maximum(np.abs(x) - dead[k], 0.0)

    sellable = ~a.must_sell
    for _ in range(n_s + len(buy)):
        now = Decision(sell, buy)
        cash = post_trade_cash(a, now)
        s_dollars, u_dollars = sell * lot_price, buy * a.price[a.buy_sec]
        dev = group_values(a, now) - a.value * a.target
        gain = float(s_dollars @ a.lot_gain)
        turnover = float(s_dollars.sum() + u_dollars.sum())
        sold = np.bincount(a.lot_sec, weights=s_dollars, minlength=n_s)
        sec_cost = np.bincount(a.lot_sec, weights=s_dollars * unit, minlength=n_s)
        sec_net = np.bincount(a.lot_sec, weights=s_dollars * (1 - lot_cr), minlength=n_s)
        sec_gain = np.bincount(a.lot_sec, weights=s_dollars * a.lot_gain, minlength=n_s)
        secs = np.flatnonzero((sold > 0) & sellable)
        buys = np.flatnonzero(u_dollars > 0)
        k = np.concatenate([sec_group[secs], a.buy_group[buys]])
        moved = np.concatenate([sold[secs], -u_dollars[buys]])  # back into the group
        d_obj = (
            -np.concatenate([sec_cost[secs], u_dollars[buys] * buy_cr[buys]])
            + penalty(dev[k] + moved, k)
            - penalty(dev[k], k)
        )
        new_cash = cash + np.concatenate([-sec_net[secs], u_dollars[buys] * (1 + buy_cr[buys])])
        ok = (new_cash >= lo - tol) & (new_cash <= hi + tol)
        if p.gain_budget is not None:
            new_gain = gain - np.concatenate([sec_gain[secs], np.zeros(len(buys))])
            ok &= new_gain <= p.gain_budget + tol
        if p.max_turnover is not None:
            new_turnover = turnover - np.abs(moved)
            ok &= new_turnover <= 2 * a.value * p.max_turnover + tol
        score = np.where(ok, d_obj, np.inf)
        if not len(score) or not score.min() < -1e-9:
            return now
        best = int(np.argmin(score))
        if best < len(secs):
            sell = np.where(a.lot_sec == secs[best], 0.0, sell)
        else:
            buy = buy.copy()
            buy[buys[best - len(secs)]] = 0.0
    return Decision(sell, buy)
