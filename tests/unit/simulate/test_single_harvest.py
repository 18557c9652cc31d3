"""One harvest, checked by hand: A and B are one swap set; A falls 20% on 7 December 2020.

$100,000 funds 489 A and 490 B at $100 (one A share is given back to pay the 5 bp funding
cost, cash $1,951). On 7 December the tax-aware profile sells all 489 A at $80 (a $9,780
short-term loss, worth h·τ·loss = 0.5 × 40.8% × 9,780 ≈ $1,995 to the engine) and buys B
with the money (the set stays on target; A is in its own wash group, so no wash sale).
Nothing else moves. Tax: 2020 −$1,224 ($3,000 against other income at 40.8%), $6,780
carried; 2021 −$1,224 again. Buy-and-hold realizes nothing in 2020 and gets its one
$1,224 offset only when it liquidates in 2021. So the profile ends $1,224 richer after
tax and liquidation, less the trading cost of the swap.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import business_days, flat_market, one_swap_set
from trimtab.domain.holdings import Term
from trimtab.simulate.metrics import measure, target_returns
from trimtab.simulate.profiles import DEFAULT_PROFILES, Profile, Schedule
from trimtab.simulate.shadow_run import StudyConfig, run_buy_and_hold, run_profile
from trimtab.simulate.study import run_study

DATES = business_days(dt.date(2020, 11, 2), dt.date(2021, 2, 26))
DROP = dt.date(2020, 12, 7)  # 35 days after funding: rule 5(b) allows the loss sale
MARKET = flat_market(DATES, ("A", "B"), {(DROP, "A"): -0.20})
UNIVERSE = one_swap_set(("A", "B"))
CONFIG = StudyConfig(initial_cash=100_000.0)
TAX_AWARE = DEFAULT_PROFILES["tax-aware"]


@pytest.fixture(scope="module")
def harvested():
    return run_profile(MARKET, UNIVERSE, TAX_AWARE, CONFIG)


def test_the_loss_is_harvested_in_full_on_the_day_of_the_drop(harvested) -> None:
    (loss,) = harvested.realized
    assert (loss.date, loss.security, float(loss.quantity)) == (DROP, "A", 489.0)
    assert float(loss.gain) == pytest.approx(-9_780.0)
    assert loss.term is Term.SHORT
    assert loss.wash_sale_disallowed == 0


def test_the_money_moves_to_the_other_member_and_a_is_not_bought_back(harvested) -> None:
    buys_after = [t for t in harvested.trades if t.side == "buy" and t.date >= DROP]
    assert {t.security for t in buys_after} == {"B"}
    assert all(t.date == DROP for t in buys_after)
    # Cash ends within the profile's range (1%–5%): most of the $39,120 went into B.
    cash_weight = (
        1
        - sum(float(lot.quantity) * harvested.final_prices[lot.security] for lot in harvested.lots)
        / harvested.value[-1]
    )
    assert 0.01 <= cash_weight <= 0.05


def test_the_tax_saved_is_the_ordinary_income_offset_one_year_earlier(harvested) -> None:
    benchmark = run_buy_and_hold(MARKET, UNIVERSE, CONFIG)
    target = target_returns(MARKET, UNIVERSE)
    profile = measure(harvested, CONFIG.tax, target)
    hold = measure(benchmark, CONFIG.tax, target)
    assert [round(y.tax, 2) for y in profile.years] == [-1_224.0, -1_224.0]
    assert [round(y.tax, 2) for y in hold.years] == [0.0, 0.0]
    assert hold.liquidation_tax == pytest.approx(-1_224.0)
    assert profile.unused_carryforward == pytest.approx(9_780 - 6_000)
    swap_cost = sum(t.cost for t in harvested.trades if t.date == DROP)
    assert swap_cost == pytest.approx(0.0005 * 2 * 39_120, rel=0.06)
    gained = profile.after_tax_liquidated_value - hold.after_tax_liquidated_value
    assert gained == pytest.approx(1_224.0 - swap_cost, abs=0.01)


def test_the_tax_naive_profile_holds_still_and_matches_buy_and_hold() -> None:
    study = run_study(MARKET, UNIVERSE, [DEFAULT_PROFILES["tax-naive"], TAX_AWARE], CONFIG)
    naive, aware = study.runs
    assert naive.losses_harvested == 0
    assert naive.after_tax_liquidated_value == pytest.approx(
        study.benchmark.after_tax_liquidated_value
    )
    assert aware.tax_alpha_vs_reference is not None
    assert aware.tax_alpha_vs_reference[1] > 0


def test_a_monthly_scan_sees_the_drop_only_next_month_so_the_loss_falls_in_2021() -> None:
    late_drop = dt.date(2020, 12, 8)  # after December's first scan
    monthly = Profile("monthly", TAX_AWARE.settings, Schedule.MONTHLY)
    run = run_profile(
        flat_market(DATES, ("A", "B"), {(late_drop, "A"): -0.20}), UNIVERSE, monthly, CONFIG
    )
    (loss,) = run.realized
    assert loss.date == dt.date(2021, 1, 1)  # the synthetic calendar has no holidays
