"""The wash-sale worked examples of IRS Publication 550, replayed through the ledger.

Pub. 550 ("Wash Sales"): a loss is disallowed when substantially identical stock is
bought within 30 days before or after the sale; the disallowed loss is added to the
basis of the new stock, whose holding period includes the old stock's.
"""

from __future__ import annotations

import pytest

from tests.builders import buy, lots_of, replay_ok, sell


def test_full_replacement_disallows_the_loss_and_adds_it_to_the_new_basis() -> None:
    # Pub. 550: buy 100 shares for $1,000, sell them for $750, buy 100 within 30 days
    # for $800: the $250 loss is disallowed and the new basis is $1,050. (The contract's
    # own output example.)
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        sell("2025-06-02", "X", 100, 7.5),
        buy("2025-06-20", "X", 100, 8.0),
    )
    assert body["lots"] == [
        {
            "account": "T1",
            "security": "X",
            "quantity": 100,
            "cost_basis": 1050.0,
            "acquired": "2025-06-20",
            "holding_period_start": "2025-01-20",
            "wash_sale_adjustment": 250.0,
        }
    ]
    (sale,) = body["realized"]
    assert sale["proceeds"] == 750.0
    assert sale["cost_basis"] == 1000.0
    assert sale["gain"] == -250.0
    assert sale["term"] == "short"
    assert sale["wash_sale_disallowed"] == 250.0


def test_partial_replacement_disallows_only_the_replaced_shares_loss() -> None:
    # Pub. 550: 100 shares bought in September, 50 more bought within 30 days before the
    # December sale of the 100 at a $1,000 loss: the loss on 50 shares ($500) is
    # disallowed, the loss on the other 50 ($500) is deductible.
    body = replay_ok(
        buy("2024-09-24", "M", 100, 20.0),
        buy("2024-12-21", "M", 50, 10.0),
        sell("2024-12-27", "M", 100, 10.0, lots=[{"acquired": "2024-09-24", "quantity": 100}]),
    )
    (sale,) = body["realized"]
    assert sale["gain"] == -1000.0
    assert sale["wash_sale_disallowed"] == 500.0
    assert sale["gain"] + sale["wash_sale_disallowed"] == -500.0  # the deductible part
    (replacement,) = lots_of(body, "M")
    assert replacement["quantity"] == 50
    assert replacement["cost_basis"] == 500.0 + 500.0
    assert replacement["wash_sale_adjustment"] == 500.0


def test_replacement_bought_before_the_sale_tacks_the_sold_shares_holding_period() -> None:
    # The sold shares were held 94 days (2024-09-24 → 2024-12-27); the replacement bought
    # 2024-12-21 counts its holding period from 94 days before its purchase.
    body = replay_ok(
        buy("2024-09-24", "M", 100, 20.0),
        buy("2024-12-21", "M", 100, 10.0),
        sell("2024-12-27", "M", 100, 10.0),
    )
    (replacement,) = lots_of(body, "M")
    assert replacement["holding_period_start"] == "2024-09-18"
    assert body["realized"][0]["wash_sale_disallowed"] == 1000.0


@pytest.mark.parametrize("ira", ["IRA1", "ROTH1"])
def test_a_replacement_in_an_ira_loses_the_loss_without_a_basis_increase(ira: str) -> None:
    # Rev. Rul. 2008-5 (cited by Pub. 550): sell at a loss in the taxable account, buy the
    # same stock in the IRA within 30 days: the loss is disallowed and not added to the
    # IRA shares' basis.
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        sell("2025-06-02", "X", 100, 7.5),
        buy("2025-06-16", "X", 100, 8.0, account=ira),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 250.0
    (ira_lot,) = lots_of(body, "X", account=ira)
    assert ira_lot["cost_basis"] == 800.0
    assert ira_lot["wash_sale_adjustment"] == 0.0
    assert ira_lot["holding_period_start"] == "2025-06-16"


def test_a_gain_is_never_a_wash_sale() -> None:
    body = replay_ok(
        buy("2025-01-02", "X", 100, 10.0),
        sell("2025-06-02", "X", 100, 12.0),
        buy("2025-06-20", "X", 100, 11.0),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 0.0
    assert lots_of(body, "X")[0]["cost_basis"] == 1100.0
