"""`trimtab feeds ...`: load files, watch an inbox, monitor file transfers.

Data management from the command line (docs/feeds.md): load files or watch an inbox,
see a day's file status, register the files each source must send, check the feeds'
synchronization and data quality. The security master and corporate actions have their
own command families (`securities`, `corporate_actions`). Which mapping reads a file is
decided by `trimtab.services.feed_loading`; problems are printed one per line with the
exit code of their kind (docs/cli.md), never a traceback.

    $ trimtab feeds load inbox/lots_2025-06-02.csv
    $ trimtab feeds status --date 2025-06-02
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from trimtab.cli.support import answer, fail, principal, ready_database
from trimtab.domain.problems import Problem, ProblemKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from trimtab.domain.feed_records import FeedKind
    from trimtab.domain.holdings import TaxLot
    from trimtab.services.feed_loading import FeedLoader
    from trimtab.services.load_feed import LoadResult

__all__ = ["feeds_app"]

feeds_app = typer.Typer(
    help="Feeds: load files, watch an inbox, monitor file transfers.", no_args_is_help=True
)

MAPPINGS = typer.Option(
    None, "--mappings", help="Folder of per-source mappings (*.toml); default: canonical only."
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _day(value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now().astimezone().date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--date: {value!r} is not a YYYY-MM-DD date") from None


def _loader(
    mappings: Path | None,
    source: str | None = None,
    kind: FeedKind | None = None,
    *,
    dry_run: bool = False,
    force: bool = False,
) -> FeedLoader[Any]:
    from trimtab.bootstrap import feed_loading
    from trimtab.services.feed_loading import feed_loader

    ports = feed_loading(ready_database())
    return answer(
        feed_loader(
            ports,
            mappings=mappings,
            principal=principal(),
            source=source,
            kind=kind,
            dry_run=dry_run,
            force=force,
        )
    )


def _exit_code(results: Sequence[LoadResult]) -> int:
    """One rule for `load` and `watch`: 2 if any file was rejected (invalid), else 4 if
    any repeated content already loaded (a conflict), else 0."""
    from trimtab.domain.file_transfers import ArrivalOutcome

    outcomes = {result.outcome for result in results}
    if ArrivalOutcome.REJECTED in outcomes:
        return ProblemKind.INVALID.exit_code
    if ArrivalOutcome.DUPLICATE in outcomes:
        return ProblemKind.CONFLICT.exit_code
    return 0


def _lots(lots: Sequence[TaxLot], shown: int = 5) -> str:
    if not lots:
        return "0 lots"
    listed = ", ".join(f"{lot.id} {lot.security} {lot.quantity}" for lot in lots[:shown])
    more = f", ... {len(lots) - shown} more" if len(lots) > shown else ""
    return f"{len(lots)} lot{'s' if len(lots) != 1 else ''} ({listed}{more})"


def _echo_result(path: Path, result: LoadResult) -> None:
    kind = result.kind or "kind unknown"
    if result.dry_run:
        typer.echo(
            f"{path.name}: dry run, would be {result.outcome.value} ({kind}, {result.rows} "
            "rows); nothing written"
        )
        for change in result.lot_changes:
            typer.echo(
                f"  {change.account}: gains {_lots(change.gained)}, loses "
                f"{_lots(change.lost)}, keeps {change.kept}"
            )
    else:
        typer.echo(f"{path.name}: {result.outcome.value} ({kind}, {result.rows} rows)")
    for problem in result.problems[:50]:
        typer.echo(f"  {problem}")
    if len(result.problems) > 50:
        typer.echo(f"  ... and {len(result.problems) - 50} more (see the report)")
    for note in result.notes:
        typer.echo(f"  {note}")


@feeds_app.command("load")
def feeds_load(
    paths: list[Path] = typer.Argument(..., metavar="PATH...", help="CSV or Parquet files."),
    source: str | None = typer.Option(None, "--source", help="The source's mapping to use."),
    kind: str | None = typer.Option(
        None, "--kind", help="The feed kind, if the name does not say."
    ),
    mappings: Path | None = MAPPINGS,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Validate; show what each account's lots would gain and lose."
    ),
    force: bool = typer.Option(
        False, "--force", help="Load a lots file that removes more lots than its mapping allows."
    ),
) -> None:
    """Validate and load each file in one transaction.

    Exit 2 if any file was rejected, 4 if any repeated a file already loaded, else 0.
    """
    from trimtab.domain.feed_records import FeedKind

    try:
        feed_kind = FeedKind(kind) if kind else None
    except ValueError:
        raise fail(f"--kind must be one of {', '.join(k.value for k in FeedKind)}") from None
    missing = [path for path in paths if not path.is_file()]
    if missing:
        raise fail(*(Problem(str(path), "no such file", ProblemKind.NOT_FOUND) for path in missing))
    loader = _loader(mappings, source, feed_kind, dry_run=dry_run, force=force)
    results = loader.load_files(paths)
    for path, result in zip(paths, results, strict=True):
        _echo_result(path, result)
    raise typer.Exit(_exit_code(results))


@feeds_app.command("watch")
def feeds_watch(
    inbox: Path = typer.Argument(..., metavar="DIR", help="The inbox folder."),
    once: bool = typer.Option(False, "--once", help="Process what is there now, then stop."),
    interval: float = typer.Option(30.0, "--interval", min=0.1, help="Seconds between looks."),
    source: str | None = typer.Option(None, "--source", help="The source's mapping to use."),
    mappings: Path | None = MAPPINGS,
) -> None:
    """Load every file dropped in DIR; move it to archive/ or rejected/ with its report.

    Each file's outcome is printed with its reasons, as `load` prints them; watching goes
    on after a rejection. The exit code (after --once, or when stopped) is `load`'s over
    every file seen: 2 if any was rejected, 4 if any was a duplicate, else 0.
    """
    if not inbox.is_dir():
        raise fail(Problem(str(inbox), "not a folder", ProblemKind.NOT_FOUND))
    loader = _loader(mappings, source)
    seen: list[LoadResult] = []
    try:
        while True:
            for target, result in loader.process_inbox(inbox):
                _echo_result(target, result)
                typer.echo(f"  moved to {target}")
                seen.append(result)
            if once:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    raise typer.Exit(_exit_code(seen))


@feeds_app.command("expect")
def feeds_expect(
    mappings: Path = typer.Option(..., "--mappings", help="Folder of per-source mappings."),
) -> None:
    """Register the files each source must send every business day (its mapping's deadlines)."""
    from trimtab.bootstrap import feed_loading
    from trimtab.services.feed_loading import expect_from_mappings

    ports = feed_loading(ready_database())
    for source in answer(expect_from_mappings(ports, mappings, principal=principal())):
        typer.echo(f"{source.source}: {source.files} files expected daily ({source.timezone})")


@feeds_app.command("status")
def feeds_status(
    date: str | None = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="Default today."),
    as_json: bool = typer.Option(False, "--json", help="JSON out."),
) -> None:
    """Each expected file's state on a business day; raises the alerts.

    A file is arrived, late, missing, malformed, duplicate, or pending before its deadline.
    """
    from trimtab.services.file_monitoring import feed_status

    day = _day(date)
    status = feed_status(ready_database().unit_of_work, day=day, now=_now())
    if as_json:
        body = {
            "day": day.isoformat(),
            "business_day": status.business_day,
            "files": [
                {
                    "source": s.expected.source,
                    "feed": s.expected.feed,
                    "state": s.state.value,
                    "detail": s.detail,
                }
                for s in status.files
            ],
            "alerts": [
                {"kind": a.kind, "subject": a.subject, "message": a.message} for a in status.alerts
            ],
        }
        typer.echo(json.dumps(body))
        return
    if not status.business_day:
        typer.echo(f"{day}: not a business day; no files expected.")
        return
    for s in status.files:
        typer.echo(f"{s.expected.source:<12} {s.expected.feed:<18} {s.state.value:<10} {s.detail}")
    for a in status.alerts:
        typer.echo(f"ALERT {a.kind}: {a.subject}: {a.message}")


