"""The day loop: one settings profile (or the buy-and-hold benchmark) through history.

Problem: "what would these settings have done?" is answered only by running the real
engine and the real ledger day by day, with the account's own lots, wash-sale history,
cash flows and taxes, exactly as the nightly run would have seen them.

Rule, each trading day of the window:
1. Cash earns the day's cash return; a contribution due today is deposited.
2. The first trading day on or after April 15 pays last year's tax (taxes.py, from the
   ledger's realized gains, carryforward included); a refund (negative tax, the $3,000
   ordinary-income offset) is deposited.
3. Day one of a run started from cash buys the target in whole shares (an account's
   funding trade, the same for every profile and the benchmark).
4. On a scan day (the profile's schedule, plus every day with a withdrawal or tax to
   raise or a contribution to invest) the engine gets the account's case: every stock
   at today's price, the swap sets as groups with today's targets and a band of
   `band_share` × target, the buy member of each set (universe.choose_buy_members), the
   ledger's open lots, the trades of the last 30 days, the profile's settings and the
   cash to raise as `withdrawal`. Its trades go through the ledger.
5. The benchmark instead never trades: it invests contributions at the target weights
   and raises withdrawals and taxes by selling every position in proportion
   (highest-basis lots first).
Every day's value, flows, taxes paid, trades and active share are recorded (RunRecord);
metrics.py turns them into returns and tax alpha.

Example: `run_profile(market, universe, DEFAULT_PROFILES["tax-aware"], StudyConfig())`.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from trimtab.domain.calibration import resolve_parameters
from trimtab.domain.holdings import TaxLot
from trimtab.domain.ledger import RealizedGain
from trimtab.engine import Case, rebalance
from trimtab.engine.case import (
    AccountInput,
    GroupInput,
    LotInput,
    RecentTrade,
    SecurityInput,
)
from trimtab.simulate.account import ACCOUNT_ID, SimulatedAccount, TradeRecord
from trimtab.simulate.market import Floats, MarketHistory
from trimtab.simulate.profiles import CashFlow, Profile, Schedule, scan_days
from trimtab.simulate.substitutes import pair_groups
from trimtab.simulate.taxes import ScanDayTax, TaxModel, net_gains_by_year, taxes_by_year
from trimtab.simulate.universe import Swaps, Universe, choose_buy_members, target_weights

__all__ = [
    "BENCHMARK",
    "EngineStats",
    "InitialLot",
    "RunRecord",
    "StudyConfig",
    "run_buy_and_hold",
    "run_profile",
]

BENCHMARK = "buy-and-hold"
DayHook = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class InitialLot:
    security: str
    quantity: float
    cost_basis: float  # per share
    acquired: dt.date


@dataclass(frozen=True)
class StudyConfig:
    initial_cash: float = 1_000_000.0
    initial_lots: tuple[InitialLot, ...] = ()
    contributions: tuple[CashFlow, ...] = ()
    withdrawals: tuple[CashFlow, ...] = ()
    tax: TaxModel = field(default_factory=TaxModel)
    cost_rate: float = 0.0005  # one way, fraction of trade value
    band_share: float = 0.25  # each set's band as a fraction of its target
    schedule: Schedule = Schedule.DAILY
    tax_due: tuple[int, int] = (4, 15)  # month, day: last year's tax is paid then


@dataclass(frozen=True, slots=True)
class EngineStats:
    scans: int = 0
    zero_trade_proofs: int = 0
    solves: int = 0
    trade_days: int = 0
    engine_seconds: float = 0.0
    not_optimal: tuple[tuple[dt.date, str], ...] = ()


@dataclass(frozen=True, eq=False)
class RunRecord:
    """Everything one run leaves behind; arrays are per day of `dates`."""

    name: str
    description: str
    dates: tuple[dt.date, ...]
    value: Floats  # account value at the close, after the day's trades and flows
    flow: Floats  # external money in (+) or out (−) that day: contributions, withdrawals
    tax_paid: Floats  # tax paid out of the account that day (refunds negative)
    traded: Floats  # Σ |trade value|
    trading_cost: Floats
    active_share: Floats  # ½ Σ |w − t| over stocks and cash, at the close
    realized: tuple[RealizedGain, ...]
    lots: tuple[TaxLot, ...]
    final_prices: Mapping[str, float]
    trades: tuple[TradeRecord, ...]
    engine: EngineStats | None
    seconds: float


class _Run:
    """The state shared by a profile's loop and the benchmark's."""

    def __init__(self, market: MarketHistory, universe: Universe, config: StudyConfig) -> None:
        self.market = market
        self.universe = universe
        self.config = config
        self.account = SimulatedAccount(
            universe.tickers, {t: universe.wash_group(i) for i, t in enumerate(universe.tickers)}
        )
        n = len(market.dates)
        self.value = np.zeros(n)
        self.flow = np.zeros(n)
        self.tax_paid = np.zeros(n)
        self.active = np.zeros(n)
        self._paid_years: set[int] = set()
        for lot in sorted(config.initial_lots, key=lambda x: x.acquired):
            self.account.transfer_in(
                lot.acquired, universe.tickers.index(lot.security), lot.quantity, lot.cost_basis
            )
        self.account.deposit(config.initial_cash)

    def targets(self, d: int) -> Floats:
        return target_weights(
            self.market.prices[d], self.universe.weighting, self.universe.cash_weight
        )

    def start_of_day(self, d: int) -> tuple[float, float]:
        """Interest, contributions, tax refunds; returns (cash to raise, contributions)."""
        day = self.market.dates[d]
        if d > 0:
            self.account.earn_interest(float(self.market.cash_returns[d]))
        contributed = withdrawn = 0.0
        if d > 0:
            before = self.market.dates[d - 1]
            contributed = sum(c.amount for c in self.config.contributions if c.due(before, day))
            withdrawn = sum(w.amount for w in self.config.withdrawals if w.due(before, day))
        self.account.deposit(contributed)
        self.flow[d] = contributed - withdrawn
        tax = self._tax_due(d)
        self.tax_paid[d] = tax
        if tax < 0:
            self.account.deposit(-tax)
        return withdrawn + max(tax, 0.0), contributed

    def _tax_due(self, d: int) -> float:
        day = self.market.dates[d]
        year = day.year - 1
        due = dt.date(day.year, *self.config.tax_due)
        if day < due or year in self._paid_years or year < self.market.dates[0].year:
            return 0.0
        self._paid_years.add(year)
        nets = net_gains_by_year(self.account.realized())
        first = min([self.market.dates[0].year, *nets])
        return taxes_by_year(self.config.tax, nets, range(first, year + 1))[year][0]

    def fund(self, d: int) -> None:
        """Day one from cash: buy every stock's target in whole shares."""
        prices = self.market.prices[d]
        budget = self.account.value(prices)
        dollars = self.targets(d) * budget
        wanted = np.round(dollars / prices)
        # Rounding to the nearest share keeps the cash near its target; when the rounding
        # overspends, the shares furthest above their target give one back each.
        stock_budget = (1.0 - self.universe.cash_weight) * budget
        over = float(wanted @ prices) * (1 + self.config.cost_rate) - stock_budget
        if over > 0:
            for i in np.argsort(dollars - wanted * prices).tolist():
                if over <= 0:
                    break
                if wanted[i] > 0:
                    wanted[i] -= 1
                    over -= float(prices[i]) * (1 + self.config.cost_rate)
        for i in np.flatnonzero(wanted > 0).tolist():
            self.account.buy(
                self.market.dates[d],
                i,
                float(wanted[i]),
                float(prices[i]),
                cost_rate=self.config.cost_rate,
            )

    def raise_pro_rata(self, d: int, amount: float) -> None:
        """Sell every position in proportion to raise `amount` (beyond spare cash)."""
        prices = self.market.prices[d]
        spare = self.account.cash - self.universe.cash_weight * self.account.value(prices)
        need = amount - max(0.0, spare)
        stocks = float(self.account.shares @ prices)
        if need > 0 and stocks > 0:
            fraction = min(1.0, need / stocks)
            for i in np.flatnonzero(self.account.shares > 0).tolist():
                self.account.sell_highest_basis(
                    self.market.dates[d],
                    i,
                    float(self.account.shares[i]) * fraction,
                    float(prices[i]),
                    cost_rate=self.config.cost_rate,
                )
        self.account.deposit(-amount)

    def end_of_day(self, d: int) -> None:
        prices = self.market.prices[d]
        v = self.account.value(prices)
        self.value[d] = v
        if v > 0:
            w = self.account.shares * prices / v
            t = self.targets(d)
            cash_gap = abs(self.account.cash / v - self.universe.cash_weight)
            self.active[d] = 0.5 * (float(np.abs(w - t).sum()) + cash_gap)

    def record(
        self, name: str, description: str, engine: EngineStats | None, started: float
    ) -> RunRecord:
        traded = np.zeros(len(self.market.dates))
        cost = np.zeros(len(self.market.dates))
        index = {day: i for i, day in enumerate(self.market.dates)}
        for trade in self.account.trades:
            if trade.date in index:
                traded[index[trade.date]] += trade.value
                cost[index[trade.date]] += trade.cost
        last = self.market.prices[-1] if len(self.market.dates) else np.zeros(0)
        return RunRecord(
            name=name,
            description=description,
            dates=self.market.dates,
            value=self.value,
            flow=self.flow,
            tax_paid=self.tax_paid,
            traded=traded,
            trading_cost=cost,
            active_share=self.active,
            realized=self.account.realized(),
            lots=self.account.lots(),
            # A plain dict: a run made in another process (`--workers N`) is pickled back.
            final_prices={t: float(p) for t, p in zip(self.universe.tickers, last, strict=True)},
            trades=tuple(self.account.trades),
            engine=engine,
            seconds=time.perf_counter() - started,
        )


