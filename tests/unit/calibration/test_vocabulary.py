"""The settings vocabulary: every word maps, bad input is named, explicit values win.

Scenarios are written the way a firm states intent ("tax sensitivity: high", "keep 2%
cash"), and the expectations are read from `VOCABULARY`, the one table, never copied.
"""

from __future__ import annotations

import pytest

from trimtab.domain.calibration import (
    APPLIED_WHEN_STATED,
    VOCABULARY,
    ResolvedParameters,
    SettingKind,
    describe,
    largest_gain_fraction,
    resolve_parameters,
)
from trimtab.domain.problems import Problem

MILLION = 1_000_000.0
CHOICE_SETTINGS = [name for name, s in VOCABULARY.items() if s.kind is SettingKind.CHOICE]
EVERY_WORD = [(name, word) for name in CHOICE_SETTINGS for word in VOCABULARY[name].choices]


def resolve(
    settings: dict[str, object] | None = None,
    explicit: dict[str, object] | None = None,
    *,
    account_value: float = MILLION,
    tax_status: str = "taxable",
) -> tuple[ResolvedParameters, list[Problem]]:
    return resolve_parameters(
        settings or {}, explicit or {}, account_value=account_value, tax_status=tax_status
    )


def paths(problems: list[Problem]) -> list[str]:
    return [p.path for p in problems]


@pytest.mark.parametrize(("setting", "word"), EVERY_WORD)
def test_every_word_resolves_to_its_table_values(setting: str, word: str) -> None:
    params, problems = resolve({setting: word})

    assert problems == []
    for parameter, value in VOCABULARY[setting].choices[word].items():
        if parameter in ResolvedParameters.__dataclass_fields__:
            assert getattr(params, parameter) == value, (setting, word, parameter)
    assert resolve({setting: word}) == (params, problems), "resolution is deterministic"


@pytest.mark.parametrize("setting", CHOICE_SETTINGS)
def test_each_word_of_a_setting_means_something_different(setting: str) -> None:
    resolved = {word: resolve({setting: word})[0] for word in VOCABULARY[setting].choices}

    assert len(set(resolved.values())) == len(resolved)


@pytest.mark.parametrize(
    ("written", "word"),
    [("High", "high"), (" MAXIMUM ", "maximum"), ("year-round", "year_round"), (True, "yes")],
)
def test_words_are_read_the_way_people_write_them(written: object, word: str) -> None:
    setting = {"high": "tax_sensitivity", "maximum": "tax_sensitivity"}.get(word)
    setting = setting or {"year_round": "loss_harvesting", "yes": "whole_shares"}[word]

    assert resolve({setting: written}) == resolve({setting: word})


@pytest.mark.parametrize("setting", CHOICE_SETTINGS)
def test_an_unknown_word_names_the_setting_and_the_allowed_words(setting: str) -> None:
    params, problems = resolve({setting: "sometimes"})

    assert paths(problems) == [f"settings.{setting}"]
    message = problems[0].message
    assert all(word in message for word in VOCABULARY[setting].choices)
    assert "'sometimes'" in message
    assert params == resolve()[0], "a bad word falls back to the default"


def test_the_briefs_example_message_for_tax_sensitivity() -> None:
    _, problems = resolve({"tax_sensitivity": "hi"})

    assert problems == [
        Problem(
            "settings.tax_sensitivity",
            "must be one of none, low, medium, high, maximum; got 'hi'",
        )
    ]


def test_every_problem_in_a_case_is_reported_at_once() -> None:
    _, problems = resolve(
        {
            "tax_sensitivity": 3,
            "cash_target": "lots",
            "min_trade": "-$5",
            "turnover_limit": "150%",
            "colour": "blue",
        },
        {"drift_weight": -1, "whole_shares": "yes", "speed": 9},
    )

    assert sorted(paths(problems)) == sorted(
        [
            "settings.tax_sensitivity",
            "settings.cash_target",
            "settings.min_trade",
            "settings.turnover_limit",
            "settings.colour",
            "parameters.drift_weight",
            "parameters.whole_shares",
            "parameters.speed",
        ]
    )


def test_amounts_and_percents_read_like_a_firm_writes_them() -> None:
    written, _ = resolve(
        {
            "cash_target": "3%",
            "cash_range": ["1.5%", "6%"],
            "min_trade": "$2,500",
            "raise_cash": "$25,000",
            "turnover_limit": "10%",
        }
    )
    numeric, _ = resolve(
        {
            "cash_target": 0.03,
            "cash_range": [0.015, 0.06],
            "min_trade": 2500,
            "raise_cash": 25_000,
            "turnover_limit": 0.1,
        }
    )

    assert written == numeric
    assert (written.min_cash, written.max_cash) == (0.015, 0.06)
    assert written.withdrawal == 25_000
    assert written.max_turnover == pytest.approx(0.1)


