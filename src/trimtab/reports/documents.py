"""The three reports (taxes saved, health checks, explained activity) as HTML, PDF and CSV.

Problem: a client letter, a compliance file and a web page must say the same thing: the
same numbers, the same words, the same charts. Three renderers written apart drift.

Rule: one Jinja2 template per report (`reports/templates/`; explained activity has two,
a client letter and a compliance view), rendered either as a standalone document
(`_document.html`: its own stylesheet, charts as `data:` images, nothing fetched — it
opens offline and WeasyPrint turns it into the PDF) or as a bare fragment the web app
puts inside its own page (`_fragment.html`). Charts come from `reports.charts`
(matplotlib SVG embedded as `<img src="data:image/svg+xml;base64,...">`: the pages'
content security policy refuses inline SVG styles). The CSV is one row per line of the
report's main table, with a header row; money with cents, no thousands separators.

    html = render_html(report)              # a TaxesSavedReport, HealthReport or ActivityReport
    pdf = render_pdf(html)                  # bytes, %PDF-...
    text = render_csv(report)

`render_pdf` raises `PdfUnavailable` (with the reason) when WeasyPrint or the system
libraries it needs (pango) are missing; the command line turns that into a problem.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from trimtab.reports.charts import bar_chart, count_chart, data_uri, line_chart
from trimtab.services.activity import WHYS, ActivityReport
from trimtab.services.health_checks import CHECKS, HealthReport
from trimtab.services.taxes_saved import BENCHMARK_ANNUAL_PCT, TaxesSavedReport

__all__ = [
    "FORMATS",
    "PdfUnavailable",
    "Report",
    "render",
    "render_csv",
    "render_fragment",
    "render_html",
    "render_pdf",
]

Report = TaxesSavedReport | HealthReport | ActivityReport
FORMATS = ("html", "pdf", "csv")

_ENV = Environment(
    loader=PackageLoader("trimtab.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _money(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    amount = Decimal(value) if not isinstance(value, Decimal) else value
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _pct(value: float | Decimal | None, places: int = 1) -> str:
    return "–" if value is None else f"{float(value):.{places}%}"


def _hours(value: float | None) -> str:
    return "open" if value is None else f"{value:,.1f} h"


_ENV.filters["money"] = _money
_ENV.filters["pct"] = _pct
_ENV.filters["hours"] = _hours


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot render here (not installed, or pango missing): the reason."""


def _chart(svg: str, alt: str) -> Markup:
    return Markup('<img class="chart" alt="{}" src="{}">').format(alt, data_uri(svg))


def _taxes_context(report: TaxesSavedReport) -> dict[str, Any]:
    years = report.by_year
    labels = [str(y) for y in years]
    chart = bar_chart(
        "Taxes saved by year ($)",
        labels,
        {
            "losses harvested": [float(s.losses_harvested) for s in years.values()],
            "short-term gains avoided": [float(s.short_term_avoided) for s in years.values()],
            "gains deferred": [float(s.gains_deferred) for s in years.values()],
        },
        y_format="{:,.0f}"
        if max((abs(float(s.total)) for s in years.values()), default=0) >= 10
        else "{:,.2f}",
    )
    return {
        "chart": _chart(chart, "Taxes saved by year"),
        "benchmark": BENCHMARK_ANNUAL_PCT,
        "pct": report.pct_of_value,
        "assumptions": report.assumptions,
    }


def _health_context(report: HealthReport) -> dict[str, Any]:
    days, worst = report.drift_series()
    if len(days) > 1:
        drift = line_chart(
            "Largest drift beyond band, per night", days, {"drift": worst}, y_format="{:.1%}"
        )
    else:  # one night draws no line: the accounts furthest out of band that night instead
        top = report.worst_drift(12)
        drift = count_chart(
            f"Drift beyond band, {days[0] if days else 'no night'}: the {len(top)} furthest",
            [account for account, _ in top],
            [value * 100 for _, value in top],  # in points: the axis then ends near the data
            value_format="{:.1f}%",
        )
    by_check = report.by_check()
    calls = count_chart(
        "Calls to action by check", [p.key for p in by_check], [p.calls for p in by_check]
    )
    return {
        "drift_chart": _chart(drift, "Drift over time"),
        "calls_chart": _chart(calls, "Calls to action by check"),
        "check_names": CHECKS,
    }


def _activity_context(report: ActivityReport) -> dict[str, Any]:
    counts = report.counts_by_why()
    chart = count_chart("Trades by reason", list(counts), list(counts.values()))
    return {"chart": _chart(chart, "Trades by reason"), "whys": WHYS}


def _template(report: Report, view: str) -> tuple[str, dict[str, Any]]:
    if isinstance(report, TaxesSavedReport):
        return "taxes_saved.html", _taxes_context(report)
    if isinstance(report, HealthReport):
        return "health.html", _health_context(report)
    if view == "compliance":
        return "activity_compliance.html", _activity_context(report)
    return "activity_letter.html", _activity_context(report)


