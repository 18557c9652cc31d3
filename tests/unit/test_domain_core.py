"""Scenarios for the domain value types: terms, restrictions, frozen-ness."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from trimtab.domain import (
    Account,
    Kind,
    Level,
    Restriction,
    TaxLot,
    TaxProfile,
    TaxStatus,
    Term,
    effective_restrictions,
    is_long_term,
)


def test_a_lot_is_long_term_only_after_more_than_one_year() -> None:
    bought = dt.date(2024, 3, 15)
    assert not is_long_term(bought, dt.date(2025, 3, 15))
    assert is_long_term(bought, dt.date(2025, 3, 16))


def test_leap_day_purchase_turns_long_term_on_first_of_march() -> None:
    bought = dt.date(2024, 2, 29)
    assert not is_long_term(bought, dt.date(2025, 2, 28))
    assert is_long_term(bought, dt.date(2025, 3, 1))


def test_wash_sale_replacement_uses_the_tacked_holding_period() -> None:
    lot = TaxLot(
        "L1",
        "A",
        "X",
        Decimal(100),
        Decimal(1050),
        acquired=dt.date(2025, 6, 20),
        holding_period_start=dt.date(2024, 6, 1),
    )
    assert lot.term_on(dt.date(2025, 7, 1)) is Term.LONG


def test_value_types_are_frozen_including_firm_fields() -> None:
    acct = Account("A", "H", TaxStatus.TAXABLE, fields={"paperwork": "incomplete"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        acct.tier = "Gold"  # type: ignore[misc]
    with pytest.raises(TypeError):
        acct.fields["paperwork"] = "complete"  # type: ignore[index]


def test_tax_rates_outside_zero_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match="short_term_rate"):
        TaxProfile("H", Decimal("1.2"), Decimal("0.2"))


def test_restrictions_combine_across_levels_and_specific_wins_conflicts() -> None:
    restrictions = [
        Restriction(Level.FIRM, "F", "IBM", Kind.NO_BUY, "firm watch list"),
        Restriction(Level.FIRM, "F", "XOM", Kind.NO_SELL, "firm hold"),
        Restriction(Level.ACCOUNT, "A", "XOM", Kind.MUST_SELL, "client instruction"),
        Restriction(Level.ACCOUNT, "OTHER", "AAPL", Kind.MUST_SELL, "another account"),
        Restriction(Level.PROGRAM, "ESG", "MO", Kind.NO_BUY, "tobacco screen"),
    ]
    got = effective_restrictions(restrictions, firm="F", program="ESG", household="H", account="A")
    assert got == {
        "IBM": frozenset({Kind.NO_BUY}),
        "XOM": frozenset({Kind.MUST_SELL}),
        "MO": frozenset({Kind.NO_BUY}),
    }


def test_a_restriction_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        Restriction(Level.FIRM, "F", "IBM", Kind.NO_BUY, " ")
