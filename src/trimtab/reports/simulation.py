"""The shadow-run report: a terminal table, a JSON document and a self-contained HTML page.

Problem: the study's numbers must reach three readers: the person at the terminal (a
table), programs and reviewers (JSON with every figure and its definition), and the
firm's committee (a page with charts that states the data's limits and places the tax
alpha beside published figures without claiming more than the data supports).

Rule: all three are written from one `Study` (trimtab.simulate.study); figures are
fractions in JSON and percentages on screen; the caveats come from `caveats` and the
assumptions from `assumptions`, so the page and the JSON say the same thing. Every
assumption the study made is stated: the start (cash or lots), the flows and their
schedule, costs, scan schedules, the universe and the tax model with every parameter it
carries (read from its fields, so a new parameter appears without an edit here).

Each run ends with a reconciliation, in cents (`reconcile`): final value − taxes owed
and not yet paid = after-tax value; − the tax of selling everything at the last close =
after-tax value, liquidated. The final and after-tax values are the report's own (the
after-tax values are those the returns are computed from), and the two taxes are their
differences, so the line adds up as printed; `agrees` checks those differences against
the taxes computed apart — every year's tax from the final ledger less what the run
paid, and the liquidation's tax — within the cent that rounding each figure can cost.

Example: `write_report(study, Path("out"))` writes out/simulation.json and
out/simulation.html; `render_table(study, Console())` prints the summary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from html import escape
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trimtab.domain.money import CENT, cents, round_cents, to_decimal
from trimtab.reports.charts import bar_chart, line_chart
from trimtab.simulate.metrics import RunMetrics
from trimtab.simulate.shadow_run import RunRecord
from trimtab.simulate.study import Study
from trimtab.simulate.universe import Universe

__all__ = [
    "PUBLISHED",
    "Reconciliation",
    "assumptions",
    "caveats",
    "reconcile",
    "reconciliations",
    "render_table",
    "study_as_dict",
    "write_report",
]

PUBLISHED = (
    "Chaudhuri, Burnham & Lo (2020), 'An Empirical Evaluation of Tax-Loss-Harvesting "
    "Alpha', Financial Analysts Journal: about 1.1% a year, 0.8% with the wash-sale rule, "
    "over 1926–2018 for the 500 largest US stocks.",
    "Tax-managed indexing studies report 1–2% a year over ten years.",
)


UNPRICED_TRACKING_ERROR = (
    "its quadratic term over a few hundred stocks costs the engine minutes a scan day, "
    "too slow for thousands of scan days; the risk model it would price instead chooses "
    "each harvest's replacement (the pair adding the least tracking error), and the "
    "tracking error each run realized is measured and reported."
)


def caveats(study: Study) -> tuple[str, ...]:
    m = study.market
    first, last = (m.dates[0], m.dates[-1]) if m.dates else ("-", "-")
    return (
        f"Period: {first} to {last} only ({len({d.year for d in m.dates})} calendar years, "
        "one market path with the 2008–2009 crash early in it, which favours harvesting); "
        "a different decade can give a very different figure.",
        "Survivorship bias: the universe is stocks that were S&P 500 members around 2016. "
        "It flatters buy-and-hold and understates losses available to harvest (companies "
        "that failed or left the index are missing).",
        "Dividends are inside the total returns and not taxed as they are paid; interest on "
        "cash is not taxed; trading cost is a flat rate per dollar traded. These apply to "
        "every run alike.",
        "Statistical sectors and the risk model are estimated from the whole window's "
        "returns (look-ahead); they only decide which stocks substitute for one another "
        "in a harvest.",
        f"Tax model: {study.config.tax.describe()}.",
        *(
            f"Profile {p.name} sets tracking_error ({p.settings['tracking_error']}), which "
            "this study does not price: " + UNPRICED_TRACKING_ERROR
            for p in study.profiles
            if str(p.settings.get("tracking_error", "off")) != "off"
        ),
    )


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """final − owed = after-tax; after-tax − liquidation tax = after-tax liquidated (cents)."""

    final_value: Decimal
    taxes_owed: Decimal  # the years' taxes not yet paid at the last close
    after_tax_value: Decimal
    liquidation_tax: Decimal
    after_tax_value_liquidated: Decimal
    agrees: bool  # both taxes within a cent of the same taxes computed apart

    def as_dict(self) -> dict[str, object]:
        return {
            "final_value": float(self.final_value),
            "taxes_owed": float(self.taxes_owed),
            "after_tax_value": float(self.after_tax_value),
            "liquidation_tax": float(self.liquidation_tax),
            "after_tax_value_liquidated": float(self.after_tax_value_liquidated),
            "taxes_agree": self.agrees,
        }


def _money(x: float) -> Decimal:
    return round_cents(to_decimal(float(x)))


def reconcile(metrics: RunMetrics, record: RunRecord) -> Reconciliation:
    """The run's reconciliation line (see the module's rule)."""
    final = _money(metrics.final_value)
    after = _money(metrics.after_tax_value)
    after_liquidated = _money(metrics.after_tax_liquidated_value)
    owed, liquidation = final - after, after - after_liquidated
    # Computed apart from the daily after-tax series: every year's tax (from the final
    # ledger) less what the run paid out of the account, and the liquidation's tax.
    owed_apart = to_decimal(metrics.taxes - float(record.tax_paid.sum()))
    agrees = (
        abs(owed - owed_apart) <= CENT
        and abs(liquidation - to_decimal(float(metrics.liquidation_tax))) <= CENT
    )
    return Reconciliation(final, owed, after, liquidation, after_liquidated, agrees)


def reconciliations(study: Study) -> dict[str, Reconciliation]:
    """{run name: its reconciliation}, benchmark first; empty without the runs' records."""
    runs = (study.benchmark, *study.runs)
    if len(study.records) != len(runs):
        return {}
    return {m.name: reconcile(m, r) for m, r in zip(runs, study.records, strict=True)}


