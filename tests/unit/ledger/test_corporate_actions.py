"""Every corporate-action rule of OPTIMIZER.md ("Corporate actions (lot ledger)")."""

from __future__ import annotations

import pytest

from tests.builders import action, buy, lots_of, replay_ok, sell

TWO_LOTS = (buy("2023-01-03", "P", 100, 30.0), buy("2024-06-03", "P", 50, 40.0))


def test_a_split_multiplies_shares_and_keeps_basis_and_dates() -> None:
    body = replay_ok(*TWO_LOTS, action("2025-01-02", "P", "split", ratio=2))
    assert [(lot["quantity"], lot["cost_basis"], lot["acquired"]) for lot in body["lots"]] == [
        (200, 3000.0, "2023-01-03"),
        (100, 2000.0, "2024-06-03"),
    ]


def test_a_reverse_split_divides_shares_and_multiplies_basis_per_share() -> None:
    body = replay_ok(
        buy("2023-01-03", "P", 1000, 1.5), action("2025-01-02", "P", "split", ratio=0.1)
    )
    (lot,) = body["lots"]
    assert (lot["quantity"], lot["cost_basis"]) == (100, 1500.0)
    assert lot["cost_basis"] / lot["quantity"] == 15.0


def test_a_spin_off_moves_the_published_share_of_basis_to_the_child() -> None:
    body = replay_ok(
        *TWO_LOTS,
        action("2025-08-01", "P", "spinoff", new_security="C", ratio=0.2, basis_allocation=0.1),
    )
    assert [(lot["quantity"], lot["cost_basis"]) for lot in lots_of(body, "P")] == [
        (100, 2700.0),
        (50, 1800.0),
    ]
    children = lots_of(body, "C")
    assert [(c["quantity"], c["cost_basis"], c["acquired"]) for c in children] == [
        (20, 300.0, "2023-01-03"),
        (10, 200.0, "2024-06-03"),
    ]
    assert body["realized"] == []


def test_a_spin_off_child_keeps_the_parents_holding_period() -> None:
    body = replay_ok(
        buy("2024-03-15", "P", 100, 30.0),
        action("2024-12-01", "P", "spinoff", new_security="C", ratio=1, basis_allocation=0.25),
        sell("2025-03-16", "C", 100, 10.0),
    )
    (sale,) = body["realized"]
    assert (sale["term"], sale["cost_basis"], sale["gain"]) == ("long", 750.0, 250.0)


def test_a_stock_merger_converts_at_the_ratio_and_carries_basis_and_dates() -> None:
    body = replay_ok(
        *TWO_LOTS,
        action("2025-09-01", "P", "merger", new_security="S", ratio=0.5, cash_per_share=0),
    )
    assert lots_of(body, "P") == []
    assert [
        (lot["quantity"], lot["cost_basis"], lot["acquired"]) for lot in lots_of(body, "S")
    ] == [
        (50, 3000.0, "2023-01-03"),
        (25, 2000.0, "2024-06-03"),
    ]
    assert body["realized"] == []


def test_a_cash_merger_is_a_sale_at_the_deal_price() -> None:
    body = replay_ok(*TWO_LOTS, action("2025-09-01", "P", "merger", cash_per_share=35.0))
    assert body["lots"] == []
    assert [(r["quantity"], r["proceeds"], r["gain"], r["term"]) for r in body["realized"]] == [
        (100, 3500.0, 500.0, "long"),
        (50, 1750.0, -250.0, "long"),
    ]


@pytest.mark.parametrize("valuation", [{"new_security_price": 40.0}, {"basis_allocation": 2 / 3}])
def test_a_mixed_merger_sells_the_cash_fraction_of_basis(valuation: dict[str, float]) -> None:
    # Each P share becomes 0.5 S (worth $20 at $40) plus $10 cash: the stock part is 2/3
    # of the value, so it carries 2/3 of the basis; the cash part sells the other 1/3.
    body = replay_ok(
        buy("2023-01-03", "P", 90, 30.0),
        action(
            "2025-09-01",
            "P",
            "merger",
            new_security="S",
            ratio=0.5,
            cash_per_share=10.0,
            **valuation,
        ),
    )
    (stock,) = lots_of(body, "S")
    assert (stock["quantity"], stock["cost_basis"], stock["acquired"]) == (45, 1800.0, "2023-01-03")
    (cash,) = body["realized"]
    assert (cash["quantity"], cash["proceeds"], cash["cost_basis"], cash["gain"]) == (
        30,
        900.0,
        900.0,
        0.0,
    )


def test_a_rename_changes_the_identity_only() -> None:
    before = replay_ok(*TWO_LOTS)["lots"]
    after = replay_ok(*TWO_LOTS, action("2025-10-01", "P", "rename", new_security="P2"))["lots"]
    assert after == [{**lot, "security": "P2"} for lot in before]


def test_a_corporate_action_changes_only_the_named_accounts_lots() -> None:
    body = replay_ok(
        buy("2023-01-03", "P", 100, 30.0),
        buy("2023-01-03", "P", 100, 30.0, account="T2"),
        action("2025-01-02", "P", "split", ratio=3),
    )
    assert lots_of(body, "P")[0]["quantity"] == 300
    assert lots_of(body, "P", account="T2")[0]["quantity"] == 100


def test_a_split_keeps_a_wash_sale_adjustment_and_tacked_period() -> None:
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        sell("2025-06-02", "X", 100, 7.5),
        buy("2025-06-20", "X", 100, 8.0),
        action("2025-07-01", "X", "split", ratio=2),
    )
    (lot,) = body["lots"]
    assert (lot["quantity"], lot["cost_basis"], lot["wash_sale_adjustment"]) == (200, 1050.0, 250.0)
    assert lot["holding_period_start"] == "2025-01-20"
