"""Scenarios: validating allocations, models, equivalence sets and versions; hub fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from tests.builders import CLASSES, SECURITIES
from trimtab.domain.allocations import AssetAllocation, validate_allocation
from trimtab.domain.equivalence import EquivalenceSet, validate_equivalence_sets
from trimtab.domain.model_hub import ProviderAssets, Subscription, monthly_fees
from trimtab.domain.models import model_from_lines
from trimtab.domain.versions import next_version

NOW = dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC)


def test_an_allocation_that_does_not_sum_to_one_names_its_total() -> None:
    a = AssetAllocation("X", "X", {"US_LARGE": D("0.6"), "US_BOND": D("0.3")})
    assert [str(p) for p in validate_allocation(a, CLASSES)] == [
        "allocations.X.weights: allocation X weights sum to 0.9, not 1 (tolerance 0.0001)"
    ]


def test_an_allocation_cannot_weight_a_class_and_its_parent() -> None:
    a = AssetAllocation("X", "X", {"EQUITY": D("0.5"), "US_LARGE": D("0.5")})
    assert [p.path for p in validate_allocation(a, CLASSES)] == ["allocations.X.weights.US_LARGE"]


def test_a_provider_file_with_unknown_securities_and_duplicates_names_each_line() -> None:
    model, problems = model_from_lines(
        "P1",
        "Provider core",
        [("VOO", D("0.5")), ("ZZZZ", D("0.3")), ("VOO", D("0.2"))],
        known=SECURITIES,
    )
    assert model is None
    assert [str(p) for p in problems] == [
        "lines[1].security: unknown security ZZZZ: not in the master",
        "lines[2].security: VOO appears twice (first as lines[0])",
    ]


def test_a_model_within_tolerance_is_accepted() -> None:
    model, problems = model_from_lines(
        "P1", "Core", [("VOO", D("0.33333")), ("BND", D("0.66667"))], known=SECURITIES
    )
    assert problems == []
    assert model is not None
    assert model.weights["VOO"] == D("0.33333")


def test_a_security_in_two_equivalence_sets_is_refused() -> None:
    sets = [EquivalenceSet("A", "A", "VOO", ("IVV",)), EquivalenceSet("B", "B", "IVV")]
    assert [str(p) for p in validate_equivalence_sets(sets, SECURITIES)] == [
        "equivalence_sets.B.members[0]: IVV is already in set A; a security counts toward "
        "one target group only"
    ]


def test_a_change_without_a_reason_is_not_recorded() -> None:
    version, problems = next_version([], "x", author="ipc", recorded_at=NOW, reason=" ")
    assert version is None
    assert [p.path for p in problems] == ["reason"]
    first, _ = next_version([], "x", author="ipc", recorded_at=NOW, reason="initial")
    assert first is not None
    second, _ = next_version([first], "y", author="ipc", recorded_at=NOW, reason="fix")
    assert (first.number, second.number if second else None) == (1, 2)
    assert first.effective == dt.date(2026, 3, 1)


def test_provider_fees_accrue_daily_and_are_reported_by_month() -> None:
    # $1.2M in January, $0.6M in February (a leap-free year) at 25 bps/year.
    rows = [ProviderAssets(dt.date(2026, 1, d), "A", D("1200000")) for d in range(1, 32)]
    rows += [ProviderAssets(dt.date(2026, 2, d), "B", D("600000")) for d in range(1, 29)]
    jan, feb = monthly_fees("PIM", D("25"), rows)
    assert (jan.month, jan.accounts, jan.average_assets) == ("2026-01", 1, D("1200000.00"))
    assert jan.fee == (D("1200000") * D("0.0025") * 31 / 365).quantize(D("0.01"))
    assert feb.fee == (D("600000") * D("0.0025") * 28 / 365).quantize(D("0.01"))


def test_a_subscription_is_active_through_its_last_day() -> None:
    s = Subscription("PIM", "EMD", dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert s.active_on(dt.date(2026, 1, 31))
    assert not s.active_on(dt.date(2026, 2, 1))
