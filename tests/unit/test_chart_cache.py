"""Charts are remembered by their values; an account page's group bars are legible.

Drawing a chart costs matplotlib 60-150 ms, more than the rest of a page
(bench/README.md, "Web app under load"), so `trimtab.reports.charts` answers a repeat of
the same values from memory — never a chart of other values.
"""

from __future__ import annotations

import pytest

from trimtab.reports import charts
from trimtab.reports.charts import count_chart, drift_chart
from trimtab.services.accounts import GroupView
from trimtab.web.pages.accounts import group_bars


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


def test_an_account_page_bars_its_groups_on_one_scale_with_the_band_as_good_region() -> None:
    groups = (
        _group("inside", drift=0.004),
        _group("outside", drift=0.3),
        GroupView("near zero", (), ("X",), 0.001, 0.0, 0.005),
    )
    inside, outside, near_zero = group_bars(groups)
    assert inside.scale == outside.scale == near_zero.scale == groups[1].current
    assert (inside.low, inside.high) == (0.015, 0.025)
    assert inside.label.endswith("inside its band")
    assert outside.label == "current 32.00%, target 2.00% ± 0.50%: outside its band"
    assert near_zero.low == 0.0  # a band reaching below nothing starts at nothing
