"""Small synthetic markets for shadow-run scenarios: a few stocks, a few months."""

from __future__ import annotations

import datetime as dt

import numpy as np

from trimtab.simulate.market import MarketHistory
from trimtab.simulate.universe import SwapSet, Universe, Weighting


def business_days(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


def market(dates: tuple[dt.date, ...], tickers: tuple[str, ...], moves: dict) -> MarketHistory:
    """Flat prices (100 on day one) except `moves`: {(date, ticker): return that day}."""
    returns = np.zeros((len(dates), len(tickers)))
    for (day, ticker), r in moves.items():
        returns[dates.index(day), tickers.index(ticker)] = r
    return MarketHistory(dates, tickers, returns, np.zeros(len(dates)))


def one_swap_set(tickers: tuple[str, ...]) -> Universe:
    """Every stock in one swap set (one target group), cap-like weights, 2% cash."""
    members = tuple(range(len(tickers)))
    return Universe(
        tickers,
        np.zeros(len(tickers), dtype=np.intp),
        (SwapSet("SET", members, 0),),
        Weighting.CAP_LIKE,
        0.02,
    )
