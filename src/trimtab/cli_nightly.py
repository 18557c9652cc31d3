"""`trimtab run`, `run status`, `routing`, `review` and `orders`: the nightly workflow.

Each command parses its arguments, calls the batch or a service, and prints; invalid
input is a message and exit code 2, never a traceback (docs/nightly.md).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from trimtab.bootstrap import Database
    from trimtab.domain.problems import Problem

__all__ = ["orders_app", "review_app", "routing_app", "run_app"]

run_app = typer.Typer(
    help="The nightly run: analyze every account, route it, record why.",
    invoke_without_command=True,
)
routing_app = typer.Typer(
    help="The firm's routing policy (ordered saved filters).", no_args_is_help=True
)
review_app = typer.Typer(
    help="The review queue: approve, edit or reject proposals.", no_args_is_help=True
)
orders_app = typer.Typer(
    help="Orders from approved and auto-traded proposals.", no_args_is_help=True
)


def _url() -> str:
    from trimtab.config import load_settings

    return load_settings().database_url


def _database() -> Database:
    from trimtab.bootstrap import open_database

    return open_database(_url())


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _problems(problems: list[Problem]) -> typer.Exit:
    for p in problems:
        typer.echo(f"error: {p}", err=True)
    return typer.Exit(2)


def _ready(db: Database) -> None:
    from trimtab.bootstrap import DATABASE_ERRORS

    try:
        current = db.current_revision()
    except DATABASE_ERRORS as error:
        raise _fail(f"could not read {db.display_url}: {error}") from None
    if current != db.head_revision():
        raise _fail(f"{db.display_url} is not at the newest schema: run `trimtab db upgrade`")


@run_app.callback()
def run(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="Default today."),
    executor: str = typer.Option("local", help="local (process pool) or dask."),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address (tcp://host:8786)."),
    workers: int = typer.Option(2, min=1, help="Worker processes (local, or a LocalCluster)."),
    chunk_size: int = typer.Option(250, min=1, help="Accounts per task."),
    resume: bool = typer.Option(False, "--resume", help="Resume the latest unfinished run."),
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
        raise _fail(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now().astimezone().date()
    except ValueError:
        raise _fail(f"--as-of must be a date like 2025-06-30, got {as_of!r}") from None
    db = _database()
    _ready(db)
    db.close()
    console = Console(stderr=True)
    show_bar = sys.stderr.isatty() and not as_json
    try:
        if show_bar:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task(f"analyzing accounts as of {day}", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                summary = run_nightly(
                    _url(),
                    as_of=day,
                    actor=_actor(),
                    kind=executor,
                    workers=workers,
                    scheduler=scheduler,
                    chunk_size=chunk_size,
                    resume=resume,
                    progress=progress,
                )
        else:
            summary = run_nightly(
                _url(),
                as_of=day,
                actor=_actor(),
                kind=executor,
                workers=workers,
                scheduler=scheduler,
                chunk_size=chunk_size,
                resume=resume,
            )
    except DATABASE_ERRORS as error:
        raise _fail(f"the database failed: {error.__class__.__name__}: {error}", 1) from None
    except OSError as error:  # a Dask scheduler that cannot be reached
        raise _fail(f"could not start the {executor} executor: {error}", 1) from None
    if summary.problems:
        raise _problems(list(summary.problems))
    if as_json:
        typer.echo(json.dumps(summary.as_dict()))
    else:
        from trimtab.reports.nightly_summary import render_run_summary

        render_run_summary(summary, Console())
    raise typer.Exit(0 if summary.finished else 1)


@run_app.command("status")
def run_status(
    limit: int = typer.Option(5, min=1, help="How many recent runs."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The last runs (start, end, counts by outcome, failures) and accounts not analyzed."""
    from rich.console import Console

    from trimtab.reports.nightly_summary import render_status, run_status_report

    db = _database()
    _ready(db)
    report = run_status_report(db.unit_of_work, limit=limit)
    if as_json:
        typer.echo(json.dumps(report))
    else:
        render_status(report, Console())


