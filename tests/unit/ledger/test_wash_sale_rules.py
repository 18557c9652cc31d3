"""Every wash-sale rule of OPTIMIZER.md ("Tax rules the engine and the lot ledger must
follow") as its own scenario: the 61-day window, tacking, order of acquisition, one
replacement per sold share, the same purchase, wash groups, the household, IRAs."""

from __future__ import annotations

import pytest

from tests.builders import action, buy, lots_of, replay_ok, sell


@pytest.mark.parametrize(
    ("bought_on", "washed"),
    [
        ("2025-05-03", True),  # 30 days before the sale
        ("2025-05-02", False),  # 31 days before
        ("2025-07-02", True),  # 30 days after
        ("2025-07-03", False),  # 31 days after
        ("2025-06-02", True),  # the same day
    ],
)
def test_the_window_is_30_days_either_side_of_the_sale(bought_on: str, washed: bool) -> None:
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        buy(bought_on, "X", 100, 8.0, account="T2"),
        sell("2025-06-02", "X", 100, 7.5),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == (250.0 if washed else 0.0)
    (other,) = lots_of(body, "X", account="T2")
    assert other["cost_basis"] == (1050.0 if washed else 800.0)


def test_the_loss_waits_for_the_whole_window_even_when_the_file_is_out_of_order() -> None:
    # Replayed in date order: the buy listed first happens 30 days after the sale.
    body = replay_ok(
        buy("2025-07-02", "X", 100, 8.0),
        buy("2025-01-02", "X", 100, 10.0),
        sell("2025-06-02", "X", 100, 7.5),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 250.0
    assert lots_of(body, "X")[0]["acquired"] == "2025-07-02"


def test_tacked_holding_period_makes_the_replacement_long_term_sooner() -> None:
    # Held 2024-01-02 → 2024-12-02 (335 days), replaced 2024-12-10: the replacement's
    # period starts 2024-01-10, so its sale on 2025-01-11 is long-term, not short.
    body = replay_ok(
        buy("2024-01-02", "X", 10, 100.0),
        sell("2024-12-02", "X", 10, 90.0),
        buy("2024-12-10", "X", 10, 91.0),
        sell("2025-01-11", "X", 10, 95.0),
    )
    first, second = body["realized"]
    assert first["wash_sale_disallowed"] == 100.0
    assert second["cost_basis"] == 910.0 + 100.0
    assert second["term"] == "long"
    assert second["gain"] == 950.0 - 1010.0


def test_replacements_are_matched_in_order_of_acquisition() -> None:
    # 100 sold at $2.50 a share loss; 60 bought before the sale, then 60 after: the first
    # 60 and 40 of the later 60 replace; 20 later shares keep their plain basis.
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        buy("2025-05-20", "X", 60, 8.0, account="T2"),
        sell("2025-06-02", "X", 100, 7.5),
        buy("2025-06-10", "X", 60, 9.0, account="T2"),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 250.0
    lots = lots_of(body, "X", account="T2")
    assert [(lot["acquired"], lot["quantity"], lot["cost_basis"]) for lot in lots] == [
        ("2025-05-20", 60, 480.0 + 150.0),
        ("2025-06-10", 20, 180.0),
        ("2025-06-10", 40, 360.0 + 100.0),
    ]


def test_a_share_replaces_at_most_one_sold_share() -> None:
    # Two loss sales, one later purchase of 100: it replaces the first sale only.
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        buy("2025-01-02", "X", 100, 10.0, account="T2"),
        sell("2025-06-02", "X", 100, 7.5),
        sell("2025-06-03", "X", 100, 7.0, account="T2"),
        buy("2025-06-20", "X", 100, 8.0),
    )
    first, second = body["realized"]
    assert first["wash_sale_disallowed"] == 250.0
    assert second["wash_sale_disallowed"] == 0.0
    assert lots_of(body, "X")[0]["cost_basis"] == 1050.0


def test_shares_of_the_same_purchase_never_replace_the_sold_shares() -> None:
    body = replay_ok(
        buy("2025-03-01", "X", 100, 10.0),
        sell("2025-03-10", "X", 40, 9.0),
    )
    assert body["realized"][0]["gain"] == -40.0
    assert body["realized"][0]["wash_sale_disallowed"] == 0.0
    assert lots_of(body, "X")[0]["cost_basis"] == 600.0


def test_shares_sold_together_never_replace_each_other() -> None:
    # Both lots leave in one sale at a loss; the recent one is gone, not a replacement.
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        buy("2025-05-20", "X", 100, 9.0),
        sell("2025-06-02", "X", 200, 7.5),
    )
    assert [r["wash_sale_disallowed"] for r in body["realized"]] == [0.0, 0.0]
    assert body["lots"] == []


def test_a_wash_group_member_is_substantially_identical() -> None:
    body = replay_ok(
        buy("2025-01-02", "SPY", 10, 500.0),
        sell("2025-06-02", "SPY", 10, 450.0),
        buy("2025-06-05", "IVV", 10, 460.0),
        buy("2025-06-05", "VOO", 10, 420.0),
        wash_groups={"SPY": "SP500", "IVV": "SP500"},
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 500.0
    assert lots_of(body, "IVV")[0]["cost_basis"] == 4600.0 + 500.0
    # VOO is in no group with SPY: a harvest swap into it keeps the loss.
    assert lots_of(body, "VOO")[0]["wash_sale_adjustment"] == 0.0


def test_the_window_spans_every_account_of_the_household_only() -> None:
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        sell("2025-06-02", "X", 100, 7.5),
        buy("2025-06-10", "X", 100, 8.0, account="N1"),  # another household
        buy("2025-06-12", "X", 100, 8.0, account="T2"),  # same household, other account
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 250.0
    assert lots_of(body, "X", account="N1")[0]["cost_basis"] == 800.0
    assert lots_of(body, "X", account="T2")[0]["cost_basis"] == 1050.0


def test_a_loss_inside_an_ira_is_not_a_wash_sale() -> None:
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0, account="IRA1"),
        sell("2025-06-02", "X", 100, 7.5, account="IRA1"),
        buy("2025-06-10", "X", 100, 8.0),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 0.0
    assert lots_of(body, "X")[0]["cost_basis"] == 800.0


def test_a_replacement_carries_its_adjustment_into_its_own_loss_sale() -> None:
    # The deferred loss is not lost: the replacement's later sale realizes it.
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        sell("2025-06-02", "X", 100, 7.5),
        buy("2025-06-20", "X", 100, 8.0),
        sell("2025-09-01", "X", 100, 8.0),
    )
    first, second = body["realized"]
    assert second["cost_basis"] == 1050.0
    assert second["gain"] == -250.0
    assert first["gain"] + first["wash_sale_disallowed"] + second["gain"] == -250.0


def test_a_rename_keeps_the_company_substantially_identical() -> None:
    body = replay_ok(
        buy("2025-01-02", "R", 100, 10.0),
        sell("2025-06-02", "R", 100, 7.5),
        action("2025-06-05", "R", "rename", new_security="R2"),
        buy("2025-06-10", "R2", 100, 8.0),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 250.0
    assert lots_of(body, "R2")[0]["cost_basis"] == 1050.0
