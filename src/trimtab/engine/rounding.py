"""Whole shares: round a fractional decision and repair it one share at a time.

Problem: rule 7 wants integer shares. Rounding every LP quantity to the nearest share can
leave cash outside its bounds or a gain budget exceeded, and floors everything towards
drift; an exact integer program is too slow for the nightly run (see integer.py).

Rule: start from the floor of each sale (a whole lot stays whole, so a fractional lot
can still be closed) and each buy; a trade the floor pushes below the minimum trade value
is lifted to the next share, or dropped when that still falls short. Then move one share
at a time among the traded lots and buys (within the solver's bounds, so rules 1–3, 5(a)
and 5(b) keep holding):
- while cash, the gain budget or the turnover cap is violated, take the move that reduces
  the violation at the least objective cost;
- then, while some move lowers the objective (drift, tax, harvest, trading) and keeps
  every rule, take the best; here a lot the decision does not sell may be opened too (a
  gain lot only, so no rule-5(c) conflict can start): the relaxation may have left its
  sale as a tie that only the whole-share slack makes pay. A move must lower the
  objective strictly, so no trade is ever added for a tie.
Each candidate move's effect is computed exactly and vectorized: its linear cost, its
group's dead-zone drift change, and its cash, gain and turnover changes. Returns None
when no feasible rounding is found (the caller reports it).

Example: buy 12.6 VOO at $500 with cash ending at $6,300 above a $6,000 ceiling → the
floor gives 12 (cash $6,600), the repair buys the 13th share (cash $6,100, still above):
then the next cheapest share elsewhere. If 12 shares leave $300 of room under the
ceiling, an untraded $250 lot in an overweight (or ungrouped) holding is sold into it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trimtab.engine.arrays import AccountArrays, Bools, Floats, Ints
from trimtab.engine.evaluate import Decision, group_values, post_trade_cash

__all__ = ["improve", "round_shares"]

_BIG = 1e6  # weight of one dollar of rule violation against one dollar of objective
_EPS = 1e-6  # dollars: below this a trade is solver noise
_PAIRED = 16  # cheapest single moves of each kind tried in pairs


def round_shares(a: AccountArrays, d: Decision, sell_cap: Floats) -> Decision | None:
    """Whole-share decision near d; `sell_cap` are the lots' sellable dollars (module doc)."""
    p = a.params
    m = p.min_trade_value
    buy_price = a.price[a.buy_sec]
    full = d.sell >= a.lot_qty * (1 - 1e-9)
    sell = np.where(full, a.lot_qty, np.floor(d.sell + 1e-9))
    buy = np.floor(d.buy + 1e-9)
    cap_shares = np.where(sell_cap >= a.lot_value * (1 - 1e-9), a.lot_qty, sell_cap / a.lot_price)

    n_s = len(a.sec_ids)
    whole = np.bincount(a.lot_sec, weights=a.lot_value, minlength=n_s)
    if m > 0:
        sold = np.bincount(a.lot_sec, weights=sell * a.lot_price, minlength=n_s)
        short = (sold > 0) & (sold < m) & (sold < whole * (1 - 1e-9)) & ~a.must_sell
        for i in np.flatnonzero(short):
            lots = np.flatnonzero((a.lot_sec == i) & (d.sell > sell))
            sell[lots] = np.minimum(np.ceil(d.sell[lots]), np.floor(cap_shares[lots]))
            if sell[a.lot_sec == i].sum() * a.price[i] < m:
                sell[a.lot_sec == i] = 0.0
        small = (buy * buy_price < m) & (d.buy > 0)
        buy = np.where(small & (np.ceil(d.buy) * buy_price >= m), np.ceil(d.buy), buy)
        buy = np.where(buy * buy_price < m, 0.0, buy)

    cand_buys = np.flatnonzero(d.buy > 0)
    # Lots the decision does not sell may be opened, but only to lower the objective (never
    # in the repair). `sell_cap` (the solver's bounds) already holds rules 1–3, 5(a), 5(b)
    # and the integer decisions taken so far; a loss lot is opened only where no buy of its
    # wash group can trade (rule 5(c)); a new sale starts at the minimum trade value.
    wash_bought = np.isin(a.sec_wash[a.lot_sec], a.sec_wash[a.buy_sec[cand_buys]])
    no_conflict = (a.lot_gain >= 0) | ~wash_bought | (not a.taxable)
    openable = (d.sell <= 0) & (sell_cap > _EPS) & no_conflict & ~a.lot_forced
    first_shares = np.maximum(1.0, np.ceil(m / a.lot_price - 1e-9))
    cand_lots = np.flatnonzero(((d.sell > 0) | openable) & ~a.lot_forced)
    unit = a.lot_unit_cost()
    lo, hi = p.min_cash * a.value, p.max_cash * a.value
    tol = 1e-7 * max(1.0, a.value)
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

    traded_lots = np.flatnonzero((d.sell > 0) & ~a.lot_forced)
    open_lots = np.flatnonzero(openable)
    open_group, open_unit = a.lot_group[open_lots], unit[open_lots]
    open_step = first_shares[open_lots] * a.lot_price[open_lots]
    for _ in range(4 * (len(cand_lots) + len(cand_buys)) + 20):
        # An unopened sale lowers the objective alone only if it earns (a harvest) or its
        # group is above its band; paired with a buy, also if it is free and keeps its
        # group within the band. The others are not even evaluated.
        idle = sell[open_lots] <= 0
        helps = (
            ~idle
            | (open_unit < 0)
            | (dev[open_group] > dead[open_group])
            | ((open_unit <= 0) & (dev[open_group] - open_step >= -dead[open_group]))
        )
        cand_lots = np.concatenate([traded_lots, open_lots[helps]])
        d_now = Decision(sell, buy)
        cash = post_trade_cash(a, d_now)
        s_dollars, u_dollars = sell * a.lot_price, buy * buy_price
        gain = float(s_dollars @ a.lot_gain)
        turnover = float(s_dollars.sum() + u_dollars.sum())
        sold = np.bincount(a.lot_sec, weights=s_dollars, minlength=n_s)
        # Candidate moves: each lot up / down to its next allowed quantity, each buy ±1.
        x = sell[cand_lots]
        up = np.where(x > 0, np.floor(x + 1e-9) + 1, first_shares[cand_lots])
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

        ls = np.nan_to_num(lot_moves) * a.lot_price[lots]
        bs = np.nan_to_num(buy_moves) * buy_price[buys]
        k_l, k_b = a.lot_group[lots], a.buy_group[buys]
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
        allowed[: len(lots)] &= ~(openable[lots] & (sell[lots] <= 0))
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
            allowed[: len(lots)] |= openable[lots] & (sell[lots] <= 0) & ~np.isnan(lot_moves)
            if m > 0:
                allowed[: len(lots)] &= ok_sell
            score = np.where(allowed & (after <= 0) & (d_obj < -1e-9), d_obj, np.inf)
        best = int(np.argmin(score)) if len(score) else -1
        if best < 0 or not np.isfinite(score[best]):
            if now > 0:
                return None
            # No single move helps: one share sold and one bought together may (each alone
            # would push cash out of its bounds).
            moves = _Moves(
                sec=np.concatenate([a.lot_sec[lots], a.buy_sec[buys]]),
                group=np.concatenate([k_l, k_b]),
                flow=np.concatenate([-ls, bs]),
                linear=np.concatenate([unit[lots] * ls, a.cost_rate[a.buy_sec[buys]] * bs]),
                obj=d_obj,
                cash=d_cash,
                gain=d_gain,
                turnover=d_turn,
                allowed=allowed,
            )
            pair = _best_pair(
                moves, len(cand_lots), len(cand_buys), dev, penalty, violation, cash, gain, turnover
            )
            if pair is None:
                return Decision(sell, buy)
            li, bj = pair[0], pair[1] - len(lots)
            sell[lots[li]] += lot_moves[li]
            dev[k_l[li]] -= ls[li]
            buy[buys[bj]] += buy_moves[bj]
            dev[k_b[bj]] += bs[bj]
            continue
        if best < len(lots):
            sell[lots[best]] += lot_moves[best]
            dev[k_l[best]] -= ls[best]
        else:
            j = best - len(lots)
            buy[buys[j]] += buy_moves[j]
            dev[k_b[j]] += bs[j]
    final = Decision(sell, buy)
    cash = post_trade_cash(a, final)
    return final if lo - tol <= cash <= hi + tol else None