def run_buy_and_hold(
    market: MarketHistory, universe: Universe, config: StudyConfig, *, on_day: DayHook | None = None
) -> RunRecord:
    started = time.perf_counter()
    run = _Run(market, universe, config)
    for d, day in enumerate(market.dates):
        to_raise, contributed = run.start_of_day(d)
        if d == 0 and not config.initial_lots:
            run.fund(d)
        if contributed > 0:
            prices = market.prices[d]
            wanted = run.targets(d) * contributed / prices
            for i in np.flatnonzero(wanted * prices >= 1.0).tolist():
                run.account.buy(
                    day, i, float(wanted[i]), float(prices[i]), cost_rate=config.cost_rate
                )
        if to_raise > 0:
            run.raise_pro_rata(d, to_raise)
        run.end_of_day(d)
        if on_day is not None:
            on_day(d)
    description = "buys the target on day one and never trades; flows and taxes pro rata"
    return run.record(BENCHMARK, description, None, started)


def run_profile(
    market: MarketHistory,
    universe: Universe,
    profile: Profile,
    config: StudyConfig,
    *,
    on_day: DayHook | None = None,
) -> RunRecord:
    started = time.perf_counter()
    run = _Run(market, universe, config)
    scheduled = scan_days(market.dates, profile.schedule or config.schedule)
    engine = _EngineDays(run, profile)
    for d in range(len(market.dates)):
        to_raise, contributed = run.start_of_day(d)
        if d == 0 and not config.initial_lots:
            run.fund(d)
        elif scheduled[d] or to_raise > 0 or contributed > 0:
            engine.scan(d, to_raise)
        run.end_of_day(d)
        if on_day is not None:
            on_day(d)
    return run.record(profile.name, profile.describe(), engine.stats(), started)


