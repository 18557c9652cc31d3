"""A Lagrangian bound that sees whole shares and the minimum trade in one-security groups.

Problem: on a direct index (hundreds of target groups, one stock each) whole shares and the
minimum trade value make many small groups impossible to bring exactly into band, so every
lawful decision pays drift that the LP relaxation does not: its bound sat 5–18% below the
decision, and a bound priced only at the relaxation's duals, by LP cases in which whole
shares enter as ⌈m/p⌉ alone, closed only part of that.

Rule: relax the coupling rows C (cash; turnover cap and gain budget when set) with
multipliers y. In HiGHS's sign convention (reduced cost = c − Aᵀy) y_r ≥ 0 prices the
row's lower side and y_r ≤ 0 its upper side, so with r_r(y) the bound on the priced side

    L(y) = Σ_r y_r·r_r(y) + min_x Σ_j (c_j − A_Cjᵀ y)·x_j   over the other rules

is ≤ c·x for every decision x meeting all the rules (y_r·(A_r x − r_r) ≥ 0 on each row),
and the inner minimum separates into blocks, one per target group (its lots, its buy, its
drift column E_k). Each block is minimized over a *superset* of its lawful decisions,
which keeps L(y) valid. For a block that is one security (no must-sell lot), with S
dollars sold, u bought, t = u − S, its drift rows give E_k = max(0, o_k + t, n_k − t), and
its lawful decisions lie in the union of four cases:
1. S = 0, u = 0;
2. S = 0, u = p·q with q ≥ ⌈m/p⌉ whole shares (any u ≥ m without whole shares);
3. u = 0, S ∈ [ℓ, cap]: a sale is ≥ m or the whole position, so ≥ ℓ = min(m, position),
   m rounded up to whole shares when they are on and every lot is whole; then S is a
   whole number of shares too (one price for all the security's lots), else dollars;
4. both, S ≥ ℓ over the lots left open: rule 5(c) closes the loss lots when the security
   is alone in its wash group in a taxable account (otherwise none: a superset); for each
   net flow t the least lawful S = max(ℓ, u_min − t) is best when every round trip costs
   (a dollar sold and bought back ≥ 0 at y), and u is relaxed to dollars; when some round
   trip earns, the S part [g(S) + b·S] and the t part [b·t + E(t)] are minimized apart.
At fixed y the cheapest S dollars are the cheapest lots first, a convex piecewise-linear
g(S), and E_k is convex piecewise linear in t, so each case is a convex piecewise-linear
problem in one variable: its minimum lies at a kink or an end of its interval, and over
whole shares at the share just below or above one (convexity). Each case is evaluated at
all those candidates, for every block at once. The candidates do not move with the cash
multiplier (one security's lots share its cash coefficient, so their order of cost is
fixed), and each candidate's value is affine in it: the search only re-prices them.
A target group with no trade column contributes its constant E_k cost; any other block
(several securities, a must-sell lot) its relaxation value at the relaxation's duals y*
— there the relaxation's x* minimizes the Lagrangian block by block (LP duality); it is
valid nowhere else without a re-solve, so then L is taken at y* only.

L is concave in y (a minimum of affine functions, Σ y_r·r_r(y) = Σ min(y_r·lo_r,
y_r·hi_r) included). When every block is one security or empty, L is maximized over the
cash multiplier (the others held at y*) by safeguarded cutting planes from y*; the
supergradient is r(y) − (cash row)·x(y) at the blocks' minimizers. Each trial is a valid
bound; the best is returned, never less than the relaxation's value. The minimizers are a
decision too (`block_decision`): whole shares, minimum trades and 5(c) hold block by
block, and cash is brought within its bounds by mixing the two sides of the last kink.

Example: V = $10,000, one stock at $1,000 a share held $500 under its target, band ±$50:
the relaxation buys $450 and leaves no drift; a lawful decision buys one share (then $450
above the band's top edge) or none ($450 below its lower edge): at λ = 0.1 both cost
$45, and so does this bound (the LP says $0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trimtab.engine.arrays import AccountArrays, Bools, Floats, Ints
from trimtab.engine.build import LpModel, row_combination
from trimtab.engine.lagrange import loss_lots
from trimtab.engine.solve import LpOutcome

__all__ = [
    "BlockBound",
    "BlockMinimum",
    "Blocks",
    "block_bound",
    "block_minimum",
    "minimizer",
    "one_security_blocks",
]

_ITERATIONS = 30
_TOL = 1e-7  # relative: the search stops when its upper estimate is this close
_FIRST_STEP = 1e-3  # of the cash multiplier (dollars of objective per dollar of cash)


@dataclass(frozen=True, eq=False)
class Blocks:
    """One-security target groups as padded arrays: K lot slots per block."""

    group: Ints  # (n,) target group
    lots: Ints  # (n, K) lot columns, −1 on padding
    cap: Floats  # (n, K) sellable dollars (0 on padding)
    loss: Bools  # (n, K) lots closed when the block also buys (rule 5c)
    buy: Ints  # (n,) buy column, −1 when none
    buy_cap: Floats  # (n,) dollars (0 when no buy)
    price: Floats  # (n,)
    least_buy: Floats  # (n,) least lawful buy, dollars
    least_sale: Floats  # (n,) least lawful sale, dollars
    whole_buys: bool
    whole_sales: Bools  # (n,) sales in whole shares: whole_buys and every lot whole
    over: Floats  # (n,) drift rows' right-hand sides: E ≥ over + t, E ≥ under − t
    under: Floats
    drift: Ints  # (n,) drift column
    drift_cost: Floats  # (n,)


@dataclass(frozen=True, eq=False)
class BlockMinimum:
    """Each block's least Lagrangian value and a minimizer (dollars)."""

    value: Floats  # (n,), −inf when unbounded below
    sold: Floats  # (n, K) dollars per lot slot (empty when not asked for)
    bought: Floats  # (n,)
    case: Ints  # (n,) 1–4 as in the module docstring
    cash: Floats  # (n,) the minimizer's activity in the cash row