@dataclass(frozen=True, slots=True)
class _Moves:
    """Candidate one-share moves (lot moves, then buy moves) and their exact effects."""

    sec: Ints
    group: Ints
    flow: Floats  # dollars into the group
    linear: Floats  # tax − harvest + trading
    obj: Floats  # linear + the group's drift change
    cash: Floats
    gain: Floats
    turnover: Floats
    allowed: Bools


def _best_pair(
    moves: _Moves,
    n_lot: int,
    n_buy: int,
    dev: Floats,
    penalty: Callable[[Floats, Ints], Floats],
    violation: Callable[[Floats, Floats, Floats], Floats],
    cash: float,
    gain: float,
    turnover: float,
) -> tuple[int, int] | None:
    """The best (lot move, buy move) pair, both up or both down, that lowers the objective.

    Moves are indexed as in `round_shares`: lot moves up then down (n_lot each), then buy
    moves +1 and −1 (n_buy each). Only the `_PAIRED` cheapest allowed moves of each kind
    are paired (a few hundred pairs, whatever the account's size). Effects add up, except
    the drift of a group both moves touch, which is recomputed for the joint flow; a sale
    and a buy of the same security are never paired (that is a round trip).
    """
    best: tuple[float, int, int] | None = None
    for half in (0, 1):
        li = half * n_lot + np.arange(n_lot)
        bj = 2 * n_lot + half * n_buy + np.arange(n_buy)
        li, bj = li[moves.allowed[li]], bj[moves.allowed[bj]]
        li = li[np.argsort(moves.obj[li], kind="stable")[:_PAIRED]]
        bj = bj[np.argsort(moves.obj[bj], kind="stable")[:_PAIRED]]
        if not len(li) or not len(bj):
            continue
        i, j = (grid.ravel() for grid in np.meshgrid(li, bj, indexing="ij"))
        k = moves.group[i]
        joint = (
            moves.linear[i]
            + moves.linear[j]
            + penalty(dev[k] + moves.flow[i] + moves.flow[j], k)
            - penalty(dev[k], k)
        )
        pair_obj = np.where(k == moves.group[j], joint, moves.obj[i] + moves.obj[j])
        lawful = (
            violation(
                cash + moves.cash[i] + moves.cash[j],
                gain + moves.gain[i] + moves.gain[j],
                turnover + moves.turnover[i] + moves.turnover[j],
            )
            <= 0
        )
        lawful &= moves.sec[i] != moves.sec[j]
        score = np.where(lawful & (pair_obj < -1e-9), pair_obj, np.inf)
        top = int(np.argmin(score))
        if np.isfinite(score[top]) and (best is None or score[top] < best[0]):
            best = (float(score[top]), int(i[top]), int(j[top]))
    return None if best is None else (best[1], best[2])


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
    unit = a.lot_unit_cost()
    lot_cr = a.cost_rate[a.lot_sec]
    buy_cr = a.cost_rate[a.buy_sec]
    n_s = len(a.sec_ids)
    dead = a.value * a.band
    sec_group = a.sec_group

    def penalty(x: Floats, k: Ints) -> Floats:
        return p.drift_weight * np.maximum(np.abs(x) - dead[k], 0.0)

    sell, buy = _net_out(a, sell, buy)
    sellable = ~a.must_sell
    for _ in range(n_s + len(buy)):
        now = Decision(sell, buy)
        cash = post_trade_cash(a, now)
        s_dollars, u_dollars = sell * a.lot_price, buy * a.price[a.buy_sec]
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


