"""Scenarios: a setting's value is checked against the catalog and recorded in the
catalog's spelling, so `HIGH`, `b` and `NO_BUY` mean what they say, `NOSUCH` and a
ticker the firm does not know are refused, and a negative amount is refused by name.
"""

from __future__ import annotations

import pytest

from trimtab.domain.bulk_changes import BulkChangeRequest
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import (
    COMMISSION_SCHEDULES,
    SettingValue,
    check_restriction_security,
    normalize_value,
    validate_setting,
)
from trimtab.domain.settings_levels import ChangeRequest, Scope

FIRM = Scope(Level.FIRM, "F")


def test_an_unknown_commission_schedule_is_refused_naming_the_schedules() -> None:
    (problem,) = validate_setting("commission_schedule", "NOSUCH")

    assert "NOSUCH" in problem.message
    assert all(name in problem.message for name in COMMISSION_SCHEDULES)


@pytest.mark.parametrize(
    ("setting", "typed", "recorded"),
    [
        ("tax_sensitivity", "HIGH", "high"),
        ("loss_harvesting", "Year-Round", "year_round"),
        ("commission_schedule", "b", "B"),
        ("commission_schedule", "STANDARD", "standard"),
        ("restriction.IBM", "NO_BUY", "no_buy"),
        ("restriction.IBM", "must-sell", "must_sell"),
        ("review_above_value", "OFF", "off"),
        ("turnover_limit", "Off", "off"),
        ("min_trade", 500, 500),
        ("cash_range", ("1%", "5%"), ("1%", "5%")),
    ],
)
def test_a_value_is_recorded_in_the_catalogs_spelling(
    setting: str, typed: SettingValue, recorded: SettingValue
) -> None:
    assert validate_setting(setting, typed) == []
    assert normalize_value(setting, typed) == recorded
    assert ChangeRequest(setting, FIRM, typed, "why").value == recorded
    bulk = BulkChangeRequest(setting, typed, "true", "why")
    assert bulk.value == recorded


def test_a_value_outside_the_catalog_is_left_as_typed_for_the_refusal_to_quote() -> None:
    assert normalize_value("tax_sensitivity", "HI") == "HI"
    assert validate_setting("tax_sensitivity", "HI") != []


def test_a_restriction_on_a_ticker_the_security_master_lacks_is_refused() -> None:
    known = {"IBM", "AAPL"}.__contains__

    (problem,) = check_restriction_security("restriction.ZZZZ", known)

    assert problem.path == "settings.restriction.ZZZZ"
    assert "ZZZZ is not in the security master" in problem.message
    assert check_restriction_security("restriction.IBM", known) == []
    assert check_restriction_security("tax_sensitivity", known) == []


@pytest.mark.parametrize("setting", ["min_trade", "harvest_min_loss", "review_above_value"])
def test_a_negative_amount_is_refused_with_a_clear_message(setting: str) -> None:
    (problem,) = validate_setting(setting, -100)

    assert "-100" in problem.message
    assert "0" in problem.message
