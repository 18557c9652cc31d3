"""On any small random market: no wash sale ever, and the account's shares are the ledger's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import business_days
from trimtab.simulate.market import MarketHistory
from trimtab.simulate.profiles import DEFAULT_PROFILES
from trimtab.simulate.shadow_run import StudyConfig, run_profile
from trimtab.simulate.universe import Swaps, build_universe

DATES = business_days(dt.date(2021, 1, 4), dt.date(2021, 4, 30))
TICKERS = ("A", "B", "C", "D", "E", "F")


@settings(max_examples=8)
@given(
    seed=st.integers(0, 2**32 - 1),
    volatility=st.sampled_from([0.01, 0.03, 0.06]),
    swaps=st.sampled_from(list(Swaps)),
)
def test_a_tax_aware_run_never_makes_a_wash_sale(
    seed: int, volatility: float, swaps: Swaps
) -> None:
    rng = np.random.default_rng(seed)
    returns = np.clip(rng.normal(-0.001, volatility, (len(DATES), len(TICKERS))), -0.5, 0.5)
    market = MarketHistory(DATES, TICKERS, returns, np.full(len(DATES), 0.0001))
    universe = build_universe(market, n_sectors=2, set_size=3, swaps=swaps)
    run = run_profile(market, universe, DEFAULT_PROFILES["tax-aware"], StudyConfig(100_000.0))
    assert all(g.wash_sale_disallowed == 0 for g in run.realized)
    held: dict[str, Decimal] = {}
    for lot in run.lots:
        held[lot.security] = held.get(lot.security, Decimal(0)) + lot.quantity
    last = run.value[-1] - sum(float(q) * run.final_prices[s] for s, q in held.items())
    assert last >= 0  # never negative cash
    for trade in run.trades:
        if trade.side == "buy":
            losses = [
                t
                for t in run.trades
                if t.security == trade.security
                and t.is_loss_sale
                and 0 <= (trade.date - t.date).days <= 30
            ]
            assert not losses, f"{trade} bought within 30 days of {losses[0]}"
