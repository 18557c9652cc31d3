"""The simulator treats FOX and FOXA, two share classes of one issuer, as one wash group.

The bundled issuers (`trimtab.simulate.issuers`) put FOX and FOXA in the wash group
`issuer:21CF`; the universe carries it into every engine case, and the simulated
account's ledger applies it, so the study's wash-sale count includes share classes.

Scenario (as tests/unit/simulate/test_single_harvest.py, with share classes): $100,000
funds FOX and FOXA, one swap set; FOX falls 20% on 7 December 2020. With A and B (two
issuers) the tax-aware profile sells A at a loss and buys B; here it may not buy FOXA
with a FOX loss, so either the loss is not harvested into FOXA or nothing is washed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from tests.builders import business_days, flat_market, one_swap_set
from trimtab.domain.wash_sales import WASH_SALE_WINDOW, share_class_groups
from trimtab.simulate.account import SimulatedAccount
from trimtab.simulate.issuers import ISSUERS
from trimtab.simulate.market import MarketHistory
from trimtab.simulate.profiles import DEFAULT_PROFILES
from trimtab.simulate.shadow_run import StudyConfig, run_profile
from trimtab.simulate.universe import build_universe

TICKERS = ("FOX", "FOXA")
DATES = business_days(dt.date(2020, 11, 2), dt.date(2021, 2, 26))
DROP = dt.date(2020, 12, 7)
MARKET = flat_market(DATES, TICKERS, {(DROP, "FOX"): -0.20})
GROUPS = tuple(share_class_groups(TICKERS, ISSUERS).values())


def test_the_universe_puts_the_bundled_share_classes_in_one_wash_group() -> None:
    returns = np.random.default_rng(7).normal(0.0, 0.01, (len(DATES), 3))
    market = MarketHistory(DATES, ("AAPL", "FOX", "FOXA"), returns, np.zeros(len(DATES)))
    universe = build_universe(market, n_sectors=1, set_size=3)
    assert [universe.wash_group(i) for i in range(3)] == ["AAPL", "issuer:21CF", "issuer:21CF"]


def test_the_simulated_ledger_counts_a_fox_loss_then_a_foxa_buy_as_a_wash_sale() -> None:
    account = SimulatedAccount(TICKERS, dict(zip(TICKERS, GROUPS, strict=True)))
    account.deposit(10_000.0)
    account.buy(dt.date(2020, 11, 2), 0, 100, 40.0, cost_rate=0.0)
    (lot,) = account.lots()
    account.sell(DROP, 0, [(lot.id, 100)], 35.0, cost_rate=0.0)  # $500 loss
    account.buy(DROP + dt.timedelta(days=10), 1, 100, 36.0, cost_rate=0.0)
    (loss,) = account.realized()
    assert loss.wash_sale_disallowed == 500
    (foxa,) = account.lots()
    assert foxa.cost_basis == 3600 + 500


def test_the_tax_aware_profile_never_harvests_fox_into_foxa() -> None:
    universe = dataclasses.replace(one_swap_set(TICKERS), wash_groups=GROUPS)
    run = run_profile(MARKET, universe, DEFAULT_PROFILES["tax-aware"], StudyConfig(100_000.0))
    assert [g for g in run.realized if g.wash_sale_disallowed > 0] == []
    loss_sales = [t for t in run.trades if t.security == "FOX" and t.is_loss_sale]
    for sale in loss_sales:
        assert not any(
            t.security == "FOXA"
            and t.side == "buy"
            and abs((t.date - sale.date).days) <= WASH_SALE_WINDOW.days
            for t in run.trades
        )


def test_with_share_classes_apart_the_same_drop_is_harvested_into_foxa() -> None:
    # The contrast that makes the test above mean something.
    universe = one_swap_set(TICKERS)  # each ticker its own wash group
    run = run_profile(MARKET, universe, DEFAULT_PROFILES["tax-aware"], StudyConfig(100_000.0))
    assert any(t.security == "FOX" and t.is_loss_sale for t in run.trades)
    assert any(t.security == "FOXA" and t.side == "buy" and t.date == DROP for t in run.trades)
