"""`trimtab scheduler`: run the firm's daily pipeline, unattended, until stopped.

One process per database: a second one is refused (exit 4) while the first one's lease
is live. Safe to stop or kill at any moment; started again, it goes on where it was
(`trimtab.batch.pipeline`). `--day` runs one given day's pipeline (catching up a day the
scheduler missed) instead of each business day as it comes.

    $ TRIMTAB_FIRM_CONFIG=/srv/trimtab/trimtab.toml trimtab scheduler
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import typer

from trimtab.cli.pipeline import config_path, pipeline_config
from trimtab.cli.support import fail, ready_database
from trimtab.domain.problems import Problem, ProblemKind

__all__ = ["scheduler"]


def scheduler(
    config_file: Path | None = typer.Option(None, "--config", help="The firm's TOML file."),
    day: str | None = typer.Option(
        None, "--day", metavar="YYYY-MM-DD", help="Run this day's pipeline (catch up)."
    ),
    tick: float | None = typer.Option(
        None, "--tick", min=0.05, help="Seconds between looks (default: the configuration's)."
    ),
) -> None:
    """Run the daily pipeline on each business day (declared in the firm's TOML file)."""
    from dataclasses import replace

    from trimtab.batch.pipeline import serve
    from trimtab.config import load_settings
    from trimtab.notify import channels_from_file

    config = pipeline_config(config_file)
    # The same file's `[alerts]` table: a channel declared wrong is refused now, not
    # discovered the night an alert has nowhere to go.
    channels, problems = channels_from_file(config_file or config_path())
    if problems:
        raise fail(*problems)
    if tick is not None:
        config = replace(config, tick_seconds=tick)
    the_day = None
    if day is not None:
        try:
            the_day = dt.date.fromisoformat(day)
        except ValueError:
            raise fail(f"--day: {day!r} is not a YYYY-MM-DD date") from None
        if not config.calendar.is_business_day(the_day):
            raise fail(f"--day: {the_day} is not a business day ({config.market}): nothing runs")
    settings = load_settings()
    db = ready_database()  # refuses a missing or outdated database before starting
    url = db.engine.url.render_as_string(hide_password=False)
    db.close()
    from trimtab.logs import configure_logging

    configure_logging(settings.log_format, level=logging.INFO)  # a stage per line
    typer.echo(f"scheduler: pipeline of {the_day or 'each business day'} ({config.timezone})")
    refused = serve(
        url,
        config,
        fix=(settings.fix_sender_comp_id, settings.fix_target_comp_id),
        day=the_day,
        channels=channels,
    )
    if refused:
        raise fail(*(Problem("scheduler", r, ProblemKind.CONFLICT) for r in refused))
    typer.echo("scheduler: stopped")
