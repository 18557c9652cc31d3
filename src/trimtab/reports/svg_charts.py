"""Small self-contained SVG charts (no library, no network) for HTML reports.

Problem: a report must open anywhere, offline, and be kept as a record; a charting
library would add a dependency and usually scripts. Two chart kinds cover the reports:
lines over dates and grouped bars per category.

Rule: each function returns one `<svg>` string with a viewBox (it scales with the page),
axis ticks at round numbers, a legend, and every label escaped. Colours are fixed per
series index so the same profile has the same colour in every chart.

Example: `line_chart("Wealth", [date0, date1], {"A": [1.0, 1.1]}, y_format="{:.0%}")`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["PALETTE", "bar_chart", "line_chart"]

PALETTE = ("#555555", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
_W, _H = 760, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 150, 30, 40


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * step:
            step *= m
            break
    start = math.floor(low / step) * step
    out = []
    v = start
    while v <= high + step * 1e-9:
        out.append(round(v, 12))
        v += step
    return out


def _frame(title: str, ticks: list[float], y_of: object, y_format: str) -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="{escape(title)}" style="max-width:100%;font:12px sans-serif">',
        f'<text x="{_LEFT}" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    assert callable(y_of)
    for t in ticks:
        y = y_of(t)
        parts.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(y_format.format(t))}</text>"
        )
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    out = []
    for k, name in enumerate(names):
        y = _TOP + 16 * k
        colour = PALETTE[k % len(PALETTE)]
        out.append(
            f'<rect x="{_W - _RIGHT + 10}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{_W - _RIGHT + 26}" y="{y + 9}">{escape(name)}</text>'
        )
    return out


def line_chart(
    title: str,
    dates: Sequence[dt.date],
    series: Mapping[str, Sequence[float]],
    *,
    y_format: str = "{:,.0f}",
    max_points: int = 400,
) -> str:
    """One line per series over `dates` (thinned to `max_points` for a small file)."""
    values = [v for s in series.values() for v in s if math.isfinite(v)]
    ticks = _ticks(min(values, default=0.0), max(values, default=1.0))
    low, high = ticks[0], ticks[-1]
    n = len(dates)
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x_of(i: int) -> float:
        return _LEFT + plot_w * (i / max(n - 1, 1))

    def y_of(v: float) -> float:
        return _TOP + plot_h * (1 - (v - low) / ((high - low) or 1.0))

    parts = _frame(title, ticks, y_of, y_format)
    step = max(1, math.ceil(n / max_points))
    keep = sorted({*range(0, n, step), n - 1}) if n else []
    for k, (_, points) in enumerate(series.items()):
        path = " ".join(f"{x_of(i):.1f},{y_of(points[i]):.1f}" for i in keep)
        parts.append(
            f'<polyline fill="none" stroke="{PALETTE[k % len(PALETTE)]}" stroke-width="1.5" '
            f'points="{path}"/>'
        )
    years = sorted({d.year for d in dates})
    for year in years:
        i = next(j for j, d in enumerate(dates) if d.year == year)
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle">{year}</text>'
        )
    parts += _legend(list(series))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    y_format: str = "{:,.0f}",
) -> str:
    """Grouped bars: one group per category, one bar per series."""
    values = [v for s in series.values() for v in s] + [0.0]
    ticks = _ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def y_of(v: float) -> float:
        return _TOP + plot_h * (1 - (v - low) / ((high - low) or 1.0))

    parts = _frame(title, ticks, y_of, y_format)
    slot = plot_w / max(len(categories), 1)
    width = slot * 0.8 / max(len(series), 1)
    zero = y_of(0.0)
    for c, name in enumerate(categories):
        x0 = _LEFT + slot * c + slot * 0.1
        for k, points in enumerate(series.values()):
            y = y_of(points[c])
            top, height = min(y, zero), abs(zero - y)
            parts.append(
                f'<rect x="{x0 + k * width:.1f}" y="{top:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{PALETTE[k % len(PALETTE)]}"/>'
            )
        parts.append(
            f'<text x="{x0 + slot * 0.4:.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle">'
            f"{escape(name)}</text>"
        )
    parts += _legend(list(series))
    parts.append("</svg>")
    return "".join(parts)
