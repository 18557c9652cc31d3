"""An analysis record split into parts joins back exactly: any case, any result, old formats.

The split (`trimtab.domain.records`) leaves out what it can derive (a post-trade row's
drift and distance out of band), keeps the account's own inputs in the record's content
and shares what a target's accounts share; a record that did not come back bit for bit
would make `records show` lie and `records replay` compare against the wrong answer.
Equality is checked on the canonical JSON, so 0.0 vs -0.0, 1 vs 1.0 and key sets all
count. Records of formats 1 and 2, written by earlier code, still join.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import rebalance_cases
from trimtab.domain.chain import dumps
from trimtab.domain.records import FORMAT, join_analysis, part_refs, split_analysis
from trimtab.engine import parse_case, rebalance

FIRST_FORMAT = Path(__file__).with_name("first_format.json")
# Written by format 2's split (the code of commit 86faf59) from first_format.json's record.
SECOND_FORMAT = Path(__file__).with_name("second_format.json")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


def _round_trip(record: dict[str, Any], account: str, as_of: str) -> dict[str, Any]:
    content, parts = split_analysis(record, account=account, as_of=as_of)
    # What is stored is canonical JSON: split and join through it, as the database does.
    content = json.loads(dumps(content))
    stored = {key: json.loads(dumps(value)) for key, value in parts.items()}
    # Every part the content names is among the parts split off (verify walks these).
    pending, named = list(part_refs("content", content)), set()
    while pending:
        name, key = pending.pop()
        named.add(key)
        pending.extend(part_refs(name, stored[key]))
    assert named == set(stored)
    return join_analysis(content, stored.__getitem__, account=account, as_of=as_of)


def _engine_record(case: dict[str, Any]) -> dict[str, Any]:
    parsed, problems = parse_case(case)
    assert parsed is not None, problems
    result = json.loads(dumps(rebalance(parsed).as_dict()))
    return {"case": case, "versions": ["target:T@1"], "settings": [], "result": result}


@given(case=rebalance_cases(), nudge=st.sampled_from([0.0, 1e-6, -1e-6, -0.0]), data=st.data())
def test_an_engine_record_joins_back_bit_for_bit(
    case: dict[str, Any], nudge: float, data: st.DataObject
) -> None:
    record = {
        **_engine_record(case),
        "reasons": data.draw(st.lists(st.text(max_size=8), max_size=2)),
        "status": "optimal",
        "routing": {"outcome": "review", "rule": "r", "flags": []},
    }
    post = (record["result"] or {}).get("post_trade")
    if post and post["groups"]:
        # A drift or out-of-band the formula would not give back must come back as it was.
        row = post["groups"][data.draw(st.integers(0, len(post["groups"]) - 1))]
        row[data.draw(st.sampled_from(["drift", "out_of_band"]))] += nudge
    joined = _round_trip(record, case["account"]["id"], case["as_of"])
    assert dumps(joined) == dumps({k: record[k] for k in joined})


@given(case=json_values, result=json_values, versions=st.lists(json_values, max_size=3))
def test_a_record_of_any_shape_joins_back(case: Any, result: Any, versions: list[Any]) -> None:
    record = {"case": case, "versions": versions, "settings": [], "result": None, "reasons": []}
    if isinstance(result, dict):
        record["result"] = result
    joined = _round_trip(record, "A-1", "2025-06-30")
    assert dumps(joined) == dumps(record)


def test_tonights_inputs_stay_in_the_record_and_the_rest_is_shared() -> None:
    """Two nights of one account, which did not trade: the only new part is tonight's
    prices; the lots are the record's own and the same text as last night's (which is
    what its stored body is compressed against)."""
    case = {
        "as_of": "2025-06-30",
        "account": {"id": "A-1", "tax_status": "taxable", "cash": 100.0},
        "tax": {},
        "securities": [{"id": "VTI", "price": 250.5, "cost_rate": 0.0005, "wash_group": "VTI"}],
        "groups": [{"id": "US", "members": ["VTI"], "target": 1.0}],
        "lots": [
            {
                "id": "L1",
                "security": "VTI",
                "quantity": 3.0,
                "cost_basis": 1.5,
                "acquired": "2024-01-02",
            }
        ],
        "recent_trades": [],
        "settings": {"realized_gains_ytd": 10.0},
        "parameters": {},
    }
    night_2 = {
        **case,
        "as_of": "2025-07-01",
        "securities": [{**case["securities"][0], "price": 251.0}],
        "settings": {"realized_gains_ytd": 12.0},
    }
    records = [
        {"case": c, "versions": ["target:US@1"], "settings": [], "result": None, "reasons": []}
        for c in (case, night_2)
    ]
    (first, parts_1), (second, parts_2) = (
        split_analysis(r, account="A-1", as_of=r["case"]["as_of"]) for r in records
    )
    assert first["format"] == second["format"] == FORMAT == 3
    assert second["shared"] == first["shared"]  # the target's part is reused
    assert second["inputs"] == first["inputs"]
    assert second["nightly"]["lots"] == first["nightly"]["lots"]
    assert "columns" in second["nightly"]["lots"]
    assert second["nightly"]["settings"] == {"value": {"realized_gains_ytd": 12.0}}
    assert set(parts_2) - set(parts_1) == {second["nightly"]["prices"]}
    assert set(parts_1) == {first["shared"], first["nightly"]["prices"]}
    # Every part comes with the canonical text it was hashed from: the store compresses
    # that text instead of serializing the part again.
    assert {k: dumps(v) for k, v in parts_1.items()} == parts_1.texts


def test_recent_trades_with_a_sell_keep_one_shape_and_join_back() -> None:
    """A sell's `realized_gain` is a key the buys lack: the table lists where it is absent
    (so the lots and trades stay columns from night to night) and gives the rows back."""
    trades = [
        {"date": "2025-06-02", "quantity": 5.0, "security": "VTI", "side": "buy"},
        {"date": "2025-06-03", "quantity": 2.0, "security": "VTI", "side": "sell"},
        {"date": "2025-06-04", "quantity": 1.0, "security": "VTI", "side": "buy"},
    ]
    trades[1]["realized_gain"] = -12.5
    case = {
        "as_of": "2025-06-30",
        "account": {"id": "A-1", "tax_status": "taxable", "cash": 100.0},
        "securities": [{"id": "VTI", "price": 250.5}],
        "lots": [],
        "recent_trades": trades,
    }
    record = {"case": case, "versions": [], "settings": [], "result": None, "reasons": []}
    content, _parts = split_analysis(record, account="A-1", as_of="2025-06-30")
    table = content["nightly"]["recent_trades"]["columns"]
    assert table["absent"] == {"realized_gain": [0, 2]}
    assert _round_trip(record, "A-1", "2025-06-30") == record


def test_a_record_of_the_second_format_still_joins() -> None:
    """Content written by format 2 (a manifest part; lots, recent trades, parameters and
    the post-trade frame as parts of their own)."""
    stored = json.loads(SECOND_FORMAT.read_text())
    assert stored["content"]["format"] == 2
    joined = join_analysis(
        stored["content"], stored["parts"].__getitem__, account="A-1", as_of="2025-06-30"
    )
    assert dumps(joined) == dumps(stored["record"])
    named, pending = set(), list(part_refs("content", stored["content"]))
    while pending:
        name, key = pending.pop()
        named.add(key)
        pending.extend(part_refs(name, stored["parts"][key]))
    assert named == set(stored["parts"])  # verify still walks every part of it


def test_a_record_of_the_first_format_still_joins() -> None:
    """Content written before format 2 (inputs, prices and result as three parts)."""
    stored = json.loads(FIRST_FORMAT.read_text())
    assert "format" not in stored["content"]
    joined = join_analysis(
        stored["content"], stored["parts"].__getitem__, account="A-1", as_of="2025-06-30"
    )
    assert dumps(joined) == dumps(stored["record"])
