"""Statuses of the contract: optimal, infeasible with the rule named, invalid with paths."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.builders import two_fund_case
from trimtab.cli import app
from trimtab.engine import optimize_json

EXAMPLE = Path(__file__).parents[3] / "examples" / "cases" / "spec-example.json"


def test_the_spec_example_sells_the_must_sell_position_with_its_long_term_gain() -> None:
    result = optimize_json(json.loads(EXAMPLE.read_text()))
    assert result["status"] == "optimal"
    xom = next(t for t in result["trades"] if t["security"] == "XOM")
    assert xom["quantity"] == 25
    assert xom["mandated"] is True
    assert xom["lots"] == [{"lot": "L2", "quantity": 25.0, "realized_gain": 955.0, "term": "long"}]
    assert result["tax"]["estimated_tax"] == round(955.0 * 0.238, 2)


def test_a_withdrawal_beyond_what_can_be_sold_names_the_rule_and_the_numbers() -> None:
    case = two_fund_case(withdrawal=90000.0)
    case["lots"][0]["no_sell"] = True  # G1: $50,000 of stock
    result = optimize_json(case)
    assert result["status"] == "infeasible"
    reason = result["reason"]
    assert reason.startswith("withdrawal of $90,000 exceeds sellable value")
    # cash $2,000 + S1 $20,000 + B1 $28,000, less 0.1% trading cost on $48,000
    assert "$49,952" in reason
    assert "no-sell lots: G1" in reason


def test_a_must_sell_lot_that_is_no_sell_is_named() -> None:
    case = two_fund_case()
    case["securities"][2]["must_sell"] = True
    case["lots"][2]["no_sell"] = True
    result = optimize_json(case)
    assert result["status"] == "infeasible"
    assert "must-sell lots are also no-sell: B1" in result["reason"]


def test_a_gain_budget_the_mandates_break_reports_the_least_gain_possible() -> None:
    case = two_fund_case(gain_budget=100.0, max_cash=1.0)
    case["securities"][0]["must_sell"] = True
    result = optimize_json(case)
    assert result["status"] == "infeasible"
    # selling all STK: +$20,000 on G1, −$4,000 on S1
    assert "gain budget of $100 cannot be met" in result["reason"]
    assert "$16,000" in result["reason"]


def test_an_invalid_case_lists_every_error_with_its_path() -> None:
    case = two_fund_case()
    case["securities"][1]["price"] = -5
    case["lots"][0]["security"] = "NOPE"
    case["groups"][0]["buy"] = "BND"
    case["groups"][1]["target"] = 0.5
    case["account"]["tax_status"] = "roth"
    case["as_of"] = "2026-13-01"
    result = optimize_json(case)
    assert result["status"] == "invalid"
    paths = {e["path"] for e in result["errors"]}
    assert {
        "securities[1].price",
        "lots[0].security",
        "groups[0].buy",
        "groups",
        "account.tax_status",
        "as_of",
    } <= paths


def test_bad_settings_come_back_as_problems_with_their_path() -> None:
    case = two_fund_case()
    case["settings"] = {"tax_sensitivity": "hi"}
    result = optimize_json(case)
    assert result["status"] == "invalid"
    assert any(e["path"] == "settings.tax_sensitivity" for e in result["errors"])


def test_the_command_answers_several_cases_as_json_lines_in_order(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(two_fund_case()))
    lines = "\n".join([json.dumps({"as_of": "nope"}), json.dumps(two_fund_case())])
    result = CliRunner().invoke(app, ["optimize", str(good), "-", "missing.json"], input=lines)
    statuses = [json.loads(line)["status"] for line in result.stdout.splitlines()]
    assert statuses == ["optimal", "invalid", "optimal", "invalid"]
    assert result.exit_code == 2


def test_the_command_exits_zero_when_every_case_is_optimal_or_infeasible(
    tmp_path: Path,
) -> None:
    infeasible = two_fund_case(withdrawal=1e9 / 2)
    paths = []
    for name, case in (("a", two_fund_case()), ("b", infeasible)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(case))
    result = CliRunner().invoke(app, ["optimize", *map(str, paths)])
    assert [json.loads(x)["status"] for x in result.stdout.splitlines()] == [
        "optimal",
        "infeasible",
    ]
    assert result.exit_code == 0
