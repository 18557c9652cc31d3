"""Scenarios: a percentage setting reads the same whether written as a fraction or a
percent, from a profile on the command line (text) or from JSON (a number)."""

from __future__ import annotations

import pytest

from trimtab.domain.calibration import VOCABULARY, SettingKind, resolve_parameters
from trimtab.domain.settings_catalog import validate_setting
from trimtab.simulate.profiles import parse_profile

FRACTIONS = [n for n, s in VOCABULARY.items() if s.kind is SettingKind.FRACTION]


def _read(settings: dict[str, object]) -> object:
    params, problems = resolve_parameters(
        settings, {}, account_value=1_000_000.0, tax_status="taxable"
    )
    assert problems == []
    return params


@pytest.mark.parametrize("name", FRACTIONS)
def test_a_fraction_as_text_reads_as_its_percent_and_its_number(name: str) -> None:
    assert _read({name: "0.02"}) == _read({name: "2%"}) == _read({name: 0.02})


def test_a_profile_accepts_the_form_its_message_suggests() -> None:
    fraction, problems = parse_profile("mine:cash_target=0.02")
    percent, _ = parse_profile("mine:cash_target=2%")

    assert problems == []
    assert _read(dict(fraction.settings)) == _read(dict(percent.settings))


@pytest.mark.parametrize("text", ["1.5", "-0.01", "2 %%", "two", "0.02.1", "nan", "inf"])
def test_a_fraction_outside_0_to_1_or_not_a_number_is_still_refused(text: str) -> None:
    _, problems = parse_profile(f"mine:cash_target={text}")

    assert [p.message for p in problems], text


def test_settings_set_takes_a_fraction_as_text_too() -> None:
    assert validate_setting("cash_target", "0.02") == []
    assert validate_setting("cash_range", ["0.01", "5%"]) == []