@routing_app.command("show")
def routing_show() -> None:
    """The routing policy in force, as `routing set` reads it, with each filter."""
    from trimtab.services.routing import show_policy

    db = _database()
    _ready(db)
    policy, texts = show_policy(db.unit_of_work)
    if policy is None:
        typer.echo("no routing policy yet: `trimtab routing set FILE` (docs/nightly.md)")
        return
    typer.echo(f"# routing policy version {policy.version}")
    for rule in policy.rules:
        typer.echo(f"{rule.stage.value:<11} {rule.filter:<26} # {texts.get(rule.filter, '?')}")


@routing_app.command("set")
def routing_set(
    policy_file: str = typer.Argument(
        ..., metavar="POLICY.txt", help="`stage filter` lines; - for stdin."
    ),
    reason: str = typer.Option(..., help="Why the policy changes (recorded)."),
) -> None:
    """Replace the routing policy (a new version; every filter must be a saved firm filter)."""
    from trimtab.services.routing import set_policy

    try:
        text = sys.stdin.read() if policy_file == "-" else Path(policy_file).read_text()
    except OSError as error:
        raise _fail(f"{policy_file}: {error.strerror or error}") from None
    db = _database()
    _ready(db)
    version, problems = set_policy(db.unit_of_work, text, actor=_actor(), reason=reason)
    if version is None:
        raise _problems(problems)
    typer.echo(f"routing policy version {version} recorded")


@review_app.command("list")
def review_list(
    sort: str = typer.Option("value", help="value, tax, turnover or account."),
    limit: int = typer.Option(50, min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pending proposals of the latest run, largest first."""
    from trimtab.services.review import SORTS, review_queue

    if sort not in SORTS:
        raise _fail(f"--sort must be one of {', '.join(SORTS)}, got {sort!r}")
    db = _database()
    _ready(db)
    items = review_queue(db.unit_of_work, sort=sort)
    rows = [
        {
            "account": p.account,
            "value": float(p.value),
            "trades": len(p.trades),
            "turnover": float(p.turnover),
            "estimated_tax": float(p.estimated_tax),
            "rule": p.rule,
            "edited": p.edited,
        }
        for p in items[:limit]
    ]
    if as_json:
        typer.echo(json.dumps({"pending": len(items), "items": rows}))
        return
    typer.echo(f"{len(items)} proposals pending review")
    for r in rows:
        typer.echo(
            f"{r['account']:<12} ${r['value']:>14,.2f}  {r['trades']:>3} trades  "
            f"turnover {r['turnover']:6.2%}  tax ${r['estimated_tax']:>10,.2f}  {r['rule']}"
            + ("  (edited)" if r["edited"] else "")
        )


@review_app.command("show")
def review_show(account: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One proposal: its trades with reasons, the analysis record, past decisions."""
    from trimtab.services.review import open_proposal

    db = _database()
    _ready(db)
    detail, problems = open_proposal(db.unit_of_work, account)
    if detail is None:
        raise _problems(problems)
    p = detail.proposal
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "account": p.account,
                    "run": p.run_id,
                    "state": p.state,
                    "rule": p.rule,
                    "value": float(p.value),
                    "trades": list(p.trades),
                    "settings": detail.record.get("settings"),
                    "versions": detail.record.get("versions"),
                    "reasons": detail.record.get("reasons"),
                    "decisions": [
                        {
                            "action": d.action,
                            "actor": d.actor,
                            "at": d.at.isoformat(),
                            "reason": d.reason,
                        }
                        for d in detail.decisions
                    ],
                }
            )
        )
        return
    typer.echo(
        f"{p.account}  run {p.run_id}  {p.state}  (routed by {p.rule})  value ${p.value:,.2f}"
    )
    for t in p.trades:
        lots = ", ".join(f"{x['lot']}×{x['quantity']:g}" for x in t.get("lots", []))
        typer.echo(
            f"  {t['side']:<4} {t['quantity']:>12,.4f} {t['security']:<8} "
            f"${t.get('value', 0):>12,.2f}" + (f"  lots {lots}" if lots else "")
        )
        if t.get("reason"):
            typer.echo(f"       {t['reason']}")
    for d in detail.decisions:
        typer.echo(f"  {d.at:%Y-%m-%d %H:%M} {d.action} by {d.actor}: {d.reason}")


