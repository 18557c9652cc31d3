"""Scenario: a chart of counts marks its axis at whole numbers only.

Accounts, proposals and suspensions are counted in whole numbers; an axis ticked at 2.5
would print it with the counts' own format as "2", next to the real 2 (0, 2, 2, 3...).
"""

from __future__ import annotations

import re

import pytest

from trimtab.reports.charts import count_chart

TICK = re.compile(r'<g id="xtick_\d+">.*?<text[^>]*>([^<]*)</text>', re.S)


@pytest.mark.parametrize("counts", [[3, 1], [1], [7, 2, 5], [0, 0]])
def test_a_count_chart_ticks_whole_numbers_each_once(counts: list[int]) -> None:
    svg = count_chart("Accounts by outcome", [f"o{k}" for k in range(len(counts))], counts)
    labels = TICK.findall(svg)
    assert labels, "the chart has no x ticks"
    values = [int(label.replace(",", "")) for label in labels]
    assert values == sorted(set(values))  # no label twice: every tick is a whole number
    assert values[0] == 0
    assert values[-1] >= max(counts)
