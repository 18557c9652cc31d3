"""Both public contracts refuse a field they do not define, at every level, with the fix.

Before, `"setings"` gave an optimal answer with default parameters and `"must_sel": true`
silently dropped a must-sell restriction; a misspelt transaction field was ignored the
same way. Each scenario below would pass again if either parser went back to ignoring.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.contracts.cases import spec_case, spec_history
from trimtab.engine import optimize_json, parse_case
from trimtab.services.optimize_cases import EXIT_INVALID, answer_case_text, exit_code
from trimtab.services.replay_history import EXIT_INVALID as REPLAY_INVALID
from trimtab.services.replay_history import replay_history


def _errors(case: dict[str, Any]) -> dict[str, str]:
    _case, problems = parse_case(case)
    return {p.path: p.message for p in problems}


def test_a_misspelt_settings_object_is_invalid_not_silently_defaulted() -> None:
    case = spec_case()
    case["setings"] = case.pop("settings")

    result = answer_case_text(json.dumps(case), source="case.json")

    assert result["status"] == "invalid"
    assert result["errors"] == [
        {"path": "setings", "message": "unknown field 'setings' (did you mean 'settings'?)"}
    ]
    assert exit_code([result]) == EXIT_INVALID


def test_a_misspelt_must_sell_no_longer_drops_the_restriction() -> None:
    case = spec_case()
    xom = case["securities"][2]
    xom["must_sel"] = xom.pop("must_sell")

    assert optimize_json(case)["status"] == "invalid"
    assert _errors(case) == {
        "securities[2].must_sel": "unknown field 'must_sel' (did you mean 'must_sell'?)"
    }


@pytest.mark.parametrize(
    ("where", "typo", "path", "suggestion"),
    [
        (("account",), "tax_staus", "account.tax_staus", "tax_status"),
        (("tax",), "long_term_rat", "tax.long_term_rat", "long_term_rate"),
        (("groups", 0), "targte", "groups[0].targte", "target"),
        (("lots", 1), "cost_basic", "lots[1].cost_basic", "cost_basis"),
        (("recent_trades", 0), "realised_gain", "recent_trades[0].realised_gain", "realized_gain"),
        (("settings",), "tax_sensitivty", "settings.tax_sensitivty", "tax_sensitivity"),
        (("parameters",), "min_csh", "parameters.min_csh", "min_cash"),
    ],
)
def test_every_level_of_a_case_names_the_unknown_field_at_its_path(
    where: tuple[str | int, ...], typo: str, path: str, suggestion: str
) -> None:
    case = spec_case()
    target: Any = case
    for step in where:
        target = target[step]
    target[typo] = 1

    assert _errors(case) == {path: f"unknown field {typo!r} (did you mean {suggestion!r}?)"}


def test_a_factor_model_field_outside_the_contract_is_invalid() -> None:
    case = spec_case()
    case["factor_model"] = {"factors": [], "covariance": [], "betas": {}}

    assert _errors(case) == {
        "factor_model.betas": "unknown field 'betas' (known: 'factors', 'exposures', "
        "'covariance', 'specific_variance')"
    }


def test_every_unknown_field_is_reported_at_once_with_the_other_mistakes() -> None:
    case = spec_case()
    case["comment"] = "from ticket 4711"
    case["lots"][0]["quantity"] = -1
    case["lots"][0]["note"] = "x"

    errors = _errors(case)

    assert set(errors) == {"comment", "lots[0].quantity", "lots[0].note"}
    assert errors["comment"].startswith("unknown field 'comment' (known: 'as_of', 'account'")


def test_a_very_long_unknown_key_is_cut_in_the_message() -> None:
    case = spec_case()
    case["x" * 100_000] = 1

    [(path, message)] = _errors(case).items()

    assert path == "x" * 37 + "..."
    assert len(message) < 400


def test_the_case_with_only_contract_fields_still_parses() -> None:
    case, problems = parse_case(spec_case())
    assert problems == []
    assert case is not None


# -- ledger replay -------------------------------------------------------------------------


def _replay_errors(history: dict[str, Any]) -> list[dict[str, Any]]:
    answer = replay_history(json.dumps(history))
    assert answer.exit_code == REPLAY_INVALID
    assert answer.body["status"] == "invalid"
    errors: list[dict[str, Any]] = answer.body["errors"]
    return errors


def test_a_misspelt_top_level_field_of_a_history_is_invalid() -> None:
    history = spec_history()
    history["wash_group"] = history.pop("wash_groups")

    assert _replay_errors(history) == [
        {
            "path": "wash_group",
            "index": None,
            "field": "wash_group",
            "message": "unknown field 'wash_group' (did you mean 'wash_groups'?)",
        }
    ]


def test_a_misspelt_transaction_field_names_its_index_and_field() -> None:
    history = spec_history()
    history["transactions"][1]["lot"] = [{"acquired": "2025-01-02", "quantity": 100}]

    assert _replay_errors(history) == [
        {
            "path": "transactions[1].lot",
            "index": 1,
            "field": "lot",
            "message": "unknown field 'lot' (did you mean 'lots'?)",
        }
    ]


def test_a_field_of_another_action_is_refused_not_ignored() -> None:
    history = spec_history()
    history["transactions"][0]["ratio"] = 2  # a buy has no ratio: a split was meant?

    [error] = _replay_errors(history)

    assert (error["index"], error["field"]) == (0, "ratio")
    assert error["message"] == (
        "'ratio' is not a field of a buy (a buy has date, account, security, action, "
        "quantity, price)"
    )


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda h: h["accounts"][1].update(tax_stauts="x"),
            "accounts[1].tax_stauts",
            "unknown field 'tax_stauts' (did you mean 'tax_status'?)",
        ),
        (
            lambda h: h["transactions"][1].update(
                lots=[{"acquired": "2025-01-02", "quantity": 100, "qunatity": 1}]
            ),
            "transactions[1].lots[0].qunatity",
            "unknown field 'qunatity' (did you mean 'quantity'?)",
        ),
        (
            lambda h: h["transactions"][4].update(cash_per_shar=5),
            "transactions[4].cash_per_shar",
            "unknown field 'cash_per_shar' (did you mean 'cash_per_share'?)",
        ),
    ],
)
def test_every_level_of_a_history_names_the_unknown_field(
    change: Any, path: str, message: str
) -> None:
    history = spec_history()
    change(history)

    assert [(e["path"], e["message"]) for e in _replay_errors(history)] == [(path, message)]


def test_the_history_with_only_contract_fields_still_replays() -> None:
    answer = replay_history(json.dumps(spec_history()))
    assert answer.body["status"] == "ok"


@pytest.mark.parametrize("setting", ["cash_target", "min_trade", "tax_sensitivity"])
def test_a_null_setting_reads_as_not_stated_not_as_an_error(setting: str) -> None:
    # `"cash_target": null` used to end in status "error" (a TypeError in calibration).
    case = spec_case()
    case["settings"][setting] = None
    without = spec_case()
    without["settings"].pop(setting, None)

    answer = answer_case_text(json.dumps(case), source="case.json")

    assert answer["status"] == "optimal"
    assert answer["trades"] == answer_case_text(json.dumps(without), source="c.json")["trades"]
