"""Every hard rule of the rebalance contract, checked on a given decision.

Problem: the engine keeps rules 1–9 while it optimizes, as bounds, rows and integer
heuristics spread over several modules; nothing there can be asked "does *this* decision
keep every rule?". Yet that question is asked of decisions the engine did not make — a
reviewer's edit of a proposal — and of every decision it did make, in the tests, on every
path (LP, block decision, heuristics, MILP search, fallbacks), since a rule enforced by
one path only is exactly what breaks on another. One checker answers it for both.

Rule: `check_decision(case, trades)` reads the case as parsed (`Case`: its securities,
lots, groups, recent trades and resolved parameters) and never the engine's arrays or
model, so a mistake in how the problem is built is not repeated here. It returns the
trades with value, realized gain and term recomputed at the case's prices, the post-trade
cash, realized gain, estimated tax and turnover, and one `Breach` per broken rule, each
naming the rule as docs/engine.md numbers them and what to change:

1. buy only a group's `buy` member, never a `no_buy` (nor a `must_sell`) security;
2. sell no `no_sell` lot; sell every lot of a `must_sell` security entirely;
3. no shorts: sell at most what a lot holds, buy and sell positive quantities;
4. post-trade cash (after trading cost and the withdrawal) in [min_cash·V, max_cash·V];
5. wash sales, with the 30-day window `[as_of − 30 days, as_of]`
   (`domain.wash_sales.WASH_SALE_WINDOW`):
   (a) buy nothing of a wash group sold at a possible loss in the window;
   (b) taxable: sell no loss lot of a wash group bought in the window (a lot acquired
       in it counts as a buy);
   (c) taxable: never a buy and a loss sale in one wash group in one decision
       (`must_sell` lots are exempt from 5(b) and 5(c));
6. each buy, and each security's sale, is at least `min_trade_value`, unless the sale
   is the whole position or the security is `must_sell`;
7. with `whole_shares`, whole shares only (a lot may still be sold whole);
8. turnover (sales + buys) / 2V at most `max_turnover`;
9. realized gain at most `gain_budget` (any tax status).
V = cash + market value − withdrawal. Tolerances: dollars within max(1 cent,
`tolerance`·V), shares within `tolerance`·max(1, quantity); the default is the engine's
own (1e-7).

Example: buying 3 VOO in a case where VOO is no group's `buy` member:

    >>> import datetime as dt
    >>> from trimtab.domain.calibration import resolve_parameters
    >>> from trimtab.engine.case import (AccountInput, Case, GroupInput, SecurityInput,
    ...     TaxRates)
    >>> params, _ = resolve_parameters({}, {"min_cash": 0, "max_cash": 1},
    ...     account_value=1000.0, tax_status="taxable")
    >>> case = Case(dt.date(2026, 11, 20), AccountInput("A", "taxable", 1000.0),
    ...     TaxRates(0.4, 0.2), (SecurityInput("VOO", 100.0), SecurityInput("VTI", 50.0)),
    ...     (GroupInput("US", ("VOO", "VTI"), "VTI", 1.0, 0.05),), (), (), params)
    >>> checked = check_decision(case, [DecidedTrade("VOO", "buy", 3)])
    >>> for breach in checked.breaches:
    ...     print(breach)
    trades[0]: rule 1: VOO is not a group's buy member; buy VTI (group US's) instead
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from trimtab.domain.holdings import is_long_term
from trimtab.domain.problems import Problem
from trimtab.domain.wash_sales import WASH_SALE_WINDOW
from trimtab.engine.case import Case, LotInput, SecurityInput
from trimtab.engine.result import Result

__all__ = [
    "DEFAULT_TOLERANCE",
    "Breach",
    "CheckedDecision",
    "CheckedLot",
    "CheckedTrade",
    "DecidedTrade",
    "LotPick",
    "check_decision",
    "check_result",
]

DEFAULT_TOLERANCE = 1e-7  # the engine's own: cash, budgets and caps within 1e-7·V
_CENT = 0.01


@dataclass(frozen=True, slots=True)
class LotPick:
    """Shares of one lot a sale takes."""

    lot: str
    quantity: float


@dataclass(frozen=True, slots=True)
class DecidedTrade:
    """One trade of a decision: a buy of a security, or a sale with the lots it takes."""

    security: str
    side: str  # "buy" or "sell"
    quantity: float
    lots: tuple[LotPick, ...] = ()


@dataclass(frozen=True, slots=True)
class Breach:
    """A broken rule: where (`trades[2]`, `lots.L7`, `cash`), what, and what to change."""

    rule: str  # "1" … "9", "5a"/"5b"/"5c"; "" for a malformed decision
    path: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        head = f"rule {self.rule}: {self.message}" if self.rule else self.message
        return f"{self.path}: {head}" + (f"; {self.fix}" if self.fix else "")

    def as_problem(self) -> Problem:
        head = f"rule {self.rule}: {self.message}" if self.rule else self.message
        return Problem(self.path, head + (f"; {self.fix}" if self.fix else ""))


@dataclass(frozen=True, slots=True)
class CheckedLot:
    lot: str
    quantity: float
    realized_gain: float  # dollars, unrounded
    term: str  # "short" or "long"


@dataclass(frozen=True, slots=True)
class CheckedTrade:
    security: str
    side: str
    quantity: float
    value: float  # dollars at the case's price, unrounded
    lots: tuple[CheckedLot, ...]


@dataclass(frozen=True)
class CheckedDecision:
    trades: tuple[CheckedTrade, ...]
    breaches: tuple[Breach, ...]
    post_trade_cash: float
    realized_gain: float
    estimated_tax: float
    turnover: float  # (sales + buys) / 2V

    @property
    def ok(self) -> bool:
        return not self.breaches


def check_decision(
    case: Case, trades: Sequence[DecidedTrade], *, tolerance: float = DEFAULT_TOLERANCE
) -> CheckedDecision:
    """The decision's figures and every hard rule it breaks (module docstring)."""
    return _Checker(case, tolerance).run(trades)


