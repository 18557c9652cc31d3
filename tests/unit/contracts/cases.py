"""The documents the contract tests start from: the shipped examples, read fresh each time."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_CASES = sorted((ROOT / "examples" / "cases").glob("*.json"))
LEDGER_EXAMPLE = ROOT / "tests" / "unit" / "ledger" / "spec_example.json"
SCHEMAS = ("rebalance-case", "rebalance-result", "ledger-replay", "ledger-replay-result")


def spec_case() -> dict[str, Any]:
    """The contract's own example case (a taxable account, a must-sell, a wash group)."""
    data: dict[str, Any] = json.loads((ROOT / "examples/cases/spec-example.json").read_text())
    return data


def spec_history() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(LEDGER_EXAMPLE.read_text())
    return data


def schema(name: str) -> dict[str, Any]:
    """A published schema, read from the installed package as a user would."""
    text = resources.files("trimtab").joinpath("contracts", f"{name}.schema.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data
