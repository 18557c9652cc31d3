"""`trimtab pipeline ...`: where the daily pipeline stands, and steering it by hand.

`status` shows each stage of a day (state, attempts, why); `run-now STAGE` makes a stage
due at once (after fixing what failed it) and `skip STAGE --reason TEXT` lets what
depends on it go on without it. The scheduler (`trimtab scheduler`) does the running;
these commands only change what it will do next. The pipeline is declared in the
firm's TOML file (`TRIMTAB_FIRM_CONFIG`, default `./trimtab.toml`; docs/pipeline.md).

    $ trimtab pipeline status --day 2025-06-30
    $ trimtab pipeline skip fills --day 2025-06-30 --reason "desk closed early"
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from trimtab.cli.support import answer, fail, principal, ready_database
from trimtab.domain.problems import Problem, ProblemKind

if TYPE_CHECKING:
    from trimtab.services.pipeline import PipelineConfig

__all__ = ["config_path", "pipeline_app", "pipeline_config"]

pipeline_app = typer.Typer(
    help="The daily pipeline: status, run a stage now, skip a stage.", no_args_is_help=True
)

DAY = typer.Option(None, "--day", metavar="YYYY-MM-DD", help="Default: today (pipeline time zone).")


def config_path() -> Path:
    from trimtab.config import load_settings

    return Path(load_settings().firm_config or "trimtab.toml")


def pipeline_config(path: Path | None = None) -> PipelineConfig:
    """The `[pipeline]` table of the firm's TOML file, or exit with its problems."""
    from trimtab.services.pipeline import read_config

    path = path or config_path()
    if not path.is_file():
        raise fail(
            Problem(
                str(path),
                "no configuration file: set TRIMTAB_FIRM_CONFIG or pass --config "
                "(docs/pipeline.md shows one)",
                ProblemKind.NOT_FOUND,
            )
        )
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise fail(Problem(str(path), f"not TOML: {error}")) from None
    return answer(read_config(document, base=path.parent))


def _day(value: str | None, config: PipelineConfig) -> dt.date:
    if value is None:
        return config.today(dt.datetime.now(dt.UTC))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--day: {value!r} is not a YYYY-MM-DD date") from None


@contextlib.contextmanager
def _new_uow() -> Iterator[Callable[[], Any]]:
    """The pipeline's unit-of-work factory on the ready database, closed afterwards."""
    from trimtab.batch.pipeline import pipeline_uow

    db = ready_database()
    try:
        yield pipeline_uow(db)
    finally:
        db.close()


def _when(at: dt.datetime | None, config: PipelineConfig) -> str:
    return "" if at is None else at.astimezone(config.tz).strftime("%H:%M:%S")


@pipeline_app.command("status")
def pipeline_status_command(
    day: str | None = DAY,
    config_file: Path | None = typer.Option(None, "--config", help="The firm's TOML file."),
    as_json: bool = typer.Option(False, "--json", help="JSON out."),
) -> None:
    """Each stage of the day: state, attempts, next attempt, and why."""
    from trimtab.services.pipeline import pipeline_status, scheduler_lease

    config = pipeline_config(config_file)
    the_day = _day(day, config)
    with _new_uow() as new_uow:
        views = pipeline_status(new_uow, config, the_day)
        lease = scheduler_lease(new_uow)
    if as_json:
        from trimtab.cli.json_output import echo_json

        echo_json(
            {
                "day": the_day,
                "business_day": config.calendar.is_business_day(the_day),
                "scheduler": None if lease is None else lease.holder,
                "stages": [
                    {
                        "stage": v.status.stage,
                        "state": v.status.state.value,
                        "attempts": v.status.attempts,
                        "next_attempt_at": v.status.next_attempt_at,
                        "reason": v.status.reason,
                        "blocked_by": list(v.blocked_by),
                    }
                    for v in views
                ],
            }
        )
        return
    if not config.calendar.is_business_day(the_day):
        typer.echo(f"{the_day}: not a business day ({config.market}); nothing runs.")
        return
    holder = lease.holder if lease is not None and lease.holder else "none running"
    typer.echo(f"pipeline of {the_day} ({config.timezone}); scheduler: {holder}")
    for v in views:
        s = v.status
        again = f" next {_when(s.next_attempt_at, config)}" if s.next_attempt_at else ""
        typer.echo(
            f"  {s.stage:<18} {v.shown_state:<12} attempts {s.attempts}{again}"
            + (f"  {s.reason}" if s.reason else "")
        )


@pipeline_app.command("run-now")
def pipeline_run_now(
    stage: str = typer.Argument(..., help="The stage: files, corporate_actions, ..."),
    day: str | None = DAY,
    config_file: Path | None = typer.Option(None, "--config", help="The firm's TOML file."),
) -> None:
    """Make STAGE due at once; the scheduler runs it on its next tick."""
    from trimtab.services.pipeline import rerun_stage

    config = pipeline_config(config_file)
    the_day = _day(day, config)
    with _new_uow() as new_uow:
        done = rerun_stage(
            new_uow, config, the_day, stage, principal=principal(), now=dt.datetime.now(dt.UTC)
        )
    status = answer(done)
    typer.echo(f"{the_day} {status.stage}: {status.state.value}; due on the scheduler's next tick")


@pipeline_app.command("skip")
def pipeline_skip(
    stage: str = typer.Argument(..., help="The stage to skip."),
    reason: str = typer.Option(..., "--reason", help="Why (kept on the record)."),
    day: str | None = DAY,
    config_file: Path | None = typer.Option(None, "--config", help="The firm's TOML file."),
) -> None:
    """Skip a waiting or failed STAGE: what depends on it goes on without it."""
    from trimtab.services.pipeline import skip_stage

    config = pipeline_config(config_file)
    the_day = _day(day, config)
    with _new_uow() as new_uow:
        done = skip_stage(
            new_uow,
            config,
            the_day,
            stage,
            reason=reason,
            principal=principal(),
            now=dt.datetime.now(dt.UTC),
        )
    status = answer(done)
    typer.echo(f"{the_day} {status.stage}: {status.reason}")
