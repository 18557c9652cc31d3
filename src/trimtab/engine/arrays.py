"""A case as flat numpy arrays: everything the solver reads, computed once per case.

Problem: the solver's hot path must not walk dicts of lots. Parsing, term dates, wash-sale
windows and restriction flags are resolved here, once, into arrays indexed by security
(`s`), lot (`l`), group (`k`) and buy variable (`b`).

Rules applied here (shared/spec/rebalance-case.md):
- a security held but in no group becomes its own group, target 0, band 0;
- a group's band defaults to the resolved `default_band`;
- a group's `buy` member is bought only when it is neither no_buy nor must_sell;
- a lot's tax rate τ_l is the short- or long-term rate by its term on `as_of` (0 when the
  account is not taxable), or, with a tax picture, the picture's marginal rate for its
  term and the sign of its gain; its gain fraction is γ_l = (p − c_l) / p per dollar sold;
- wash-sale window: trades and lot acquisitions dated in [as_of − 30 days, as_of];
  (a) blocks buys of a wash group with a loss sale there (every account), (b) blocks
  loss sales of lots whose wash group had a buy there (taxable only), must_sell lots exempt;
- a loss lot earns harvest value only if its whole unrealized loss is at least
  `harvest_min_loss` dollars and `harvest_min_loss_pct` of its basis, and, with
  `harvest_requires_swap`, only if its group can buy a substitute: a buy member in
  another wash group, not blocked by no-buy or rule 5(a).

Example: VOO and IVV in wash group SP500, a VTI loss sale 15 days ago in wash group VTI:
nothing is blocked; had VTI been in SP500, `buy_wash_blocked` would mark VOO.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trimtab.domain.calibration import ResolvedParameters
from trimtab.domain.holdings import is_long_term
from trimtab.domain.wash_sales import WASH_SALE_WINDOW
from trimtab.engine.case import Case

__all__ = ["AccountArrays", "build_arrays"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class AccountArrays:
    params: ResolvedParameters
    taxable: bool
    cash: float
    withdrawal: float
    value: float  # V = cash + market value − withdrawal
    # securities
    sec_ids: tuple[str, ...]
    price: Floats
    cost_rate: Floats
    held: Floats  # shares held
    must_sell: Bools
    sec_group: Ints  # group index, −1 when in no group and not held
    sec_wash: Ints  # wash-group index
    wash_ids: tuple[str, ...]
    # lots
    lot_ids: tuple[str, ...]
    lot_sec: Ints
    lot_price: Floats  # p of the lot's security
    lot_group: Ints  # the lot's security's group
    lot_qty: Floats
    lot_basis: Floats  # per share
    lot_rate: Floats  # τ_l
    lot_long: Bools
    lot_gain: Floats  # γ_l = (p − c) / p
    lot_no_sell: Bools
    lot_wash_blocked: Bools  # rule 5(b)
    lot_forced: Bools  # must_sell
    lot_harvestable: Bools
    # groups
    group_ids: tuple[str, ...]
    target: Floats
    band: Floats
    group_value: Floats  # W0_k, pre-trade dollars
    group_buy: Ints  # buy member's security index, −1 when none
    # buy variables
    buy_sec: Ints  # security index of each buyable security
    buy_group: Ints
    buy_wash_blocked: Bools  # rule 5(a): kept as a variable with bound 0, for diagnostics
    buy_blocked_no_buy: tuple[str, ...]

    @property
    def lot_value(self) -> Floats:
        return self.lot_qty * self.lot_price

    @property
    def lot_sell_cap(self) -> Floats:
        """Dollars of each lot that rules 2 and 5(b) allow to be sold."""
        allowed = ~(self.lot_no_sell | self.lot_wash_blocked) | self.lot_forced
        return np.where(allowed, self.lot_value, 0.0)

    def lot_unit_cost(self, harvest_value: float | None = None) -> Floats:
        """Objective per dollar sold: tax − harvest + trading (the spec's linear terms)."""
        h = self.params.harvest_value if harvest_value is None else harvest_value
        gain = self.lot_gain
        tax = np.where(gain > 0, gain * self.lot_rate, 0.0)
        harvest = np.where((gain < 0) & self.lot_harvestable, -gain * self.lot_rate * h, 0.0)
        cost: Floats = tax - harvest + self.cost_rate[self.lot_sec]
        return cost


@functools.lru_cache(maxsize=64)  # a nightly run asks for one date thousands of times
def _last_long_term_start(as_of: dt.date) -> dt.date:
    """The latest holding-period start whose lot is long-term when sold on `as_of`.

    `is_long_term(start, as_of)` only turns from true to false as the start moves later,
    so one threshold decides every lot with one date comparison each (the rule's
    `date.replace` per lot cost more than the rest of the arrays). A start a year and a
    month back is surely long-term; the threshold is at most a month later.
    """
    start = dt.date(as_of.year - 1, as_of.month, 1) - dt.timedelta(days=1)
    while is_long_term(start + dt.timedelta(days=1), as_of):
        start += dt.timedelta(days=1)
    return start


def _lot_rates(case: Case, lot_long: Bools, lot_gain: Floats) -> Floats:
    """τ_l: without a tax picture, the lot's term's rate for a gain and a loss alike.

    With a picture, the marginal rate of the next dollar of the lot's term and sign
    (`TaxPicture.marginal`). The objective stays linear: the rate is the first netting
    step's at the current picture, so a sale larger than the room left in that step (a
    loss beyond the $3,000 ordinary offset, a gain beyond the loss it absorbs) is still
    valued at that step's rate; the next night's picture, with the sale in the year's
    realized gains, prices the next step.
    """
    tax = case.tax
    if tax.picture is None:
        rates: Floats = np.where(lot_long, tax.long_term_rate, tax.short_term_rate)
        return rates
    m = tax.picture.marginal()
    gain_rate = np.where(lot_long, float(m.long_gain), float(m.short_gain))
    loss_rate = np.where(lot_long, float(m.long_loss), float(m.short_loss))
    marginal: Floats = np.where(lot_gain > 0, gain_rate, loss_rate)
    return marginal


def build_arrays(case: Case) -> AccountArrays:
    params = case.parameters
    taxable = case.account.is_taxable
    sec_index = {s.id: i for i, s in enumerate(case.securities)}
    n_s = len(case.securities)
    price = np.array([s.price for s in case.securities], dtype=float)
    cost_rate = np.array([s.cost_rate for s in case.securities], dtype=float)
    must_sell = np.array([s.must_sell for s in case.securities], dtype=bool)

    wash_index: dict[str, int] = {}  # wash group → its index, in order of first sight

    def wash_of(key: str) -> int:
        return wash_index.setdefault(key, len(wash_index))

    sec_wash = np.array(
        [wash_index.setdefault(s.wash_key, len(wash_index)) for s in case.securities],
        dtype=np.intp,
    )

    lots = case.lots
    lot_sec = np.array([sec_index[lot.security] for lot in lots], dtype=np.intp)
    lot_qty = np.array([lot.quantity for lot in lots], dtype=float)
    lot_basis = np.array([lot.cost_basis for lot in lots], dtype=float)
    last_long = _last_long_term_start(case.as_of)
    lot_long = np.array(
        [(lot.holding_period_start or lot.acquired) <= last_long for lot in lots], dtype=bool
    )
    no_sell_sec = np.array([s.no_sell for s in case.securities], dtype=bool)
    lot_no_sell = np.array([lot.no_sell for lot in lots], dtype=bool) | no_sell_sec[lot_sec]
    held = np.bincount(lot_sec, weights=lot_qty, minlength=n_s).astype(float)
    lot_price = price[lot_sec]
    lot_gain = (lot_price - lot_basis) / lot_price
    lot_rate = _lot_rates(case, lot_long, lot_gain) if taxable else np.zeros(len(lots))
    loss = (lot_basis - lot_price) * lot_qty
    lot_harvestable = (
        (lot_gain < 0)
        & (loss >= params.harvest_min_loss)
        & (loss >= params.harvest_min_loss_pct * lot_basis * lot_qty)
    )

    # Wash-sale window: household trades and this account's new lots both count as buys.
    window_start = case.as_of - WASH_SALE_WINDOW
    in_window = [t for t in case.recent_trades if window_start <= t.date <= case.as_of]
    securities = {s.id: s for s in case.securities}

    def trade_wash(security: str, explicit: str | None) -> int:
        if explicit:
            return wash_of(explicit)
        known = securities.get(security)
        return wash_of(known.wash_key if known else security)

    loss_sold = {
        trade_wash(t.security, t.wash_group)
        for t in in_window
        if t.side == "sell" and (t.realized_gain is None or t.realized_gain < 0)
    }
    bought = {trade_wash(t.security, t.wash_group) for t in in_window if t.side == "buy"}
    new_lot = np.array([window_start <= lot.acquired <= case.as_of for lot in lots], dtype=bool)
    bought |= set(sec_wash[lot_sec[new_lot]].tolist())
    lot_forced = must_sell[lot_sec]
    if taxable and bought:
        wash_bought = np.zeros(len(wash_index), dtype=bool)
        wash_bought[list(bought)] = True
        lot_wash_blocked = wash_bought[sec_wash[lot_sec]] & (lot_gain < 0) & ~lot_forced
    else:
        lot_wash_blocked = np.zeros(len(lots), dtype=bool)

    # Groups: the case's, then one per held security that no group lists.
    group_ids = [g.id for g in case.groups]
    targets = [g.target for g in case.groups]
    bands = [params.default_band if g.band is None else g.band for g in case.groups]
    sec_group = np.full(n_s, -1, dtype=np.intp)
    group_buy = [sec_index[g.buy] if g.buy is not None else -1 for g in case.groups]
    for k, g in enumerate(case.groups):
        for m in g.members:
            sec_group[sec_index[m]] = k
    for orphan in np.flatnonzero((sec_group < 0) & (held > 0)).tolist():
        sec_group[orphan] = len(group_ids)
        group_ids.append(case.securities[orphan].id)
        targets.append(0.0)
        bands.append(0.0)
        group_buy.append(-1)
    n_g = len(group_ids)
    grouped = sec_group >= 0
    group_value = np.bincount(
        sec_group[grouped], weights=(held * price)[grouped], minlength=n_g
    ).astype(float)

    buy_sec: list[int] = []
    buy_group: list[int] = []
    blocked_wash: list[bool] = []
    blocked_no_buy: list[str] = []
    for k, i in enumerate(group_buy):
        if i < 0:
            continue
        sec = case.securities[i]
        if sec.no_buy or sec.must_sell:  # buying what must be sold would be a round trip
            blocked_no_buy.append(sec.id)
        else:
            buy_sec.append(i)
            buy_group.append(k)
            blocked_wash.append(int(sec_wash[i]) in loss_sold)

    if params.harvest_requires_swap:
        # The wash group each target group can swap into (−1: none buyable today).
        swap_wash = np.full(n_g, -1, dtype=np.intp)
        open_buys = [
            (k, i) for k, i, w in zip(buy_group, buy_sec, blocked_wash, strict=True) if not w
        ]
        for k, i in open_buys:
            swap_wash[k] = sec_wash[i]
        lot_swap = swap_wash[sec_group[lot_sec]]
        lot_harvestable = lot_harvestable & (lot_swap >= 0) & (lot_swap != sec_wash[lot_sec])

    cash = case.account.cash
    withdrawal = params.withdrawal
    value = cash + float(held @ price) - withdrawal
    return AccountArrays(
        params=params,
        taxable=taxable,
        cash=cash,
        withdrawal=withdrawal,
        value=value,
        sec_ids=tuple([s.id for s in case.securities]),
        price=price,
        cost_rate=cost_rate,
        held=held,
        must_sell=must_sell,
        sec_group=sec_group,
        sec_wash=sec_wash,
        wash_ids=tuple(wash_index),
        lot_ids=tuple([lot.id for lot in lots]),
        lot_sec=lot_sec,
        lot_price=lot_price,
        lot_group=sec_group[lot_sec],
        lot_qty=lot_qty,
        lot_basis=lot_basis,
        lot_rate=lot_rate,
        lot_long=lot_long,
        lot_gain=lot_gain,
        lot_no_sell=lot_no_sell,
        lot_wash_blocked=lot_wash_blocked,
        lot_forced=lot_forced,
        lot_harvestable=lot_harvestable,
        group_ids=tuple(group_ids),
        target=np.array(targets, dtype=float),
        band=np.array(bands, dtype=float),
        group_value=group_value,
        group_buy=np.array(group_buy, dtype=np.intp),
        buy_sec=np.array(buy_sec, dtype=np.intp),
        buy_group=np.array(buy_group, dtype=np.intp),
        buy_wash_blocked=np.array(blocked_wash, dtype=bool),
        buy_blocked_no_buy=tuple(blocked_no_buy),
    )
