"""The tax picture's settings: what the catalog accepts, refuses and defaults to."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trimtab.domain.settings_catalog import (
    default_value,
    known_settings,
    tax_setting,
    validate_setting,
)


def test_each_tax_picture_setting_is_known_with_its_default() -> None:
    defaults = {
        "outside_gains": 0.0,
        "outside_short_share": 0.0,
        "carryforward_short_share": 0.0,
        "state_tax_rate": 0.0,
        "carryforward_discount": 0.05,
    }
    assert set(defaults) <= set(known_settings())
    assert {name: default_value(name) for name in defaults} == defaults


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("outside_gains", 250000, D(250000)),
        ("outside_gains", "$1,250,000", D(1250000)),
        ("outside_short_share", "30%", D("0.30")),
        ("state_tax_rate", 0.0133, D("0.0133")),
        ("carryforward_discount", 0, D(0)),
    ],
)
def test_numbers_and_percents_are_accepted_and_read_as_decimals(
    name: str, value: object, read: D
) -> None:
    assert validate_setting(name, value) == []
    assert tax_setting(name, value) == read  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("outside_gains", -5, "must be a dollars amount ≥ 0 like 25000; got -5"),
        ("outside_gains", "lots", "must be a dollars amount ≥ 0 like 25000; got 'lots'"),
        ("outside_short_share", 1.5, "must be a fraction between 0 and 1 (or a percent); got 1.5"),
        ("state_tax_rate", "off", "must be a fraction amount ≥ 0 like 0.05 or '5%'; got 'off'"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(name: str, value: object, message: str) -> None:
    assert [(p.path, p.message) for p in validate_setting(name, value)] == [
        (f"settings.{name}", message)
    ]