def _plain(value: object) -> object:
    """A dataclass, enum, date, mapping or sequence as JSON-ready values, recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def assumptions(study: Study) -> dict[str, object]:
    """Everything the study assumed, as plain values (the JSON and the page show these)."""
    c, u, m = study.config, study.universe, study.market
    first = m.prices[0] if m.dates else None
    index = {t: i for i, t in enumerate(u.tickers)}
    lots = c.initial_lots
    start_value = (
        None
        if first is None
        else sum(lot.quantity * float(first[index[lot.security]]) for lot in lots)
    )
    members: dict[str, list[str]] = {}
    for i, ticker in enumerate(u.tickers):
        members.setdefault(u.wash_group(i), []).append(ticker)
    shared = {g: ts for g, ts in members.items() if len(ts) > 1}
    # Study settings by their own fields: a new one appears here without an edit.
    settings = {
        f.name: _plain(getattr(c, f.name))
        for f in dataclasses.fields(c)
        if f.name not in {"tax", "initial_cash", "initial_lots", "contributions", "withdrawals"}
    }
    return {
        "start": {
            "cash": c.initial_cash,
            "lots": len(lots),
            "lots_cost_basis": sum(lot.quantity * lot.cost_basis for lot in lots),
            "lots_value_first_day": start_value,
            "funding": "from cash: every stock's target bought in whole shares on day one"
            if not lots
            else "from the lots given; no funding trade",
        },
        "flows": {
            "contributions": [_flow(f) for f in c.contributions],
            "withdrawals": [_flow(f) for f in c.withdrawals],
            "when": "on the first trading day of each period, never on the run's first day",
        },
        "study": settings,
        "profiles": [
            {
                "name": p.name,
                "settings": _plain(p.settings),
                "schedule": (p.schedule or c.schedule).value,
            }
            for p in study.profiles
        ],
        "universe": {
            **_universe(u),
            "swaps": _plain(getattr(u, "swaps", None)),
            "band_share": c.band_share,
            "shared_wash_groups": shared,
        },
        "tax_model": {**_as_mapping(_plain(c.tax)), "description": c.tax.describe()},
    }


def _universe(u: Universe) -> dict[str, object]:
    """The universe as the report and its assumptions state it."""
    return {
        "stocks": len(u.tickers),
        "weighting": u.weighting.value,
        "cash_weight": u.cash_weight,
        "statistical_sectors": u.n_sectors,
        "swap_sets": len(u.sets),
    }


def _as_mapping(value: object) -> dict[str, object]:
    return dict(value) if isinstance(value, dict) else {"value": value}


def _flow(flow: object) -> dict[str, object]:
    return _as_mapping(_plain(flow))


def _pct(x: float | None, places: int = 2) -> str:
    return "–" if x is None else f"{x * 100:.{places}f}%"


# The reconciliation as printed: (label, Reconciliation field), one operation a row.
RECONCILIATION_ROWS = (
    ("final value", "final_value"),
    ("  − taxes owed, not yet paid", "taxes_owed"),
    ("  = after-tax value", "after_tax_value"),
    ("  − tax on liquidation", "liquidation_tax"),
    ("  = after-tax value, liquidated", "after_tax_value_liquidated"),
)


def _usd_cents(x: Decimal) -> str:
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def _usd(x: float) -> str:
    text = f"{abs(x):,.0f}"
    return f"-${text}" if x < 0 and text != "0" else f"${text}"


def _run_dict(r: RunMetrics) -> dict[str, object]:
    e = r.engine
    return {
        "name": r.name,
        "description": r.description,
        "pre_tax_return_annual": r.pre_tax_annual,
        "after_tax_return_annual": r.after_tax_annual,
        "after_tax_return_annual_liquidated": r.after_tax_liquidated_annual,
        "tax_alpha_vs_buy_and_hold": _alpha(r.tax_alpha_vs_benchmark),
        "tax_alpha_vs_reference": _alpha(r.tax_alpha_vs_reference),
        "tax_effect_vs_buy_and_hold": _alpha(r.tax_effect_vs_benchmark),
        "final_value": cents(r.final_value),
        "after_tax_value": cents(r.after_tax_value),
        "after_tax_value_liquidated": cents(r.after_tax_liquidated_value),
        "liquidation_tax": cents(r.liquidation_tax),
        "unused_loss_carryforward": cents(r.unused_carryforward),
        "taxes_paid_or_owed": cents(r.taxes),
        "losses_harvested": cents(r.losses_harvested),
        "realized_short_term": cents(r.realized_short_term),
        "realized_long_term": cents(r.realized_long_term),
        "wash_sale_events": r.wash_sale_events,
        "wash_sale_disallowed": cents(r.wash_sale_disallowed),
        "turnover_annual": r.turnover_annual,
        "trading_cost": cents(r.trading_cost),
        "tracking_error": r.tracking_error,
        "active_share_mean": r.mean_active_share,
        "active_share_max": r.max_active_share,
        "engine": None
        if e is None
        else {
            "scans": e.scans,
            "zero_trade_proofs": e.zero_trade_proofs,
            "solves": e.solves,
            "trade_days": e.trade_days,
            "engine_seconds": round(e.engine_seconds, 3),
            "not_optimal_days": len(e.not_optimal),
            "not_optimal_examples": [
                {"date": d.isoformat(), "reason": why} for d, why in e.not_optimal[:5]
            ],
        },
        "run_seconds": round(r.seconds, 3),
        "years": [
            {
                "year": y.year,
                "pre_tax_return": y.pre_tax_return,
                "after_tax_return": y.after_tax_return,
                "realized_short_term": cents(y.realized_short_term),
                "realized_long_term": cents(y.realized_long_term),
                "losses_harvested": cents(y.losses_harvested),
                "wash_sale_events": y.wash_sale_events,
                "wash_sale_disallowed": cents(y.wash_sale_disallowed),
                "tax": cents(y.tax),
                "turnover": y.turnover,
                "trading_cost": cents(y.trading_cost),
                "tracking_error": y.tracking_error,
                "active_share_mean": y.mean_active_share,
                "end_value": cents(y.end_value),
            }
            for y in r.years
        ],
    }


def _alpha(pair: tuple[float, float] | None) -> dict[str, float] | None:
    return None if pair is None else {"not_liquidated": pair[0], "liquidated": pair[1]}


def study_as_dict(study: Study) -> dict[str, object]:
    m, u, c = study.market, study.universe, study.config
    lines = reconciliations(study)

    def run(r: RunMetrics) -> dict[str, object]:
        out = _run_dict(r)
        line = lines.get(r.name)
        out["reconciliation"] = None if line is None else line.as_dict()
        return out

    return {
        "period": {
            "start": m.dates[0].isoformat(),
            "end": m.dates[-1].isoformat(),
            "trading_days": len(m.dates),
        },
        "universe": _universe(u),
        "config": {
            "initial_cash": c.initial_cash,
            "initial_lots": len(c.initial_lots),
            "contributions": [f"{f.amount:g}/{f.frequency.value}" for f in c.contributions],
            "withdrawals": [f"{f.amount:g}/{f.frequency.value}" for f in c.withdrawals],
            "cost_rate": c.cost_rate,
            "band_share": c.band_share,
            "schedule": c.schedule.value,
            "tax_model": c.tax.describe(),
        },
        "assumptions": assumptions(study),
        "reference_profile": study.reference,
        "benchmark": run(study.benchmark),
        "profiles": [run(r) for r in study.runs],
        "caveats": list(caveats(study)),
        "published_figures": list(PUBLISHED),
        "run_seconds": round(study.seconds, 3),
    }


def render_table(study: Study, console: Console) -> None:
    """One column per run, one row per figure (narrow terminals fit a few runs)."""
    runs = (study.benchmark, *study.runs)
    table = Table(
        title=f"Shadow run {study.market.dates[0]} – {study.market.dates[-1]} "
        f"({len(study.universe.tickers)} stocks)"
    )
    table.add_column("per year unless stated")
    for r in runs:
        table.add_column(r.name, justify="right")

    def alpha(pair: tuple[float, float] | None, k: int) -> str:
        return "–" if pair is None else _pct(pair[k])

    rows: list[tuple[str, list[str]]] = [
        ("pre-tax return", [_pct(r.pre_tax_annual) for r in runs]),
        ("after-tax return", [_pct(r.after_tax_annual) for r in runs]),
        ("after-tax, liquidated", [_pct(r.after_tax_liquidated_annual) for r in runs]),
        ("tax alpha vs buy-and-hold", [alpha(r.tax_alpha_vs_benchmark, 0) for r in runs]),
        ("  liquidated", [alpha(r.tax_alpha_vs_benchmark, 1) for r in runs]),
        ("tax effect vs buy-and-hold", [alpha(r.tax_effect_vs_benchmark, 0) for r in runs]),
        ("  liquidated", [alpha(r.tax_effect_vs_benchmark, 1) for r in runs]),
        (
            f"tax alpha vs {study.reference or '-'}",
            [alpha(r.tax_alpha_vs_reference, 0) for r in runs],
        ),
        ("  liquidated", [alpha(r.tax_alpha_vs_reference, 1) for r in runs]),
        ("losses harvested (total)", [_usd(r.losses_harvested) for r in runs]),
        ("taxes, years (total)", [_usd(r.taxes) for r in runs]),
        ("tax on liquidation", [_usd(r.liquidation_tax) for r in runs]),
        ("turnover", [_pct(r.turnover_annual, 1) for r in runs]),
        ("trading cost (total)", [_usd(r.trading_cost) for r in runs]),
        ("tracking error", [_pct(r.tracking_error) for r in runs]),
        ("active share (mean)", [_pct(r.mean_active_share, 1) for r in runs]),
        ("wash-sale events", [str(r.wash_sale_events) for r in runs]),
        ("run time (s)", [f"{r.seconds:.1f}" for r in runs]),
    ]
    lines = reconciliations(study)
    if lines:
        rows += [
            (label, [_usd_cents(getattr(lines[r.name], key)) for r in runs])
            for label, key in RECONCILIATION_ROWS
        ]
    for label, cells in rows:
        table.add_row(label, *cells)
    console.print(table)


def write_report(study: Study, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "simulation.json"
    json_path.write_text(json.dumps(study_as_dict(study), indent=2))
    html_path = out / "simulation.html"
    html_path.write_text(render_html(study))
    return json_path, html_path


def render_html(study: Study) -> str:
    runs = (study.benchmark, *study.runs)
    dates = study.market.dates
    start = runs[0].after_tax_wealth[0] or 1.0
    wealth = line_chart(
        "After-tax wealth (liquidated at the end), growth of 1",
        dates,
        {r.name: (r.after_tax_wealth / start).tolist() for r in runs},
        y_format="{:.2f}",
    )
    years = [str(y.year) for y in runs[0].years]
    harvested = bar_chart(
        "Losses harvested by year ($)",
        years,
        {r.name: [y.losses_harvested for y in r.years] for r in runs},
    )
    tracking = bar_chart(
        "Tracking error vs target by year",
        years,
        {r.name: [y.tracking_error for y in r.years] for r in runs},
        y_format="{:.1%}",
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(v)}</td>"
            for v in (
                r.name,
                _pct(r.pre_tax_annual),
                _pct(r.after_tax_annual),
                _pct(r.after_tax_liquidated_annual),
                "–" if r.tax_alpha_vs_benchmark is None else _pct(r.tax_alpha_vs_benchmark[0]),
                "–" if r.tax_alpha_vs_benchmark is None else _pct(r.tax_alpha_vs_benchmark[1]),
                "–" if r.tax_effect_vs_benchmark is None else _pct(r.tax_effect_vs_benchmark[1]),
                "–" if r.tax_alpha_vs_reference is None else _pct(r.tax_alpha_vs_reference[1]),
                _usd(r.losses_harvested),
                _usd(r.taxes),
                _usd(r.liquidation_tax),
                _pct(r.turnover_annual, 1),
                _usd(r.trading_cost),
                _pct(r.tracking_error),
                _pct(r.mean_active_share, 1),
                str(r.wash_sale_events),
            )
        )
        + "</tr>"
        for r in runs
    )
    header = "".join(
        f"<th>{h}</th>"
        for h in (
            "run",
            "pre-tax / yr",
            "after-tax / yr",
            "after-tax liquidated / yr",
            "tax alpha vs buy-and-hold",
            "… liquidated",
            "tax effect (liq.)",
            f"vs {escape(study.reference or '-')} (liq.)",
            "losses harvested",
            "taxes (years)",
            "tax on liquidation",
            "turnover / yr",
            "trading cost",
            "tracking error",
            "active share (mean)",
            "wash-sale events",
        )
    )
    year_tables = "".join(_year_table(r) for r in runs)
    reconciliation = _reconciliation_table(study)
    stated = _assumption_tables(assumptions(study))
    notes = "".join(f"<li>{escape(c)}</li>" for c in caveats(study))
    published = "".join(f"<li>{escape(p)}</li>" for p in PUBLISHED)
    profiles = "".join(f"<li><b>{escape(r.name)}</b>: {escape(r.description)}</li>" for r in runs)
    u = study.universe
    weighting = u.weighting.value.replace("_", "-")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trimtab shadow run</title>
<style>body{{font:14px sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}</style></head><body>
<h1>Shadow run: {dates[0]} to {dates[-1]}</h1>
<p>{len(u.tickers)} stocks, {weighting} weights, {u.n_sectors} statistical sectors,
{len(u.sets)} swap sets; {len(dates)} trading days; run time {study.seconds:.1f} s.</p>
<ul>{profiles}</ul>
<table><tr>{header}</tr>{rows}</table>
{reconciliation}
{wealth}{harvested}{tracking}
<h2>Assumptions</h2>{stated}
<h2>What these figures can and cannot say</h2><ul>{notes}</ul>
<h2>Published figures to compare with</h2><ul>{published}</ul>
<p>This run is one decade of one universe. Its tax alpha is comparable with those figures only
in kind: they average many start dates over long histories; a single ten-year window starting
just before a crash is a favourable case for harvesting, and the default tax model counts
harvested losses only as the law lets them be used ($3,000 a year against other income plus
carryforward), which is lower than studies that credit every loss at once.</p>
<h2>By year</h2>{year_tables}
</body></html>
"""


