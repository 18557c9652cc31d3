"""Charts are remembered by their values; an account with many groups gets a legible chart.

Drawing a chart costs matplotlib 60-150 ms, more than the rest of a page
(bench/README.md, "Web app under load"), so `trimtab.reports.charts` answers a repeat of
the same values from memory — never a chart of other values.
"""

from __future__ import annotations

import pytest

from trimtab.reports import charts
from trimtab.reports.charts import count_chart, drift_chart
from trimtab.services.accounts import GroupView
from trimtab.web.pages.accounts import CHART_GROUPS, group_chart


def test_the_same_values_are_drawn_once_and_other_values_are_drawn_anew() -> None:
    first = count_chart("Accounts by outcome", ["auto-trade", "review"], [120, 14])
    again = count_chart("Accounts by outcome", ("auto-trade", "review"), (120, 14))
    other = count_chart("Accounts by outcome", ["auto-trade", "review"], [120, 15])
    assert again is first  # a list or a tuple of the same values: the same chart
    assert other != first
    assert ">15<" in other.replace(" ", "")


def test_values_equal_in_python_but_of_other_types_are_other_charts() -> None:
    as_int = count_chart("Counts", ["a"], [1])
    as_float = count_chart("Counts", ["a"], [1.0], value_format="{}")
    assert as_float is not as_int
    assert ">1.0<" in as_float.replace(" ", "")


def test_the_memory_keeps_only_the_latest_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "CACHE_SIZE", 3)

    def draw(k: int) -> str:
        return drift_chart(["x"], target=[0.5], current=[0.5 + k / 1e6], band=[0.01])

    oldest = draw(0)
    assert draw(0) is oldest
    for k in range(1, 4):
        draw(k)
    assert draw(0) is not oldest  # forgotten, drawn again
    assert draw(0) == oldest  # ... identically


def _group(name: str, drift: float) -> GroupView:
    return GroupView(name, (), (name,), 0.02, 0.02 + drift, 0.005)


def test_an_account_with_many_groups_charts_those_furthest_from_target() -> None:
    groups = tuple(_group(f"S{k:03d}", drift=k / 1000) for k in range(CHART_GROUPS + 6))
    svg = group_chart(groups)
    assert f"The {CHART_GROUPS} of {CHART_GROUPS + 6} groups furthest from target" in svg
    assert ">S029<" in svg.replace(" ", "")
    assert ">S006<" in svg.replace(" ", "")
    assert "S005" not in svg
    assert "S000" not in svg
    few = group_chart(groups[:3])
    assert "Target vs current weight by group" in few
    assert "S002" in few
