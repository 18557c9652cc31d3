"""The published JSON Schemas describe the documents the tests and the engine really use.

Every example and fixture case validates against the case schema, every answer against
the result schema, and documents the parsers refuse (unknown fields, wrong types, missing
fields) fail the schema too, so an outside reviewer validating with the schema and
trimtab's own parser agree.

Needs `jsonschema` (a test-only dependency, in the `dev` extra).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from bench.cases import direct_index_account, in_band_account, model_account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import ledger_histories, rebalance_cases
from tests.unit.contracts.cases import (
    EXAMPLE_CASES,
    LEDGER_EXAMPLE,
    ROOT,
    SCHEMAS,
    schema,
    spec_case,
    spec_history,
)
from trimtab.engine import optimize_json, parse_case
from trimtab.services.replay_history import replay_history

Validator = jsonschema.Draft202012Validator
FIXTURE_CASES = [*EXAMPLE_CASES, *sorted(ROOT.glob("tests/**/cases/*.json"))]


def _violations(name: str, document: object) -> list[str]:
    found = Validator(schema(name)).iter_errors(document)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


@pytest.mark.parametrize("name", SCHEMAS)
def test_each_published_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    Validator.check_schema(schema(name))


@pytest.mark.parametrize("path", FIXTURE_CASES, ids=lambda p: p.name)
def test_every_fixture_case_and_its_answer_validate(path: Any) -> None:
    case = json.loads(path.read_text())

    assert _violations("rebalance-case", case) == []
    answer = optimize_json(case)
    assert answer["status"] in ("optimal", "infeasible")
    assert _violations("rebalance-result", answer) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: model_account(0),
        lambda: model_account(1, integer_rules=True),
        lambda: in_band_account(2),
        lambda: direct_index_account(0, integer_rules=True),
    ],
    ids=["model", "model-integer", "in-band", "direct-index"],
)
def test_the_benchmark_cases_and_their_answers_validate(make: Callable[[], Any]) -> None:
    case = make()

    assert _violations("rebalance-case", case) == []
    assert _violations("rebalance-result", optimize_json(case)) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.one_of(rebalance_cases(), rebalance_cases(integer_rules=True)))
def test_every_generated_case_validates_and_so_does_its_answer(case: dict[str, Any]) -> None:
    assert _violations("rebalance-case", case) == []
    assert _violations("rebalance-result", optimize_json(case)) == []


def test_an_invalid_answer_validates_against_the_result_schema() -> None:
    case = spec_case()
    case["setings"] = case.pop("settings")

    answer = optimize_json(case)

    assert answer["status"] == "invalid"
    assert _violations("rebalance-result", answer) == []


def _set(where: str, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for step in filter(None, where.split("/")):
            node = node[int(step) if step.isdigit() else step]
        node[key] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda document: document.pop(key)


BAD_CASES = {
    "misspelt settings": _set("", "setings", {}),
    "misspelt must_sell": _set("securities/2", "must_sel", True),
    "unknown lot field": _set("lots/0", "note", "x"),
    "unknown group field": _set("groups/0", "weight", 0.6),
    "unknown setting": _set("settings", "colour", "blue"),
    "unknown parameter": _set("parameters", "min_csh", 0.1),
    "price as text": _set("securities/0", "price", "512.30"),
    "negative quantity": _set("lots/1", "quantity", -25),
    "bad side": _set("recent_trades/0", "side", "short"),
    "bad tax status": _set("account", "tax_status", "roth"),
    "no account": _drop("account"),
}


@pytest.mark.parametrize("change", BAD_CASES.values(), ids=BAD_CASES.keys())
def test_a_case_the_parser_refuses_fails_the_schema_too(
    change: Callable[[dict[str, Any]], None],
) -> None:
    case = spec_case()
    change(case)

    assert parse_case(case)[1] != []
    assert _violations("rebalance-case", case) != []


def test_a_taxable_case_without_tax_rates_fails_both() -> None:
    case = spec_case()
    del case["tax"]

    assert parse_case(case)[1] != []
    assert _violations("rebalance-case", case) != []
    case["account"]["tax_status"] = "tax_exempt"
    assert parse_case(case)[1] == []
    assert _violations("rebalance-case", case) == []


# -- ledger replay -------------------------------------------------------------------------


def test_the_ledger_example_and_its_answer_validate() -> None:
    text = LEDGER_EXAMPLE.read_text()

    assert _violations("ledger-replay", json.loads(text)) == []
    answer = replay_history(text)
    assert answer.body["status"] == "ok"
    assert _violations("ledger-replay-result", answer.body) == []


@settings(max_examples=40, deadline=None)
@given(history=ledger_histories())
def test_every_generated_history_validates_and_so_does_its_answer(
    history: dict[str, Any],
) -> None:
    assert _violations("ledger-replay", history) == []
    answer = replay_history(json.dumps(history))
    assert _violations("ledger-replay-result", answer.body) == []


BAD_HISTORIES = {
    "misspelt wash_groups": _set("", "wash_group", {}),
    "unknown account field": _set("accounts/0", "type", "ira"),
    "misspelt quantity": _set("transactions/0", "qty", 100),
    "ratio on a buy": _set("transactions/0", "ratio", 2),
    "lots on a split": _set("transactions/2", "lots", []),
    "unknown action": _set("transactions/5", "action", "delist"),
    "price as text": _set("transactions/1", "price", "7.5"),
    "bad method": _set("", "method", "average"),
    "no transactions": _drop("transactions"),
}


@pytest.mark.parametrize("change", BAD_HISTORIES.values(), ids=BAD_HISTORIES.keys())
def test_a_history_the_parser_refuses_fails_the_schema_too(
    change: Callable[[dict[str, Any]], None],
) -> None:
    history = spec_history()
    change(history)

    answer = replay_history(json.dumps(history))
    assert answer.body["status"] == "invalid"
    assert _violations("ledger-replay", history) != []
    assert _violations("ledger-replay-result", answer.body) == []


def test_a_specific_identification_sell_validates() -> None:
    history = spec_history()
    history["transactions"][1] |= {
        "method": "specific",
        "lots": [{"acquired": "2025-01-02", "quantity": 100}],
    }

    assert _violations("ledger-replay", history) == []
    assert replay_history(json.dumps(history)).body["status"] == "ok"