@feeds_app.command("check")
def feeds_check(
    date: str | None = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="Default today."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, every finding."),
) -> None:
    """The nightly checks: corporate-action synchronization, then data quality."""
    from trimtab.cli.support import unit_of_work
    from trimtab.services.data_quality import check_data_quality
    from trimtab.services.synchronization import check_synchronization

    day = _day(date)
    with unit_of_work() as new_uow:  # closes the database afterwards
        sync = check_synchronization(new_uow, day=day, principal=principal(), now=_now())
        errors = check_data_quality(new_uow, day=day, principal=principal())
    if as_json:
        from trimtab.cli.json_output import echo_json

        suspended = [{"account": a, "action": c, "reason": r} for a, c, r in sync.suspended]
        released = [{"account": a, "action": c} for a, c in sync.released]
        echo_json({"day": day, "suspended": suspended, "released": released, "data_errors": errors})
        return
    for account, action, reason in sync.suspended:
        typer.echo(f"suspended {account} ({action}): {reason}")
    for account, action in sync.released:
        typer.echo(f"released {account} ({action})")
    for e in errors:
        typer.echo(f"{e.account} {e.code.value}: {e.message}")
    typer.echo(f"{len(errors)} data errors on {len({e.account for e in errors})} accounts")


@feeds_app.command("risk-model")
def feeds_risk_model(
    folder: Path = typer.Argument(..., metavar="DIR", help="Where to write the three files."),
    factors: int = typer.Option(10, min=1, max=100, help="Principal components to keep."),
    window: int = typer.Option(756, min=60, max=2517, help="Trading days of returns used."),
    name: str = typer.Option("STAT", help="The model's name."),
) -> None:
    """Estimate a PCA risk model from the shipped returns; write it as risk-model feed files.

    The files are ready for `trimtab feeds load`.
    """
    from trimtab.feeds.risk_model_files import estimate_demo_model, write_model

    for path in write_model(estimate_demo_model(factors=factors, window=window, name=name), folder):
        typer.echo(str(path))