def _reconciliation_table(study: Study) -> str:
    lines = reconciliations(study)
    if not lines:
        return ""
    head = "".join(f"<th>{escape(n)}</th>" for n in lines)
    body = "".join(
        f"<tr><td>{escape(label.strip())}</td>"
        + "".join(f"<td>{escape(_usd_cents(getattr(line, key)))}</td>" for line in lines.values())
        + "</tr>"
        for label, key in RECONCILIATION_ROWS
    )
    agree = "".join(f"<td>{'yes' if line.agrees else 'NO'}</td>" for line in lines.values())
    return (
        "<h2>Reconciliation (to the cent)</h2>"
        f"<table><tr><th></th>{head}</tr>{body}"
        f"<tr><td>taxes agree with the tax table (within a cent)</td>{agree}</tr></table>"
    )


def _assumption_tables(stated: Mapping[str, object]) -> str:
    """One table per group of assumptions; nested values as nested tables."""
    return "".join(
        f"<h3>{escape(group.replace('_', ' '))}</h3>{_value_html(value)}"
        for group, value in stated.items()
    )


def _value_html(value: object) -> str:
    if isinstance(value, Mapping):
        if not value:
            return "none"
        rows = "".join(
            f"<tr><th>{escape(str(k).replace('_', ' '))}</th><td>{_value_html(v)}</td></tr>"
            for k, v in value.items()
        )
        return f"<table>{rows}</table>"
    if isinstance(value, list):
        return "none" if not value else "<br>".join(_value_html(v) for v in value)
    if value is None:
        return "–"
    if isinstance(value, float):
        return escape(f"{value:,.6g}" if abs(value) < 1 else f"{value:,.2f}")
    return escape(str(value))


def _year_table(r: RunMetrics) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "year",
            "pre-tax",
            "after-tax",
            "short-term net",
            "long-term net",
            "losses harvested",
            "tax",
            "turnover",
            "trading cost",
            "tracking error",
            "wash sales",
            "end value",
        )
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(v)}</td>"
            for v in (
                str(y.year),
                _pct(y.pre_tax_return),
                _pct(y.after_tax_return),
                _usd(y.realized_short_term),
                _usd(y.realized_long_term),
                _usd(y.losses_harvested),
                _usd(y.tax),
                _pct(y.turnover, 1),
                _usd(y.trading_cost),
                _pct(y.tracking_error),
                str(y.wash_sale_events),
                _usd(y.end_value),
            )
        )
        + "</tr>"
        for y in r.years
    )
    return f"<h3>{escape(r.name)}</h3><table><tr>{head}</tr>{body}</table>"
