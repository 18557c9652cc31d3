"""Scenarios: customization limits set on a parent, and the impact of a parent change."""

from __future__ import annotations

from decimal import Decimal as D

from tests.builders import BALANCED, child, firm_book
from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.limits import check_limits, impact_of_change
from trimtab.domain.targets import DropClass, Product, ReplaceProduct, Tilt


def messages(target_id: str, *children: object) -> list[str]:
    return [str(p) for p in check_limits(target_id, firm_book(*children))]  # type: ignore[arg-type]


def test_customizations_within_limits_pass() -> None:
    ok = child(
        "OK",
        ReplaceProduct("US_LARGE", Product.direct_index("DI-LC")),
        Tilt("US_MID", D("0.05"), funded_from="US_BOND"),
        DropClass("REAL_ESTATE"),
    )
    assert messages("OK", ok) == []


def test_a_large_cap_fund_cannot_be_swapped_for_emerging_market_debt() -> None:
    swap = child("SWAP", ReplaceProduct("US_LARGE", Product.model("EMD")))
    assert messages("SWAP", swap) == [
        "targets.SWAP.customizations[0].product: model EMD is not an allowed product for "
        "US_LARGE under the limit set by BAL-ETF: allowed products are "
        "direct_index DI-LC, fund VLCAX, fund VOO"
    ]


def test_a_product_from_another_class_is_refused_even_where_no_list_is_given() -> None:
    swap = child("SWAP", ReplaceProduct("US_BOND", Product.fund("VO")))
    assert messages("SWAP", swap) == [
        "targets.SWAP.customizations[0].product: fund VO holds US Mid Cap (US_MID); under the "
        "limit set by BAL-ETF a US Aggregate Bond (US_BOND) class may only be filled with "
        "US_BOND products"
    ]


def test_tilts_beyond_the_maximum_name_the_limit_and_the_allowed_range() -> None:
    tilt = child("TILT", Tilt("US_MID", D("0.04")), Tilt("US_MID", D("0.03")))
    assert messages("TILT", tilt) == [
        "targets.TILT.customizations[1].delta: tilt of +7.00% on US_MID exceeds the limit set "
        "by BAL-ETF: max tilt ±5.00% (allowed US_MID weight 5.0%–15.0%)"
    ]


def test_a_grandchild_is_held_to_the_firm_limits_too() -> None:
    advisor = child("ADV", Tilt("US_MID", D("0.03"), funded_from="US_BOND"))
    client = child("CLI", Tilt("US_MID", D("0.03"), funded_from="US_BOND"), parent="ADV")
    assert messages("ADV", advisor, client) == []
    assert len(messages("CLI", advisor, client)) == 1


def test_equity_cannot_leave_its_bounds() -> None:
    # Dropping bonds pushes equity from 65% to 68%/.70 ≈ 92.9%: the Balanced limit is 75%.
    heavy = child("HEAVY", DropClass("US_BOND"))
    assert messages("HEAVY", heavy) == [
        "targets.HEAVY: Equity (EQUITY) weight 92.9% is outside the limit set by BAL-ETF: "
        "allowed 45.0%–75.0%"
    ]


def test_a_parent_change_lists_the_children_it_would_push_outside_their_limits() -> None:
    fine = child("FINE", DropClass("INTL"))
    edge = child(
        "EDGE", DropClass("REAL_ESTATE"), Tilt("US_LARGE", D("0.05"), funded_from="US_BOND")
    )
    current = firm_book(fine, edge)
    # The committee moves 8% from bonds to large cap: EDGE's equity goes past 75%.
    riskier = AssetAllocation(
        "BAL", "Balanced", {**BALANCED.weights, "US_LARGE": D("0.48"), "US_BOND": D("0.22")}
    )
    impacts = impact_of_change(current, current.with_allocation(riskier))
    assert [i.target for i in impacts] == ["EDGE"]
    assert "outside the limit set by BAL-ETF" in impacts[0].problems[0].message
