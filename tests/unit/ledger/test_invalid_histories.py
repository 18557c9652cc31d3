"""Invalid histories: one `invalid` answer naming each transaction index and field, exit 2."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.builders import action, buy, ledger_history, replay_invalid, sell
from tests.strategies import ledger_histories
from trimtab.services.replay_history import replay_history


def _where(errors: list[dict[str, Any]]) -> list[tuple[int | None, str]]:
    return [(e["index"], e["field"]) for e in errors]


def test_selling_more_than_held_is_found_during_the_replay() -> None:
    errors = replay_invalid(
        ledger_history(buy("2025-01-02", "X", 10, 5.0), sell("2025-02-03", "X", 11, 6.0))
    )
    assert _where(errors) == [(1, "quantity")]
    assert errors[0]["path"] == "transactions[1].quantity"
    assert "holds 10" in errors[0]["message"]


def test_a_sell_before_the_buy_is_an_oversell_because_the_replay_follows_dates() -> None:
    errors = replay_invalid(
        ledger_history(buy("2025-03-01", "X", 10, 5.0), sell("2025-02-03", "X", 10, 6.0))
    )
    assert _where(errors) == [(1, "quantity")]


@pytest.mark.parametrize(
    ("transaction", "field"),
    [
        (buy("2025-01-02", "X", 10, 5.0, account="NOPE"), "account"),
        (buy("2025-02-30", "X", 10, 5.0), "date"),
        (buy("02/01/2025", "X", 10, 5.0), "date"),
        (buy("2025-01-02", "X", 10, -5.0), "price"),
        (buy("2025-01-02", "X", 10, 0), "price"),
        (buy("2025-01-02", "X", 0, 5.0), "quantity"),
        (buy("2025-01-02", "X", -3, 5.0), "quantity"),
        (buy("2025-01-02", "X", "10", 5.0), "quantity"),
        (buy("2025-01-02", "X", True, 5.0), "quantity"),
        (action("2025-01-02", "X", "gift"), "action"),
        (
            {"date": "2025-01-02", "account": "T1", "action": "buy", "quantity": 1, "price": 1},
            "security",
        ),
        (
            {"date": "2025-01-02", "account": "T1", "security": "X", "action": "buy", "price": 1},
            "quantity",
        ),
        (action("2025-01-02", "X", "split", ratio=0), "ratio"),
        (
            action("2025-01-02", "X", "spinoff", new_security="C", ratio=1, basis_allocation=1.5),
            "basis_allocation",
        ),
        (action("2025-01-02", "X", "spinoff", ratio=1, basis_allocation=0.5), "new_security"),
        (action("2025-01-02", "X", "merger", new_security="S", ratio=0, cash_per_share=0), "ratio"),
        (
            action("2025-01-02", "X", "merger", new_security="S", ratio=1, cash_per_share=5),
            "basis_allocation",
        ),
        (action("2025-01-02", "X", "rename", new_security="X"), "new_security"),
        (sell("2025-01-02", "X", 1, 1.0, method="average"), "method"),
        (sell("2025-01-02", "X", 1, 1.0, lots=[{"acquired": "2025-01-01"}]), "lots[0].quantity"),
        ("not an object", ""),
    ],
)
def test_a_bad_field_is_named_by_index_and_field(transaction: Any, field: str) -> None:
    errors = replay_invalid(ledger_history(buy("2024-12-02", "X", 10, 5.0), transaction))
    assert (1, field) in _where(errors), errors


def test_every_bad_transaction_is_reported_at_once() -> None:
    errors = replay_invalid(
        ledger_history(buy("2025-01-02", "X", -1, 5.0), buy("2025-13-02", "X", 1, 5.0, account="Q"))
    )
    assert _where(errors) == [(0, "quantity"), (1, "date"), (1, "account")]


def test_specific_lots_that_do_not_exist_are_named() -> None:
    errors = replay_invalid(
        ledger_history(
            buy("2025-01-02", "X", 10, 5.0),
            sell("2025-02-03", "X", 5, 6.0, lots=[{"acquired": "2025-01-03", "quantity": 5}]),
            sell("2025-02-04", "X", 5, 6.0, lots=[{"acquired": "2025-01-02", "quantity": 4}]),
        )
    )
    assert _where(errors) == [(1, "lots[0].acquired"), (2, "lots")]
    assert "2025-01-02" in errors[0]["message"]  # says which lots there are


def test_specific_lots_cannot_take_more_than_the_lot_has() -> None:
    errors = replay_invalid(
        ledger_history(
            buy("2025-01-02", "X", 10, 5.0),
            buy("2025-01-05", "X", 10, 5.0),
            sell("2025-02-03", "X", 12, 6.0, lots=[{"acquired": "2025-01-02", "quantity": 12}]),
        )
    )
    assert _where(errors) == [(2, "lots[0].quantity")]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ("{not json", ""),
        ("[]", ""),
        ('{"accounts": [], "transactions": [], "method": "fifo", "x": NaN}', ""),
        ({"transactions": []}, "accounts"),
        ({"accounts": []}, "transactions"),
        ({"accounts": [], "transactions": {}}, "transactions"),
        ({"method": "random", "accounts": [], "transactions": []}, "method"),
        (
            {
                "accounts": [{"id": "T1", "household": "H1", "tax_status": "hsa"}],
                "transactions": [],
            },
            "accounts[0].tax_status",
        ),
        (
            {"accounts": [{"id": "T1", "tax_status": "taxable"}], "transactions": []},
            "accounts[0].household",
        ),
        ({"accounts": [], "transactions": [], "wash_groups": ["SPY"]}, "wash_groups"),
    ],
)
def test_a_bad_document_is_invalid_with_the_place_named(document: Any, path: str) -> None:
    errors = replay_invalid(document)
    assert path in [e["path"] for e in errors]
    assert all(e["index"] is None for e in errors)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(ledger_histories(), st.data())
def test_a_mangled_history_is_answered_never_raised(
    document: dict[str, Any], data: st.DataObject
) -> None:
    # Replace one field of one transaction (or a top-level field) with arbitrary JSON.
    target = document
    if document["transactions"] and data.draw(st.booleans()):
        target = data.draw(st.sampled_from(document["transactions"]))
    key = data.draw(st.sampled_from(sorted(target)))
    target[key] = data.draw(_JSON | st.sampled_from([0, -1, 1e300, "2025-02-29", "fifo"]))
    answer = replay_history(json.dumps(document))
    assert answer.body["status"] in ("ok", "invalid")
    assert answer.exit_code == (0 if answer.body["status"] == "ok" else 2)
    json.dumps(answer.body, allow_nan=False)  # the answer is strict JSON
