"""Share classes of one issuer in one wash group: the engine and the decision checker.

FOX and FOXA are two share classes of one company. Under the firm's default policy
(`trimtab.domain.wash_sales.WashGroupPolicy`) the nightly case gives both the wash group
`issuer:21CF`; the engine must then treat a FOX loss sale and a FOXA buy as the wash
sale they are (contract rule 5), where with one group per ticker the same account
harvests FOX straight into FOXA.

The account: $100,000 — 1,700 FOX at $35 (one short-term lot L1, basis $45: a $17,000
loss) is 59.5% against a 60% media target bought through FOXA; 760 BND at $50 (lot B1)
is 38%; $2,500 cash. Harvesting is worth its full tax value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.builders import CASE_AS_OF, PLAIN_PARAMETERS, lot_sales, rebalance_case, trades_by
from trimtab.domain.wash_sales import WashGroupPolicy
from trimtab.engine import optimize_json, parse_case
from trimtab.engine.decision_check import DecidedTrade, LotPick, check_decision

ISSUERS = {"FOX": "21CF", "FOXA": "21CF"}


def media_case(
    *, share_classes_identical: bool = True, recent: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    policy = WashGroupPolicy(share_classes_identical=share_classes_identical)
    group = {t: policy.group_of(t, issuer_id=ISSUERS.get(t)) for t in ("FOX", "FOXA", "BND")}
    return rebalance_case(
        securities=[
            {"id": "FOX", "price": 35.0, "cost_rate": 0.001, "wash_group": group["FOX"]},
            {"id": "FOXA", "price": 36.0, "cost_rate": 0.001, "wash_group": group["FOXA"]},
            {"id": "BND", "price": 50.0, "cost_rate": 0.001, "wash_group": group["BND"]},
        ],
        groups=[
            {
                "id": "MEDIA",
                "members": ["FOX", "FOXA"],
                "buy": "FOXA",
                "target": 0.60,
                "band": 0.02,
            },
            {"id": "BONDS", "members": ["BND"], "buy": "BND", "target": 0.38, "band": 0.02},
        ],
        lots=[
            {
                "id": "L1",
                "security": "FOX",
                "quantity": 1700,
                "cost_basis": 45.0,
                "acquired": "2026-06-01",
            },
            {
                "id": "B1",
                "security": "BND",
                "quantity": 760,
                "cost_basis": 49.0,
                "acquired": "2021-03-04",
            },
        ],
        cash=2500.0,
        recent_trades=recent or [],
        defaults=PLAIN_PARAMETERS,
        harvest_value=1.0,
    )


def days_ago(days: int) -> str:
    return (CASE_AS_OF - dt.timedelta(days=days)).isoformat()


def test_share_classes_are_one_wash_group_under_the_default_policy() -> None:
    case = media_case()
    groups = {s["id"]: s["wash_group"] for s in case["securities"]}
    assert groups == {"FOX": "issuer:21CF", "FOXA": "issuer:21CF", "BND": "BND"}


def test_with_share_classes_apart_the_engine_harvests_fox_into_foxa() -> None:
    # The contrast that makes the tests below mean something: the swap is attractive.
    result = optimize_json(media_case(share_classes_identical=False))
    assert lot_sales(result).get("L1", 0) > 0
    assert ("FOXA", "buy") in trades_by(result)


def test_rule_5c_a_fox_loss_sale_and_a_foxa_buy_never_happen_together() -> None:
    result = optimize_json(media_case())
    assert result["status"] == "optimal"
    loss_sold = lot_sales(result).get("L1", 0) > 0
    assert not (loss_sold and ("FOXA", "buy") in trades_by(result))


def test_rule_5b_a_recent_foxa_buy_blocks_a_fox_loss_sale() -> None:
    recent = [{"security": "FOXA", "side": "buy", "date": days_ago(10), "quantity": 10}]
    result = optimize_json(media_case(recent=recent))
    assert result["status"] == "optimal"
    assert "L1" not in lot_sales(result)
    # outside the share-class reading, the same recent buy blocks nothing of FOX
    apart = optimize_json(media_case(share_classes_identical=False, recent=recent))
    assert lot_sales(apart).get("L1", 0) > 0


def test_rule_5a_a_recent_fox_loss_sale_blocks_foxa_buys() -> None:
    recent = [{"security": "FOX", "side": "sell", "date": days_ago(5), "realized_gain": -100.0}]
    case = media_case(recent=recent)
    case["lots"][0]["quantity"] = 1000  # media far under target: FOXA is wanted
    result = optimize_json(case)
    assert ("FOXA", "buy") not in trades_by(result)
    apart = media_case(share_classes_identical=False, recent=recent)
    apart["lots"][0]["quantity"] = 1000
    assert ("FOXA", "buy") in trades_by(optimize_json(apart))


def _checked(case: dict[str, Any], *trades: DecidedTrade) -> list[str]:
    parsed, problems = parse_case(case)
    assert parsed is not None, problems
    return [b.rule for b in check_decision(parsed, trades).breaches]


def test_the_decision_checker_names_share_class_wash_sales() -> None:
    sell_fox = DecidedTrade("FOX", "sell", 1700, (LotPick("L1", 1700),))
    buy_foxa = DecidedTrade("FOXA", "buy", 1600)
    assert _checked(media_case(), sell_fox, buy_foxa) == ["5c"]
    assert _checked(media_case(share_classes_identical=False), sell_fox, buy_foxa) == []
    bought = [{"security": "FOXA", "side": "buy", "date": days_ago(10), "quantity": 10}]
    assert _checked(media_case(recent=bought), sell_fox, DecidedTrade("BND", "buy", 1150)) == ["5b"]
    sold = [{"security": "FOX", "side": "sell", "date": days_ago(5), "realized_gain": -100.0}]
    assert "5a" in _checked(media_case(recent=sold), DecidedTrade("FOXA", "buy", 10))
