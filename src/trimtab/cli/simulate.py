"""`trimtab simulate`: shadow runs of the firm's settings profiles on real market history.

The command parses its options, asks `trimtab.services.simulation_study` to check them
and assemble the study (every problem listed at once, exit code 2), runs it with a
progress bar and writes the report (`trimtab.reports.simulation`). See docs/simulate.md.

    $ trimtab simulate --start 2008-01-02 --end 2012-12-31 --profile tax-naive --profile tax-max
"""

from __future__ import annotations

from pathlib import Path

import typer

from trimtab.cli.support import answer, fail
from trimtab.domain.problems import Problem

__all__ = ["simulate"]

# No square brackets: Typer renders help with rich, which reads `[/monthly...]` as a
# closing markup tag and crashes `--help` (issue 18).
CASH_FLOW_HELP = "AMOUNT once, or AMOUNT/monthly, AMOUNT/quarterly or AMOUNT/yearly."


def simulate(
    returns: Path | None = typer.Option(
        None, "--returns", help="Daily returns CSV(.gz) (default: the bundled S&P 500 2007–2016)."
    ),
    start: str | None = typer.Option(None, "--start", metavar="YYYY-MM-DD"),
    end: str | None = typer.Option(None, "--end", metavar="YYYY-MM-DD"),
    schedule: str = typer.Option("daily", "--schedule", help="daily, weekly or monthly scans."),
    profile: list[str] = typer.Option(
        ["tax-naive", "tax-aware"],
        "--profile",
        help="tax-naive, tax-aware, tax-aware-monthly, tax-max, or NAME:setting=value,...",
    ),
    initial_cash: float = typer.Option(1_000_000.0, "--initial-cash", min=0.0),
    holdings: Path | None = typer.Option(
        None,
        "--holdings",
        help='JSON {"cash": X, "lots": [{security, quantity, cost_basis, acquired}]}',
    ),
    contribution: list[str] = typer.Option([], "--contribution", help=CASH_FLOW_HELP),
    withdrawal: list[str] = typer.Option([], "--withdrawal", help=CASH_FLOW_HELP),
    stocks: int = typer.Option(0, "--stocks", min=0, help="Use only the first N stocks (0 = all)."),
    sectors: int = typer.Option(11, "--sectors", min=1, help="Statistical sectors."),
    swaps: str = typer.Option(
        "pairs", "--swaps", help="Harvest replacements: pairs (risk model) or sets (fixed)."
    ),
    set_size: int = typer.Option(
        3, "--set-size", min=1, help="Stocks per swap set with --swaps sets (1 = no swaps)."
    ),
    weighting: str = typer.Option("cap_like", "--weighting", help="cap_like or equal."),
    band_share: float = typer.Option(0.25, "--band-share", min=0.0, max=1.0),
    cost_rate: float = typer.Option(0.0005, "--cost-rate", min=0.0, max=0.1),
    short_term_rate: float = typer.Option(0.408, "--short-term-rate", min=0.0, max=1.0),
    long_term_rate: float = typer.Option(0.238, "--long-term-rate", min=0.0, max=1.0),
    ordinary_rate: float = typer.Option(0.408, "--ordinary-rate", min=0.0, max=1.0),
    ordinary_offset: float = typer.Option(3000.0, "--ordinary-offset", min=0.0),
    loss_use: str = typer.Option(
        "carryforward",
        "--loss-use",
        help="Tax model preset: carryforward (no outside gains) or immediate (outside "
        "long-term gains absorb every loss).",
    ),
    outside_gains: str | None = typer.Option(
        None,
        "--outside-gains",
        metavar="AMOUNT/yearly",
        help="Net gains the investor realizes outside the portfolio each year (replaces the "
        "preset's).",
    ),
    outside_short_share: float = typer.Option(
        0.0, "--outside-short-share", help="Short-term share of --outside-gains, 0 to 1."
    ),
    carryforward_discount: float = typer.Option(
        0.05,
        "--carryforward-discount",
        help="A year's discount the engine applies to loss that can only be carried forward.",
    ),
    workers: int = typer.Option(1, "--workers", min=1, help="Run profiles in parallel processes."),
    out: Path = typer.Option(Path("simulation"), "--out", help="Directory for the JSON and HTML."),
    trade_log: bool = typer.Option(
        True,
        "--trade-log/--no-trade-log",
        help="Also write each run's trades, final lots, realized gains (CSV, Parquet) and "
        "its history for `trimtab lots replay` under OUT/runs/.",
    ),
) -> None:
    """Run settings profiles side by side over market history; measure tax alpha."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from trimtab.bootstrap import local_executor, returns_reader
    from trimtab.reports.simulation import render_table, write_report
    from trimtab.reports.simulation_files import write_run_files
    from trimtab.services.simulation_study import StudyRequest, prepare_study

    text = None
    if holdings is not None:
        try:
            text = holdings.read_text()
        except OSError as error:
            raise fail(Problem("--holdings", f"cannot read {holdings}: {error}")) from None
    request = StudyRequest(
        returns=returns,
        start=start,
        end=end,
        schedule=schedule,
        profiles=tuple(profile),
        initial_cash=initial_cash,
        holdings=text,
        contributions=tuple(contribution),
        withdrawals=tuple(withdrawal),
        stocks=stocks,
        sectors=sectors,
        swaps=swaps,
        set_size=set_size,
        weighting=weighting,
        band_share=band_share,
        cost_rate=cost_rate,
        short_term_rate=short_term_rate,
        long_term_rate=long_term_rate,
        ordinary_rate=ordinary_rate,
        ordinary_offset=ordinary_offset,
        loss_use=loss_use,
        outside_gains=outside_gains,
        outside_short_share=outside_short_share,
        carryforward_discount=carryforward_discount,
    )
    prepared = answer(prepare_study(request, returns_reader()))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        tasks = {n: bar.add_task(n, total=prepared.days) for n in prepared.names}

        def progress(name: str, done: int) -> None:
            if done % 20 == 0 or done == prepared.days:
                bar.update(tasks[name], completed=done)

        with local_executor(workers) as executor:
            study = answer(prepared.run(progress=progress, executor=executor))
    render_table(study, Console())
    json_path, html_path = write_report(study, out)
    typer.echo(f"wrote {json_path} and {html_path}")
    if trade_log:
        folders = write_run_files(study, out)
        typer.echo(
            f"wrote the trade log, lots and replayable history of {len(folders)} runs "
            f"under {out / 'runs'}"
        )