@dataclass(frozen=True, eq=False)
class BlockBound:
    bound: float
    y: Floats  # the coupling rows' multipliers where it was reached
    blocks: Blocks | None
    rows: Ints | None  # the coupling rows, when every block is one security or empty
    # The blocks' minimizers at y, then at the search's last bracket (either side of the
    # cash row's bounds); empty unless `rows` is set.
    near: tuple[BlockMinimum, ...]


def coupling_rows(m: LpModel) -> Ints | None:
    """Cash, turnover and gain rows; None when the model has rows this module does not know."""
    known = 2 * m.n_group + 1 + (m.turnover_row >= 0) + (m.gain_row >= 0)
    known += len(m.sellsum_sec) if m.sellsum_row0 >= 0 else 0
    if m.n_row != known or m.hessian is not None:
        return None
    rows = [m.cash_row] + [r for r in (m.turnover_row, m.gain_row) if r >= 0]
    return np.array(rows, dtype=np.intp)


def one_security_blocks(a: AccountArrays, m: LpModel) -> tuple[Blocks, Bools, Bools]:
    """The one-security blocks, and masks over groups: in a block, without trade columns."""
    n_g, n_l = m.n_group, m.n_lot
    col_sec = np.concatenate([a.lot_sec, a.buy_sec])
    col_grp = np.concatenate([a.lot_group, a.buy_group])
    first_sec = np.full(n_g, -1)
    first_sec[col_grp[::-1]] = col_sec[::-1]
    mixed = np.bincount(col_grp, weights=col_sec != first_sec[col_grp], minlength=n_g) > 0
    empty = first_sec < 0
    single = ~mixed & ~empty
    single[a.lot_group[m.lower[:n_l] > 0]] = False  # must-sell lots: rule 6 does not apply
    single[a.lot_group[a.lot_forced]] = False
    groups = np.flatnonzero(single)
    block_of_group = np.full(n_g, -1)
    block_of_group[groups] = np.arange(len(groups))
    sec = first_sec[groups]

    # Lots into K slots per block.
    in_block = np.flatnonzero(single[a.lot_group])
    blk = block_of_group[a.lot_group[in_block]]
    order = np.argsort(blk, kind="stable")
    in_block, blk = in_block[order], blk[order]
    counts = np.bincount(blk, minlength=len(groups))
    k_max = max(1, int(counts.max()) if len(counts) else 1)
    slot = np.arange(len(blk)) - np.concatenate([[0], np.cumsum(counts)[:-1]])[blk]
    lots = np.full((len(groups), k_max), -1, dtype=np.intp)
    lots[blk, slot] = in_block
    cap = np.zeros((len(groups), k_max))
    cap[blk, slot] = m.upper[in_block]
    local_wash = np.bincount(a.sec_wash[np.unique(col_sec)], minlength=len(a.wash_ids)) == 1
    closes = loss_lots(a) & local_wash[a.sec_wash[a.lot_sec]] & a.taxable
    loss = np.zeros((len(groups), k_max), dtype=bool)
    loss[blk, slot] = closes[in_block]

    buy = np.full(len(groups), -1, dtype=np.intp)
    b_idx = np.flatnonzero(single[a.buy_group])
    buy[block_of_group[a.buy_group[b_idx]]] = n_l + b_idx
    buy_cap = np.where(buy >= 0, m.upper[np.maximum(buy, 0)], 0.0)

    p = a.params
    price = a.price[sec]
    whole = p.whole_shares
    shares_up = np.ceil(p.min_trade_value / price - 1e-9)
    least_buy = shares_up * price if whole else np.full(len(groups), p.min_trade_value)
    position = np.bincount(blk, weights=a.lot_value[in_block], minlength=len(groups))
    whole_lots = (
        np.bincount(
            blk,
            weights=np.abs(a.lot_qty[in_block] - np.round(a.lot_qty[in_block])) > 1e-9,
            minlength=len(groups),
        )
        == 0
    )
    least_sale_m = np.where(whole & whole_lots, shares_up * price, p.min_trade_value)
    least_sale = np.minimum(least_sale_m, position)
    drift = m.n_lot + m.n_buy + groups
    blocks = Blocks(
        group=groups,
        lots=lots,
        cap=cap,
        loss=loss,
        buy=buy,
        buy_cap=buy_cap,
        price=price,
        least_buy=least_buy,
        least_sale=least_sale,
        whole_buys=whole,
        whole_sales=whole & whole_lots,
        over=m.row_lower[groups],
        under=m.row_lower[n_g + groups],
        drift=drift,
        drift_cost=m.cost[drift],
    )
    return blocks, single, empty


