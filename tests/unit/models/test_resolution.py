"""Scenarios: a firm target resolving into the engine's groups, with lineage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.builders import BALANCED, FIRM_TARGET, child, firm_book
from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.resolution import ResolvedTarget, Rule, catalog_as_of, resolve
from trimtab.domain.targets import (
    DropClass,
    ExcludeSector,
    ExcludeSecurity,
    KeepLegacy,
    Product,
    ReplaceProduct,
    Target,
    Tilt,
)
from trimtab.domain.versions import Version

NOON = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def weights(r: ResolvedTarget) -> dict[str, float]:
    return {g.id: round(g.target, 6) for g in r.groups}


def resolved(target_id: str, *children: Target, **blocks: frozenset[str]) -> ResolvedTarget:
    r, problems = resolve(target_id, firm_book(*children), **blocks)
    assert problems == []
    assert r is not None
    return r


def test_the_firm_target_resolves_to_one_group_per_product_and_cash_apart() -> None:
    r = resolved("BAL-ETF")
    assert weights(r) == {
        "BND": 0.30,
        "SP500": 0.40,
        "VEA": 0.10,
        "VNQ": 0.05,
        "VO": 0.10,
    }
    assert r.cash == pytest.approx(0.05)
    sp500 = next(g for g in r.groups if g.id == "SP500")
    assert sp500.members == ("VOO", "IVV", "SPLG")
    assert sp500.buy == "VOO"
    assert sp500.as_engine_group() == {
        "id": "SP500",
        "members": ["VOO", "IVV", "SPLG"],
        "buy": "VOO",
        "target": pytest.approx(0.40),
    }


def test_a_parent_change_reaches_a_child_that_dropped_a_class_and_one_that_swapped() -> None:
    no_reit = child("NO-REIT", DropClass("REAL_ESTATE"))
    mutual = child("MUTUAL", ReplaceProduct("US_LARGE", Product.fund("VLCAX")))
    before = firm_book(no_reit, mutual)
    # The committee overweights Mid Cap by 5% out of Large Cap.
    mid_heavy = AssetAllocation(
        "BAL", "Balanced", {**BALANCED.weights, "US_LARGE": D("0.35"), "US_MID": D("0.15")}
    )
    after = before.with_allocation(mid_heavy)

    r_before, _ = resolve("NO-REIT", before)
    r_after, _ = resolve("NO-REIT", after)
    assert r_before is not None
    assert r_after is not None
    assert weights(r_before)["VO"] == pytest.approx(0.10 / 0.95, abs=1e-6)
    assert weights(r_after)["VO"] == pytest.approx(0.15 / 0.95, abs=1e-6)
    assert "VNQ" not in weights(r_after)

    m_after, _ = resolve("MUTUAL", after)
    assert m_after is not None
    assert weights(m_after)["VLCAX"] == pytest.approx(0.35)
    assert weights(m_after)["VO"] == pytest.approx(0.15)
    assert "SP500" not in weights(m_after)


def test_children_of_children_apply_every_level_in_order() -> None:
    advisor = child("ADVISOR", DropClass("REAL_ESTATE"))
    client = child("CLIENT", Tilt("US_MID", D("0.03"), funded_from="US_BOND"), parent="ADVISOR")
    r = resolved("CLIENT", advisor, client)
    assert weights(r)["VO"] == pytest.approx(0.10 / 0.95 + 0.03, abs=1e-6)
    assert weights(r)["BND"] == pytest.approx(0.30 / 0.95 - 0.03, abs=1e-6)
    vo_steps = next(g for g in r.groups if g.id == "VO").contributions[0].steps
    assert [(s.target, s.rule) for s in vo_steps] == [
        ("BAL-ETF", Rule.ALLOCATION),
        ("ADVISOR", Rule.DROP_RESCALE),
        ("CLIENT", Rule.TILT),
        ("BAL-ETF", Rule.PRODUCT),
    ]
    assert r.versions == (
        "allocation:BAL",
        "equivalence_set:SP500",
        *(f"target:{t}" for t in ("ADVISOR", "BAL-ETF", "CLIENT")),
    )


def test_a_cycle_in_parent_links_is_a_problem_naming_the_loop() -> None:
    a = child("A", DropClass("REAL_ESTATE"), parent="B")
    b = child("B", DropClass("INTL"), parent="A")
    r, problems = resolve("A", firm_book(a, b))
    assert r is None
    assert [str(p) for p in problems] == [
        "targets.A.parent: the parent links form a cycle: A → B → A"
    ]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            child("ORPHAN", DropClass("INTL"), parent="GONE"),
            "targets.ORPHAN.parent: unknown target GONE",
        ),
        (
            child("X", DropClass("EM_DEBT")),
            "targets.X.customizations[0].asset_class: EM_DEBT is not in the target it customizes",
        ),
        (
            child("X", ReplaceProduct("US_LARGE", Product.model("NOPE"))),
            "targets.X.customizations[0].product: unknown model NOPE",
        ),
        (
            child("X", Tilt("US_MID", D("0.2"), funded_from="CASH")),
            "targets.X.customizations[0].funded_from: CASH has 5.00%, not enough to fund +20.00%",
        ),
        (
            child("X", ExcludeSector("Shipping")),
            "targets.X.customizations[0].sector: no security in the master has sector Shipping",
        ),
    ],
)
def test_bad_customizations_are_named_problems_not_exceptions(
    target: Target, expected: str
) -> None:
    r, problems = resolve(target.id, firm_book(target))
    assert r is None
    assert any(str(p).startswith(expected) for p in problems), problems


def test_a_product_for_an_unknown_class_is_a_problem() -> None:
    bad = Target(
        "BAD",
        "bad",
        allocation="BAL",
        products={**FIRM_TARGET.products, "CRYPTO": Product.fund("VOO")},
    )
    r, problems = resolve("BAD", firm_book(bad))
    assert r is None
    assert [str(p) for p in problems] == [
        "targets.BAD.products.CRYPTO: product for unknown class CRYPTO"
    ]


def test_buys_go_to_the_preferred_member_unless_it_is_restricted_or_wash_blocked() -> None:
    def sp500(**blocks: frozenset[str]) -> tuple[str | None, str]:
        g = next(g for g in resolved("BAL-ETF", **blocks).groups if g.id == "SP500")
        return g.buy, g.buy_note

    assert sp500() == ("VOO", "")
    assert sp500(no_buy=frozenset({"VOO"})) == (
        "IVV",
        "VOO restricted (no-buy): buying alternate IVV",
    )
    assert sp500(wash_blocked=frozenset({"VOO"}), no_buy=frozenset({"IVV"}))[0] == "SPLG"
    assert sp500(no_buy=frozenset({"VOO", "IVV", "SPLG"}))[0] is None


def test_excluding_a_sector_redistributes_inside_the_direct_index() -> None:
    di = child(
        "DI", ReplaceProduct("US_LARGE", Product.direct_index("DI-LC")), ExcludeSector("Energy")
    )
    r = resolved("DI", di)
    w = weights(r)
    assert "XOM" not in w
    assert "CVX" not in w
    # 40% of the account over AAPL, MSFT, MO (.30, .30, .15 of .75 left).
    assert w["AAPL"] == pytest.approx(0.40 * 0.30 / 0.75, abs=1e-6)
    assert w["MO"] == pytest.approx(0.40 * 0.15 / 0.75, abs=1e-6)
    assert {"XOM", "CVX"} <= r.excluded
    aapl_rules = [s.rule for s in r.groups[0].contributions[0].steps]
    assert Rule.EXCLUDE_REDISTRIBUTE in aapl_rules


def test_an_excluded_fund_with_an_equivalent_keeps_its_weight_in_the_set() -> None:
    r = resolved("NO-VOO", child("NO-VOO", ExcludeSecurity("VOO")))
    sp500 = next(g for g in r.groups if g.id == "SP500")
    assert sp500.target == pytest.approx(0.40)
    assert sp500.members == ("IVV", "SPLG")
    assert sp500.buy == "IVV"


def test_excluding_a_whole_class_product_gives_its_weight_to_the_other_classes() -> None:
    r = resolved("NO-VNQ", child("NO-VNQ", ExcludeSecurity("VNQ")))
    assert "VNQ" not in weights(r)
    assert weights(r)["BND"] == pytest.approx(0.30 / 0.95, abs=1e-6)
    assert r.total() == pytest.approx(1.0)


def test_a_legacy_holding_is_kept_never_bought_and_the_rest_makes_room() -> None:
    r = resolved("KEEP", child("KEEP", KeepLegacy("AAPL", D("0.08"))))
    aapl = next(g for g in r.groups if g.id == "AAPL")
    assert aapl.target == pytest.approx(0.08)
    assert aapl.buy is None
    assert weights(r)["BND"] == pytest.approx(0.30 * 0.92, abs=1e-6)
    assert r.keep == frozenset({"AAPL"})
    assert r.total() == pytest.approx(1.0)


def test_lineage_accounts_for_every_weight() -> None:
    target = child(
        "MIX",
        DropClass("REAL_ESTATE"),
        ReplaceProduct("US_LARGE", Product.direct_index("DI-LC")),
        ExcludeSecurity("MO"),
        KeepLegacy("IVV", D("0.02")),
        Tilt("INTL", D("-0.02")),
    )
    r = resolved("MIX", target)
    for g in r.groups:
        assert sum(c.weight for c in g.contributions) == pytest.approx(g.target, abs=1e-12)
        assert all(c.steps for c in g.contributions)
    assert r.total() == pytest.approx(1.0, abs=1e-9)


def test_resolving_as_of_a_date_uses_the_versions_in_force_then() -> None:
    mid_heavy = AssetAllocation(
        "BAL", "Balanced", {**BALANCED.weights, "US_LARGE": D("0.35"), "US_MID": D("0.15")}
    )
    book = firm_book()
    histories = {
        "asset_classes": book.asset_classes,
        "securities": book.securities,
        "allocations": {
            "BAL": [
                Version(1, BALANCED, "ipc", NOON, "initial", dt.date(2026, 1, 1)),
                Version(2, mid_heavy, "ipc", NOON, "overweight mid cap", dt.date(2026, 3, 2)),
            ]
        },
        "models": {},
        "equivalence_sets": {
            "SP500": [
                Version(1, book.equivalence_sets["SP500"], "ipc", NOON, "x", dt.date(2026, 1, 1))
            ]
        },
        "targets": {
            "BAL-ETF": [Version(1, FIRM_TARGET, "ipc", NOON, "initial", dt.date(2026, 1, 1))]
        },
    }
    march_1 = catalog_as_of(dt.date(2026, 3, 1), **histories)  # type: ignore[arg-type]
    march_2 = catalog_as_of(dt.date(2026, 3, 2), **histories)  # type: ignore[arg-type]
    r1, _ = resolve("BAL-ETF", march_1)
    r2, _ = resolve("BAL-ETF", march_2)
    assert r1 is not None
    assert r2 is not None
    assert weights(r1)["VO"] == pytest.approx(0.10)
    assert weights(r2)["VO"] == pytest.approx(0.15)
    assert "allocation:BAL@1" in r1.versions
    assert "allocation:BAL@2" in r2.versions


def test_resolution_is_deterministic() -> None:
    target = child(
        "D", ReplaceProduct("US_LARGE", Product.direct_index("DI-LC")), ExcludeSecurity("MO")
    )
    assert resolved("D", target) == resolved("D", target)
