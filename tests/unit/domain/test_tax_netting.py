"""The year's capital-gains netting, each case computed by hand from Schedule D's rule."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trimtab.domain.tax_netting import Netting, net_capital_gains, tax_of

ST, LT = D("0.40"), D("0.20")


@pytest.mark.parametrize(
    ("short", "long", "expected"),
    [
        # Both gains: taxed as they are.
        (D(1000), D(500), Netting(D(1000), D(500), D(0), D(0), D(0))),
        # A short-term loss first reduces the long-term gain: 2,000 − 500.
        (D(-500), D(2000), Netting(D(0), D(1500), D(0), D(0), D(0))),
        # A long-term loss reduces the short-term gain: 1,000 − 400.
        (D(1000), D(-400), Netting(D(600), D(0), D(0), D(0), D(0))),
        # A short-term loss bigger than the long-term gain: 5,000 − 2,000 = 3,000 net
        # short-term loss, all of it the ordinary offset.
        (D(-5000), D(2000), Netting(D(0), D(0), D(3000), D(0), D(0))),
        # Both losses, 2,000 short and 4,000 long: the short is used first (2,000), then
        # 1,000 of the long; 3,000 long-term carries forward.
        (D(-2000), D(-4000), Netting(D(0), D(0), D(3000), D(0), D(3000))),
        # 10,000 short-term loss alone: 3,000 offset, 7,000 short-term carried.
        (D(-10000), D(0), Netting(D(0), D(0), D(3000), D(7000), D(0))),
        # A small long-term loss: all of it offsets ordinary income.
        (D(0), D(-1200), Netting(D(0), D(0), D(1200), D(0), D(0))),
    ],
)
def test_netting_follows_schedule_d(short: D, long: D, expected: Netting) -> None:
    assert net_capital_gains(short, long) == expected


def test_a_loss_against_a_short_term_gain_saves_the_ordinary_rate() -> None:
    # 1,000 short-term gain alone costs 400; with a 1,000 short-term loss beside it, 0.
    gain_only = tax_of(net_capital_gains(D(1000), D(0)), short_term_rate=ST, long_term_rate=LT)
    both = tax_of(net_capital_gains(D(0), D(0)), short_term_rate=ST, long_term_rate=LT)
    assert gain_only - both == D("400.00")


def test_a_loss_against_a_long_term_gain_saves_only_the_long_term_rate() -> None:
    # The same 1,000 short-term loss against a long-term gain: 200, not 400.
    gain_only = tax_of(net_capital_gains(D(0), D(1000)), short_term_rate=ST, long_term_rate=LT)
    both = tax_of(net_capital_gains(D(-1000), D(1000)), short_term_rate=ST, long_term_rate=LT)
    assert gain_only - both == D("200.00")


def test_a_carried_loss_is_worth_the_long_term_rate_a_year_later_discounted() -> None:
    # 10,000 loss: 3,000 × 0.40 now = 1,200; 7,000 × 0.20 / 1.05 = 1,333.33 later.
    netting = net_capital_gains(D(-10000), D(0))
    assert tax_of(netting, short_term_rate=ST, long_term_rate=LT, discount_rate=D("0.05")) == D(
        "-2533.33"
    )
    # At a 0% discount rate the carried part is worth its face value at 0.20.
    assert tax_of(netting, short_term_rate=ST, long_term_rate=LT, discount_rate=D(0)) == D(
        "-2600.00"
    )


def test_a_netting_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError, match="short_term"):
        Netting(D(-1), D(0), D(0), D(0), D(0))


@pytest.mark.parametrize(
    "name",
    ["trimtab.domain.tax_netting", "trimtab.services.taxes_saved", "trimtab.services.report_scope"],
)
def test_the_worked_examples_in_the_docstrings_stay_true(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
