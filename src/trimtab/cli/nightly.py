"""`trimtab run`, `run status`, `routing`, `review` and `orders`: the nightly workflow.

Each command parses its arguments, calls the batch or a service, and prints; invalid
input is a message and exit code 2, never a traceback (docs/nightly.md).

    $ trimtab run --workers 2 && trimtab review list --sort tax
    $ trimtab review approve A000123 --reason "checked with the advisor"
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from pathlib import Path

import typer

from trimtab.cli.support import actor, database_url, fail, ready_database

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
        raise fail(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now().astimezone().date()
    except ValueError:
        raise fail(f"--as-of must be a date like 2025-06-30, got {as_of!r}") from None
    ready_database().close()
    start = functools.partial(
        run_nightly,
        database_url(),
        as_of=day,
        actor=actor(),
        kind=executor,
        workers=workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        resume=resume,
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
    except DATABASE_ERRORS as error:
        raise fail(f"the database failed: {error.__class__.__name__}: {error}", code=1) from None
    except OSError as error:  # a Dask scheduler that cannot be reached
        raise fail(f"could not start the {executor} executor: {error}", code=1) from None
    if summary.problems:
        raise fail(*summary.problems)
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

    db = ready_database()
    report = run_status_report(db.unit_of_work, limit=limit)
    if as_json:
        typer.echo(json.dumps(report))
    else:
        render_status(report, Console())


@routing_app.command("show")
def routing_show() -> None:
    """The routing policy in force, as `routing set` reads it, with each filter."""
    from trimtab.services.routing import show_policy

    db = ready_database()
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
        raise fail(f"{policy_file}: {error.strerror or error}") from None
    db = ready_database()
    version, problems = set_policy(db.unit_of_work, text, actor=actor(), reason=reason)
    if version is None:
        raise fail(*problems)
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
        raise fail(f"--sort must be one of {', '.join(SORTS)}, got {sort!r}")
    db = ready_database()
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

    db = ready_database()
    detail, problems = open_proposal(db.unit_of_work, account)
    if detail is None:
        raise fail(*problems)
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

    problems = approve(ready_database().unit_of_work, account, actor=actor(), reason=reason)
    if problems:
        raise fail(*problems)
    typer.echo(f"{account}: approved")


@review_app.command("reject")
def review_reject(account: str, reason: str = typer.Option(..., help="Why (recorded).")) -> None:
    """Reject a pending proposal: nothing trades."""
    from trimtab.services.review import reject

    problems = reject(ready_database().unit_of_work, account, actor=actor(), reason=reason)
    if problems:
        raise fail(*problems)
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
        raise fail("use --set buy:VOO=10 (or sell:...) and --lot L7=5") from None
    if not quantities and not lots:
        raise fail("nothing to change: give --set or --lot")
    db = ready_database()
    problems = edit(
        db.unit_of_work, account, quantities=quantities, lots=lots, actor=actor(), reason=reason
    )
    if problems:
        raise fail(*problems)
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
        raise fail(f"--format must be csv or fix, got {fmt!r}")
    db = ready_database()
    run_id, added, problems = create_orders(db.unit_of_work, actor=actor())
    if run_id is None:
        raise fail(*problems)
    blocks = block_orders(run_orders(db.unit_of_work, run_id))
    try:
        paths = (
            write_csv(blocks, Path(out), run_id=run_id)
            if fmt == "csv"
            else [write_fix(blocks, Path(out), run_id=run_id)]
        )
    except OSError as error:
        raise fail(f"could not write to {out}: {error.strerror or error}") from None
    allocations = sum(len(b.allocations) for b in blocks)
    typer.echo(
        f"run {run_id}: {len(blocks)} block orders, {allocations} allocations "
        f"({added} new orders); wrote {', '.join(str(p) for p in paths)}"
    )


@orders_app.command("fill")
def orders_fill(
    all_at_close: bool = typer.Option(
        False,
        "--all-at-close",
        help="Simulate execution: fill every unfilled order at the run day's close.",
    ),
) -> None:
    """Book the latest finished run's orders as executed (lots, cash, trades); idempotent."""
    from trimtab.services.executions import fill_at_close

    if not all_at_close:
        raise fail(
            "only simulated execution is available: `trimtab orders fill --all-at-close` "
            "fills every unfilled order at the run day's close"
        )
    db = ready_database()
    summary = fill_at_close(db.unit_of_work, actor=actor())
    if summary.run_id is None:
        raise fail(*summary.problems)
    typer.echo(
        f"run {summary.run_id}: filled {summary.filled} orders at the {summary.trade_date} "
        f"close (simulated) in {summary.accounts} accounts; bought ${summary.bought:,}, "
        f"sold ${summary.sold:,}"
    )
    if summary.problems:
        typer.echo(f"{len(summary.problems)} orders not booked:", err=True)
        for p in summary.problems[:20]:
            typer.echo(f"  {p}", err=True)
        raise typer.Exit(1)
