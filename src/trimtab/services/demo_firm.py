"""A realistic demo firm, generated deterministically and streamed in chunks.

Problem: trimtab needs a firm to show and to measure: thousands of accounts with
realistic holdings, histories and quirks, the same every time for a given seed, and
small in memory however many accounts are asked for.

Rule: `DemoFirm(spec).batches()` yields `Batch`es of domain values: first the firm's
reference data (organization, asset classes, securities, allocations, models, firm- and
program-level restrictions), then the price history a few securities at a time, then
households in chunks of `spec.households_per_chunk`. Each household chunk draws from its
own random generator seeded by `(seed, chunk number)`, so the same seed gives the same
firm, and memory stays flat as the firm grows (only the market, ~10 MB, is held).

What a household looks like:
- 1–4 accounts (35% / 35% / 20% / 10%): taxable, traditional IRA (`tax_deferred`) or
  Roth (`tax_exempt`); a log-normal household value (median $400k) split among them;
  a tier from that value (Platinum ≥ $5M, Gold ≥ $1M, Silver ≥ $250k, else Standard);
  one advisor (and so one branch); a tax profile (federal + state rates by wealth).
- Each account follows one of five asset allocations through a program: ETFs, mutual
  funds (institutional shares from $100k), a US Large Cap direct index (taxable accounts
  from $250k), or the ESG program; weights drift from target by a few percent; a third
  of taxable accounts also hold 1–4 legacy stocks; cash is a balance (plus the money
  market fund in some accounts).
- Lots: each position was bought in 1–4 contributions on business days between the
  account's opening (up to ten years back) and the as-of date, at that day's close, so
  gains and losses follow the real market path; some buys are within the last month.
- Recent activity (`TradeRecord`s): every buy of the last 30 days; and in ~6% of taxable
  accounts a tax-loss harvest 3–20 business days ago — a loss sale of one fund and a
  buy of its substitute — sometimes followed by a buy of the sold fund in the
  household's IRA (a wash sale across accounts, the loss lost).
- Restrictions at every level: firm watch list (no-buy), ESG program screens (no-buy),
  a household's inherited shares (no-sell), an account's must-sell or employer stock.
- Firm-defined fields: paperwork (complete / incomplete / pending signature), custodian,
  investment policy statement on file, the opening date.

    >>> spec = DemoSpec(accounts=3, seed=1, as_of=dt.date(2025, 6, 30), days=30)
    >>> sum(len(b.accounts) for b in DemoFirm(spec).batches())
    3
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from trimtab.domain import (
    Account,
    AccountStatus,
    Advisor,
    Branch,
    CashBalance,
    Firm,
    Household,
    Kind,
    Level,
    Price,
    Program,
    Restriction,
    Security,
    SecurityType,
    TaxLot,
    TaxProfile,
    TaxStatus,
    TradeRecord,
    TradeSide,
)
from trimtab.domain.models import Model
from trimtab.domain.money import round_cents_even
from trimtab.domain.wash_sales import WASH_SALE_WINDOW
from trimtab.services.demo_market import FULL_HISTORY_DAYS, MarketHistory, market_history
from trimtab.services.demo_universe import (
    ALLOCATIONS,
    ASSET_CLASSES,
    FUNDS,
    MONEY_MARKET,
    SECTOR_OF,
    etf_models,
    fund_securities,
    stock_security,
)
from trimtab.services.ports import Batch

__all__ = ["DEFAULT_SEED", "DemoFirm", "DemoSpec", "DemoStats"]


def _words(text: str) -> list[str]:
    return text.split()


DEFAULT_SEED = 20240101
FIRM = Firm("DEMO", "Harborview Wealth Partners (demo)")
PROGRAMS = (
    Program("ETF", "Trimtab ETF Portfolios"),
    Program("MUTUAL_FUND", "Trimtab Mutual Fund Portfolios"),
    Program("DIRECT_INDEX", "Trimtab Direct Indexing"),
    Program("ESG", "Trimtab Sustainable Portfolios"),
)
FIRM_NO_BUY = {
    "CHK": "Firm watch list: credit review",
    "FTR": "Firm watch list: dividend sustainability review",
}
ESG_NO_BUY = {
    "MO": "ESG screen: tobacco",
    "RAI": "ESG screen: tobacco",
    "CNX": "ESG screen: thermal coal",
    "XOM": "ESG screen: fossil fuel reserves",
    "CVX": "ESG screen: fossil fuel reserves",
}
_FIRST = _words("""Ana Ben Carla David Elena Frank Grace Hiro Isabel James Kenji Laura Miguel Nora
    Omar Priya Quinn Rosa Samuel Tara Umar Vera Walter Xin Yusuf Zoe Aaron Beatriz Chen
    Dmitri Esther Femi Gabriel Hannah Ivan Julia Kofi Lena Marco Naomi""")
_LAST = _words("""Rivera Chen Okafor Schmidt Nakamura Patel Johansson Garcia Haddad Novak Kim
    Oliveira Murphy Rossi Dubois Singh Kowalski Andersen Mendes Tanaka Fischer Ibrahim
    Walsh Costa Larsen Moreau Ahmed Byrne Silva Horvat Lindqvist Romano Yilmaz Duarte
    Keller Brennan Sato Varga Quinlan Abara""")
_CITIES = _words("""Boston Chicago Denver Atlanta Seattle Austin Portland Phoenix Nashville
    Charlotte Minneapolis Columbus Richmond Tampa Raleigh Omaha Pittsburgh Sacramento
    Milwaukee Hartford Albany Tucson Boise Madison Savannah Spokane Burlington Reno
    Lexington Providence Louisville Anchorage Honolulu Tulsa Wichita Dayton Akron Fresno
    Durham Charleston""")
_CUSTODIANS = ("Harbor Custody", "Northgate Clearing", "Meridian Trust")
_STATE_RATES = (0.0, 0.0307, 0.0495, 0.0575, 0.0693, 0.093, 0.133)
_TAX_STATUS = (TaxStatus.TAXABLE, TaxStatus.TAX_DEFERRED, TaxStatus.TAX_EXEMPT)


@dataclass(frozen=True, slots=True)
class DemoSpec:
    accounts: int
    as_of: dt.date
    seed: int = DEFAULT_SEED
    days: int = FULL_HISTORY_DAYS  # business days of price history
    households_per_chunk: int = 500

    def __post_init__(self) -> None:
        if self.accounts < 1:
            raise ValueError(f"a demo firm needs at least one account, got {self.accounts}")


@dataclass
class DemoStats:
    """What the generator produced, for the load summary."""

    households: int = 0
    accounts: int = 0
    lots: int = 0
    trades: int = 0
    harvests: int = 0
    value: float = 0.0  # assets under management at the as-of date, dollars
    tiers: dict[str, int] = field(default_factory=dict)


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def _price(x: float) -> Decimal:
    return Decimal(f"{x:.4f}")


class DemoFirm:
    def __init__(self, spec: DemoSpec) -> None:
        self.spec = spec
        self.stats = DemoStats()
        self.securities: list[Security] = [stock_security(t) for t in sorted(SECTOR_OF)]
        self.securities += fund_securities()
        self.market: MarketHistory = market_history(spec.as_of, self.securities, days=spec.days)
        self.column = {t: j for j, t in enumerate(self.market.tickers)}
        self.large_caps = [s.ticker for s in self.securities if s.asset_class == "US_LARGE"]
        self.stocks = [s.ticker for s in self.securities if s.type is SecurityType.STOCK]
        n_advisors = min(400, max(4, math.ceil(spec.accounts / 250)))
        n_branches = min(len(_CITIES), max(2, math.ceil(n_advisors / 10)))
        self.branches = [
            Branch(f"BR{i + 1:02d}", f"{_CITIES[i]} office") for i in range(n_branches)
        ]
        rng = np.random.default_rng([spec.seed, 0])
        self.advisors = [
            Advisor(
                f"ADV{i + 1:03d}",
                f"{_FIRST[rng.integers(len(_FIRST))][0]}. {_LAST[rng.integers(len(_LAST))]}",
                branch=self.branches[i % n_branches].id,
            )
            for i in range(n_advisors)
        ]

    @property
    def as_of(self) -> dt.date:
        return self.market.as_of

    @property
    def date_shift_note(self) -> str:
        m = self.market
        return (
            f"Prices are real daily returns of {m.source_first} … {m.source_last}, re-dated "
            f"onto the {len(m.dates):,} business days {m.dates[0]} … {m.dates[-1]} "
            "(Monday–Friday, no holidays) and compounded back from today's chosen close; "
            "fund prices come from a stated simple model (docs/demo.md)."
        )

    def batches(self) -> Iterator[Batch]:
        yield self._reference()
        yield from self._prices()
        yield from self._households()

    # -- reference data -------------------------------------------------------------

    def _reference(self) -> Batch:
        restrictions = [
            Restriction(Level.FIRM, FIRM.id, t, Kind.NO_BUY, why) for t, why in FIRM_NO_BUY.items()
        ] + [
            Restriction(Level.PROGRAM, "ESG", t, Kind.NO_BUY, why) for t, why in ESG_NO_BUY.items()
        ]
        weights = self.rng_weights()
        direct_index = Model("US_LARGE_DIRECT", "US Large Cap Direct Index", weights)
        return Batch(
            firms=[FIRM],
            programs=PROGRAMS,
            branches=self.branches,
            advisors=self.advisors,
            asset_classes=ASSET_CLASSES,
            securities=self.securities,
            allocations=ALLOCATIONS,
            models=[*etf_models(), direct_index],
            restrictions=restrictions,
        )

    def rng_weights(self) -> dict[str, Decimal]:
        """Direct-index weights: a fixed skewed (cap-like) draw over the large caps."""
        rng = np.random.default_rng(7)
        raw = rng.pareto(1.5, len(self.large_caps)) + 0.2
        scaled = [Decimal(f"{w:.8f}") for w in raw / raw.sum()]
        scaled[0] += Decimal(1) - sum(scaled, Decimal(0))  # exact sum of 1
        return dict(zip(self.large_caps, scaled, strict=True))

    def _prices(self, per_batch: int = 40) -> Iterator[Batch]:
        dates = self.market.dates
        for start in range(0, len(self.market.tickers), per_batch):
            prices = [
                Price(ticker, day, _price(close))
                for j, ticker in enumerate(self.market.tickers[start : start + per_batch], start)
                for day, close in zip(dates, self.market.closes[:, j].tolist(), strict=True)
            ]
            yield Batch(prices=prices)

    # -- households -----------------------------------------------------------------

    def _households(self) -> Iterator[Batch]:
        made, chunk_no = 0, 0
        while made < self.spec.accounts:
            chunk_no += 1
            rng = np.random.default_rng([self.spec.seed, chunk_no])
            chunk = _Chunk()
            for _ in range(self.spec.households_per_chunk):
                if made >= self.spec.accounts:
                    break
                made += self._household(rng, chunk, made)
            yield chunk.batch()

    def _household(self, rng: np.random.Generator, out: _Chunk, made: int) -> int:
        n = min(int(rng.choice(4, p=[0.35, 0.35, 0.2, 0.1])) + 1, self.spec.accounts - made)
        hh_no = self.stats.households + 1
        hid = f"H{hh_no:06d}"
        last = _LAST[rng.integers(len(_LAST))]
        value = float(np.clip(rng.lognormal(np.log(400_000), 1.1), 25_000, 40_000_000))
        tier = (
            "Platinum"
            if value >= 5e6
            else "Gold"
            if value >= 1e6
            else "Silver"
            if value >= 250_000
            else "Standard"
        )
        advisor = self.advisors[rng.integers(len(self.advisors))]
        allocation = ALLOCATIONS[int(rng.choice(5, p=[0.12, 0.2, 0.33, 0.23, 0.12]))]
        out.households.append(Household(hid, f"The {last} household"))
        out.tax_profiles.append(self._tax_profile(rng, hid, value))
        self.stats.households += 1
        self.stats.tiers[tier] = self.stats.tiers.get(tier, 0) + 1

        statuses = [TaxStatus.TAXABLE if rng.random() < 0.8 else TaxStatus.TAX_DEFERRED]
        statuses += [_TAX_STATUS[int(rng.choice(3, p=[0.45, 0.35, 0.2]))] for _ in range(n - 1)]
        shares = rng.dirichlet(np.full(n, 2.0))
        legacy: list[str] = []
        accounts: list[tuple[Account, dict[str, float]]] = []
        for k, (status, share) in enumerate(zip(statuses, shares, strict=True)):
            self.stats.accounts += 1
            account, holdings = self._account(
                rng,
                f"A{self.stats.accounts:07d}",
                hid,
                last,
                status,
                value * share,
                tier,
                advisor,
                allocation.id,
                out,
            )
            legacy += [t for t in holdings if t in SECTOR_OF and account.program != "DIRECT_INDEX"]
            accounts.append((account, holdings))
            del k
        self._recent_harvest(rng, accounts, out)
        if legacy and rng.random() < 0.15:
            out.restrictions.append(
                Restriction(
                    Level.HOUSEHOLD,
                    hid,
                    legacy[0],
                    Kind.NO_SELL,
                    "Client wishes to keep inherited shares",
                )
            )
        return n

    def _tax_profile(self, rng: np.random.Generator, hid: str, value: float) -> TaxProfile:
        federal_short = (
            0.22 if value < 250_000 else 0.32 if value < 1e6 else 0.35 if value < 5e6 else 0.37
        )
        federal_long = 0.15 if value < 1e6 else 0.20
        niit = 0.038 if value >= 1e6 else 0.0
        state = _STATE_RATES[rng.integers(len(_STATE_RATES))]
        carryforward = float(rng.uniform(1_000, 50_000)) if rng.random() < 0.1 else 0.0
        return TaxProfile(
            hid,
            short_term_rate=Decimal(f"{federal_short + niit + state:.4f}"),
            long_term_rate=Decimal(f"{federal_long + niit + state:.4f}"),
            realized_short_ytd=_money(rng.normal(0, 0.005) * value),
            realized_long_ytd=_money(rng.normal(0.002, 0.01) * value),
            loss_carryforward=_money(carryforward),
        )

    def _account(
        self,
        rng: np.random.Generator,
        aid: str,
        hid: str,
        last: str,
        tax_status: TaxStatus,
        value: float,
        tier: str,
        advisor: Advisor,
        allocation: str,
        out: _Chunk,
    ) -> tuple[Account, dict[str, float]]:
        taxable = tax_status is TaxStatus.TAXABLE
        u = rng.random()
        if taxable and value >= 250_000 and u < 0.25:
            program = "DIRECT_INDEX"
        elif u < 0.31:
            program = "ESG"
        elif u < 0.6:
            program = "MUTUAL_FUND"
        else:
            program = "ETF"
        roll = rng.random()
        status = (
            AccountStatus.CLOSED
            if roll < 0.01
            else AccountStatus.SUSPENDED
            if roll < 0.03
            else AccountStatus.OPEN
        )
        days = len(self.market.dates)
        opened = int(rng.integers(0, max(1, days - 10)))
        paperwork = rng.choice(3, p=[0.94, 0.04, 0.02])
        fields = {
            "paperwork": ("complete", "incomplete", "pending_signature")[paperwork],
            "custodian": _CUSTODIANS[rng.integers(len(_CUSTODIANS))],
            "ips_on_file": "yes" if rng.random() < 0.9 else "no",
            "opened": self.market.dates[opened].isoformat(),
        }
        if status is AccountStatus.SUSPENDED:
            fields["suspension_reason"] = "address verification pending"
        kind = {TaxStatus.TAXABLE: "Individual", TaxStatus.TAX_DEFERRED: "IRA"}
        first = _FIRST[rng.integers(len(_FIRST))]
        account = Account(
            aid,
            household=hid,
            tax_status=tax_status,
            name=f"{first} {last} {kind.get(tax_status, 'Roth IRA')}",
            status=status,
            discretionary=bool(rng.random() < 0.92),
            approved_for_trading=bool(rng.random() < 0.97),
            tier=tier,
            advisor=advisor.id,
            branch=advisor.branch,
            fields=fields,
            program=program,
            target=allocation,
        )
        out.accounts.append(account)
        if status is AccountStatus.CLOSED:
            out.cash.append(CashBalance(aid, Decimal("0.00"), self.as_of))
            return account, {}

        holdings = self._holdings(rng, program, allocation, value, taxable)
        cash = holdings.pop("$CASH") + value * float(rng.uniform(0.002, 0.015))
        out.cash.append(CashBalance(aid, _money(cash), self.as_of))
        self.stats.value += cash
        for ticker, dollars in holdings.items():
            self._lots(rng, aid, ticker, dollars, opened, out)
        if holdings and rng.random() < 0.03:
            out.restrictions.append(
                Restriction(
                    Level.ACCOUNT,
                    aid,
                    self.stocks[rng.integers(len(self.stocks))],
                    Kind.NO_BUY,
                    "Employer stock: the client is a company insider",
                )
            )
        stocks_held = [t for t in holdings if t in SECTOR_OF]
        if stocks_held and program != "DIRECT_INDEX" and rng.random() < 0.05:
            out.restrictions.append(
                Restriction(
                    Level.ACCOUNT,
                    aid,
                    stocks_held[-1],
                    Kind.MUST_SELL,
                    "Client request: sell to fund a home purchase",
                )
            )
        return account, holdings

    def _holdings(
        self, rng: np.random.Generator, program: str, allocation: str, value: float, taxable: bool
    ) -> dict[str, float]:
        """Dollars per ticker (and "$CASH"), drifted from the allocation's weights."""
        weights = next(a for a in ALLOCATIONS if a.id == allocation).weights
        classes = list(weights)
        drifted = np.array([float(weights[c]) for c in classes]) * rng.lognormal(
            0, 0.12, len(classes)
        )
        drifted /= drifted.sum()
        holdings: dict[str, float] = {"$CASH": 0.0}
        legacy_share = float(rng.uniform(0.05, 0.15)) if taxable and rng.random() < 0.33 else 0.0
        for cls, w in zip(classes, drifted * (1 - legacy_share), strict=True):
            dollars = float(w) * value
            if cls == "CASH":
                if rng.random() < 0.4:
                    holdings[MONEY_MARKET.ticker] = 0.7 * dollars
                    dollars *= 0.3
                holdings["$CASH"] += dollars
                continue
            line = next(f for f in FUNDS if f.asset_class == cls)
            if program == "DIRECT_INDEX" and cls == "US_LARGE":
                picks = rng.choice(
                    len(self.large_caps), size=int(rng.integers(40, 81)), replace=False
                )
                for i, share in zip(picks, rng.dirichlet(np.full(len(picks), 5.0)), strict=True):
                    holdings[self.large_caps[i]] = dollars * float(share)
            elif program == "MUTUAL_FUND":
                holdings[line.institutional if value >= 100_000 else line.investor] = dollars
            else:
                holdings[line.keel if rng.random() < 0.15 else line.etf] = dollars
        if legacy_share:
            picks = rng.choice(len(self.stocks), size=int(rng.integers(1, 5)), replace=False)
            for i in picks:
                ticker = self.stocks[i]
                holdings[ticker] = holdings.get(ticker, 0.0) + legacy_share * value / len(picks)
        return holdings

    def _lots(
        self,
        rng: np.random.Generator,
        aid: str,
        ticker: str,
        dollars: float,
        opened: int,
        out: _Chunk,
        *,
        forced_day: int | None = None,
    ) -> None:
        closes = self.market.closes[:, self.column[ticker]]
        days = len(closes)
        now = float(closes[-1])
        is_stock = ticker in SECTOR_OF
        quantity = max(1, round(dollars / now)) if is_stock else max(0.001, round(dollars / now, 3))
        n = 1 + int(rng.binomial(3 if not is_stock else 1, 0.35))
        if is_stock:
            n = min(n, int(quantity))
        when = np.sort(rng.integers(opened, days, size=n))
        if rng.random() < 0.01:
            when[-1] = days - 1 - int(rng.integers(0, 15))  # a recent contribution
        if forced_day is not None:
            when[-1] = forced_day
            when = np.sort(when)
        if is_stock:
            parts = (rng.multinomial(int(quantity) - n, np.full(n, 1.0 / n)) + 1).tolist()
        else:
            split = rng.dirichlet(np.ones(n)) * quantity
            parts = [max(0.001, round(float(q), 3)) for q in split]
        recent = self.as_of - WASH_SALE_WINDOW  # its purchases are the wash window's
        for q, day in zip(parts, when.tolist(), strict=True):
            out.lot_no += 1
            qty = Decimal(int(q)) if is_stock else Decimal(f"{q:.3f}")
            price = _price(float(closes[day]))
            acquired = self.market.dates[day]
            out.lots.append(
                TaxLot(
                    f"{aid}-{out.lot_no:04d}",
                    aid,
                    ticker,
                    qty,
                    round_cents_even(qty * price),
                    acquired,
                )
            )
            if acquired >= recent:
                out.trades.append(TradeRecord(aid, ticker, acquired, TradeSide.BUY, qty, price))
            self.stats.lots += 1
        self.stats.value += float(sum(parts)) * now

    def _recent_harvest(
        self,
        rng: np.random.Generator,
        accounts: list[tuple[Account, dict[str, float]]],
        out: _Chunk,
    ) -> None:
        """A loss sale of one fund swapped into its substitute a few business days ago."""
        taxable = [(a, h) for a, h in accounts if a.is_taxable and h]
        if not taxable or rng.random() >= 0.06 * len(accounts):
            return
        account, holdings = taxable[0]
        lines = [f for f in FUNDS if f.etf in holdings or f.keel in holdings]
        if not lines:
            return
        line = lines[0]
        bought = line.etf if line.etf in holdings else line.keel
        sold = line.keel if bought == line.etf else line.etf
        days = len(self.market.dates)
        day = days - 1 - int(rng.integers(3, 21))
        if day < 0:
            return
        sale_price = _price(float(self.market.closes[day, self.column[sold]]))
        quantity = Decimal(f"{holdings[bought] / float(sale_price):.3f}")
        if quantity <= 0:
            return
        loss = quantity * sale_price * Decimal(f"{rng.uniform(0.06, 0.2):.4f}")
        out.trades.append(
            TradeRecord(
                account.id,
                sold,
                self.market.dates[day],
                TradeSide.SELL,
                quantity,
                sale_price,
                realized_gain=-round_cents_even(loss),
            )
        )
        # The substitute bought the same day: one more lot of it, from the sale proceeds.
        self._lots(rng, account.id, bought, float(quantity * sale_price), day, out, forced_day=day)
        self.stats.harvests += 1
        iras = [a for a, h in accounts if a.tax_status is TaxStatus.TAX_DEFERRED and h]
        if iras and day + 2 < days and rng.random() < 0.3:
            ira_day = day + 2
            price = _price(float(self.market.closes[ira_day, self.column[sold]]))
            qty = Decimal(f"{max(1.0, float(quantity) / 4):.3f}")
            out.lot_no += 1
            out.lots.append(
                TaxLot(
                    f"{iras[0].id}-{out.lot_no:04d}",
                    iras[0].id,
                    sold,
                    qty,
                    round_cents_even(qty * price),
                    self.market.dates[ira_day],
                )
            )
            out.trades.append(
                TradeRecord(iras[0].id, sold, self.market.dates[ira_day], TradeSide.BUY, qty, price)
            )
            self.stats.lots += 1
            self.stats.value += float(qty * price)


@dataclass
class _Chunk:
    households: list[Household] = field(default_factory=list)
    tax_profiles: list[TaxProfile] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    lots: list[TaxLot] = field(default_factory=list)
    cash: list[CashBalance] = field(default_factory=list)
    restrictions: list[Restriction] = field(default_factory=list)
    trades: list[TradeRecord] = field(default_factory=list)
    lot_no: int = 0

    def batch(self) -> Batch:
        return Batch(
            households=self.households,
            tax_profiles=self.tax_profiles,
            accounts=self.accounts,
            lots=self.lots,
            cash=self.cash,
            restrictions=self.restrictions,
            trades=self.trades,
        )