def _drift(b: Blocks, t: Floats) -> Floats:
    """E_k's least cost at net flow t (rows broadcast along t's last axis)."""
    over, under = b.over[:, None], b.under[:, None]
    out: Floats = b.drift_cost[:, None] * np.maximum(0.0, np.maximum(over + t, under - t))
    return out


def _sales(cost: Floats, cap: Floats, s: Floats) -> tuple[Floats, Floats]:
    """g(S) at each S (n, J) filling the cheapest lots first, and the fills (n, J, K)."""
    start = np.cumsum(cap, axis=1) - cap
    fill = np.clip(s[:, :, None] - start[:, None, :], 0.0, cap[:, None, :])
    value: Floats = np.einsum("njk,nk->nj", fill, cost)
    return value, fill


def _shares(x: Floats, price: Floats, whole: Bools) -> Floats:
    """Each candidate (n, J) as the whole-share amounts just below and above it (n, 2J),
    on the rows where `whole`; elsewhere the candidates twice."""
    p = price[:, None]
    down, up = np.floor(x / p + 1e-9) * p, np.ceil(x / p - 1e-9) * p
    w = whole[:, None]
    out: Floats = np.concatenate([np.where(w, down, x), np.where(w, up, x)], axis=1)
    return out


@dataclass(frozen=True, eq=False)
class Candidates:
    """Every block's candidate decisions, each affine in the cash multiplier y_c.

    A candidate's value is `base + slope·y_c` (slope = minus its cash-row activity); the
    candidates themselves, the lots' order of cost and the sales' cost curves do not move
    with y_c (one security's lots share a cash coefficient), so a search over y_c only
    re-prices them. Columns by `kind`: 1–4 the cases of the module docstring, 4 valid
    when every round trip costs at y_c; 5 and 6 the S and t parts of case 4 otherwise.
    """

    b: Blocks
    base: Floats  # (n, J); +inf where the candidate is not lawful
    slope: Floats  # (n, J)
    sold: Floats  # (n, J) dollars sold (kind 6: 0)
    bought: Floats  # (n, J) dollars bought (kind 6: the net flow t)
    kind: Ints  # (J,)
    round_trip: tuple[Floats, Floats]  # (n,) least cost of selling and buying back a dollar
    unbounded: tuple[Floats, Floats]  # (n,) buy's cost + drift slope, −inf below 0 (no cap)
    order: Ints  # (n, K) the lots by cost
    cap: Floats  # (n, K) in that order
    cap_open: Floats  # (n, K) in that order, case 4's loss lots closed

    def minimum(self, y_cash: float, *, lots: bool = True) -> BlockMinimum:
        """Each block's least value at y_c and its minimizer (per lot only with `lots`)."""
        n = len(self.b.group)
        values = self.base + self.slope * y_cash
        monotone = self.round_trip[0] + self.round_trip[1] * y_cash >= 0
        kind = self.kind
        direct = np.where((kind == 4)[None, :] & ~monotone[:, None], np.inf, values)
        direct[:, kind >= 5] = np.inf
        j = np.argmin(direct, axis=1)
        value = direct[np.arange(n), j]
        sold, bought = self.sold[np.arange(n), j], self.bought[np.arange(n), j]
        cash = -self.slope[np.arange(n), j]
        case = kind[j]
        if (kind == 5).any():
            s_cols, t_cols = np.flatnonzero(kind == 5), np.flatnonzero(kind == 6)
            js = s_cols[np.argmin(values[:, s_cols], axis=1)]
            jt = t_cols[np.argmin(values[:, t_cols], axis=1)]
            split = values[np.arange(n), js] + values[np.arange(n), jt]
            use = ~monotone & (split < value)
            value = np.where(use, split, value)
            sold = np.where(use, self.sold[np.arange(n), js], sold)
            bought = np.where(use, sold + self.bought[np.arange(n), jt], bought)
            case = np.where(use, 4, case)
            cash = np.where(use, -self.slope[np.arange(n), js] - self.slope[np.arange(n), jt], cash)
        open_ended = self.unbounded[0] + self.unbounded[1] * y_cash < -1e-12
        value = np.where(open_ended, -np.inf, value)
        if not lots:
            return BlockMinimum(value, np.zeros((0, 0)), bought, case, cash)
        caps = np.where((case == 4)[:, None], self.cap_open, self.cap)
        start = np.cumsum(caps, axis=1) - caps
        fill = np.clip(sold[:, None] - start, 0.0, caps)
        fills = np.zeros_like(fill)
        np.put_along_axis(fills, self.order, fill, axis=1)
        return BlockMinimum(value, fills, bought, case, cash)


