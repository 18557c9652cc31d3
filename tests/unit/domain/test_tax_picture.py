"""What the next dollar of loss or gain is worth, in netting scenarios computed by hand.

Rates: 40% short-term (ordinary), 20% long-term, $3,000 ordinary offset, carryforward
discounted at 5%: a carried dollar is worth 0.20 / 1.05 = 0.190476… .
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trimtab.domain.tax_netting import net_capital_gains, tax_of
from trimtab.domain.tax_picture import MarginalRates, TaxPicture

ST, LT = D("0.40"), D("0.20")
CARRIED = LT / D("1.05")


def picture(**amounts: int) -> TaxPicture:
    return TaxPicture(ST, LT, **{k: D(v) for k, v in amounts.items()})


def test_a_short_term_loss_against_short_term_gains_is_worth_the_short_term_rate() -> None:
    m = picture(realized_short=20_000).marginal()
    assert m.short_loss == ST
    # A long-term loss offsets the short-term gain too once no long-term gain is left.
    assert m.long_loss == ST


def test_a_short_term_loss_with_only_long_term_gains_is_worth_the_long_term_rate() -> None:
    m = picture(realized_long=20_000).marginal()
    assert m.short_loss == LT
    assert m.long_loss == LT


def test_a_short_term_loss_offsets_short_term_gains_before_long_term_ones() -> None:
    # Both kinds of gain: the short-term loss goes against the short-term gain first.
    m = picture(realized_short=1_000, realized_long=50_000).marginal()
    assert m.short_loss == ST
    assert m.long_loss == LT


def test_no_gains_at_all_the_first_3000_offset_ordinary_income_then_carry_forward() -> None:
    assert picture().marginal().short_loss == ST  # the ordinary offset has room
    assert picture(realized_short=-2_999).marginal().short_loss == ST
    # The offset is full: the next dollar only carries forward, discounted a year.
    assert picture(realized_short=-3_000).marginal().short_loss == CARRIED
    assert picture(realized_long=-12_000).marginal().long_loss == CARRIED


def test_the_marginal_rate_is_the_slope_of_the_years_tax() -> None:
    # Cross-check against the netting's own pricing, one dollar at a time, from the
    # pictures above (tax_of values the ordinary offset at the short-term rate).
    for short, long in [(-2_000, 0), (-5_000, 0), (0, 7_000), (4_000, -1_000), (-500, 400)]:
        p = picture(realized_short=short, realized_long=long)
        m = p.marginal()

        def tax(s: int, lt: int) -> D:
            return tax_of(net_capital_gains(D(s), D(lt)), short_term_rate=ST, long_term_rate=LT)

        base = tax(short, long)
        assert base - tax(short - 1, long) == pytest.approx(m.short_loss, abs=D("0.01"))
        assert base - tax(short, long - 1) == pytest.approx(m.long_loss, abs=D("0.01"))
        assert tax(short + 1, long) - base == pytest.approx(m.short_gain, abs=D("0.01"))
        assert tax(short, long + 1) - base == pytest.approx(m.long_gain, abs=D("0.01"))


def test_gains_already_offset_by_a_carryforward_leave_a_loss_only_the_carry_rate() -> None:
    # $10,000 of long-term gains realized, $25,000 long-term loss carried in: the year
    # nets to a $15,000 loss; $3,000 offsets income, $12,000 carries on. Another loss
    # only adds to what carries; another gain only uses some of it up.
    m = picture(realized_long=10_000, carryforward_long=25_000).marginal()
    assert m == MarginalRates(CARRIED, CARRIED, CARRIED, CARRIED)
    # A carryforward smaller than the gains: what is left of the gain is taxed as usual.
    m = picture(realized_long=10_000, carryforward_long=4_000).marginal()
    assert (m.short_loss, m.long_gain) == (LT, LT)


def test_outside_gains_count_like_realized_ones() -> None:
    inside = picture(realized_short=-5_000, realized_long=8_000).marginal()
    outside = picture(realized_short=-5_000, outside_long=8_000).marginal()
    assert inside == outside
    assert outside.short_loss == LT  # the outside long-term gain absorbs it


def test_a_gain_that_eats_a_loss_offsetting_the_other_term_costs_that_terms_rate() -> None:
    # −2,000 short against +10,000 long: one more short-term dollar of gain shrinks the
    # loss that was offsetting the long-term gain, so it costs the long-term rate.
    m = picture(realized_short=-2_000, realized_long=10_000).marginal()
    assert m.short_gain == LT
    assert m.long_gain == LT
    # A net loss year under the limit: a gain reduces the ordinary offset.
    assert picture(realized_short=-1_000).marginal().long_gain == ST


def test_state_tax_is_added_to_every_rate() -> None:
    state = D("0.05")
    with_state = TaxPicture(ST, LT, realized_short=D(20_000), state_rate=state).marginal()
    assert with_state.short_loss == ST + state
    assert with_state.long_gain == LT + state
    only_long = TaxPicture(ST, LT, realized_long=D(20_000), state_rate=state).marginal()
    assert only_long.short_loss == LT + state
    carried = TaxPicture(ST, LT, realized_short=D(-9_000), state_rate=state).marginal()
    assert carried.short_loss == (LT + state) / D("1.05")


def test_an_ordinary_rate_apart_from_the_short_term_rate_prices_the_offset() -> None:
    p = TaxPicture(ST, LT, ordinary_rate=D("0.32"), state_rate=D("0.03"))
    assert p.marginal().short_loss == D("0.35")


def test_a_picture_refuses_impossible_rates_and_negative_carryforwards() -> None:
    with pytest.raises(ValueError, match="state_rate"):
        TaxPicture(ST, LT, state_rate=D("1.2"))
    with pytest.raises(ValueError, match="below 1"):
        TaxPicture(D("0.6"), LT, state_rate=D("0.5"))
    with pytest.raises(ValueError, match="carryforward_short"):
        TaxPicture(ST, LT, carryforward_short=D(-1))
