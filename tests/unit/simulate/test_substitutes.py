"""Harvest replacements chosen by the risk model (simulate/substitutes.py), checked by hand.

The worked run: A, B and C at $100; B is A's best substitute. A falls 20% on 7 December
2020 (35 days after funding, so rule 5(b) allows the loss sale). The tax-aware profile
sells A and buys B the same day (A and B are one group while A needs a substitute). Once
the 30 days after the sale are over the pair dissolves: B holds A's target too and is
flat since its purchase, so swapping back costs no tax, and A is bought back.
"""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pytest

from tests.builders import business_days, flat_market
from trimtab.reports.simulation import caveats
from trimtab.simulate.market import MarketHistory
from trimtab.simulate.profiles import DEFAULT_PROFILES, parse_profile
from trimtab.simulate.shadow_run import StudyConfig, run_profile
from trimtab.simulate.study import run_study
from trimtab.simulate.substitutes import (
    MAX_ABSORBED,
    pair_groups,
    rank_substitutes,
)
from trimtab.simulate.universe import Swaps, Universe, Weighting, build_universe

DATES = business_days(dt.date(2020, 11, 2), dt.date(2021, 3, 31))
DROP = dt.date(2020, 12, 7)
TICKERS = ("A", "B", "C")
PAIRS = Universe(
    TICKERS,
    np.zeros(3, dtype=np.intp),
    (),
    Weighting.CAP_LIKE,
    0.02,
    Swaps.PAIRS,
    substitutes=((1, 2), (0, 2), (1, 0)),
)


@pytest.fixture(scope="module")
def run():
    market = flat_market(DATES, TICKERS, {(DROP, "A"): -0.20})
    return run_profile(market, PAIRS, DEFAULT_PROFILES["tax-aware"], StudyConfig(300_000.0))


def test_the_loss_is_sold_and_its_substitute_bought_the_same_day(run) -> None:
    (loss,) = [g for g in run.realized if g.gain < 0]
    assert (loss.date, loss.security) == (DROP, "A")
    assert loss.wash_sale_disallowed == 0
    bought_that_day = {t.security for t in run.trades if t.side == "buy" and t.date == DROP}
    assert bought_that_day == {"B"}


def test_a_is_bought_back_only_after_the_wash_window_and_b_gives_its_weight_back(run) -> None:
    back = [t for t in run.trades if t.side == "buy" and t.security == "A" and t.date > DROP]
    assert back, "the pair never dissolved"
    assert min(t.date for t in back) > DROP + dt.timedelta(days=30)
    sold_b = [t for t in run.trades if t.side == "sell" and t.security == "B"]
    assert sold_b
    assert min(t.date for t in sold_b) > DROP + dt.timedelta(days=30)
    # Back within its band: A holds at least (1 − band share) of its target again.
    a_value = (
        sum(float(lot.quantity) for lot in run.lots if lot.security == "A")
        * (run.final_prices["A"])
    )
    target = run.value[-1] * 0.98 * run.final_prices["A"] / sum(run.final_prices.values())
    assert a_value >= (1 - StudyConfig().band_share) * target - run.final_prices["A"]


def test_substitutes_are_ranked_by_swap_variance_and_skip_the_wash_group() -> None:
    rng = np.random.default_rng(3)
    market_factor = rng.normal(0, 0.01, (500, 1))
    returns = np.hstack(
        [
            market_factor + rng.normal(0, 0.001, (500, 1)),  # A
            market_factor + rng.normal(0, 0.001, (500, 1)),  # B: A's twin
            market_factor + rng.normal(0, 0.001, (500, 1)),  # BB: B's other share class
            rng.normal(0, 0.01, (500, 1)),  # C: unrelated
        ]
    )
    market = MarketHistory(
        business_days(dt.date(2019, 1, 1), dt.date(2020, 12, 31))[:500],
        ("A", "B", "BB", "C"),
        returns,
        np.zeros(500),
    )
    universe = build_universe(market, swaps=Swaps.PAIRS, wash_groups=("A", "B", "B", "C"))
    assert universe.risk_model is not None
    assert universe.substitutes[0][-1] == 3  # C is A's worst substitute
    assert universe.substitutes[1] == (0, 3)  # BB is B's wash group: never its substitute


def test_a_partner_holds_at_most_max_absorbed_and_a_blocked_stock_keeps_its_partner() -> None:
    n = MAX_ABSORBED + 3
    needs = np.array([True] * (MAX_ABSORBED + 1) + [False, False])
    groups = pair_groups(
        substitutes=[(n - 2, n - 1)] * n,
        wash_groups=[str(i) for i in range(n)],
        needs=needs,
        buy_blocked=np.array([False, True] + [False] * (n - 2)),
        kept={1: n - 1},  # stock 1 was sold at a loss into the last stock
    )
    by_buy = {g.buy: g.members for g in groups}
    assert 1 in by_buy[n - 1]  # kept, although n − 2 comes first in its list
    assert all(len(members) <= MAX_ABSORBED + 1 for members in by_buy.values())
    assert sorted(m for g in groups for m in g.members) == list(range(n))


def test_profiles_and_universes_travel_to_worker_processes() -> None:
    profile, problems = parse_profile("mine:tax_sensitivity=high,schedule=weekly")
    assert not problems
    assert pickle.loads(pickle.dumps(profile)) == profile
    copy = pickle.loads(pickle.dumps(PAIRS))
    assert copy.substitutes == PAIRS.substitutes


def test_rank_substitutes_breaks_ties_by_index() -> None:
    assert rank_substitutes(np.zeros((3, 3)), ("x", "y", "z")) == ((1, 2), (0, 2), (0, 1))


def test_a_profile_setting_tracking_error_is_told_it_is_not_priced() -> None:
    market = flat_market(DATES[:30], TICKERS, {})
    te, problems = parse_profile("te:tax_sensitivity=high,tracking_error=medium")
    assert not problems
    study = run_study(market, PAIRS, [DEFAULT_PROFILES["tax-aware"], te], StudyConfig(100_000.0))
    told = [c for c in caveats(study) if "tracking_error" in c]
    assert len(told) == 1
    assert told[0].startswith("Profile te sets tracking_error (medium)")
