"""A rebalance case read the plain way, straight from the contract's JSON.

The contract (shared/spec/rebalance-case.md) is written for outside reviewers; this module
is what such a reviewer would write: no engine code, only the spec's words turned into a
few frozen values and the derived facts every rule needs (V, each lot's term and rate,
which wash groups are blocked by the 30-day window).

Readings of the spec that a second implementation could take differently are stated here
once, so a disagreement with the engine points at a sentence:

- the wash-sale window is the 30 days before `as_of` *and* `as_of` itself: a trade dated
  `as_of - 30 days` is inside, one dated `as_of - 31 days` is outside;
- a lot acquired inside the window counts as a buy of its wash group, also for the rule
  (5b) that would block selling that same lot at a loss (the spec says "lots acquired in
  the 30 days before as_of (both count as buys)" without an exception);
- `no_sell` may be set on a security (all its lots) or on a single lot;
- `gain_budget` (rule 9) applies whatever the account's tax status;
- a `must_sell` security is never bought (rule 1 names only no_buy, but a must-sell
  position bought back in the same rebalance is not "sold entirely", and the next
  rebalance would sell it again: the account would never settle);
- a `must_sell` security with a `no_sell` lot cannot meet rule 2: infeasible.

Example: a lot of 10 shares bought at 120 on 2026-11-10, price 100, as_of 2026-11-20:
its term is short, it is a loss lot, and its wash group counts as bought in the window,
so in a taxable account rule 5b forbids selling it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from trimtab.domain.wash_sales import WASH_SALE_WINDOW

PARAMETER_NAMES = (
    "drift_weight",
    "harvest_value",
    "min_cash",
    "max_cash",
    "min_trade_value",
    "whole_shares",
    "max_turnover",
    "gain_budget",
    "withdrawal",
)

# parameters the engine adds to the spec's table; the reference solves the spec's problem,
# which is theirs at 0
NEUTRAL_WHEN_ZERO = (
    "harvest_min_loss",
    "harvest_min_loss_pct",
    "harvest_requires_swap",
    "tracking_error_weight",
)


@dataclass(frozen=True, slots=True)
class Security:
    id: str
    price: float
    cost_rate: float
    wash_group: str
    no_buy: bool
    no_sell: bool
    must_sell: bool


@dataclass(frozen=True, slots=True)
class Lot:
    id: str
    security: str
    quantity: float
    basis: float  # per share, as in the contract
    acquired: dt.date
    no_sell: bool
    term: str  # "short" or "long" on as_of
    rate: float  # τ_l: the term's rate, 0 outside a taxable account


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    members: tuple[str, ...]
    buy: str | None
    target: float
    band: float


@dataclass(frozen=True, slots=True)
class Parameters:
    drift_weight: float
    harvest_value: float
    min_cash: float
    max_cash: float
    min_trade_value: float
    whole_shares: bool
    max_turnover: float | None
    gain_budget: float | None
    withdrawal: float


@dataclass(frozen=True, slots=True)
class Case:
    as_of: dt.date
    taxable: bool
    cash: float
    securities: dict[str, Security]
    lots: tuple[Lot, ...]
    groups: tuple[Group, ...]  # the case's groups, then one per held security in none
    parameters: Parameters
    loss_sold_wash_groups: frozenset[str]  # rule 5a: sold at a loss in the window
    bought_wash_groups: frozenset[str]  # rule 5b: bought in the window
    buy_members: frozenset[str]  # each group's `buy`
    # the case's JSON with the parameters used, for the engine's decision checker
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def market_value(self) -> float:
        return sum(lot.quantity * self.price(lot.security) for lot in self.lots)

    @property
    def total_value(self) -> float:
        """V = cash + market value of all lots − withdrawal (pre-trade prices)."""
        return self.cash + self.market_value - self.parameters.withdrawal

    def price(self, security: str) -> float:
        return self.securities[security].price

    def gain_per_share(self, lot: Lot) -> float:
        return self.price(lot.security) - lot.basis

    def is_loss(self, lot: Lot) -> bool:
        return self.gain_per_share(lot) < 0

    def buy_member_of_a_group(self, security: str) -> bool:
        return security in self.buy_members

    def may_buy(self, security: str) -> bool:
        """Rules 1 and 5a: a group's buy member, not no_buy (nor must_sell), wash group
        not loss-sold."""
        sec = self.securities[security]
        return (
            self.buy_member_of_a_group(security)
            and not sec.no_buy
            and not sec.must_sell
            and sec.wash_group not in self.loss_sold_wash_groups
        )

    def may_sell(self, lot: Lot) -> bool:
        """Rules 2 and 5b (must_sell overrides 5b; no_sell wins, making a conflict)."""
        sec = self.securities[lot.security]
        if lot.no_sell or sec.no_sell:
            return False
        if sec.must_sell:
            return True
        return not (
            self.taxable and self.is_loss(lot) and sec.wash_group in self.bought_wash_groups
        )

    def same_rebalance_conflicts(self) -> dict[str, tuple[list[str], list[str]]]:
        """Rule 5c: wash group -> (buyable members, loss lots that may be sold).

        Only groups where both lists are non-empty force a choice; must_sell lots are
        exempt (they are sold whatever is bought).
        """
        if not self.taxable:
            return {}
        buyers: dict[str, list[str]] = {}
        for s in self.securities.values():
            if self.may_buy(s.id):
                buyers.setdefault(s.wash_group, []).append(s.id)
        losers: dict[str, list[str]] = {}
        for lot in self.lots:
            sec = self.securities[lot.security]
            if not sec.must_sell and self.is_loss(lot) and self.may_sell(lot):
                losers.setdefault(sec.wash_group, []).append(lot.id)
        return {g: (buyers[g], losers[g]) for g in buyers.keys() & losers.keys()}

    @property
    def has_integer_rules(self) -> bool:
        p = self.parameters
        return p.min_trade_value > 0 or p.whole_shares or bool(self.same_rebalance_conflicts())


def is_long_term(acquired: dt.date, sold_on: dt.date) -> bool:
    """Held more than one year: bought 2024-03-15, long-term from 2025-03-16 (the
    anniversary of 29 February in a common year is 28 February)."""
    try:
        anniversary = acquired.replace(year=acquired.year + 1)
    except ValueError:
        anniversary = dt.date(acquired.year + 1, 2, 28)
    return sold_on > anniversary


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def read_parameters(raw: dict[str, Any]) -> Parameters:
    """Every parameter must be explicit: the reference has no calibration of its own.

    Parameters beyond the spec's table are accepted only at values that leave the spec's
    problem unchanged (no harvest threshold, no tracking-error term).
    """
    missing = [name for name in PARAMETER_NAMES if name not in raw]
    if missing:
        raise KeyError(f"reference needs explicit parameters, missing: {missing}")
    for name in NEUTRAL_WHEN_ZERO:
        if raw.get(name):
            raise ValueError(f"reference models {name} only at 0, got {raw[name]}")
    return Parameters(
        drift_weight=float(raw["drift_weight"]),
        harvest_value=float(raw["harvest_value"]),
        min_cash=float(raw["min_cash"]),
        max_cash=float(raw["max_cash"]),
        min_trade_value=float(raw["min_trade_value"] or 0.0),
        whole_shares=bool(raw["whole_shares"]),
        max_turnover=None if raw["max_turnover"] is None else float(raw["max_turnover"]),
        gain_budget=None if raw["gain_budget"] is None else float(raw["gain_budget"]),
        withdrawal=float(raw["withdrawal"] or 0.0),
    )


def _lot_rate(tax: dict[str, Any], term: str, *, gain: bool) -> float:
    """τ_l: the term's rate; with a `tax.picture`, the slope of the year's tax in the
    lot's term, one cent up for a gain and one cent down for a loss (the contract's
    "marginal rate of the next dollar"), from `_year_tax` below — a second reading of
    Schedule D, not the engine's netting."""
    picture = tax.get("picture")
    if picture is None:
        return float(tax[f"{term}_term_rate"])
    short = (
        float(picture.get("realized_short_ytd") or 0.0)
        + float(picture.get("outside_short") or 0.0)
        - float(picture.get("carryforward_short") or 0.0)
    )
    long = (
        float(picture.get("realized_long_ytd") or 0.0)
        + float(picture.get("outside_long") or 0.0)
        - float(picture.get("carryforward_long") or 0.0)
    )
    cent = 0.01 if gain else -0.01
    if term == "short":
        moved = _year_tax(tax, short + cent, long)
    else:
        moved = _year_tax(tax, short, long + cent)
    return (moved - _year_tax(tax, short, long)) / cent