def candidates(b: Blocks, cost: Floats, cash_coef: Floats) -> Candidates:
    """The blocks' candidates at column costs `cost − y_c·cash_coef` (module docstring)."""
    n = len(b.group)
    used = b.lots >= 0
    lot_cost = np.where(used, cost[np.maximum(b.lots, 0)], 0.0)
    order = np.argsort(lot_cost, axis=1, kind="stable")
    c = np.take_along_axis(lot_cost, order, axis=1)
    cap = np.take_along_axis(b.cap, order, axis=1)
    cap_open = np.where(np.take_along_axis(b.loss, order, axis=1), 0.0, cap)
    total, total_open = cap.sum(axis=1), cap_open.sum(axis=1)
    kinks, kinks_open = np.cumsum(cap, axis=1), np.cumsum(cap_open, axis=1)
    # One security's lots share the cash row's coefficient (1 − its cost rate).
    sale_cash = np.where(used, cash_coef[np.maximum(b.lots, 0)], 0.0).max(axis=1, initial=0.0)
    has_buy = b.buy >= 0
    buy_cost = np.where(has_buy, cost[np.maximum(b.buy, 0)], 0.0)
    buy_cash = np.where(has_buy, cash_coef[np.maximum(b.buy, 0)], 0.0)
    t_kinks = np.stack([-b.over, b.under, 0.5 * (b.under - b.over)], axis=1)
    u_min, u_max = b.least_buy, np.where(has_buy, b.buy_cap, 0.0)
    can_buy = has_buy & (u_max >= u_min - 1e-9)
    finite_u = np.isfinite(u_max)
    u_hi = np.maximum(u_max, u_min)
    col = slice(None), None  # a per-block value against a row of candidates

    def priced(s: Floats, u: Floats, caps: Floats, ok: Bools) -> tuple[Floats, Floats]:
        g, _ = _sales(c, caps, s)
        base = g + buy_cost[col] * u + _drift(b, u - s)
        slope = -(sale_cash[col] * s + buy_cash[col] * u)
        return np.where(ok[col], base, np.inf), np.where(ok[col], slope, 0.0)

    zero = np.zeros((n, 1))
    # Case 2: buy only, whole shares at the floor or ceiling of each kink.
    u2 = np.concatenate([u_min[col], np.where(finite_u, u_max, u_min)[col], t_kinks], axis=1)
    u2 = np.clip(u2, u_min[col], u_hi[col])
    if b.whole_buys:
        p = b.price[col]
        q_hi = np.maximum(np.floor(u_hi / b.price + 1e-9)[col] * p, u_min[col])
        u2 = np.clip(
            np.concatenate([np.floor(u2 / p) * p, np.ceil(u2 / p) * p], axis=1), u_min[col], q_hi
        )
    # Case 3: sell only.
    lo = b.least_sale
    s3 = np.concatenate(
        [lo[col], total[col], kinks, b.over[col], -b.under[col], 0.5 * (b.over - b.under)[col]],
        axis=1,
    )
    s3 = np.clip(_shares(s3, b.price, b.whole_sales), lo[col], total[col])
    # Case 4: both, S as small as the rules allow for each net flow t (exact when every
    # round trip costs); t at its interval's ends and kinks, in whole shares where sales are.
    ok4 = can_buy & (total_open >= lo - 1e-9)
    t_lo = u_min - total_open
    t_hi = np.where(finite_u, u_max - lo, np.inf)
    t_hi = np.where(b.whole_sales, np.floor(t_hi / b.price + 1e-9) * b.price, t_hi)
    ok4 &= t_lo <= t_hi + 1e-9
    t4 = np.concatenate(
        [
            t_lo[col],
            np.where(np.isfinite(t_hi), t_hi, t_lo)[col],
            (u_min - lo)[col],
            u_min[col] - kinks_open,
            t_kinks,
        ],
        axis=1,
    )
    t4 = np.clip(_shares(t4, b.price, b.whole_sales), t_lo[col], np.maximum(t_hi, t_lo)[col])
    s4 = np.minimum(np.maximum(lo[col], u_min[col] - t4), total_open[col])
    s5 = np.clip(
        np.concatenate([lo[col], kinks_open], axis=1), lo[col], np.maximum(total_open, lo)[col]
    )

    parts = [
        (1, zero, zero, *priced(zero, zero, cap, np.ones(n, dtype=bool))),
        (2, np.zeros_like(u2), u2, *priced(np.zeros_like(u2), u2, cap, can_buy)),
        (3, s3, np.zeros_like(s3), *priced(s3, np.zeros_like(s3), cap, total >= lo - 1e-9)),
        (4, s4, s4 + t4, *priced(s4, s4 + t4, cap_open, ok4)),
    ]
    # The split parts of case 4: [g'(S) + b·S] and [b·t + E(t)], apart.
    g5, _ = _sales(c, cap_open, s5)
    base5 = np.where(ok4[col], g5 + buy_cost[col] * s5, np.inf)
    slope5 = np.where(ok4[col], -(sale_cash + buy_cash)[col] * s5, 0.0)
    base6 = np.where(ok4[col], buy_cost[col] * t4 + _drift(b, t4), np.inf)
    slope6 = np.where(ok4[col], -buy_cash[col] * t4, 0.0)
    parts += [(5, s5, np.zeros_like(s5), base5, slope5), (6, np.zeros_like(t4), t4, base6, slope6)]
    round_trip = np.where(cap_open > 0, c, np.inf).min(axis=1) + buy_cost
    unbounded = can_buy & ~finite_u
    return Candidates(
        b=b,
        base=np.concatenate([x[3] for x in parts], axis=1),
        slope=np.concatenate([x[4] for x in parts], axis=1),
        sold=np.concatenate([np.broadcast_to(x[1], x[3].shape) for x in parts], axis=1),
        bought=np.concatenate([np.broadcast_to(x[2], x[3].shape) for x in parts], axis=1),
        kind=np.concatenate([np.full(x[3].shape[1], x[0]) for x in parts]),
        round_trip=(round_trip, -(sale_cash + buy_cash)),
        unbounded=(
            np.where(unbounded, buy_cost + b.drift_cost, np.inf),
            np.where(unbounded, -buy_cash, 0.0),
        ),
        order=order,
        cap=cap,
        cap_open=cap_open,
    )