def test_keep_two_percent_cash_gives_a_range_around_it() -> None:
    params, _ = resolve({"cash_target": "2%"})

    assert params.min_cash < 0.02 < params.max_cash


def test_minimum_trade_is_the_larger_of_dollars_and_share_of_the_account() -> None:
    small, _ = resolve({"min_trade": 250, "min_trade_pct": "0.1%"}, account_value=50_000)
    large, _ = resolve({"min_trade": 250, "min_trade_pct": "0.1%"}, account_value=2_000_000)

    assert small.min_trade_value == 250  # 0.1% of $50,000 is only $50
    assert large.min_trade_value == pytest.approx(2_000)


def test_the_default_minimum_trade_is_not_zero_so_there_is_no_dust() -> None:
    for account_value in (10_000.0, MILLION, 50 * MILLION):
        params, _ = resolve(account_value=account_value)
        assert params.min_trade_value > 0


def test_gain_budget_is_what_remains_of_the_annual_budget() -> None:
    params, _ = resolve({"annual_gain_budget": "$20,000", "realized_gains_ytd": 12_500})
    spent, _ = resolve({"annual_gain_budget": 20_000, "realized_gains_ytd": 31_000})
    no_budget, _ = resolve({"realized_gains_ytd": 31_000})

    assert params.gain_budget == 7_500
    assert spent.gain_budget == 0, "a spent budget stops gains, it does not force losses"
    assert no_budget.gain_budget is None


@pytest.mark.parametrize("tax_status", ["tax_deferred", "tax_exempt"])
def test_a_gain_budget_does_not_apply_where_gains_are_not_taxed(tax_status: str) -> None:
    params, problems = resolve({"annual_gain_budget": 20_000}, tax_status=tax_status)

    assert problems == []
    assert params.gain_budget is None


def test_loss_harvesting_off_gives_losses_no_value_at_any_tax_sensitivity() -> None:
    for word in VOCABULARY["tax_sensitivity"].choices:
        params, _ = resolve({"tax_sensitivity": word, "loss_harvesting": "off"})
        assert params.harvest_value == 0


def test_a_case_that_does_not_state_loss_harvesting_gets_the_spec_objective() -> None:
    # Outside reviewers check objective.total with the contract's formula, in which every
    # loss lot counts: the engine's own harvest rules must be off unless stated.
    for settings in ({}, {"tax_sensitivity": "high"}, {"loss_harvesting": "hmm"}):
        params, _ = resolve(settings)

        assert params.harvest_min_loss == 0
        assert params.harvest_min_loss_pct == 0
        assert params.harvest_requires_swap is False
    assert "loss_harvesting" in APPLIED_WHEN_STATED, "so the nightly run states it"


def test_the_firms_harvesting_words_turn_the_harvest_rules_on_only_when_stated() -> None:
    opportunistic = resolve({"loss_harvesting": "opportunistic"})[0]
    year_round = resolve({"loss_harvesting": "year_round"})[0]
    table = VOCABULARY["loss_harvesting"].choices

    assert opportunistic.harvest_min_loss == table["opportunistic"]["harvest_min_loss"] > 0
    assert opportunistic.harvest_requires_swap is True
    assert year_round.harvest_requires_swap is False
    # A threshold stated on its own applies without the word.
    assert resolve({"harvest_min_loss": 250})[0].harvest_min_loss == 250


def test_harvest_minimums_set_directly_win_over_the_harvesting_word() -> None:
    params, _ = resolve(
        {"loss_harvesting": "year_round", "harvest_min_loss": "$750", "harvest_min_loss_pct": "4%"}
    )
    year_round = VOCABULARY["loss_harvesting"].choices["year_round"]

    assert (params.harvest_min_loss, params.harvest_min_loss_pct) == (750, 0.04)
    assert params.harvest_min_loss != year_round["harvest_min_loss"]


def test_explicit_parameters_override_what_settings_translate_to() -> None:
    params, problems = resolve(
        {"tax_sensitivity": "maximum", "drift_tolerance": "loose", "whole_shares": "yes"},
        {"drift_weight": 0.3, "default_band": 0.005, "whole_shares": False, "gain_budget": None},
    )

    assert problems == []
    assert (params.drift_weight, params.default_band, params.whole_shares) == (0.3, 0.005, False)
    maximum = VOCABULARY["tax_sensitivity"].choices["maximum"]
    assert params.harvest_value == maximum["harvest_value"], "what is not overridden stays"


def test_the_resolved_parameters_reproduce_themselves_when_given_back() -> None:
    settings = {"tax_sensitivity": "high", "turnover_limit": "5%", "tracking_error": "medium"}
    first, _ = resolve(settings, account_value=750_000)

    again, problems = resolve({}, first.as_dict(), account_value=1.0, tax_status="tax_exempt")

    assert problems == []
    assert again == first
    assert set(first.as_dict()) == set(ResolvedParameters.__dataclass_fields__)


