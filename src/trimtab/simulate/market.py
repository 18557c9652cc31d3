"""Market history: daily total returns in, a price for every stock on every day out.

Problem: a shadow run needs, for each trading day, a price per stock (to value lots and
trade) and the cash rate (what uninvested cash earns). The project's data is returns, not
prices (src/trimtab/data/README.md): splits and dividends are already inside them.

Rule: a stock's price is its total-return index, compounded from 100 *before the first
day of the file*, so a price is the same whatever window of the file a run uses, and a
lot's gain is real: bought at p_a and sold at p_b, the stock returned p_b/p_a − 1 in
between. The cash return (the file's `USDOLLAR` column, or 0) is compounded into cash
balances day by day.

Worked example: returns +10% then −10% give prices 110.0 and 99.0; a lot bought on day 0
and sold on day 1 lost 10%.

    >>> import numpy as np
    >>> m = MarketHistory(
    ...     dates=(dt.date(2020, 1, 2), dt.date(2020, 1, 3)), tickers=("X",),
    ...     returns=np.array([[0.10], [-0.10]]), cash_returns=np.zeros(2))
    >>> m.prices[:, 0].round(6).tolist()
    [110.0, 99.0]
    >>> float(m.window(dt.date(2020, 1, 3), None).prices[0, 0].round(6))
    99.0
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["PRICE_BASE", "Floats", "MarketHistory"]

Floats = npt.NDArray[np.float64]

PRICE_BASE = 100.0


@dataclass(frozen=True, eq=False)
class MarketHistory:
    """Daily total returns (day × ticker) and the cash return per day.

    `price_base` is each stock's price the day before `dates[0]`; a window of a longer
    history carries its prices over, so prices never depend on the window chosen.
    """

    dates: tuple[dt.date, ...]
    tickers: tuple[str, ...]
    returns: Floats
    cash_returns: Floats
    price_base: Floats | None = None  # per ticker; None: PRICE_BASE for every stock
    prices: Floats = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n_days, n_tickers = len(self.dates), len(self.tickers)
        if self.returns.shape != (n_days, n_tickers):
            raise ValueError(
                f"returns are {self.returns.shape}, expected {n_days} days × {n_tickers} tickers"
            )
        if self.cash_returns.shape != (n_days,):
            raise ValueError(f"cash returns are {self.cash_returns.shape}, expected ({n_days},)")
        if any(b <= a for a, b in zip(self.dates, self.dates[1:], strict=False)):
            raise ValueError("dates must increase strictly")
        prices = self._base() * np.cumprod(1.0 + self.returns, axis=0)
        object.__setattr__(self, "prices", prices)

    def _base(self) -> Floats:
        if self.price_base is None:
            return np.full(len(self.tickers), PRICE_BASE)
        return self.price_base

    def window(self, start: dt.date | None, end: dt.date | None) -> MarketHistory:
        """The days in [start, end] (None: unbounded), prices carried over from before."""
        first = 0 if start is None else bisect.bisect_left(self.dates, start)
        last = len(self.dates) if end is None else bisect.bisect_right(self.dates, end)
        base = self.prices[first - 1] if first > 0 else self._base()
        return MarketHistory(
            dates=self.dates[first:last],
            tickers=self.tickers,
            returns=self.returns[first:last],
            cash_returns=self.cash_returns[first:last],
            price_base=np.array(base, dtype=float),
        )

    def columns(self, tickers: tuple[str, ...]) -> MarketHistory:
        """The same days for a subset of the tickers (in the order given)."""
        index = [self.tickers.index(t) for t in tickers]
        base = None if self.price_base is None else self.price_base[index]
        return MarketHistory(self.dates, tickers, self.returns[:, index], self.cash_returns, base)
