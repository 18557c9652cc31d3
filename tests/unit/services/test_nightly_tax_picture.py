"""Scenarios: a taxable account's nightly case carries its household's tax picture, built
from the tax profile (realized gains this year, loss carryforward) and the tax-picture
settings, and the engine reads the same picture back from the recorded JSON."""

from __future__ import annotations

from decimal import Decimal as D

from trimtab.domain.accounts import TaxProfile
from trimtab.domain.settings_levels import Effective
from trimtab.engine import parse_case
from trimtab.services.nightly_analysis import case_tax

PROFILE = TaxProfile(
    "H-1",
    D("0.37"),
    D("0.20"),
    realized_short_ytd=D("-1200.50"),
    realized_long_ytd=D("25000"),
    loss_carryforward=D("8000"),
)


def settings(**values: object) -> dict[str, Effective]:
    return {name: Effective(name, value, ()) for name, value in values.items()}  # type: ignore[arg-type]


def test_the_profile_alone_gives_its_realized_gains_and_carryforward() -> None:
    tax, rates = case_tax(PROFILE, {})
    assert tax == {
        "short_term_rate": 0.37,
        "long_term_rate": 0.2,
        # The carryforward's character is unknown to the profile: long-term by default.
        "picture": {
            "realized_short_ytd": -1200.5,
            "realized_long_ytd": 25000.0,
            "carryforward_long": 8000.0,
        },
    }
    assert rates.picture is not None
    # 25,000 long − 8,000 carried − 1,200.50 short: a long-term gain is still taxed, so a
    # short-term loss saves the long-term rate.
    assert rates.picture.marginal().short_loss == D("0.2")


def test_the_settings_add_outside_gains_the_carryforwards_character_and_state_tax() -> None:
    tax, rates = case_tax(
        PROFILE,
        settings(
            outside_gains="$50,000",
            outside_short_share="30%",
            carryforward_short_share=0.25,
            state_tax_rate=0.05,
            carryforward_discount=0.08,
        ),
    )
    assert tax == {
        "short_term_rate": 0.42,
        "long_term_rate": 0.25,
        "picture": {
            "realized_short_ytd": -1200.5,
            "realized_long_ytd": 25000.0,
            "outside_short": 15000.0,
            "outside_long": 35000.0,
            "carryforward_short": 2000.0,
            "carryforward_long": 6000.0,
            "carryforward_discount": 0.08,
        },
    }
    assert rates.picture is not None
    # Short-term: −1,200.50 + 15,000 − 2,000 is a gain: a short-term loss saves 42%.
    assert rates.picture.marginal().short_loss == D("0.42")


def test_the_engine_reads_back_the_picture_the_night_built() -> None:
    tax, rates = case_tax(PROFILE, settings(outside_gains=10_000, state_tax_rate="3%"))
    case, problems = parse_case(
        {
            "as_of": "2026-11-20",
            "account": {"id": "A-1", "tax_status": "taxable", "cash": 1000.0},
            "tax": tax,
        }
    )
    assert problems == []
    assert case is not None
    assert case.tax == rates


def test_rates_of_one_or_more_go_to_the_parser_to_be_refused_by_name() -> None:
    tax, rates = case_tax(PROFILE, settings(state_tax_rate=0.9))
    assert "picture" not in tax
    assert rates.picture is None
    _case, problems = parse_case(
        {"as_of": "2026-11-20", "account": {"id": "A", "tax_status": "taxable", "cash": 1.0},
         "tax": tax}
    )  # fmt: skip
    assert [p.path for p in problems] == ["tax.short_term_rate", "tax.long_term_rate"]