@review_app.command("approve")
def review_approve(account: str, reason: str = typer.Option(..., help="Why (recorded).")) -> None:
    """Approve a pending proposal: its trades become orders at the next export."""
    from trimtab.services.review import approve

    db = _database()
    _ready(db)
    problems = approve(db.unit_of_work, account, actor=_actor(), reason=reason)
    if problems:
        raise _problems(problems)
    typer.echo(f"{account}: approved")


@review_app.command("reject")
def review_reject(account: str, reason: str = typer.Option(..., help="Why (recorded).")) -> None:
    """Reject a pending proposal: nothing trades."""
    from trimtab.services.review import reject

    db = _database()
    _ready(db)
    problems = reject(db.unit_of_work, account, actor=_actor(), reason=reason)
    if problems:
        raise _problems(problems)
    typer.echo(f"{account}: rejected")


@review_app.command("edit")
def review_edit(
    account: str,
    set_: list[str] = typer.Option(
        [], "--set", metavar="SIDE:SECURITY=QTY", help="buy:VOO=10; 0 removes."
    ),
    lot: list[str] = typer.Option([], "--lot", metavar="LOT=QTY", help="Sell QTY from this lot."),
    reason: str = typer.Option(..., help="Why (recorded)."),
) -> None:
    """Change quantities or lots; every hard rule is re-checked, nothing saved if one breaks."""
    from trimtab.services.review import edit

    quantities: dict[tuple[str, str], float] = {}
    lots: dict[str, float] = {}
    try:
        for item in set_:
            left, qty = item.split("=", 1)
            side, security = left.split(":", 1)
            if side not in ("buy", "sell"):
                raise ValueError(item)
            quantities[(side, security)] = float(qty)
        for item in lot:
            lot_id, qty = item.split("=", 1)
            lots[lot_id] = float(qty)
    except ValueError:
        raise _fail("use --set buy:VOO=10 (or sell:...) and --lot L7=5") from None
    if not quantities and not lots:
        raise _fail("nothing to change: give --set or --lot")
    db = _database()
    _ready(db)
    problems = edit(
        db.unit_of_work, account, quantities=quantities, lots=lots, actor=_actor(), reason=reason
    )
    if problems:
        raise _problems(problems)
    typer.echo(f"{account}: edited (every rule holds); approve it to trade")


@orders_app.command("export")
def orders_export(
    fmt: str = typer.Option("csv", "--format", help="csv or fix."),
    out: str = typer.Option("orders", "--out", metavar="DIR", help="Directory to write into."),
) -> None:
    """Create orders from the latest finished run and write its block orders (idempotent)."""
    from trimtab.feeds.orders_export import write_csv, write_fix
    from trimtab.services.orders import block_orders, create_orders, run_orders

    if fmt not in ("csv", "fix"):
        raise _fail(f"--format must be csv or fix, got {fmt!r}")
    db = _database()
    _ready(db)
    run_id, added, problems = create_orders(db.unit_of_work, actor=_actor())
    if run_id is None:
        raise _problems(problems)
    blocks = block_orders(run_orders(db.unit_of_work, run_id))
    try:
        paths = (
            write_csv(blocks, Path(out), run_id=run_id)
            if fmt == "csv"
            else [write_fix(blocks, Path(out), run_id=run_id)]
        )
    except OSError as error:
        raise _fail(f"could not write to {out}: {error.strerror or error}") from None
    allocations = sum(len(b.allocations) for b in blocks)
    typer.echo(
        f"run {run_id}: {len(blocks)} block orders, {allocations} allocations "
        f"({added} new orders); wrote {', '.join(str(p) for p in paths)}"
    )
