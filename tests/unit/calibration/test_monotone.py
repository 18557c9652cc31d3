"""The levels are ordered the way their names say, and each keeps trades worth making.

Higher tax sensitivity lowers λ (drift must buy more per dollar of tax) and raises h (a
harvested loss counts for more); tighter drift tolerance narrows the band; every level
still pays for a tax-free rebalance and for harvesting the smallest loss it qualifies.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from trimtab.domain.calibration import (
    REFERENCE_COST_RATE,
    REFERENCE_LONG_TERM_RATE,
    REFERENCE_SHORT_TERM_RATE,
    VOCABULARY,
    ResolvedParameters,
    largest_gain_fraction,
    resolve_parameters,
)

TAX_LEVELS = ["none", "low", "medium", "high", "maximum"]
TOLERANCES = ["tight", "normal", "loose"]


def resolved(**settings: object) -> ResolvedParameters:
    params, problems = resolve_parameters(
        settings, {}, account_value=1_000_000, tax_status="taxable"
    )
    assert problems == []
    return params


def test_the_vocabulary_lists_the_levels_in_order() -> None:
    assert list(VOCABULARY["tax_sensitivity"].choices) == TAX_LEVELS
    assert list(VOCABULARY["drift_tolerance"].choices) == TOLERANCES


def test_more_tax_sensitivity_asks_more_drift_reduction_per_dollar_of_tax() -> None:
    levels = [resolved(tax_sensitivity=level) for level in TAX_LEVELS]

    for lower, higher in pairwise(levels):
        assert higher.drift_weight < lower.drift_weight
        assert higher.harvest_value >= lower.harvest_value


@pytest.mark.parametrize("rate", [REFERENCE_LONG_TERM_RATE, REFERENCE_SHORT_TERM_RATE])
def test_more_tax_sensitivity_accepts_smaller_gains_in_a_rebalance(rate: float) -> None:
    accepted = [
        largest_gain_fraction(resolved(tax_sensitivity=level).drift_weight, rate)
        for level in TAX_LEVELS
    ]

    assert accepted[0] >= 1, "'none' sells any gain"
    assert all(b < a for a, b in pairwise(accepted))
    assert accepted[-1] > 0, "'maximum' still sells a lot with a small gain"


def test_tighter_tolerance_narrows_the_band() -> None:
    bands = [resolved(drift_tolerance=t).default_band for t in TOLERANCES]

    assert bands == sorted(bands)
    assert len(set(bands)) == len(bands)


@pytest.mark.parametrize("level", TAX_LEVELS)
def test_every_level_still_rebalances_a_tax_free_account(level: str) -> None:
    # Buying an under-weight group from spare cash cuts λ per dollar; it must beat the
    # cost of the buy (and a two-sided move, 2λ, the cost of both sides).
    params = resolved(tax_sensitivity=level)

    assert params.drift_weight > 2 * REFERENCE_COST_RATE


@pytest.mark.parametrize("level", TAX_LEVELS[1:])
@pytest.mark.parametrize("harvesting", ["opportunistic", "year_round"])
def test_the_smallest_qualifying_loss_pays_for_its_swap(level: str, harvesting: str) -> None:
    params = resolved(tax_sensitivity=level, loss_harvesting=harvesting)
    # A lot at the minimum loss: basis 1, price 1 − pct, sold and replaced (two trades).
    price = 1 - params.harvest_min_loss_pct
    value_per_dollar_sold = (
        params.harvest_value * REFERENCE_LONG_TERM_RATE * params.harvest_min_loss_pct / price
    )

    assert value_per_dollar_sold > 2 * REFERENCE_COST_RATE


def test_year_round_harvesting_takes_smaller_losses_than_opportunistic() -> None:
    opportunistic = resolved(loss_harvesting="opportunistic")
    year_round = resolved(loss_harvesting="year_round")

    assert year_round.harvest_min_loss < opportunistic.harvest_min_loss
    assert year_round.harvest_min_loss_pct < opportunistic.harvest_min_loss_pct


def test_more_tracking_error_aversion_weighs_tracking_error_more() -> None:
    weights = [
        resolved(tracking_error=word).tracking_error_weight
        for word in VOCABULARY["tracking_error"].choices
    ]

    assert weights[0] == 0
    assert all(b > a for a, b in pairwise(weights))
