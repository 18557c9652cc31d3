"""The study's tax model: Schedule D netting, the $3,000 offset, carryforward by character."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trimtab.domain.holdings import Term
from trimtab.domain.ledger import RealizedGain
from trimtab.simulate.taxes import (
    Carryforward,
    LossUse,
    ScanDayTax,
    TaxModel,
    net_gains_by_year,
    taxes_by_year,
)

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


def test_immediate_use_credits_every_loss_at_the_long_term_rate() -> None:
    # The preset: outside long-term gains absorb every net loss, at the long-term rate.
    model = TaxModel(0.4, 0.2, loss_use=LossUse.IMMEDIATE)
    tax, carry = model.year_tax(-10_000.0, 4_000.0, Carryforward())
    assert tax == pytest.approx(-6_000.0 * 0.2)
    assert carry == Carryforward()


def test_the_immediate_preset_still_taxes_net_gains_at_their_rates() -> None:
    model = TaxModel(0.4, 0.2, loss_use=LossUse.IMMEDIATE)
    tax, _ = model.year_tax(1_000.0, 5_000.0, Carryforward())
    assert tax == pytest.approx(400.0 + 1_000.0)
    # A long-term loss nets against the outside long-term gains first, not against the
    # portfolio's short-term gain: it saves 20%, the short-term gain costs 40%.
    tax, _ = model.year_tax(5_000.0, -3_000.0, Carryforward())
    assert tax == pytest.approx(5_000.0 * 0.4 - 3_000.0 * 0.2)


def test_outside_gains_absorb_losses_by_character_before_the_ordinary_offset() -> None:
    # $20,000 outside a year, 25% short-term: $5,000 short, $15,000 long.
    model = TaxModel(0.4, 0.2, 0.4, outside_gains=20_000.0, outside_short_share=0.25)
    # A $8,000 short-term loss: $5,000 against the outside short-term gain (40%), $3,000
    # against the outside long-term gain (20%); nothing left to carry.
    tax, carry = model.year_tax(-8_000.0, 0.0, Carryforward())
    assert tax == pytest.approx(-(5_000.0 * 0.4 + 3_000.0 * 0.2))
    assert carry == Carryforward()
    # A $30,000 long-term loss: $15,000 against long-term, $5,000 against short-term,
    # $3,000 against ordinary income, $7,000 carried as long-term.
    tax, carry = model.year_tax(0.0, -30_000.0, Carryforward())
    assert tax == pytest.approx(-(15_000.0 * 0.2 + 5_000.0 * 0.4 + 3_000.0 * 0.4))
    assert carry == Carryforward(short_term=0.0, long_term=7_000.0)


def test_a_carried_loss_is_used_against_next_years_outside_gains() -> None:
    model = TaxModel(0.4, 0.2, 0.4, outside_gains=10_000.0)  # long-term only
    tax, carry = model.year_tax(0.0, 0.0, Carryforward(long_term=4_000.0))
    assert tax == pytest.approx(-4_000.0 * 0.2)
    assert carry == Carryforward()


def test_the_picture_on_a_scan_day_values_losses_by_the_years_netting() -> None:
    law = TaxModel(0.4, 0.2, 0.4)
    # Nothing realized: the first $3,000 of loss offsets ordinary income at 40%.
    assert float(law.picture(0.0, 0.0, 0.0, 0.0).marginal().short_loss) == pytest.approx(0.4)
    # $5,000 of net loss already this year: the next loss only carries forward.
    rates = law.picture(-5_000.0, 0.0, 0.0, 0.0).marginal()
    assert float(rates.short_loss) == pytest.approx(0.2 / 1.05)
    # The immediate preset: outside long-term gains take every loss at 20%, unless the
    # year has short-term gains for a short-term loss to offset first.
    immediate = TaxModel(0.4, 0.2, 0.4, loss_use=LossUse.IMMEDIATE)
    assert float(immediate.picture(-5_000.0, 0.0, 0.0, 0.0).marginal().short_loss) == 0.2
    assert float(immediate.picture(9_000.0, 0.0, 0.0, 0.0).marginal().short_loss) == 0.4
    case_tax = immediate.case_tax(9_000.0, 0.0, 0.0, 0.0)
    assert (case_tax.short_term_rate, case_tax.long_term_rate) == (0.4, 0.2)
    assert case_tax.picture == immediate.picture(9_000.0, 0.0, 0.0, 0.0)


def test_the_model_refuses_negative_outside_gains() -> None:
    with pytest.raises(ValueError, match="outside gains"):
        TaxModel(outside_gains=-1.0)
    with pytest.raises(ValueError, match="outside_short_share"):
        TaxModel(outside_gains=1.0, outside_short_share=1.5)


def _sale(day: dt.date, gain: float, term: Term, disallowed: float = 0.0) -> RealizedGain:
    return RealizedGain(
        day, "SIM", "X", Decimal(1), Decimal(str(1000 + gain)), Decimal(1000),
        dt.date(2000, 1, 3), term, 0, Decimal(str(disallowed)),
    )  # fmt: skip


def test_a_scan_days_picture_is_this_years_deductible_gains_and_the_carry_in() -> None:
    model = TaxModel(0.4, 0.2, 0.4)
    realized = (
        _sale(dt.date(2008, 5, 1), -12_000.0, Term.SHORT),  # 2008: 3,000 offset, 9,000 carried
        _sale(dt.date(2009, 2, 2), 4_000.0, Term.LONG),
        _sale(dt.date(2009, 3, 2), -1_000.0, Term.SHORT, disallowed=1_000.0),  # washed: 0
        _sale(dt.date(2009, 6, 1), 50_000.0, Term.SHORT),  # after the scan day
    )
    tax = ScanDayTax(model).case_tax(realized, dt.date(2009, 4, 1))
    assert tax.picture == model.picture(0.0, 4_000.0, 9_000.0, 0.0)
    # 9,000 short-term carried in against 4,000 long-term: a net loss year past the offset,
    # so the next loss only carries forward.
    assert tax.picture is not None
    assert float(tax.picture.marginal().short_loss) == pytest.approx(0.2 / 1.05)


def test_scan_days_read_incrementally_agree_with_a_full_reading() -> None:
    # A sale every 10 days for two years; read day by day, with a washed loss adjusted
    # after it was first read (the ledger replaces the entry when the buy comes).
    model = TaxModel(0.4, 0.2, 0.4)
    start = dt.date(2008, 1, 2)
    terms = (Term.SHORT, Term.LONG)
    sales = [
        _sale(start + dt.timedelta(days=10 * i), (-1) ** i * 700.0 * (i % 5), terms[i % 2])
        for i in range(73)
    ]
    days = ScanDayTax(model)
    for offset in range(0, 730, 3):
        day = start + dt.timedelta(days=offset)
        known = [g for g in sales if g.date <= day]
        if len(known) == 41:  # sale 39, read unwashed on earlier days, is washed in full
            sales[39] = _sale(sales[39].date, float(sales[39].gain), sales[39].term, 2800.0)
            known[39] = sales[39]
        this_year = [g for g in known if g.date.year == day.year]
        short = sum(float(g.deductible_gain) for g in this_year if g.term is Term.SHORT)
        long = sum(float(g.deductible_gain) for g in this_year if g.term is Term.LONG)
        nets = net_gains_by_year(g for g in known if g.date.year < day.year)
        carry = Carryforward()
        if nets:
            carry = taxes_by_year(model, nets, range(min(nets), day.year))[day.year - 1][1]
        expected = model.picture(short, long, carry.short_term, carry.long_term)
        assert days.case_tax(tuple(known), day).picture == expected, day
