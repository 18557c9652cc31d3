"""The demo firm's market: real daily returns, compounded into prices that end today.

Problem: a realistic demo needs prices with real history (the 2008 crash, sector
rotations) but dated around today, and funds that the real data set does not contain.

Rule:
- Stocks: the real daily total returns of 431 S&P 500 stocks, 2007-01-04 … 2016-12-30
  (`trimtab/data/`, provenance in its README). The last `days` rows (all 2,517 by
  default) are *re-dated* onto a Monday-to-Friday calendar ending at the as-of date (no
  exchange holidays), and compounded backwards from a chosen closing price on the
  as-of date: close[t] = close[as_of] × G[t] / G[as_of], G the cumulative growth.
  So the shape of every price path is real; its level and its dates are not.
- Funds (fictional), a stated simple model over the same days, with a fixed seed:
  US Large / Mid Cap = the equal-weighted mean return of the large / mid cap stocks;
  US Small Cap = mid + 0.25 × (mid − large) + noise(0.3%); International Developed =
  0.85 × all-stock mean + noise(0.6%); Emerging Markets = 1.15 × mean + noise(0.9%);
  bonds = the data set's cash return + a daily term premium − a small equity beta +
  noise; each product adds its own small tracking noise and expense drag, so two funds of
  one class are close but not identical. The money market fund stays at $1.00.
- Closing prices on the as-of date are drawn once (fixed seed): stocks log-normal around
  $60, ETFs $25–$300, mutual funds $10–$100. Market data do not depend on the firm's
  seed: every demo firm sees the same market.

    >>> business_days_ending(dt.date(2025, 3, 10), 3)
    (datetime.date(2025, 3, 6), datetime.date(2025, 3, 7), datetime.date(2025, 3, 10))
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

from trimtab.domain import Security, SecurityType
from trimtab.services.demo_universe import FUNDS, MID_CAPS, MONEY_MARKET

__all__ = [
    "FULL_HISTORY_DAYS",
    "RETURNS_FILE",
    "MarketHistory",
    "business_days_ending",
    "market_history",
]

RETURNS_FILE = "sp500_daily_returns_2007_2016.csv.gz"
FULL_HISTORY_DAYS = 2517
_MARKET_SEED = 20161230

Floats = npt.NDArray[np.float64]


def business_days_ending(as_of: dt.date, count: int) -> tuple[dt.date, ...]:
    """The last `count` weekdays up to `as_of` (a weekend as-of rolls back to Friday)."""
    days: list[dt.date] = []
    day = as_of
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return tuple(reversed(days))


@dataclass(frozen=True)
class MarketHistory:
    dates: tuple[dt.date, ...]
    tickers: tuple[str, ...]
    closes: Floats  # (len(dates), len(tickers)), rounded to 4 decimals
    source_first: str  # the real dates the history was taken from
    source_last: str

    @property
    def as_of(self) -> dt.date:
        return self.dates[-1]

    def column(self, ticker: str) -> int:
        return self.tickers.index(ticker)


@functools.cache
def _read_returns() -> tuple[list[str], list[str], Floats]:
    source = resources.files("trimtab.data").joinpath(RETURNS_FILE)
    with source.open("rb") as raw, gzip.open(raw, "rt", newline="") as text:
        rows = csv.reader(text)
        header = next(rows)
        dates, values = [], []
        for row in rows:
            dates.append(row[0])
            values.append([float(v) for v in row[1:]])
    return dates, header[1:], np.array(values)


def _fund_returns(
    stocks: list[str], returns: Floats, cash: Floats, rng: np.random.Generator
) -> dict[str, Floats]:
    n = len(cash)
    mid = np.array([t in MID_CAPS for t in stocks])
    all_mean = returns.mean(axis=1)
    large, mid_mean = returns[:, ~mid].mean(axis=1), returns[:, mid].mean(axis=1)

    def noise(sd: float) -> Floats:
        return rng.normal(0.0, sd, n)

    by_class = {
        "US_LARGE": large,
        "US_MID": mid_mean,
        "US_SMALL": mid_mean + 0.25 * (mid_mean - large) + noise(0.003),
        "INTL_DEV": 0.85 * all_mean + noise(0.006),
        "EM": 1.15 * all_mean + noise(0.009),
        "US_AGG": cash + 0.00008 - 0.03 * all_mean + noise(0.0018),
        "MUNI": cash + 0.00006 - 0.01 * all_mean + noise(0.0012),
        "TIPS": cash + 0.00007 - 0.02 * all_mean + noise(0.0025),
    }
    funds: dict[str, Floats] = {}
    for line in FUNDS:
        base = by_class[line.asset_class]
        for ticker, expense in (
            (line.etf, 0.0004),
            (line.institutional, 0.0004),
            (line.investor, 0.0014),
            (line.keel, 0.0006),
        ):
            funds[ticker] = base - expense / 252 + noise(0.0002)
    return funds


def market_history(
    as_of: dt.date, securities: list[Security], *, days: int = FULL_HISTORY_DAYS
) -> MarketHistory:
    """Closing prices of `securities` on the `days` business days ending at `as_of`."""
    if not 2 <= days <= FULL_HISTORY_DAYS:
        raise ValueError(f"days must be between 2 and {FULL_HISTORY_DAYS}, got {days}")
    source_dates, columns, full = _read_returns()
    table = full[-days:]
    stock_columns = columns[:-1]  # the last column is USDOLLAR, the cash return
    rng = np.random.default_rng(_MARKET_SEED)
    funds = _fund_returns(stock_columns, table[:, :-1], table[:, -1], rng)
    returns = {t: table[:, i] for i, t in enumerate(stock_columns)} | funds

    tickers = tuple(s.ticker for s in securities)
    closes = np.empty((days, len(tickers)))
    for j, security in enumerate(securities):
        if security.ticker == MONEY_MARKET.ticker:
            closes[:, j] = 1.0
            continue
        growth = np.cumprod(1.0 + returns[security.ticker])
        closes[:, j] = _closing_price(security, rng) * growth / growth[-1]
    return MarketHistory(
        dates=business_days_ending(as_of, days),
        tickers=tickers,
        closes=np.maximum(np.round(closes, 4), 0.0001),
        source_first=source_dates[-days],
        source_last=source_dates[-1],
    )


def _closing_price(security: Security, rng: np.random.Generator) -> float:
    if security.type is SecurityType.STOCK:
        return float(np.clip(rng.lognormal(np.log(60.0), 0.7), 8.0, 900.0))
    if security.type is SecurityType.ETF:
        return float(rng.uniform(25.0, 300.0))
    return float(rng.uniform(10.0, 100.0))
