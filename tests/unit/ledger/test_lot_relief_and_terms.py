"""Lot relief (FIFO, LIFO, HIFO, specific lots), realized gains per lot, and the term."""

from __future__ import annotations

import pytest

from tests.builders import buy, lots_of, replay_ok, sell

THREE_LOTS = (
    buy("2023-01-03", "X", 10, 50.0),
    buy("2023-06-01", "X", 10, 80.0),
    buy("2024-02-01", "X", 10, 60.0),
)


@pytest.mark.parametrize(
    ("method", "relieved", "left"),
    [
        ("fifo", "2023-01-03", ["2023-06-01", "2024-02-01"]),
        ("lifo", "2024-02-01", ["2023-01-03", "2023-06-01"]),
        ("hifo", "2023-06-01", ["2023-01-03", "2024-02-01"]),
    ],
)
def test_the_method_picks_the_lot(method: str, relieved: str, left: list[str]) -> None:
    body = replay_ok(*THREE_LOTS, sell("2025-01-06", "X", 10, 70.0), method=method)
    (sale,) = body["realized"]
    assert sale["acquired"] == relieved
    assert [lot["acquired"] for lot in lots_of(body, "X")] == left


def test_a_sell_can_override_the_history_method() -> None:
    body = replay_ok(*THREE_LOTS, sell("2025-01-06", "X", 10, 70.0, method="hifo"))
    assert body["realized"][0]["cost_basis"] == 800.0


def test_specific_lots_relieve_exactly_the_named_shares() -> None:
    body = replay_ok(
        *THREE_LOTS,
        sell(
            "2025-01-06",
            "X",
            15,
            70.0,
            lots=[
                {"acquired": "2024-02-01", "quantity": 10},
                {"acquired": "2023-01-03", "quantity": 5},
            ],
        ),
    )
    assert [(r["acquired"], r["quantity"]) for r in body["realized"]] == [
        ("2024-02-01", 10),
        ("2023-01-03", 5),
    ]
    assert [(lot["acquired"], lot["quantity"]) for lot in lots_of(body, "X")] == [
        ("2023-01-03", 5),
        ("2023-06-01", 10),
    ]


def test_a_sale_across_lots_realizes_one_gain_per_lot_with_its_own_term() -> None:
    body = replay_ok(*THREE_LOTS, sell("2025-01-06", "X", 30, 70.0))
    assert [(r["acquired"], r["term"], r["gain"]) for r in body["realized"]] == [
        ("2023-01-03", "long", 200.0),
        ("2023-06-01", "long", -100.0),
        ("2024-02-01", "short", 100.0),
    ]
    assert sum(r["proceeds"] for r in body["realized"]) == 30 * 70.0


def test_a_partial_sale_takes_its_share_of_the_basis() -> None:
    body = replay_ok(buy("2025-01-02", "X", 3, 100.0 / 3), sell("2025-02-03", "X", 1, 40.0))
    (rest,) = lots_of(body, "X")
    assert rest["quantity"] == 2
    assert rest["cost_basis"] + body["realized"][0]["cost_basis"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("sold_on", "term"),
    [("2025-03-14", "short"), ("2025-03-15", "short"), ("2025-03-16", "long")],
)
def test_long_term_means_held_more_than_one_year(sold_on: str, term: str) -> None:
    body = replay_ok(buy("2024-03-15", "X", 1, 10.0), sell(sold_on, "X", 1, 11.0))
    assert body["realized"][0]["term"] == term


def test_a_lot_keeps_its_dates_and_basis_while_untouched() -> None:
    body = replay_ok(buy("2024-03-15", "X", 7, 12.5))
    assert body["lots"] == [
        {
            "account": "T1",
            "security": "X",
            "quantity": 7,
            "cost_basis": 87.5,
            "acquired": "2024-03-15",
            "holding_period_start": "2024-03-15",
            "wash_sale_adjustment": 0.0,
        }
    ]


def test_lots_come_out_by_account_security_and_acquisition_date() -> None:
    body = replay_ok(
        buy("2025-02-01", "Z", 1, 1.0, account="T2"),
        buy("2025-03-01", "A", 1, 1.0),
        buy("2025-01-01", "A", 1, 1.0),
        buy("2025-01-01", "B", 1, 1.0),
    )
    assert [(lot["account"], lot["security"], lot["acquired"]) for lot in body["lots"]] == [
        ("T1", "A", "2025-01-01"),
        ("T1", "A", "2025-03-01"),
        ("T1", "B", "2025-01-01"),
        ("T2", "Z", "2025-02-01"),
    ]
