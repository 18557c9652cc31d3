"""`trimtab simulate`: shadow runs of the firm's settings profiles on real market history.

The command parses its options (every problem listed at once, exit code 2), reads the
returns file (feeds.returns_file), builds the direct index (simulate.universe), runs the
study with a progress bar (simulate.study) and writes the report (reports.simulation).
See docs/simulate.md.

    $ trimtab simulate --start 2008-01-02 --end 2012-12-31 --profile tax-naive --profile tax-max
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from trimtab.cli.support import fail
from trimtab.simulate.profiles import CashFlow
from trimtab.simulate.shadow_run import InitialLot

__all__ = ["simulate"]


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
    contribution: list[str] = typer.Option(
        [], "--contribution", help="AMOUNT[/monthly|quarterly|yearly]"
    ),
    withdrawal: list[str] = typer.Option(
        [], "--withdrawal", help="AMOUNT[/monthly|quarterly|yearly]"
    ),
    stocks: int = typer.Option(0, "--stocks", min=0, help="Use only the first N stocks (0 = all)."),
    sectors: int = typer.Option(11, "--sectors", min=1, help="Statistical sectors."),
    set_size: int = typer.Option(
        3, "--set-size", min=1, help="Stocks per swap set (1 = no swaps)."
    ),
    weighting: str = typer.Option("cap_like", "--weighting", help="cap_like or equal."),
    band_share: float = typer.Option(0.25, "--band-share", min=0.0, max=1.0),
    cost_rate: float = typer.Option(0.0005, "--cost-rate", min=0.0, max=0.1),
    short_term_rate: float = typer.Option(0.408, "--short-term-rate", min=0.0, max=1.0),
    long_term_rate: float = typer.Option(0.238, "--long-term-rate", min=0.0, max=1.0),
    ordinary_rate: float = typer.Option(0.408, "--ordinary-rate", min=0.0, max=1.0),
    ordinary_offset: float = typer.Option(3000.0, "--ordinary-offset", min=0.0),
    loss_use: str = typer.Option("carryforward", "--loss-use", help="carryforward or immediate."),
    workers: int = typer.Option(1, "--workers", min=1, help="Run profiles in parallel processes."),
    out: Path = typer.Option(Path("simulation"), "--out", help="Directory for the JSON and HTML."),
) -> None:
    """Run settings profiles side by side over market history; measure tax alpha."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from trimtab.feeds.returns_file import DEFAULT_RETURNS, read_returns
    from trimtab.reports.simulation import render_table, write_report
    from trimtab.simulate.profiles import Schedule, parse_cash_flow, parse_profile
    from trimtab.simulate.shadow_run import StudyConfig
    from trimtab.simulate.study import run_study
    from trimtab.simulate.taxes import LossUse, TaxModel
    from trimtab.simulate.universe import Weighting, build_universe

    errors: list[str] = []

    def date(value: str | None, option: str) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            errors.append(f"{option}: {value!r} is not a YYYY-MM-DD date")
            return None

    first, last = date(start, "--start"), date(end, "--end")
    profiles = []
    for text in profile:
        parsed, problems = parse_profile(text)
        profiles.append(parsed)
        errors += [str(p) for p in problems]
    if len({p.name for p in profiles}) != len(profiles):
        errors.append("--profile: two profiles have the same name")
    flows: dict[str, list[CashFlow]] = {"--contribution": [], "--withdrawal": []}
    for option, texts in (("--contribution", contribution), ("--withdrawal", withdrawal)):
        for text in texts:
            flow, problems = parse_cash_flow(text, option=option)
            errors += [str(p) for p in problems]
            if flow is not None:
                flows[option].append(flow)
    choices = {
        "--schedule": (schedule, Schedule),
        "--weighting": (weighting, Weighting),
        "--loss-use": (loss_use, LossUse),
    }
    for option, (value, kind) in choices.items():
        if value not in {k.value for k in kind}:
            errors.append(
                f"{option}: must be one of {', '.join(k.value for k in kind)}; got {value!r}"
            )
    market, problems = read_returns(returns or DEFAULT_RETURNS)
    errors += [str(p) for p in problems]
    cash, lots = initial_cash, list[InitialLot]()
    if holdings is not None:
        cash, lots = _read_holdings(holdings, errors)
    if errors or market is None:
        raise fail(*errors)
    if stocks:
        market = market.columns(market.tickers[:stocks])
    unknown = sorted({lot.security for lot in lots} - set(market.tickers))
    if unknown:
        raise fail(f"--holdings: securities not in the returns file: {', '.join(unknown)}")
    window = market.window(first, last)
    if len(window.dates) < 2:
        raise fail("--start/--end: the window holds fewer than two trading days of the file")
    late = [lot for lot in lots if lot.acquired > window.dates[0]]
    if late:
        first_day = window.dates[0]
        raise fail(f"--holdings: a lot of {late[0].security} is acquired after {first_day}")

    tax = TaxModel(
        short_term_rate, long_term_rate, ordinary_rate, ordinary_offset, LossUse(loss_use)
    )
    config = StudyConfig(
        initial_cash=cash,
        initial_lots=tuple(lots),
        contributions=tuple(flows["--contribution"]),
        withdrawals=tuple(flows["--withdrawal"]),
        tax=tax,
        cost_rate=cost_rate,
        band_share=band_share,
        schedule=Schedule(schedule),
    )
    console = Console(stderr=True)
    universe = build_universe(
        window, n_sectors=sectors, set_size=set_size, weighting=Weighting(weighting)
    )
    names = ["buy-and-hold", *(p.name for p in profiles)]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks = {n: bar.add_task(n, total=len(window.dates)) for n in names}

        def progress(name: str, done: int) -> None:
            if done % 20 == 0 or done == len(window.dates):
                bar.update(tasks[name], completed=done)

        executor = None
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            executor = ProcessPoolExecutor(max_workers=workers)
        try:
            study = run_study(
                window, universe, profiles, config, progress=progress, executor=executor
            )
        except (ValueError, RuntimeError) as error:
            raise fail(f"the simulation stopped: {error}") from None
        finally:
            if executor is not None:
                executor.shutdown()
    render_table(study, Console())
    json_path, html_path = write_report(study, out)
    typer.echo(f"wrote {json_path} and {html_path}")


def _read_holdings(path: Path, errors: list[str]) -> tuple[float, list[InitialLot]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        errors.append(f"--holdings: cannot read {path}: {error}")
        return 0.0, []
    if not isinstance(data, dict) or not isinstance(data.get("lots", []), list):
        errors.append('--holdings: expected {"cash": X, "lots": [...]}')
        return 0.0, []
    cash = data.get("cash", 0.0)
    if isinstance(cash, bool) or not isinstance(cash, int | float) or cash < 0:
        errors.append("--holdings: cash must be a number ≥ 0")
        cash = 0.0
    lots: list[InitialLot] = []
    for i, item in enumerate(data.get("lots", [])):
        try:
            lot = InitialLot(
                str(item["security"]),
                float(item["quantity"]),
                float(item["cost_basis"]),
                dt.date.fromisoformat(str(item["acquired"])),
            )
        except (KeyError, TypeError, ValueError):
            errors.append(
                f"--holdings: lots[{i}] needs security, quantity > 0, cost_basis ≥ 0 (per share) "
                "and acquired (YYYY-MM-DD)"
            )
            continue
        if lot.quantity <= 0 or lot.cost_basis < 0:
            errors.append(f"--holdings: lots[{i}]: quantity must be > 0 and cost_basis ≥ 0")
            continue
        lots.append(lot)
    return float(cash), lots
