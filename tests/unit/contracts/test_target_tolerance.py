"""Targets rounded by their provider: accepted within one stated tolerance, from one constant.

A model whose weights a provider rounded (summing to 1.000001) used to be refused with
"targets sum to 1; they must sum to at most 1". Now a sum up to 1 + 1e-4
(`TARGET_SUM_TOLERANCE`, the domain's `WEIGHT_TOLERANCE`) is accepted, the group targets
are used exactly as given and the excess comes out of cash's implied share; beyond it the
message shows the sum with the digits of the excess.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.unit.contracts.cases import spec_case
from trimtab.domain.allocations import WEIGHT_TOLERANCE
from trimtab.domain.models import model_from_lines
from trimtab.engine import optimize_json, parse_case
from trimtab.engine.case import TARGET_SUM_TOLERANCE
from trimtab.feeds.model_files import parse_model_file
from trimtab.services import nightly_case


def _with_targets(first: float, second: float) -> dict[str, Any]:
    case = spec_case()
    case["groups"][0]["target"] = first
    case["groups"][1]["target"] = second
    return case


@pytest.mark.parametrize(
    ("first", "second"),
    [(0.6, 0.400001), (0.6, 0.4001), (0.333334, 0.6667)],
    ids=["1.000001", "exactly-at-tolerance", "1.000034"],
)
def test_a_sum_within_the_rounding_tolerance_is_accepted(first: float, second: float) -> None:
    result = optimize_json(_with_targets(first, second))

    assert result["status"] == "optimal"
    # The targets are used as given: the excess is cash's, not shaved off the groups.
    targets = {g["id"]: g["target"] for g in result["post_trade"]["groups"]}  # type: ignore[index]
    assert targets == {"US_LARGE": first, "XOM": second}


@pytest.mark.parametrize(
    ("second", "shown"),
    [(0.4002, "1.000200"), (0.4001000001, "1.0001000001"), (0.5, "1.100000")],
    ids=["1.0002", "just-above", "1.1"],
)
def test_a_sum_beyond_the_tolerance_is_refused_showing_the_excess(
    second: float, shown: str
) -> None:
    case, problems = parse_case(_with_targets(0.6, second))

    assert case is None
    assert [str(p) for p in problems] == [
        f"groups: targets sum to {shown}; they must sum to at most 1 (+1e-4 rounding tolerance)"
    ]


def test_cases_models_and_the_nightly_case_share_one_tolerance_defined_in_domain() -> None:
    assert TARGET_SUM_TOLERANCE is WEIGHT_TOLERANCE
    assert Decimal("0.0001") == WEIGHT_TOLERANCE
    assert float(WEIGHT_TOLERANCE) == nightly_case._TARGET_SUM_TOLERANCE


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("security,weight\nVOO,0.600001\nBND,0.4\n", True),
        ("security,weight\nVOO,60.01%\nBND,40%\n", True),  # exactly at the tolerance
        ("security,weight\nVOO,0.6001000001\nBND,0.4\n", False),
        ("security,weight\nVOO,0.6002\nBND,0.4\n", False),
    ],
    ids=["1.000001", "at-tolerance", "just-above", "1.0002"],
)
def test_a_provider_model_file_applies_the_same_tolerance(text: str, accepted: bool) -> None:
    parsed, file_problems = parse_model_file("core.csv", text)
    assert parsed is not None
    assert file_problems == []

    model, problems = model_from_lines("M1", "Core", parsed.lines, known={"VOO", "BND"})

    assert (model is not None) is accepted
    if not accepted:
        [problem] = problems
        total = sum((w for _t, w in parsed.lines), Decimal(0))
        assert f"sum to {total}" in problem.message  # every digit of the excess