def block_minimum(b: Blocks, cost: Floats) -> BlockMinimum:
    """Every block's least value at Lagrangian column costs `cost` (module docstring)."""
    return candidates(b, cost, np.zeros_like(cost)).minimum(0.0)


def minimizer(b: Blocks, mins: BlockMinimum, n_col: int) -> Floats:
    """The blocks' minimizers as one column vector of dollars (zeros elsewhere)."""
    x = np.zeros(n_col)
    used = b.lots >= 0
    x[b.lots[used]] = mins.sold[used]
    has_buy = b.buy >= 0
    x[b.buy[has_buy]] = mins.bought[has_buy]
    return x


class _Lagrangian:
    """L(y) over the coupling rows, along the cash multiplier (module docstring)."""

    def __init__(self, m: LpModel, rows: Ints, blocks: Blocks, y: Floats, constant: float) -> None:
        self.m = m
        self.blocks = blocks
        self.lo, self.hi = m.row_lower[rows], m.row_upper[rows]
        self.coupling = m.dense_rows(rows)
        self.constant = constant  # the blocks without trade columns: their drift alone
        self.y = y.copy()
        others = y.copy()
        others[0] = 0.0
        cash_coef = self.coupling[0]
        self.candidates = candidates(
            blocks, m.cost - row_combination(self.coupling, others), cash_coef
        )

    def value(self, y_cash: float, *, lots: bool = False) -> tuple[float, BlockMinimum]:
        mins = self.candidates.minimum(y_cash, lots=lots)
        if np.isneginf(mins.value).any():
            return -np.inf, mins
        y = self.y.copy()
        y[0] = y_cash
        priced = np.where(y > 0, self.lo, np.where(y < 0, self.hi, 0.0))
        side = float((np.where(y != 0, y, 0.0) * np.nan_to_num(priced)).sum())
        return side + float(mins.value.sum()) + self.constant, mins

    def cash_slope(self, y_cash: float, mins: BlockMinimum) -> float:
        """A supergradient of L along the cash multiplier at y_c."""
        activity = float(mins.cash.sum())
        lo, hi = float(self.lo[0]), float(self.hi[0])
        if y_cash > 0:
            return lo - activity
        if y_cash < 0:
            return hi - activity
        return float(np.clip(activity, lo, hi)) - activity  # both sides priced at 0

    def at(self, y_cash: float) -> tuple[float, float, Floats, BlockMinimum]:
        v, mins = self.value(y_cash)
        y = self.y.copy()
        y[0] = y_cash
        return v, (np.inf if not np.isfinite(v) else self.cash_slope(y_cash, mins)), y, mins


