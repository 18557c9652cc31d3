"""Charts for reports and pages, drawn with matplotlib and returned as SVG text.

Problem: the simulation report, the dashboards and the account page all want a few small
charts — target vs current weight by group, counts by outcome, a value over time — that
look alike, open anywhere offline, and can be compared byte for byte in a test. Drawing
them by hand (the old `svg_charts`) meant our own tick rules, legends and escaping bugs;
a kept library does that work.

Rule: one function per chart kind, each taking plain values (strings, floats, dates;
never a store row or a domain object) and returning one `<svg>` element as text, with the
XML prologue removed so it can be inlined in an HTML file. The same values always give
the same bytes: the element ids are salted with a fixed string (`svg.hashsalt`), the
date is left out of the metadata, and text stays text (`svg.fonttype = none`, smaller
and searchable). One look for all: `PALETTE` colours by series index, one font size, no
top or right frame. Pages served under the content security policy cannot inline an SVG
that carries `style` attributes, so they embed it as an image: `data_uri(svg)`.

Rendering holds a lock: matplotlib's settings are process-global, and the web app renders
from several threads at once.

Drawing costs 60-150 ms a chart (matplotlib lays out every label twice for the tight
bounding box), more than the rest of a page; and the same chart is asked for again and
again — every overlay desk's dashboard shows the same outcome chart until the next run,
an advisor reopens an account. So each chart function remembers its last `CACHE_SIZE`
answers, keyed by its arguments' values and types (a chart is a pure function of them,
see above): a repeat costs a dictionary look-up. Worked example: the management
dashboard's two charts took 230 ms of its 320 ms; repeated, 0.

Example:

    svg = drift_chart(["US equity", "Bonds"], target=[0.6, 0.4], current=[0.64, 0.36],
                      band=[0.03, 0.03])
    html = f'<img alt="Drift" src="{data_uri(svg)}">'
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import matplotlib

matplotlib.use("Agg")  # no display, ever: pages and reports render on servers

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "CACHE_SIZE",
    "PALETTE",
    "bar_chart",
    "count_chart",
    "data_uri",
    "drift_chart",
    "line_chart",
]

PALETTE = ("#555555", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
_BAND_COLOUR = "#bbbbbb"
_WIDE = (7.6, 3.0)  # inches; at 100 dpi the same 760 x 300 the old hand-drawn charts had
_RC: Any = {  # matplotlib types the keys as a Literal of every setting
    "svg.hashsalt": "trimtab",
    "svg.fonttype": "none",
    "font.size": 9.0,
    "font.family": "sans-serif",
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_LOCK = threading.Lock()
CACHE_SIZE = 512  # charts per kind (an SVG is 10-20 KB: at most ~40 MB in all, per process)
_Chart = TypeVar("_Chart", bound=Callable[..., str])


def _frozen(value: Any) -> Hashable:
    """A hashable key for a chart argument; the type is part of it, so 1 and 1.0 (which
    may format differently) are different keys."""
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, Mapping):
        return ("mapping", tuple((_frozen(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, Sequence):
        return ("sequence", tuple(_frozen(v) for v in value))
    return (type(value).__qualname__, value)


def _remembered(draw: _Chart) -> _Chart:
    """`draw`, answering a repeat of the same arguments from its last CACHE_SIZE charts."""
    answers: OrderedDict[Hashable, str] = OrderedDict()
    guard = threading.Lock()

    @functools.wraps(draw)
    def chart(*args: Any, **kwargs: Any) -> str:
        key = (_frozen(args), _frozen(sorted(kwargs.items())))
        with guard:
            if key in answers:
                answers.move_to_end(key)
                return answers[key]
        svg = draw(*args, **kwargs)
        with guard:
            answers[key] = svg
            while len(answers) > CACHE_SIZE:
                answers.popitem(last=False)
        return svg

    chart.cache_clear = answers.clear  # type: ignore[attr-defined]
    return chart  # type: ignore[return-value]


@contextmanager
def _drawing(size: tuple[float, float] = _WIDE) -> Iterator[Figure]:
    # The style must be in force while the chart is built (fonts, spines and titles read
    # the settings when they are made), not only when it is saved: the whole drawing runs
    # inside the settings and the lock.
    with _LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, dpi=100)
        fig.add_subplot()
        yield fig


def _render(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :].strip()


def _formatter(y_format: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: y_format.format(value))


def _empty(fig: Figure, title: str) -> str:
    ax = fig.axes[0]
    ax.set_title(title, loc="left")
    ax.set_axis_off()
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    return _render(fig)


def data_uri(svg: str) -> str:
    """The chart as a `data:` URL for an `<img>`, allowed by the pages' `img-src data:`."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