def check_result(
    case: Case, result: Result, *, tolerance: float = DEFAULT_TOLERANCE
) -> CheckedDecision:
    """`check_decision` on the trades of one of the engine's own answers."""
    trades = [
        DecidedTrade(
            t.security, t.side, t.quantity, tuple(LotPick(x.lot, x.quantity) for x in t.lots)
        )
        for t in result.trades
    ]
    return check_decision(case, trades, tolerance=tolerance)


class _Checker:
    def __init__(self, case: Case, tolerance: float) -> None:
        self.case = case
        self.p = case.parameters
        self.securities = {s.id: s for s in case.securities}
        self.lots = {lot.id: lot for lot in case.lots}
        self.held: defaultdict[str, float] = defaultdict(float)
        for lot in case.lots:
            self.held[lot.security] += lot.quantity
        market = sum(lot.quantity * self.securities[lot.security].price for lot in case.lots)
        self.value = case.account.cash + market - self.p.withdrawal
        self.rel = tolerance
        self.money = max(_CENT, tolerance * max(1.0, abs(self.value)))
        self.buy_member = {g.buy: g for g in case.groups if g.buy is not None}
        self.group_of = {m: g for g in case.groups for m in g.members}
        self.breaches: list[Breach] = []
        self.over_held: set[str] = set()  # securities sold beyond every share held

    def shares_tol(self, quantity: float) -> float:
        return self.rel * max(1.0, abs(quantity))

    def add(self, rule: str, path: str, message: str, fix: str = "") -> None:
        self.breaches.append(Breach(rule, path, message, fix))

    def wash_of(self, security: str, stated: str | None = None) -> str:
        if stated:
            return stated
        known = self.securities.get(security)
        return known.wash_key if known is not None else security

    def is_loss(self, lot: LotInput) -> bool:
        return self.securities[lot.security].price < lot.cost_basis

    def run(self, trades: Sequence[DecidedTrade]) -> CheckedDecision:
        sold: defaultdict[str, float] = defaultdict(float)  # by lot
        bought: defaultdict[str, float] = defaultdict(float)  # by security, shares
        out: list[CheckedTrade] = []
        for i, trade in enumerate(trades):
            checked = self.read_trade(f"trades[{i}]", trade, sold, bought)
            if checked is not None:
                out.append(checked)
        sale_value: defaultdict[str, float] = defaultdict(float)
        for lot_id, q in sold.items():
            lot = self.lots[lot_id]
            sale_value[lot.security] += q * self.securities[lot.security].price
        buy_value = {s: q * self.securities[s].price for s, q in bought.items()}

        self.rule_2_and_3(sold)
        cash = self.rule_4(sale_value, buy_value)
        self.rule_5(sold, buy_value)
        self.rule_6(sold, sale_value, buy_value)
        self.rule_7(trades)
        turnover = self.rule_8(sale_value, buy_value)
        gain = sum(x.realized_gain for t in out for x in t.lots)
        self.rule_9(gain)
        tax = 0.0
        if self.case.account.is_taxable:
            rates = {"short": self.case.tax.short_term_rate, "long": self.case.tax.long_term_rate}
            tax = sum(x.realized_gain * rates[x.term] for t in out for x in t.lots)
        return CheckedDecision(tuple(out), tuple(self.breaches), cash, gain, tax, turnover)

    def read_trade(
        self,
        path: str,
        trade: DecidedTrade,
        sold: defaultdict[str, float],
        bought: defaultdict[str, float],
    ) -> CheckedTrade | None:
        security = self.securities.get(trade.security)
        if security is None:
            self.add("", path, f"{trade.security} is not a security of this case")
            return None
        if trade.side not in ("buy", "sell"):
            self.add("", path, f"side must be buy or sell, got {trade.side!r}")
            return None
        if not trade.quantity > 0:
            self.add("3", path, f"quantity must be positive, got {trade.quantity:g}")
            return None
        price = security.price
        if trade.side == "buy":
            self.rule_1(path, security)
            bought[security.id] += trade.quantity
            return CheckedTrade(security.id, "buy", trade.quantity, trade.quantity * price, ())
        picked = sum(x.quantity for x in trade.lots)
        held = self.held[security.id]
        if trade.quantity > held + self.shares_tol(held):
            self.over_held.add(security.id)
            self.add(
                "3",
                path,
                f"sells {trade.quantity:g} shares of {security.id}; only {held:g} are held",
                f"sell at most {held:g}",
            )
        elif abs(picked - trade.quantity) > self.shares_tol(trade.quantity):
            self.add(
                "",
                path,
                f"its lots add up to {picked:g} shares, not the sale's {trade.quantity:g}",
                "pick lots for exactly the shares sold",
            )
        rows = []
        for x in trade.lots:
            lot = self.lots.get(x.lot)
            if lot is None or lot.security != security.id:
                self.add("", path, f"lot {x.lot} is not a lot of {security.id}")
                continue
            if x.quantity < 0:
                self.add("3", path, f"lot {lot.id}: negative quantity {x.quantity:g}")
                continue
            sold[lot.id] += x.quantity
            long = is_long_term(lot.holding_period_start or lot.acquired, self.case.as_of)
            gain = x.quantity * (price - lot.cost_basis)
            rows.append(CheckedLot(lot.id, x.quantity, gain, "long" if long else "short"))
        return CheckedTrade(
            security.id, "sell", trade.quantity, trade.quantity * price, tuple(rows)
        )

    def rule_1(self, path: str, security: SecurityInput) -> None:
        group = self.group_of.get(security.id)
        if security.id not in self.buy_member:
            instead = (
                f"buy {group.buy} (group {group.id}'s) instead"
                if group is not None and group.buy is not None
                else "remove the buy"
            )
            self.add("1", path, f"{security.id} is not a group's buy member", instead)
        elif security.no_buy:
            self.add("1", path, f"{security.id} is no-buy (restricted)", "remove the buy")
        elif security.must_sell:
            self.add("1", path, f"{security.id} must be sold, not bought", "remove the buy")

    def rule_2_and_3(self, sold: dict[str, float]) -> None:
        for lot_id, q in sold.items():
            lot = self.lots[lot_id]
            security = self.securities[lot.security]
            over_held = lot.security in self.over_held  # said once, for the sale
            if q > lot.quantity + self.shares_tol(lot.quantity) and not over_held:
                self.add(
                    "3",
                    f"lots.{lot_id}",
                    f"sells {q:g} shares of {lot.security}; only {lot.quantity:g} are held",
                    f"sell at most {lot.quantity:g}",
                )
            if q > self.shares_tol(lot.quantity) and (lot.no_sell or security.no_sell):
                self.add(
                    "2",
                    f"lots.{lot_id}",
                    f"{'lot ' + lot_id if lot.no_sell else lot.security} is no-sell",
                    "remove it from the sale",
                )
        for security in self.case.securities:
            if not security.must_sell:
                continue
            for lot in self.case.lots:
                if lot.security != security.id:
                    continue
                left = lot.quantity - sold.get(lot.id, 0.0)
                if left > self.shares_tol(lot.quantity):
                    self.add(
                        "2",
                        f"lots.{lot.id}",
                        f"{security.id} must be sold entirely; {left:g} shares are left",
                        f"sell all {lot.quantity:g} shares of lot {lot.id}",
                    )

    def rule_4(self, sale_value: dict[str, float], buy_value: dict[str, float]) -> float:
        cost = sum(
            self.securities[s].cost_rate * v for s, v in (*sale_value.items(), *buy_value.items())
        )
        cash = (
            self.case.account.cash
            + sum(sale_value.values())
            - sum(buy_value.values())
            - cost
            - self.p.withdrawal
        )
        lo, hi = self.p.min_cash * self.value, self.p.max_cash * self.value
        if cash < lo - self.money:
            self.add(
                "4",
                "cash",
                f"post-trade cash ${cash:,.2f} is below the minimum ${lo:,.2f}",
                f"raise ${lo - cash:,.2f}: sell more or buy less",
            )
        elif cash > hi + self.money:
            self.add(
                "4",
                "cash",
                f"post-trade cash ${cash:,.2f} is above the maximum ${hi:,.2f}",
                f"invest ${cash - hi:,.2f}: buy more or sell less",
            )
        return cash

    def rule_5(self, sold: dict[str, float], buy_value: dict[str, float]) -> None:
        case = self.case
        since = case.as_of - WASH_SALE_WINDOW
        window = [t for t in case.recent_trades if since <= t.date <= case.as_of]
        loss_sold = {
            self.wash_of(t.security, t.wash_group)
            for t in window
            if t.side == "sell" and (t.realized_gain is None or t.realized_gain < 0)
        }
        bought_before = {self.wash_of(t.security, t.wash_group) for t in window if t.side == "buy"}
        bought_before |= {
            self.wash_of(lot.security) for lot in case.lots if since <= lot.acquired <= case.as_of
        }
        for security in buy_value:
            if self.wash_of(security) in loss_sold:
                self.add(
                    "5a",
                    f"buy {security}",
                    f"its wash group {self.wash_of(security)} was sold at a loss in the "
                    "last 30 days",
                    "remove the buy",
                )
        if not case.account.is_taxable:
            return
        loss_sales: defaultdict[str, list[str]] = defaultdict(list)
        for lot_id, q in sold.items():
            lot = self.lots[lot_id]
            exempt = self.securities[lot.security].must_sell
            if q > self.shares_tol(lot.quantity) and self.is_loss(lot) and not exempt:
                loss_sales[self.wash_of(lot.security)].append(lot_id)
        for group, lot_ids in sorted(loss_sales.items()):
            if group in bought_before:
                self.add(
                    "5b",
                    f"wash group {group}",
                    f"loss lots {', '.join(lot_ids)} are sold after a buy in the last 30 days",
                    "remove the loss sale",
                )
        for security in buy_value:
            lot_ids = loss_sales.get(self.wash_of(security), [])
            if lot_ids:
                self.add(
                    "5c",
                    f"buy {security}",
                    f"bought while loss lots {', '.join(lot_ids)} of its wash group "
                    f"{self.wash_of(security)} are sold",
                    "remove the buy or the loss sale",
                )

    def rule_6(
        self, sold: dict[str, float], sale_value: dict[str, float], buy_value: dict[str, float]
    ) -> None:
        m = self.p.min_trade_value
        if m <= 0:
            return
        for security, v in buy_value.items():
            if self.money < v < m - self.money:
                self.add(
                    "6",
                    f"buy {security}",
                    f"${v:,.2f} is under the minimum trade ${m:,.2f}",
                    f"buy at least ${m:,.2f} or nothing",
                )
        for security, v in sale_value.items():
            sec = self.securities[security]
            shares = sum(q for lot_id, q in sold.items() if self.lots[lot_id].security == security)
            whole = abs(shares - self.held[security]) <= self.shares_tol(self.held[security])
            if self.money < v < m - self.money and not whole and not sec.must_sell:
                self.add(
                    "6",
                    f"sell {security}",
                    f"${v:,.2f} is under the minimum trade ${m:,.2f}",
                    f"sell at least ${m:,.2f}, the whole position, or nothing",
                )

    def rule_7(self, trades: Sequence[DecidedTrade]) -> None:
        if not self.p.whole_shares:
            return
        for i, trade in enumerate(trades):
            parts: list[tuple[float, float | None]] = [(trade.quantity, None)]
            if trade.side == "sell":
                lots = [x for x in trade.lots if x.lot in self.lots]
                parts = [(x.quantity, self.lots[x.lot].quantity) for x in lots]
            for q, whole_lot in parts:
                tol = self.shares_tol(q)
                if abs(q - round(q)) > tol and (whole_lot is None or abs(q - whole_lot) > tol):
                    self.add(
                        "7",
                        f"trades[{i}]",
                        f"{q:g} shares of {trade.security} is not a whole number",
                        f"round to {round(q)} (a lot may be sold whole)",
                    )
                    break

    def rule_8(self, sale_value: dict[str, float], buy_value: dict[str, float]) -> float:
        traded = sum(sale_value.values()) + sum(buy_value.values())
        turnover = traded / (2 * self.value) if self.value > 0 else 0.0
        cap = self.p.max_turnover
        if cap is not None and traded > 2 * self.value * cap + self.money:
            self.add(
                "8",
                "turnover",
                f"{turnover:.4%} is over the cap {cap:.4%}",
                f"trade ${traded - 2 * self.value * cap:,.2f} less",
            )
        return turnover

    def rule_9(self, gain: float) -> None:
        budget = self.p.gain_budget
        if budget is not None and gain > budget + self.money:
            self.add(
                "9",
                "gains",
                f"realized gain ${gain:,.2f} is over the budget ${budget:,.2f}",
                f"realize ${gain - budget:,.2f} less: sell fewer gain lots or more loss lots",
            )
