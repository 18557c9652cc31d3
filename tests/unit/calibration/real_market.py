"""Accounts on real market history, written as the contract's JSON cases.

The returns are the project's copy of the cvxportfolio S&P 500 data set (daily total
returns, 2007–2016; see src/trimtab/data/README.md for its caveats). Prices are the
returns compounded from 100 on the first day, so a lot bought on any day has a real
basis and a real gain or loss on any later day.

The account is model-like: 28 groups at 3.5% each (2% cash), 12 of them a pair (a buy
member and a legacy substitute in another wash group, so a loss can be harvested by a
swap) and 16 a single stock. On its *start* day it sits exactly on target, each security
held in three lots bought about two years, one year and four months earlier; then it
drifts with the market, untouched, to the day it is rebalanced.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

DATA = Path(__file__).parents[3] / "src" / "trimtab" / "data"
RETURNS = DATA / "sp500_daily_returns_2007_2016.csv.gz"
TAX = {"short_term_rate": 0.408, "long_term_rate": 0.238}
COST_RATE = 0.0005
PAIRS, SINGLES = 6, 8
TARGET = 0.98 / (PAIRS + SINGLES)
LOT_AGES = (480, 240, 90)  # trading days before the start day
DRIFT_DAYS = 120  # trading days from the start day (on target) to the rebalance


@dataclass(frozen=True)
class Market:
    dates: tuple[str, ...]
    tickers: tuple[str, ...]
    returns: npt.NDArray[np.float64]  # day × ticker
    prices: npt.NDArray[np.float64]  # day × ticker, 100 before the first day

    def price(self, day: int, ticker: str) -> float:
        return float(self.prices[day, self.tickers.index(ticker)])

    def most_volatile_days(self, count: int) -> list[int]:
        """Days with the largest mean absolute move across the account's stocks."""
        moves = np.abs(self.returns).mean(axis=1)
        return sorted(int(d) for d in np.argsort(-moves, kind="stable")[:count])


@cache
def market() -> Market:
    """Every 10th stock of the data set (43 of 431), deterministic, from the first column."""
    with gzip.open(RETURNS, "rt", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = [i for i in range(1, len(header)) if header[i] != "USDOLLAR"][::10][
        : 2 * PAIRS + SINGLES
    ]
    returns = np.array([[float(row[i]) for i in columns] for row in body])
    prices = 100.0 * np.cumprod(1.0 + returns, axis=0)
    return Market(
        dates=tuple(row[0] for row in body),
        tickers=tuple(header[i] for i in columns),
        returns=returns,
        prices=prices,
    )


def rebalance_days(m: Market) -> list[int]:
    """Days t whose next day t+1 is tested: the 10 most volatile, and 14 spread over 10 years."""
    first, last = DRIFT_DAYS, len(m.dates) - 2
    volatile = [d - 1 for d in m.most_volatile_days(40) if first <= d - 1 <= last][:10]
    spread = [first + i * (last - first) // 13 for i in range(14)]
    return sorted(set(volatile + spread))


@dataclass
class Account:
    """The mutable state a test walks through the days: lots, cash, recent trades."""

    lots: list[dict[str, object]]
    cash: float
    recent_trades: list[dict[str, object]]


def groups(m: Market) -> list[dict[str, object]]:
    pairs = [
        {
            "id": f"G{k}",
            "members": [m.tickers[2 * k], m.tickers[2 * k + 1]],
            "buy": m.tickers[2 * k],
            "target": TARGET,
        }
        for k in range(PAIRS)
    ]
    singles = [
        {"id": f"G{PAIRS + k}", "members": [t], "buy": t, "target": TARGET}
        for k, t in enumerate(m.tickers[2 * PAIRS :])
    ]
    return pairs + singles


def on_target(m: Market, start: int, *, value: float = 3_000_000.0) -> Account:
    """The account exactly on target on `start`, each holding split over three lots."""
    lots: list[dict[str, object]] = []
    for group in groups(m):
        members = group["members"]
        assert isinstance(members, list)
        for ticker in members:
            dollars = value * TARGET / len(members) / len(LOT_AGES)
            for age in LOT_AGES:
                bought = max(0, start - age)
                quantity = float(np.floor(dollars / m.price(start, ticker)))
                lots.append(
                    {
                        "id": f"{ticker}-{age}d",
                        "security": ticker,
                        "quantity": quantity,
                        "cost_basis": m.price(bought, ticker),
                        "acquired": m.dates[bought],
                    }
                )
    invested = sum(float(lot["quantity"]) * m.price(start, str(lot["security"])) for lot in lots)
    return Account(lots=lots, cash=value - invested, recent_trades=[])


def case(
    m: Market,
    day: int,
    account: Account,
    settings: dict[str, object],
    parameters: dict[str, object] | None = None,
) -> dict[str, object]:
    return {
        "as_of": m.dates[day],
        "account": {"id": "A-REAL", "tax_status": "taxable", "cash": account.cash},
        "tax": TAX,
        "securities": [
            {"id": t, "price": m.price(day, t), "cost_rate": COST_RATE} for t in m.tickers
        ],
        "groups": groups(m),
        "lots": [dict(lot) for lot in account.lots],
        "recent_trades": list(account.recent_trades),
        "settings": settings,
        "parameters": parameters or {},
    }


def apply(m: Market, day: int, account: Account, result: dict[str, object]) -> Account:
    """The account after `result`'s trades settle on `day` (they become recent trades)."""
    lots = {str(lot["id"]): dict(lot) for lot in account.lots}
    cash, recent = account.cash, list(account.recent_trades)
    trades = result["trades"]
    assert isinstance(trades, list)
    for trade in trades:
        value = float(trade["value"])
        cash -= COST_RATE * value
        if trade["side"] == "sell":
            cash += value
            for pick in trade["lots"]:
                lot = lots[pick["lot"]]
                lot["quantity"] = float(lot["quantity"]) - float(pick["quantity"])
            gain = sum(float(p["realized_gain"]) for p in trade["lots"])
        else:
            cash -= value
            lot_id = f"{trade['security']}@{m.dates[day]}"
            lots[lot_id] = {
                "id": lot_id,
                "security": trade["security"],
                "quantity": float(trade["quantity"]),
                "cost_basis": m.price(day, trade["security"]),
                "acquired": m.dates[day],
            }
            gain = 0.0
        recent.append(
            {
                "security": trade["security"],
                "side": trade["side"],
                "date": m.dates[day],
                "quantity": float(trade["quantity"]),
                "realized_gain": gain,
            }
        )
    kept = [lot for lot in lots.values() if float(lot["quantity"]) > 1e-9]
    return Account(lots=kept, cash=cash, recent_trades=recent)


def zero_trade_drift_penalty(case_: dict[str, object], drift_weight: float, band: float) -> float:
    """λ·V·Σ excess drift with no trade: what doing nothing costs (groups use `band`)."""
    prices = {s["id"]: s["price"] for s in case_["securities"]}
    held: dict[str, float] = {}
    for lot in case_["lots"]:
        held[lot["security"]] = (
            held.get(lot["security"], 0.0) + lot["quantity"] * prices[lot["security"]]
        )
    cash = case_["account"]["cash"]
    value = cash + sum(held.values())
    excess = 0.0
    for group in case_["groups"]:
        weight = sum(held.get(s, 0.0) for s in group["members"]) / value
        excess += max(0.0, abs(weight - group["target"]) - group.get("band", band))
    return drift_weight * value * excess