@_remembered
def line_chart(
    title: str,
    dates: Sequence[dt.date],
    series: Mapping[str, Sequence[float]],
    *,
    y_format: str = "{:,.0f}",
    max_points: int = 400,
) -> str:
    """One line per series over `dates`, thinned to `max_points` to keep the file small.

    Example: `line_chart("Drift over time", [d0, d1, d2], {"A-1": [0.01, 0.04, 0.02]},
    y_format="{:.0%}")`.
    """
    with _drawing() as fig:
        if not dates or not series:
            return _empty(fig, title)
        ax = fig.axes[0]
        n = len(dates)
        step = max(1, math.ceil(n / max_points))
        keep = sorted({*range(0, n, step), n - 1})
        xs = [dates[i] for i in keep]
        for k, (name, points) in enumerate(series.items()):
            ax.plot(
                xs,
                [points[i] for i in keep],
                color=PALETTE[k % len(PALETTE)],
                linewidth=1.5,
                label=name,
            )
        ax.yaxis.set_major_formatter(_formatter(y_format))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_title(title, loc="left")
        if len(series) > 1:
            ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _render(fig)


@_remembered
def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    y_format: str = "{:,.0f}",
) -> str:
    """Grouped columns: one group per category, one column per series.

    Example: `bar_chart("Losses harvested by year ($)", ["2021", "2022"],
    {"tax-naive": [0, 0], "tax-aware": [1200.0, 5400.0]})`.
    """
    with _drawing() as fig:
        if not categories or not series:
            return _empty(fig, title)
        ax = fig.axes[0]
        width = 0.8 / len(series)
        for k, (name, points) in enumerate(series.items()):
            ax.bar(
                [c - 0.4 + width * (k + 0.5) for c in range(len(categories))],
                list(points),
                width=width,
                color=PALETTE[k % len(PALETTE)],
                label=name,
            )
        ax.set_xticks(range(len(categories)), list(categories))
        ax.axhline(0.0, color="#888888", linewidth=0.6)
        ax.yaxis.set_major_formatter(_formatter(y_format))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(title, loc="left")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _render(fig)


@_remembered
def drift_chart(
    groups: Sequence[str],
    *,
    target: Sequence[float],
    current: Sequence[float],
    band: Sequence[float],
    title: str = "Target vs current weight by group",
) -> str:
    """Target and current weight side by side per group, the band drawn around the target.

    Weights and bands are fractions of the account (0.6 = 60%); the band is the allowed
    distance either side of the target, drawn as a grey bracket, so a current column
    ending outside the bracket is a group out of band.

    Example: `drift_chart(["Equity", "Bonds"], target=[0.6, 0.4], current=[0.66, 0.34],
    band=[0.05, 0.05])` shows equity above its bracket (66% > 65%).
    """
    with _drawing((7.6, 0.9 + 0.32 * max(len(groups), 4))) as fig:
        if not groups:
            return _empty(fig, title)
        ax = fig.axes[0]
        xs = range(len(groups))
        ax.bar([x - 0.2 for x in xs], list(target), width=0.4, color=PALETTE[0], label="target")
        ax.bar([x + 0.2 for x in xs], list(current), width=0.4, color=PALETTE[1], label="current")
        ax.errorbar(
            [x - 0.2 for x in xs],
            list(target),
            yerr=[abs(b) for b in band],
            fmt="none",
            ecolor=_BAND_COLOUR,
            elinewidth=6,
            alpha=0.6,
            label="band",
        )
        if len(groups) > 5:  # long group names collide side by side: slant them
            ax.set_xticks(list(xs), list(groups), rotation=20, ha="right")
        else:
            ax.set_xticks(list(xs), list(groups))
        ax.yaxis.set_major_formatter(_formatter("{:.0%}"))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(title, loc="left")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _render(fig)


@_remembered
def count_chart(
    title: str,
    labels: Sequence[str],
    counts: Sequence[float],
    *,
    value_format: str = "{:,.0f}",
) -> str:
    """Horizontal bars, one per label in the order given, each with its value written at
    its end (counts by outcome, suspensions by reason).

    Example: `count_chart("Tonight's outcome", ["auto-trade", "review"], [120, 14])`.
    """
    with _drawing((6.0, 0.6 + 0.3 * max(len(labels), 3))) as fig:
        if not labels:
            return _empty(fig, title)
        ax = fig.axes[0]
        ys = list(range(len(labels)))
        ax.barh(ys, list(counts), color=[PALETTE[(k + 1) % len(PALETTE)] for k in ys], height=0.6)
        ax.set_yticks(ys, list(labels))
        ax.invert_yaxis()  # the first label on top, as in the table beside it
        top = max([float(c) for c in counts] + [1.0])
        for y, value in zip(ys, counts, strict=True):
            ax.text(float(value) + top * 0.01, y, value_format.format(value), va="center")
        ax.set_xlim(0, top * 1.15)
        # Counts are whole: ticks at 2.5 accounts would be labelled "2" (rounded by the
        # format) beside a real 2 — so ticks fall on integers only.
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(_formatter(value_format))
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(title, loc="left")
        return _render(fig)
