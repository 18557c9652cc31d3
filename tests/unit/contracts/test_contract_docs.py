"""The contract documents live in the repository, name every field, and point to the schemas.

The docs used to point to `shared/spec/*.md`, outside the repository. Now each contract
is `docs/contracts/<name>.md`, versioned with the code; this test fails if a link to the
old place comes back, if a schema field goes undocumented, or if a document's schema
link leads nowhere.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.contracts.cases import ROOT, schema
from trimtab.engine.case import CASE_FIELDS

DOCS = {
    "rebalance-case": ("rebalance-case", "rebalance-result"),
    "ledger-replay": ("ledger-replay", "ledger-replay-result"),
}


def _text(name: str) -> str:
    return (ROOT / "docs" / "contracts" / f"{name}.md").read_text()


def _field_names(node: object) -> set[str]:
    """Every property name anywhere in a schema (settings are docs/calibration.md's)."""
    if isinstance(node, list):
        return {n for item in node for n in _field_names(item)}
    if not isinstance(node, dict):
        return set()
    names = {n for value in node.values() for n in _field_names(value)}
    properties: dict[str, Any] = node.get("properties", {})
    if "tax_sensitivity" not in properties:
        names |= set(properties)
    return names


def test_no_document_points_outside_the_repository() -> None:
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    stale = [str(p.relative_to(ROOT)) for p in documents if "shared/spec" in p.read_text()]
    assert stale == []


@pytest.mark.parametrize("doc", DOCS)
def test_each_contract_links_its_schemas_and_they_exist(doc: str) -> None:
    links = set(re.findall(r"\]\(([^)]+\.schema\.json)\)", _text(doc)))

    assert links == {f"../../src/trimtab/contracts/{name}.schema.json" for name in DOCS[doc]}
    for link in links:
        assert (ROOT / "docs" / "contracts" / link).resolve().is_file()


@pytest.mark.parametrize("doc", DOCS)
def test_each_contract_names_every_field_of_its_schemas(doc: str) -> None:
    text = _text(doc)
    names = {n for name in DOCS[doc] for n in _field_names(schema(name))}

    # Named as `field`, `list[]`, `object.field` or `list[].field`.
    undocumented = sorted(n for n in names if not re.search(rf"[`.]{n}(`|\[\]|\.)", text))
    assert undocumented == []


def test_the_case_contract_states_the_rounding_tolerance_and_the_strictness() -> None:
    text = _text("rebalance-case")

    assert "**1e-4**" in text
    assert "TARGET_SUM_TOLERANCE" in text
    assert "unknown field 'setings' (did you mean 'settings'?)" in text
    assert set(CASE_FIELDS["parameters"]) <= set(re.findall(r"`(\w+)`", text))


def test_the_engine_and_ledger_guides_point_to_the_contracts() -> None:
    assert "contracts/rebalance-case.md" in (ROOT / "docs" / "engine.md").read_text()
    assert "contracts/ledger-replay.md" in (ROOT / "docs" / "ledger.md").read_text()
    assert "ignored" not in (ROOT / "docs" / "ledger.md").read_text()