class _EngineDays:
    """Builds each scan day's case from the account, runs the engine, settles the trades."""

    def __init__(self, run: _Run, profile: Profile) -> None:
        self.run = run
        self.profile = profile
        self.tickers = run.universe.tickers
        self.index = {t: i for i, t in enumerate(self.tickers)}
        self.sets = run.universe.sets
        self._lot_inputs: tuple[tuple[TaxLot, ...], tuple[LotInput, ...]] | None = None
        self.scans = self.proofs = self.solves = self.trade_days = 0
        self.seconds = 0.0
        self.not_optimal: list[tuple[dt.date, str]] = []
        self.tax = ScanDayTax(run.config.tax)  # the investor's tax year, each scan day
        self.partner: dict[int, int] = {}  # stock sold at a loss → the substitute it bought
        self.today_partner: dict[int, int] = {}

    def stats(self) -> EngineStats:
        return EngineStats(
            self.scans,
            self.proofs,
            self.solves,
            self.trade_days,
            self.seconds,
            tuple(self.not_optimal),
        )

    def lot_inputs(self) -> tuple[LotInput, ...]:
        lots = self.run.account.lots()
        if self._lot_inputs is None or self._lot_inputs[0] is not lots:
            inputs = tuple(
                LotInput(
                    lot.id,
                    lot.security,
                    float(lot.quantity),
                    float(lot.cost_basis / lot.quantity),
                    lot.acquired,
                    holding_period_start=lot.holding_period_start,
                )
                for lot in lots
            )
            self._lot_inputs = (lots, inputs)
        return self._lot_inputs[1]

    def case(self, d: int, withdrawal: float) -> Case:
        run, account = self.run, self.run.account
        day = run.market.dates[d]
        prices = run.market.prices[d]
        value = account.value(prices)
        explicit: dict[str, object] = {"withdrawal": withdrawal} if withdrawal > 0 else {}
        params, problems = resolve_parameters(
            self.profile.settings, explicit, account_value=value, tax_status="taxable"
        )
        if problems:
            raise ValueError(f"profile {self.profile.name}: {problems[0]}")
        recent = account.recent_trades(day)
        # A loss sale blocks buys of its whole wash group (FOX's blocks FOXA: rule 5a).
        wash_group = run.universe.wash_group
        sold = {wash_group(self.index[t.security]) for t in recent if t.is_loss_sale}
        blocked = np.array([wash_group(i) in sold for i in range(len(self.tickers))], dtype=bool)
        lots = self.lot_inputs()
        harvestable = np.zeros(len(self.tickers), dtype=bool)
        for lot in lots:
            i = self.index[lot.security]
            loss = (lot.cost_basis - prices[i]) * lot.quantity
            if (
                loss > 0
                and loss >= params.harvest_min_loss
                and loss >= (params.harvest_min_loss_pct * lot.cost_basis * lot.quantity)
            ):
                harvestable[i] = True
        target = run.targets(d)
        if run.universe.swaps is Swaps.PAIRS:
            groups = self.pair_groups(target, recent, blocked, harvestable)
        else:
            groups = self.set_groups(target, account.shares * prices, blocked, harvestable)
        cost = run.config.cost_rate
        universe = run.universe
        return Case(
            as_of=day,
            account=AccountInput(ACCOUNT_ID, "taxable", account.cash),
            tax=self.tax.case_tax(account.realized(), day),
            securities=tuple(
                SecurityInput(t, float(p), cost, universe.wash_group(i))
                for i, (t, p) in enumerate(zip(self.tickers, prices, strict=True))
            ),
            groups=groups,
            lots=lots,
            # A sale's loss lots are what the wash-sale rules read: a mixed sale with a net
            # gain still blocks buying the stock back for 30 days.
            recent_trades=tuple(
                RecentTrade(
                    t.security,
                    t.side,
                    t.date,
                    t.quantity,
                    t.realized_loss if t.is_loss_sale else t.realized_gain,
                )
                for t in recent
            ),
            parameters=params,
            settings=MappingProxyType(dict(self.profile.settings)),
            explicit_parameters=MappingProxyType(explicit),
            # No factor model: the tracking-error term's QP over hundreds of stocks takes
            # minutes a scan day. The risk model picks each harvest's replacement instead
            # (substitutes.py), and reports/simulation.py states the setting is unpriced.
        )

    def set_groups(
        self,
        target: Floats,
        held_value: Floats,
        blocked: npt.NDArray[np.bool_],
        harvestable: npt.NDArray[np.bool_],
    ) -> tuple[GroupInput, ...]:
        """Fixed swap sets (universe.py): each set one group, today's buy member chosen."""
        value = float(held_value.sum()) + self.run.account.cash
        buys = choose_buy_members(
            self.sets, held_value, target * value, buy_blocked=blocked, harvestable=harvestable
        )
        return tuple(
            self.group(s.id, s.members, b, target) for s, b in zip(self.sets, buys, strict=True)
        )

    def pair_groups(
        self,
        target: Floats,
        recent: Sequence[TradeRecord],
        blocked: npt.NDArray[np.bool_],
        harvestable: npt.NDArray[np.bool_],
    ) -> tuple[GroupInput, ...]:
        """Every stock its own group, paired with a risk-model substitute when it needs one."""
        # A stock bought in the last 30 days cannot be sold at a loss (rule 5b), so its
        # loss is not harvestable today and it needs no partner for it.
        bought = np.zeros(len(self.tickers), dtype=bool)
        for trade in recent:
            if trade.side == "buy":
                bought[self.index[trade.security]] = True
        self.partner = {i: j for i, j in self.partner.items() if blocked[i]}
        universe = self.run.universe
        pairs = pair_groups(
            substitutes=universe.substitutes,
            wash_groups=[universe.wash_group(i) for i in range(len(self.tickers))],
            needs=blocked | (harvestable & ~bought),
            buy_blocked=blocked,
            kept=self.partner,
        )
        self.today_partner = {m: g.buy for g in pairs if g.buy is not None for m in g.members}
        return tuple(
            self.group(
                self.tickers[g.buy if g.buy is not None else g.members[0]], g.members, g.buy, target
            )
            for g in pairs
        )

    def group(
        self, name: str, members: Sequence[int], buy: int | None, target: Floats
    ) -> GroupInput:
        weight = float(target[list(members)].sum())
        return GroupInput(
            name,
            tuple(self.tickers[i] for i in members),
            None if buy is None else self.tickers[buy],
            weight,
            self.run.config.band_share * weight,
        )

    def scan(self, d: int, withdrawal: float) -> None:
        run, account = self.run, self.run.account
        day = run.market.dates[d]
        self.scans += 1
        started = time.perf_counter()
        result = rebalance(self.case(d, withdrawal))
        self.seconds += time.perf_counter() - started
        solver = result.solver.name if result.solver else ""
        if solver == "zero-trade proof":
            self.proofs += 1
        else:
            self.solves += 1
        if result.status != "optimal":
            self.not_optimal.append((day, f"{result.status}: {result.reason or ''}".strip()))
            if withdrawal > 0:
                run.raise_pro_rata(d, withdrawal)
            return
        prices = run.market.prices[d]
        cost = run.config.cost_rate
        if result.trades:
            self.trade_days += 1
        for trade in result.trades:
            if trade.side == "sell":
                i = self.index[trade.security]
                picks = [(pick.lot, pick.quantity) for pick in trade.lots]
                sold = account.sell(day, i, picks, float(prices[i]), cost_rate=cost)
                partner = self.today_partner.get(i)
                if sold.is_loss_sale and partner is not None and partner != i:
                    self.partner[i] = partner  # where its money waits out the 30 days
        for trade in result.trades:
            if trade.side == "buy" and trade.quantity > 0 and not math.isclose(trade.quantity, 0):
                i = self.index[trade.security]
                account.buy(day, i, trade.quantity, float(prices[i]), cost_rate=cost)
        account.deposit(-withdrawal)