def _year_tax(tax: dict[str, Any], short: float, long: float) -> float:
    """The year's tax on net short- and long-term results (signed, carryforward in):
    both gains taxed at their rates; one side's loss offsets the other side's gain; a net
    loss offsets up to `ordinary_offset` of income at `ordinary_rate`, and the rest is
    worth the long-term rate a year later, discounted."""
    picture = tax["picture"]
    st, lt = float(tax["short_term_rate"]), float(tax["long_term_rate"])
    ordinary = st if picture.get("ordinary_rate") is None else float(picture["ordinary_rate"])
    discount = picture.get("carryforward_discount")
    carried = lt / (1 + (0.05 if discount is None else float(discount)))
    offset = picture.get("ordinary_offset")
    limit = 3000.0 if offset is None else float(offset)
    if short >= 0 and long >= 0:
        return st * short + lt * long
    total = short + long
    if total <= 0:
        used = min(-total, limit)
        return -ordinary * used - carried * (-total - used)
    return lt * total if short < 0 else st * total


def read_case(data: dict[str, Any], parameters: dict[str, Any] | None = None) -> Case:
    """The case dict as plain values; `parameters` (e.g. the engine's resolved ones)
    take the place of the case's own."""
    as_of = _date(data["as_of"])
    account = data["account"]
    taxable = account["tax_status"] == "taxable"
    tax = data.get("tax") or {}
    securities = {
        s["id"]: Security(
            id=s["id"],
            price=float(s["price"]),
            cost_rate=float(s.get("cost_rate", 0.0) or 0.0),
            wash_group=s.get("wash_group") or s["id"],
            no_buy=bool(s.get("no_buy", False)),
            no_sell=bool(s.get("no_sell", False)),
            must_sell=bool(s.get("must_sell", False)),
        )
        for s in data["securities"]
    }

    def wash_group_of(security: str, stated: str | None = None) -> str:
        """A listed security's wash group; for an unlisted one the trade's, or its id."""
        if security in securities:
            return securities[security].wash_group
        return stated or security

    def in_window(day: dt.date) -> bool:
        return dt.timedelta(0) <= as_of - day <= WASH_SALE_WINDOW

    lots = []
    for raw in data.get("lots", []):
        acquired = _date(raw["acquired"])
        period_start = _date(raw.get("holding_period_start") or raw["acquired"])
        term = "long" if is_long_term(period_start, as_of) else "short"
        rate = 0.0
        if taxable:
            price = securities[raw["security"]].price
            rate = _lot_rate(tax, term, gain=price > float(raw["cost_basis"]))
        lots.append(
            Lot(
                id=raw["id"],
                security=raw["security"],
                quantity=float(raw["quantity"]),
                basis=float(raw["cost_basis"]),
                acquired=acquired,
                no_sell=bool(raw.get("no_sell", False)),
                term=term,
                rate=rate,
            )
        )

    groups = [
        Group(
            id=g["id"],
            members=tuple(g["members"]),
            buy=g.get("buy"),
            target=float(g["target"]),
            band=float(g["band"]),  # explicit: the reference has no default band
        )
        for g in data.get("groups", [])
    ]
    grouped = {m for g in groups for m in g.members}
    for security in dict.fromkeys(lot.security for lot in lots):
        if security not in grouped:
            groups.append(Group(security, (security,), None, 0.0, 0.0))

    loss_sold: set[str] = set()
    bought: set[str] = set()
    for trade in data.get("recent_trades", []):
        if not in_window(_date(trade["date"])):
            continue
        if trade["side"] == "buy":
            bought.add(wash_group_of(trade["security"], trade.get("wash_group")))
        elif trade.get("realized_gain") is None or float(trade["realized_gain"]) < 0:
            # a sale whose gain is not given may have been at a loss: the safe reading
            loss_sold.add(wash_group_of(trade["security"], trade.get("wash_group")))
    bought.update(wash_group_of(lot.security) for lot in lots if in_window(lot.acquired))

    return Case(
        as_of=as_of,
        taxable=taxable,
        cash=float(account.get("cash", 0.0)),
        securities=securities,
        lots=tuple(lots),
        groups=tuple(groups),
        parameters=read_parameters(parameters if parameters is not None else data["parameters"]),
        loss_sold_wash_groups=frozenset(loss_sold),
        bought_wash_groups=frozenset(bought),
        buy_members=frozenset(g.buy for g in groups if g.buy is not None),
        source={
            **data,
            "parameters": dict(parameters if parameters is not None else data["parameters"]),
        },
    )
