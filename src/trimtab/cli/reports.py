"""`trimtab reports ...`: taxes saved, health checks and explained activity, as files.

Parse, call one service, write the file. A report covers one level — `--account`,
`--household`, `--advisor` or `--firm` — over `--from`/`--to` (default: this year to
date), in `--format html|pdf|csv` (default: from `--out`'s suffix, else html).
`taxes-saved` first computes the tax-naive counterfactuals still missing for the
period's runs (`reports counterfactuals`, audited), so its figure covers every analysis.
`health record` writes a night's health checks (the nightly pipeline does it after the
run); `health exempt` answers a failed check with a reason. `samples` writes the sample
set shown in the README (docs/samples/) from the current database.

    $ trimtab reports counterfactuals --run latest
    $ trimtab reports taxes-saved --firm --from 2025-01-01 --to 2025-12-31 --out taxes.pdf
    $ trimtab reports activity --account A0000001 --view compliance --format csv --out a.csv
    $ trimtab reports health --advisor ADV001 --out health.html
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from trimtab.cli.support import answer, fail, principal, unit_of_work
from trimtab.domain.problems import Problem, ProblemKind

__all__ = ["reports_app"]

reports_app = typer.Typer(
    help="Reports for clients and regulators: taxes saved, health checks, explained activity.",
    no_args_is_help=True,
)
health_app = typer.Typer(help="Record nightly health checks; exempt a failed one.")

_ACCOUNT = typer.Option(None, "--account", help="One account.")
_HOUSEHOLD = typer.Option(None, "--household", help="A household (one tax return).")
_ADVISOR = typer.Option(None, "--advisor", help="An advisor's book.")
_FIRM = typer.Option(False, "--firm", help="The whole firm.")
_FROM = typer.Option(None, "--from", metavar="YYYY-MM-DD", help="First night (default: Jan 1).")
_TO = typer.Option(None, "--to", metavar="YYYY-MM-DD", help="Last night (default: today).")
_FORMAT = typer.Option(None, "--format", help="html, pdf or csv (default: from --out).")
_OUT = typer.Option(..., "--out", metavar="FILE", help="Where to write the report.")


def _day(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(Problem(option, f"{value!r} is not a date YYYY-MM-DD")) from None


def _request(
    account: str | None,
    household: str | None,
    advisor: str | None,
    firm: bool,
    start: str | None,
    end: str | None,
) -> Any:
    from trimtab.services.report_scope import Level, ReportRequest

    chosen = [
        (level, subject)
        for level, subject in (
            (Level.ACCOUNT, account),
            (Level.HOUSEHOLD, household),
            (Level.ADVISOR, advisor),
            (Level.FIRM, "firm" if firm else None),
        )
        if subject
    ]
    if len(chosen) != 1:
        raise fail(
            Problem("level", "choose exactly one of --account, --household, --advisor, --firm")
        )
    level, subject = chosen[0]
    last = _day("--to", end) or dt.datetime.now(dt.UTC).date()
    first = _day("--from", start) or dt.date(last.year, 1, 1)
    return ReportRequest(level, None if level is Level.FIRM else subject, first, last)


def _format(fmt: str | None, out: Path) -> str:
    from trimtab.reports.documents import FORMATS

    chosen = (fmt or out.suffix.lstrip(".") or "html").lower()
    if chosen not in FORMATS:
        raise fail(Problem("--format", f"{chosen!r}: choose one of {', '.join(FORMATS)}"))
    return chosen


def _write(report: Any, fmt: str, out: Path, *, view: str = "letter") -> None:
    from trimtab.reports.documents import PdfUnavailable, render

    try:
        data = render(report, fmt, view=view)
    except PdfUnavailable as missing:
        fix = "install pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
        raise fail(Problem("--format", f"{missing}; {fix}", ProblemKind.UNAVAILABLE)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({fmt}, {len(data):,} bytes)")


@reports_app.command("counterfactuals")
def counterfactuals(
    run: str = typer.Option("latest", "--run", help="A run id (2025-06-30.1) or latest."),
) -> None:
    """Compute the tax-naive counterfactual of every analysis of a run (once each), then
    keep the firm's taxes saved this year to date (the management dashboard's figure)."""
    from trimtab.services.report_scope import resolve_run
    from trimtab.services.taxes_saved import compute_counterfactuals, record_taxes_saved_to_date

    who = principal()
    with unit_of_work() as new_uow:
        run_id, _ = answer(resolve_run(new_uow, run))
        computed = answer(compute_counterfactuals(new_uow, run_id, principal=who))
        total = answer(record_taxes_saved_to_date(new_uow, principal=who))
    typer.echo(f"run {run_id}: {computed} counterfactuals computed")
    typer.echo(
        f"taxes saved {total.start} to {total.end}: ${total.total:,.2f} "
        f"({total.analyses:,} analyses counted)"
    )


@reports_app.command("taxes-saved")
def taxes_saved_command(
    account: str | None = _ACCOUNT,
    household: str | None = _HOUSEHOLD,
    advisor: str | None = _ADVISOR,
    firm: bool = _FIRM,
    start: str | None = _FROM,
    end: str | None = _TO,
    fmt: str | None = _FORMAT,
    out: Path = _OUT,
) -> None:
    """Taxes saved against a tax-naive rebalance of the same accounts (docs/taxes-saved.md)."""
    from trimtab.services.taxes_saved import compute_counterfactuals, taxes_saved

    request = _request(account, household, advisor, firm, start, end)
    chosen = _format(fmt, out)
    who = principal()
    with unit_of_work() as new_uow:
        report = answer(taxes_saved(new_uow, request, viewer=who))
        if report.runs_missing:
            for run_id in report.runs_missing:
                answer(compute_counterfactuals(new_uow, run_id, principal=who))
            report = answer(taxes_saved(new_uow, request, viewer=who))
    _write(report, chosen, out)
    typer.echo(f"taxes saved: ${report.total.total:,.2f} ({request.label})")


@reports_app.command("health")
def health_command(
    account: str | None = _ACCOUNT,
    household: str | None = _HOUSEHOLD,
    advisor: str | None = _ADVISOR,
    firm: bool = _FIRM,
    start: str | None = _FROM,
    end: str | None = _TO,
    fmt: str | None = _FORMAT,
    out: Path = _OUT,
) -> None:
    """Health checks per account and night, and how promptly calls to action were answered."""
    from trimtab.services.health_checks import health_report

    request = _request(account, household, advisor, firm, start, end)
    chosen = _format(fmt, out)
    with unit_of_work() as new_uow:
        report = answer(health_report(new_uow, request, viewer=principal()))
    _write(report, chosen, out)
    typer.echo(f"{len(report.checks)} checks, {len(report.calls)} calls to action")


@reports_app.command("activity")
def activity_command(
    account: str | None = _ACCOUNT,
    household: str | None = _HOUSEHOLD,
    advisor: str | None = _ADVISOR,
    firm: bool = _FIRM,
    start: str | None = _FROM,
    end: str | None = _TO,
    view: str = typer.Option("letter", "--view", help="letter (for the client) or compliance."),
    fmt: str | None = _FORMAT,
    out: Path = _OUT,
) -> None:
    """Every trade in plain English with its reason, tax and cost, grouped by why."""
    from trimtab.services.activity import activity_report

    if view not in ("letter", "compliance"):
        raise fail(Problem("--view", f"{view!r}: choose letter or compliance"))
    request = _request(account, household, advisor, firm, start, end)
    chosen = _format(fmt, out)
    with unit_of_work() as new_uow:
        report = answer(activity_report(new_uow, request, viewer=principal()))
    _write(report, chosen, out, view=view)
    typer.echo(f"{len(report.trades)} trades explained")


@health_app.command("record")
def health_record(
    run: str = typer.Option("latest", "--run", help="A run id (2025-06-30.1) or latest."),
) -> None:
    """Record the health checks of every account of a run (once)."""
    from trimtab.services.health_checks import record_health_checks
    from trimtab.services.report_scope import resolve_run

    with unit_of_work() as new_uow:
        run_id, _ = answer(resolve_run(new_uow, run))
        written = answer(record_health_checks(new_uow, run_id, principal=principal()))
    typer.echo(f"run {run_id}: {written} health checks recorded")


@health_app.command("exempt")
def health_exempt(
    account: str = typer.Argument(..., help="The account."),
    check: str = typer.Argument(..., help="drift, cash, restrictions, risk or data."),
    run: str = typer.Option("latest", "--run", help="The run whose check failed."),
    reason: str = typer.Option(..., "--reason", help="Why the account stays as it is."),
) -> None:
    """Exempt a failed check (a call to action) with a reason."""
    from trimtab.services.health_checks import exempt_call_to_action
    from trimtab.services.report_scope import resolve_run

    with unit_of_work() as new_uow:
        run_id, _ = answer(resolve_run(new_uow, run))
        answer(
            exempt_call_to_action(
                new_uow, run_id, account, check, reason=reason, principal=principal()
            )
        )
    typer.echo(f"exempted: {check} of {account} in run {run_id}")


@reports_app.command("samples")
def samples(
    directory: Path = typer.Option(Path("docs/samples"), "--dir", help="Where to write them."),
    account: str | None = typer.Option(
        None, "--account", help="The account of the client letter (default: the busiest)."
    ),
) -> None:
    """Write the sample reports (the firm's three reports in HTML, PDF and CSV, and one
    account's client letter) from the current database's latest run."""
    from trimtab.services.activity import activity_report
    from trimtab.services.health_checks import health_report, record_health_checks
    from trimtab.services.report_scope import Level, ReportRequest, resolve_run
    from trimtab.services.taxes_saved import compute_counterfactuals, taxes_saved

    who = principal()
    with unit_of_work() as new_uow:
        run_id, day = answer(resolve_run(new_uow, "latest"))
        answer(compute_counterfactuals(new_uow, run_id, principal=who))
        answer(record_health_checks(new_uow, run_id, principal=who))
        firm = ReportRequest(Level.FIRM, None, dt.date(day.year, 1, 1), day)
        taxes = answer(taxes_saved(new_uow, firm, viewer=who))
        health = answer(health_report(new_uow, firm, viewer=who))
        activity = answer(activity_report(new_uow, firm, viewer=who))
        if account is None:
            counts: dict[str, int] = {}
            for trade in activity.trades:
                counts[trade.account] = counts.get(trade.account, 0) + 1
            account = max(sorted(counts), key=counts.__getitem__) if counts else None
        letter = None
        if account is not None:
            one = ReportRequest(Level.ACCOUNT, account, firm.start, firm.end)
            letter = answer(activity_report(new_uow, one, viewer=who))
    for fmt in ("html", "pdf", "csv"):
        _write(taxes, fmt, directory / f"taxes-saved.{fmt}")
        _write(health, fmt, directory / f"health.{fmt}")
        _write(activity, fmt, directory / f"activity-compliance.{fmt}", view="compliance")
    if letter is not None:
        for fmt in ("html", "pdf"):
            _write(letter, fmt, directory / f"activity-letter.{fmt}")


reports_app.add_typer(health_app, name="health-checks")