_Trial = tuple[float, float, Floats, BlockMinimum]  # L, its cash slope, y, minimizers


def block_bound(a: AccountArrays, m: LpModel, relaxed: LpOutcome) -> BlockBound:
    """max_y L(y) as in the module docstring; the relaxation's value when nothing applies."""
    lp = BlockBound(relaxed.objective, np.zeros(0), None, None, ())
    rows = coupling_rows(m)
    if rows is None or len(relaxed.row_dual) != m.n_row or len(relaxed.x) != m.n_col:
        return lp
    blocks, single, empty = one_security_blocks(a, m)
    if not single.any():
        return lp
    other = ~single & ~empty
    if other.any() and not _traded(a, m, relaxed.x)[blocks.group].any():
        # L is taken at y* only (below), where a one-security block the relaxation leaves
        # untraded adds nothing: not trading is lawful and already its least value. On a
        # model account's night this is the common case, and it skips the candidates.
        return lp
    n_g = m.n_group
    lo, hi = m.row_lower[rows], m.row_upper[rows]
    y_star = relaxed.row_dual[rows].copy()
    # A multiplier may only price a finite side (solver noise aside).
    y_star[((y_star > 0) & ~np.isfinite(lo)) | ((y_star < 0) & ~np.isfinite(hi))] = 0.0
    drift_floor = np.maximum(0.0, np.maximum(m.row_lower[:n_g], m.row_lower[n_g : 2 * n_g]))
    constant = float((m.cost[m.n_lot + m.n_buy + np.flatnonzero(empty)] * drift_floor[empty]).sum())
    lagrangian = _Lagrangian(m, rows, blocks, y_star, constant)
    if other.any():
        # Those blocks' relaxation values at y*: valid there only, so no search.
        value, _ = lagrangian.value(float(y_star[0]))
        col_group = np.concatenate([a.lot_group, a.buy_group, np.arange(n_g)])
        n = len(col_group)
        cost = (m.cost - row_combination(lagrangian.coupling, y_star))[:n]
        value += float((cost * relaxed.x[:n])[other[col_group]].sum())
        return BlockBound(max(value, relaxed.objective), y_star, blocks, None, ())
    best, ends = _maximize(lagrangian, float(y_star[0]))
    near = tuple(lagrangian.value(float(t[2][0]), lots=True)[1] for t in (best, *ends))
    return BlockBound(max(best[0], relaxed.objective), best[2], blocks, rows, near)


