"""`trimtab run`, `run status` and `run void`: start, watch and set aside nightly runs.

Each command parses its arguments, calls the batch driver or one service, and prints.
A run already in progress is answered with which run it is (exit 4, `--wait` waits for
it); a day in the future or a day the exchange is closed needs `--force --reason`
(exit 2 without); Ctrl-C stops the run cleanly and says how to resume (exit 130).

    $ trimtab run --workers 2 && trimtab run status
    $ trimtab run void 2025-06-30.2 --reason "ran on a stale price file"
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys

import typer

from trimtab.cli.support import database_url, fail, principal, ready_database, unit_of_work
from trimtab.domain.problems import Problem

__all__ = ["run_app"]

INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C

run_app = typer.Typer(
    help="The nightly run: analyze every account, route it, record why.",
    invoke_without_command=True,
)


def _last_business_day() -> dt.date:
    """Today, or the last day the exchange was open: a weekend run is Friday's close."""
    from trimtab.domain.file_transfers import BusinessCalendar

    today = dt.datetime.now().astimezone().date()
    calendar = BusinessCalendar()
    return today if calendar.is_business_day(today) else calendar.previous(today)


def _resume_line(run_id: str) -> str:
    return f"interrupted: run {run_id} stopped cleanly; `trimtab run --resume` finishes it"


@run_app.callback()
def run(
    ctx: typer.Context,
    as_of: str | None = typer.Option(
        None, "--as-of", metavar="YYYY-MM-DD", help="Default: today, or the last business day."
    ),
    executor: str = typer.Option("local", help="local (process pool) or dask."),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address (tcp://host:8786)."),
    workers: int = typer.Option(2, min=1, help="Worker processes (local, or a LocalCluster)."),
    chunk_size: int = typer.Option(250, min=1, help="Accounts per task."),
    resume: bool = typer.Option(False, "--resume", help="Resume the latest unfinished run."),
    wait: bool = typer.Option(False, "--wait", help="Wait for a run in progress, then go on."),
    force: bool = typer.Option(
        False, "--force", help="Allow a day in the future or with the exchange closed."
    ),
    reason: str | None = typer.Option(None, help="Why --force (recorded on the run)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Analyze every open account; resumes an unfinished run of the same day by itself."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console

    from trimtab.batch.executors import EXECUTORS
    from trimtab.batch.run import run_nightly
    from trimtab.bootstrap import DATABASE_ERRORS

    if executor not in EXECUTORS:
        raise fail(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if force != bool(reason and reason.strip()):
        raise fail("--force and --reason go together: --force --reason 'why this day'")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else _last_business_day()
    except ValueError:
        raise fail(f"--as-of must be a date like 2025-06-30, got {as_of!r}") from None
    ready_database().close()

    def waiting(problem: Problem) -> None:
        typer.echo(f"waiting: {problem.message}", err=True)

    start = functools.partial(
        run_nightly,
        database_url(),
        as_of=day,
        principal=principal(),
        kind=executor,
        workers=workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        resume=resume,
        force_reason=reason if force else None,
        wait_for_other=wait,
        waiting=waiting,
    )
    try:
        if sys.stderr.isatty() and not as_json:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            ) as bar:
                task = bar.add_task(f"analyzing accounts as of {day}", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                summary = start(progress=progress)
        else:
            summary = start()
    except KeyboardInterrupt:
        # A second Ctrl-C during the clean stop: the run's lease dies with this process,
        # so the run is just as resumable.
        typer.echo("interrupted: `trimtab run --resume` finishes the run", err=True)
        raise typer.Exit(INTERRUPTED) from None
    except DATABASE_ERRORS as error:
        raise fail(f"the database failed: {error.__class__.__name__}: {error}", code=1) from None
    except OSError as error:  # a Dask scheduler that cannot be reached
        raise fail(f"could not start the {executor} executor: {error}", code=1) from None
    if summary.problems:
        raise fail(*summary.problems)
    if summary.interrupted:
        typer.echo(_resume_line(summary.run_id), err=True)
        raise typer.Exit(INTERRUPTED)
    if as_json:
        typer.echo(json.dumps(summary.as_dict()))
    elif summary.waited_for:
        typer.echo(f"run {summary.waited_for} (waited for) analyzed {day}: nothing left to do")
    else:
        from trimtab.reports.nightly_summary import render_run_summary

        render_run_summary(summary, Console())
    raise typer.Exit(0 if summary.finished else 1)


@run_app.command("status")
def run_status(
    limit: int = typer.Option(5, min=1, help="How many recent runs."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The last runs (state, end, counts by outcome, failures) and accounts not analyzed.

    A run nobody drives any more (killed, Ctrl-C) is shown as `interrupted`."""
    from rich.console import Console

    from trimtab.reports.nightly_summary import render_status, run_status_report
    from trimtab.services.nightly_run import Here
    from trimtab.services.nightly_run import run_status as status

    with unit_of_work() as new_uow:
        report = run_status_report(status(new_uow, here=Here.this_process(), limit=limit))
    if as_json:
        typer.echo(json.dumps(report))
    else:
        render_status(report, Console())


@run_app.command("void")
def run_void(
    run_id: str = typer.Argument(..., metavar="RUN", help="The run's id (`trimtab run status`)."),
    reason: str = typer.Option(..., help="Why the run is set aside (recorded)."),
) -> None:
    """Void a run: filters, orders and the review queue ignore it from now on."""
    from trimtab.services.nightly_run import Here, void_run

    with unit_of_work() as new_uow:
        problems = void_run(
            new_uow, run_id, principal=principal(), reason=reason, here=Here.this_process()
        )
    if problems:
        raise fail(*problems)
    typer.echo(f"run {run_id} voided: filters, orders and review ignore it")
