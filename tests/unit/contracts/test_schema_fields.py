"""The published schemas and the parsers agree on every field name, object by object.

The schemas close every object (`"additionalProperties": false`), the parsers refuse any
field they do not define; this test enumerates the schemas' property names and checks the
parsers know exactly those, so a field added to one and not the other fails here. It
needs no schema validator: it reads the schema documents as data.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.contracts.cases import SCHEMAS, schema, spec_case, spec_history
from trimtab.domain.calibration import VOCABULARY, SettingKind
from trimtab.engine import parse_case
from trimtab.engine.case import CASE_FIELDS
from trimtab.services.ledger_contract import ACTION_FIELDS, HISTORY_FIELDS, read_history


def _objects(node: dict[str, Any], at: str = "") -> dict[str, dict[str, Any]]:
    """Every object schema with `properties`, keyed as CASE_FIELDS keys them."""
    found: dict[str, dict[str, Any]] = {}
    if "properties" in node:
        found[at] = node
        for name, child in node["properties"].items():
            where = f"{at}.{name}" if at else name
            if "items" in child:
                found |= _objects(child["items"], f"{where}[]")
            found |= _objects(child, where)
    return found


def _nodes(node: object) -> list[dict[str, Any]]:
    """Every subschema that describes an object's fields (not `if`/`then` conditions)."""
    if isinstance(node, list):
        return [n for item in node for n in _nodes(item)]
    if not isinstance(node, dict):
        return []
    inner = (value for key, value in node.items() if key not in ("if", "then"))
    return [node, *(n for value in inner for n in _nodes(value))]


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_object_is_closed(name: str) -> None:
    document = schema(name)
    # A transaction only dispatches on `action` to the closed object of that action.
    dispatch = document.get("$defs", {}).get("transaction")
    for node in _nodes(document):
        if "properties" in node and node is not dispatch:
            assert node.get("additionalProperties") is False, sorted(node["properties"])


def test_the_case_schema_names_exactly_the_fields_the_parser_accepts() -> None:
    objects = _objects(schema("rebalance-case"))

    assert {k: tuple(v["properties"]) for k, v in objects.items()} == dict(CASE_FIELDS)


@pytest.mark.parametrize("where", list(CASE_FIELDS))
def test_the_case_parser_accepts_each_schema_field_and_refuses_any_other(where: str) -> None:
    names = tuple(_objects(schema("rebalance-case"))[where]["properties"])
    case = spec_case()
    case.setdefault("factor_model", {"factors": [], "covariance": []})
    target = _locate(case, where)

    for name in names:
        probe = copy.deepcopy(case)
        # A setting is probed with its default (null is not a setting value).
        value = VOCABULARY[name].default if where == "settings" else None
        _locate(probe, where).setdefault(name, value)
        _case, problems = parse_case(probe)
        assert not [p for p in problems if "unknown field" in p.message], (where, name)
    target["zz_not_a_field"] = 1
    _case, problems = parse_case(case)
    path = f"{where.replace('[]', '[0]')}.zz_not_a_field".lstrip(".")
    assert [p.path for p in problems if "unknown field" in p.message] == [path]


def _locate(case: dict[str, Any], where: str) -> dict[str, Any]:
    node: Any = case
    for step in filter(None, where.split(".")):
        key = step.removesuffix("[]")
        node = node.setdefault(
            key, {} if key in ("settings", "parameters", "tax", "picture") else []
        )
        if step.endswith("[]"):
            if not node:
                node.append({})
            node = node[0]
    assert isinstance(node, dict)
    return node


def test_the_settings_schema_offers_the_vocabulary_words() -> None:
    settings = schema("rebalance-case")["properties"]["settings"]["properties"]
    for name, setting in VOCABULARY.items():
        if setting.kind is SettingKind.CHOICE:
            assert settings[name]["examples"] == list(setting.choices), name


def test_the_history_schema_names_exactly_the_fields_the_parser_accepts() -> None:
    document = schema("ledger-replay")
    accounts = document["properties"]["accounts"]["items"]
    picks = document["$defs"]["sell"]["properties"]["lots"]["items"]

    assert tuple(document["properties"]) == HISTORY_FIELDS[""]
    assert tuple(accounts["properties"]) == HISTORY_FIELDS["accounts[]"]
    assert tuple(picks["properties"]) == HISTORY_FIELDS["transactions[].lots[]"]
    assert document["$defs"]["transaction"]["properties"]["action"]["enum"] == list(ACTION_FIELDS)
    for action, fields in ACTION_FIELDS.items():
        assert tuple(document["$defs"][action]["properties"]) == fields, action


@pytest.mark.parametrize("action", list(ACTION_FIELDS))
def test_the_history_parser_refuses_exactly_the_fields_its_action_lacks(action: str) -> None:
    document = schema("ledger-replay")
    own = set(document["$defs"][action]["properties"])
    every = {f for a in ACTION_FIELDS for f in document["$defs"][a]["properties"]}
    history = spec_history()
    entry: dict[str, object] = dict.fromkeys(every | {"zz_not_a_field"})
    entry |= {"date": "2025-01-02", "account": "T1", "security": "X", "action": action}
    history["transactions"] = [entry]

    _history, problems = read_history(history)

    refused = {
        p.path.removeprefix("transactions[0].")
        for p in problems
        if "unknown field" in p.message or "is not a field of" in p.message
    }
    assert refused == (every - own) | {"zz_not_a_field"}