def _traded(a: AccountArrays, m: LpModel, x: Floats) -> Bools:
    """Target groups in which x trades (a sale or a buy above solver noise)."""
    trades = np.concatenate([x[: m.n_lot], x[m.buy]]) > 1e-6
    groups = np.concatenate([a.lot_group, a.buy_group])
    traded: Bools = np.bincount(groups[trades], minlength=m.n_group) > 0
    return traded


def _maximize(lagrangian: _Lagrangian, c0: float) -> tuple[_Trial, list[_Trial]]:
    """Maximize L along the cash multiplier from y*: bracket, then cutting planes.

    L is concave and piecewise linear along the line, so the tangents at the bracket's
    ends meet above the maximum: their meeting point is the next trial (bisection when it
    falls near an end), and the search stops when that estimate is within `_TOL` of the
    best value seen. Every trial is a valid bound. Returns the best trial and the
    bracket's ends (their minimizers lie on either side of the cash row's bounds).
    """
    best = first = lagrangian.at(c0)
    left = first if first[1] > 0 else None
    right = first if first[1] < 0 else None
    step, c = _FIRST_STEP, c0

    def probe(at: float) -> _Trial:
        """L at `at`, kept as the best and as the bracket's end on its slope's side."""
        nonlocal best, left, right
        trial = lagrangian.at(at)
        best = max(best, trial, key=lambda t: t[0])
        if trial[1] > 0:
            left = trial
        elif trial[1] < 0:
            right = trial
        return trial

    for _ in range(_ITERATIONS):
        if left is not None and right is not None:
            break
        c = c + step if left is not None else c - step
        step *= 2
        trial = probe(c)
        if trial[1] == 0:
            return trial, []
    if left is None or right is None:
        return best, []
    for _ in range(_ITERATIONS):
        (vl, gl, yl, _), (vr, gr, yr, _) = left, right
        cl, cr = float(yl[0]), float(yr[0])
        c = 0.5 * (cl + cr)
        if np.isfinite(vl) and np.isfinite(gl) and np.isfinite(vr):
            meet = (vr - vl + gl * cl - gr * cr) / (gl - gr)
            if vl + gl * (meet - cl) - best[0] <= _TOL * max(1.0, abs(best[0])):
                break
            if cl + 0.05 * (cr - cl) <= meet <= cr - 0.05 * (cr - cl):
                c = meet
        trial = probe(c)
        if trial[1] == 0:
            return trial, []
    return best, [left, right]


def block_objective(b: Blocks, mins: BlockMinimum, cost: Floats) -> Floats:
    """Each block's objective at its minimizer, at the model's own costs `cost`."""
    sold = np.where(b.lots >= 0, mins.sold, 0.0)
    lots = (np.where(b.lots >= 0, cost[np.maximum(b.lots, 0)], 0.0) * sold).sum(axis=1)
    buys = np.where(b.buy >= 0, cost[np.maximum(b.buy, 0)], 0.0) * mins.bought
    t = (mins.bought - sold.sum(axis=1))[:, None]
    out: Floats = lots + buys + _drift(b, t)[:, 0]
    return out