def _render(report: Report, *, view: str, layout: str, now: dt.datetime | None) -> str:
    name, context = _template(report, view)
    generated = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return _ENV.get_template(name).render(
        report=report, layout=layout, generated=generated, view=view, **context
    )


def render_html(report: Report, *, view: str = "letter", now: dt.datetime | None = None) -> str:
    """The report as a standalone HTML document (own stylesheet, charts inline)."""
    return _render(report, view=view, layout="_document.html", now=now)


def render_fragment(
    report: Report, *, view: str = "letter", now: dt.datetime | None = None
) -> Markup:
    """The report's body for a web page (the same template, without the document around)."""
    return Markup(_render(report, view=view, layout="_fragment.html", now=now))


def render_pdf(html: str) -> bytes:
    """The standalone HTML as a PDF (WeasyPrint)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: pango or cairo is missing
        raise PdfUnavailable(f"WeasyPrint cannot load: {error}") from error
    pdf = HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _c(value: Decimal) -> str:
    return f"{value:.2f}"


TAXES_SAVED_COLUMNS = (
    "year",
    "tax_return",
    "name",
    "advisor",
    "accounts",
    "analyses",
    "short_term_rate",
    "long_term_rate",
    "actual_short_term_gains",
    "actual_short_term_losses",
    "actual_long_term_gains",
    "actual_long_term_losses",
    "naive_short_term_gains",
    "naive_short_term_losses",
    "naive_long_term_gains",
    "naive_long_term_losses",
    "losses_harvested",
    "short_term_gains_avoided",
    "gains_deferred",
    "taxes_saved",
)
HEALTH_COLUMNS = (
    "as_of",
    "run",
    "account",
    "advisor",
    "check",
    "passed",
    "measure",
    "threshold",
    "detail",
    "response",
    "responded_at",
    "responded_by",
    "hours",
    "reason",
)
ACTIVITY_COLUMNS = (
    "as_of",
    "account",
    "analysis_id",
    "run",
    "why",
    "side",
    "security",
    "quantity",
    "value",
    "realized_short_term",
    "realized_long_term",
    "estimated_tax",
    "trading_cost",
    "approved_by",
    "reason",
)


def render_csv(report: Report) -> str:
    """The report's main table as CSV (columns: `*_COLUMNS` of this module)."""
    if isinstance(report, TaxesSavedReport):
        return _csv(
            TAXES_SAVED_COLUMNS,
            [
                (
                    line.year,
                    line.household,
                    line.household_name,
                    line.advisor or "",
                    " ".join(line.accounts),
                    line.analyses,
                    line.short_term_rate,
                    line.long_term_rate,
                    _c(line.actual.short_term_gains),
                    _c(line.actual.short_term_losses),
                    _c(line.actual.long_term_gains),
                    _c(line.actual.long_term_losses),
                    _c(line.naive.short_term_gains),
                    _c(line.naive.short_term_losses),
                    _c(line.naive.long_term_gains),
                    _c(line.naive.long_term_losses),
                    _c(line.saved.losses_harvested),
                    _c(line.saved.short_term_avoided),
                    _c(line.saved.gains_deferred),
                    _c(line.saved.total),
                )
                for line in report.lines
            ],
        )
    if isinstance(report, HealthReport):
        answers = {(c.check.run_id, c.check.account, c.check.kind): c for c in report.calls}
        advisors = {a.id: a.advisor_id or "" for a in report.accounts}
        rows = []
        for check in report.checks:
            call = answers.get((check.run_id, check.account, check.kind))
            answer = call.answer if call else None
            rows.append(
                (
                    check.as_of.isoformat(),
                    check.run_id,
                    check.account,
                    advisors.get(check.account, ""),
                    check.kind,
                    "yes" if check.passed else "no",
                    "" if check.measure is None else f"{check.measure:.6f}",
                    "" if check.threshold is None else f"{check.threshold:.6f}",
                    check.detail,
                    "" if check.passed else (answer.response if answer else "open"),
                    answer.at.isoformat() if answer else "",
                    answer.by if answer else "",
                    "" if call is None or call.hours is None else f"{call.hours:.2f}",
                    answer.reason if answer else "",
                )
            )
        return _csv(HEALTH_COLUMNS, rows)
    return _csv(
        ACTIVITY_COLUMNS,
        [
            (
                t.as_of.isoformat(),
                t.account,
                t.analysis_id,
                t.run_id,
                t.why,
                t.side,
                t.security,
                f"{t.quantity:g}",
                _c(t.value),
                _c(t.realized_short),
                _c(t.realized_long),
                _c(t.tax),
                _c(t.cost),
                t.approved_by,
                t.reason,
            )
            for t in report.trades
        ],
    )


def render(report: Report, fmt: str, *, view: str = "letter") -> bytes:
    """The report in `fmt` (html, pdf or csv) as bytes to write to a file."""
    if fmt == "csv":
        return render_csv(report).encode()
    html = render_html(report, view=view)
    if fmt == "pdf":
        return render_pdf(html)
    return html.encode()