def _net_out(a: AccountArrays, sell: Floats, buy: Floats) -> tuple[Floats, Floats]:
    """Cancel selling and buying the same security in one decision, where that is lawful.

    Selling q shares of a security and buying q back leaves every group where it was, so
    it never lowers the drift; it costs trading and (on gain lots) tax. When costs are
    nil the heuristics can still leave such a pair (it is a tie), and the next rebalance
    would see a trade that does nothing. Each pair is netted (the dearest lots kept
    unsold first) when the objective does not rise and cash, the gain budget and the
    minimum trade still hold.
    """
    p = a.params
    both = np.flatnonzero((buy > 0) & np.isin(a.buy_sec, a.lot_sec[sell > 0]))
    if not len(both):
        return sell, buy
    sell, buy = sell.copy(), buy.copy()
    lo, hi = p.min_cash * a.value, p.max_cash * a.value
    tol = 1e-7 * max(1.0, a.value)
    unit = a.lot_unit_cost()
    m = p.min_trade_value
    for b in both.tolist():
        i = int(a.buy_sec[b])
        price = float(a.price[i])
        lots = np.flatnonzero((a.lot_sec == i) & (sell > 0) & ~a.lot_forced)
        lots = lots[np.argsort(-unit[lots], kind="stable")]
        q = min(float(buy[b]), float(sell[lots].sum()))
        if p.whole_shares:
            q = float(np.floor(q + 1e-9))
        if q <= 0:
            continue
        cut = np.minimum(
            sell[lots], np.maximum(q - np.concatenate([[0.0], np.cumsum(sell[lots])[:-1]]), 0.0)
        )
        new_sell, new_buy = sell.copy(), buy.copy()
        new_sell[lots] -= cut
        new_buy[b] -= q
        d_obj = -float(unit[lots] @ cut) * price - float(a.cost_rate[i]) * q * price
        new = Decision(new_sell, new_buy)
        cash = post_trade_cash(a, new)
        ok = d_obj <= 1e-9 and lo - tol <= cash <= hi + tol
        if p.gain_budget is not None:
            gain = float((new_sell * a.lot_price) @ a.lot_gain)
            ok &= gain <= p.gain_budget + tol
        if m > 0:
            left_sold = float(new_sell[a.lot_sec == i].sum()) * price
            whole = float(a.lot_value[a.lot_sec == i].sum())
            left_buy = float(new_buy[b]) * price
            ok &= left_sold <= _EPS or left_sold >= min(m, whole) - tol
            ok &= left_buy <= _EPS or left_buy >= m - tol
        if ok:
            sell, buy = new_sell, new_buy
    return sell, buy
