"""The study's tax model: Schedule D netting, the $3,000 offset, carryforward by character."""

from __future__ import annotations

import pytest

from trimtab.simulate.taxes import Carryforward, LossUse, TaxModel

MODEL = TaxModel(short_term_rate=0.4, long_term_rate=0.2, ordinary_rate=0.4)


def test_gains_on_both_sides_are_taxed_at_their_own_rates() -> None:
    tax, carry = MODEL.year_tax(1_000.0, 5_000.0, Carryforward())
    assert tax == pytest.approx(400.0 + 1_000.0)
    assert carry == Carryforward()


def test_a_short_term_loss_offsets_a_long_term_gain_first() -> None:
    # −2,000 short + 5,000 long = 3,000 long-term gain at 20%
    tax, _ = MODEL.year_tax(-2_000.0, 5_000.0, Carryforward())
    assert tax == pytest.approx(600.0)


def test_a_net_loss_saves_tax_on_3000_of_income_and_carries_the_rest() -> None:
    tax, carry = MODEL.year_tax(-10_000.0, 4_000.0, Carryforward())
    assert tax == pytest.approx(-1_200.0)  # 3,000 × 40%
    assert carry == Carryforward(short_term=3_000.0, long_term=0.0)


def test_a_carried_loss_offsets_next_years_gain() -> None:
    tax, carry = MODEL.year_tax(0.0, 10_000.0, Carryforward(short_term=3_000.0))
    assert tax == pytest.approx(7_000.0 * 0.2)
    assert carry == Carryforward()


def test_long_term_losses_carry_as_long_term() -> None:
    tax, carry = MODEL.year_tax(1_000.0, -9_000.0, Carryforward())
    # net −8,000 long-term: 3,000 against income, 5,000 carried long-term
    assert tax == pytest.approx(-1_200.0)
    assert carry == Carryforward(short_term=0.0, long_term=5_000.0)


def test_immediate_use_credits_every_loss_at_the_stated_rate() -> None:
    model = TaxModel(0.4, 0.2, loss_use=LossUse.IMMEDIATE, immediate_rate=0.3)
    tax, carry = model.year_tax(-10_000.0, 4_000.0, Carryforward())
    assert tax == pytest.approx(-6_000.0 * 0.3)
    assert carry == Carryforward()