@pytest.mark.parametrize(
    ("explicit", "path"),
    [
        ({"harvest_value": 1.5}, "parameters.harvest_value"),
        ({"min_cash": -0.01}, "parameters.min_cash"),
        ({"max_turnover": 2}, "parameters.max_turnover"),
        ({"min_trade_value": float("nan")}, "parameters.min_trade_value"),
        ({"withdrawal": "25000"}, "parameters.withdrawal"),
        ({"drift_weight": None}, "parameters.drift_weight"),
        ({"default_band": True}, "parameters.default_band"),
        ({"min_cash": 0.2, "max_cash": 0.1}, "parameters.min_cash"),
        ({"max_cash": 0.001}, "parameters.max_cash"),
    ],
)
def test_explicit_values_are_checked_for_type_and_range(
    explicit: dict[str, object], path: str
) -> None:
    params, problems = resolve({}, explicit)

    assert paths(problems) == [path]
    assert params.min_cash <= params.max_cash, "even with problems the result is coherent"


def test_a_cash_range_upside_down_is_reported_on_the_setting() -> None:
    _, problems = resolve({"cash_range": ["6%", "2%"]})

    assert paths(problems) == ["settings.cash_range"]


def test_an_unknown_tax_status_is_reported() -> None:
    _, problems = resolve(tax_status="offshore")

    assert paths(problems) == ["account.tax_status"]


def test_empty_settings_suit_a_typical_taxable_account() -> None:
    params, problems = resolve()

    assert problems == []
    assert 0 < params.default_band <= 0.05
    assert 0 < params.min_cash < params.max_cash < 0.1
    assert 0 < params.harvest_value < 1
    # Tax-aware but not frozen: a long-term gain of a third of a sale is still sold.
    assert 0.2 < largest_gain_fraction(params.drift_weight, 0.238) < 1
    assert params.max_turnover is None
    assert params.gain_budget is None
    assert params.withdrawal == 0
    assert params.tracking_error_weight == 0


@pytest.mark.parametrize(("setting", "word"), EVERY_WORD)
def test_every_word_has_a_meaning_sentence(setting: str, word: str) -> None:
    meanings = {m.setting: m for m in describe({setting: word}, account_value=MILLION)}

    assert set(meanings) == set(VOCABULARY), "every setting is described"
    meaning = meanings[setting]
    assert meaning.value == word
    assert not meaning.defaulted
    assert meaning.meaning.endswith(".")
    for other in set(VOCABULARY[setting].choices) - {word}:
        other_meaning = next(m for m in describe({setting: other}) if m.setting == setting)
        assert other_meaning.meaning != meaning.meaning, f"{word} and {other} read the same"


def test_meaning_sentences_carry_the_numbers_the_optimizer_uses() -> None:
    stated = {"tax_sensitivity": "high", "loss_harvesting": "opportunistic"}
    meanings = {m.setting: m.meaning for m in describe(stated)}
    params, _ = resolve(stated)
    long_term = largest_gain_fraction(params.drift_weight, 0.238)

    assert f"${1 / params.drift_weight:,.0f} for each $1 of tax" in meanings["tax_sensitivity"]
    assert f"{long_term * 100:.1f}%" in meanings["tax_sensitivity"]
    assert f"{params.harvest_value * 100:.0f}%" in meanings["tax_sensitivity"]
    harvest = meanings["loss_harvesting"]
    assert f"${params.harvest_min_loss:,.0f}" in harvest
    assert f"{params.harvest_min_loss_pct * 100:.0f}%" in harvest


def test_meanings_put_the_minimum_trade_in_the_accounts_dollars() -> None:
    meanings = {m.setting: m.meaning for m in describe({}, account_value=2_000_000)}
    params, _ = resolve(account_value=2_000_000)

    assert f"${params.min_trade_value:,.0f} here" in meanings["min_trade_pct"]


def test_an_unreadable_setting_is_described_at_its_default() -> None:
    meanings = {m.setting: m for m in describe({"drift_tolerance": "very"})}

    assert meanings["drift_tolerance"].defaulted
    assert meanings["drift_tolerance"].value == VOCABULARY["drift_tolerance"].default


def test_tracking_error_aversion_is_priced_in_the_accounts_dollars() -> None:
    per_dollar = VOCABULARY["tracking_error"].choices["medium"]["te_weight_per_dollar"]
    small, _ = resolve({"tracking_error": "medium"}, account_value=100_000)
    large, _ = resolve({"tracking_error": "medium"}, account_value=5_000_000)

    assert small.tracking_error_weight == per_dollar * 100_000
    assert large.tracking_error_weight == 50 * small.tracking_error_weight