def block_decision(m: LpModel, bb: BlockBound) -> Floats | None:
    """Dollars per column: the blocks' minimizers, mixed across the cash row's kink.

    At the best y the minimizer may leave cash outside its bounds: there L has a kink, and
    the minimizers on its two sides (the search's last bracket) tie in Lagrangian value
    block by block. Starting from either side, blocks are switched to the other side's
    choice, cheapest objective per dollar of cash first, while that brings cash nearer its
    bounds or, once within them, keeps it there and lowers the objective; the better
    result is returned. None when no mix meets every coupling row, or without a complete
    block bound.
    """
    b, rows = bb.blocks, bb.rows
    if b is None or rows is None or not bb.near:
        return None
    coef = m.dense_rows(rows)
    lo, hi = m.row_lower[rows], m.row_upper[rows]
    tol = 1e-9 * max(1.0, float(np.abs(lo[np.isfinite(lo)]).max(initial=0.0)))
    tol = max(tol, 1e-9 * float(np.abs(hi[np.isfinite(hi)]).max(initial=0.0)))

    def within(x: Floats) -> bool:
        act = coef @ x
        return bool(np.all(act >= lo - tol) and np.all(act <= hi + tol))

    def objective(x: Floats) -> float:
        return float(block_objective(b, _as_minimum(b, x), m.cost).sum())

    found = [x for x in (minimizer(b, bb.near[0], m.n_col),) if within(x)]
    if len(bb.near) == 3:
        left, right = bb.near[1], bb.near[2]
        for start, other in ((left, right), (right, left)):
            x = _mix(m, b, coef[0], (float(lo[0]), float(hi[0])), tol, start, other)
            if within(x):
                found.append(x)
    return min(found, key=objective) if found else None


def _as_minimum(b: Blocks, x: Floats) -> BlockMinimum:
    sold = np.where(b.lots >= 0, x[np.maximum(b.lots, 0)], 0.0)
    bought = np.where(b.buy >= 0, x[np.maximum(b.buy, 0)], 0.0)
    n = len(b.group)
    return BlockMinimum(np.zeros(n), sold, bought, np.zeros(n, np.intp), np.zeros(n))


def _mix(
    m: LpModel,
    b: Blocks,
    cash_coef: Floats,
    cash_bounds: tuple[float, float],
    tol: float,
    start: BlockMinimum,
    other: BlockMinimum,
) -> Floats:
    """`start`'s choices, with blocks switched to `other`'s as `block_decision` says."""
    lo, hi = cash_bounds
    lot_coef = np.where(b.lots >= 0, cash_coef[np.maximum(b.lots, 0)], 0.0)
    buy_coef = np.where(b.buy >= 0, cash_coef[np.maximum(b.buy, 0)], 0.0)

    def cash_of(mins: BlockMinimum) -> Floats:
        out: Floats = (lot_coef * mins.sold).sum(axis=1) + buy_coef * mins.bought
        return out

    d_cash = cash_of(other) - cash_of(start)
    d_obj = block_objective(b, other, m.cost) - block_objective(b, start, m.cost)
    cash = float(cash_of(start).sum())
    switch = np.zeros(len(b.group), dtype=bool)
    candidates = np.flatnonzero(np.abs(d_cash) > 0)
    per_dollar = d_obj[candidates] / np.abs(d_cash[candidates])
    for j in candidates[np.argsort(per_dollar, kind="stable")].tolist():
        new = cash + float(d_cash[j])
        if lo - tol <= cash <= hi + tol:
            take = lo - tol <= new <= hi + tol and d_obj[j] < 0
        else:
            take = abs(new - min(max(new, lo), hi)) < abs(cash - min(max(cash, lo), hi))
        if take:
            switch[j] = True
            cash = new
    sold = np.where(switch[:, None], other.sold, start.sold)
    bought = np.where(switch, other.bought, start.bought)
    return minimizer(b, BlockMinimum(start.value, sold, bought, start.case, start.cash), m.n_col)
