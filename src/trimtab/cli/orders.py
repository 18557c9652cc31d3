"""`trimtab orders ...`: a run's block orders out to the desk, and (simulated) fills back.

Parse the arguments, call one service (`trimtab.services.orders`, `.executions`), write
or print. Both commands are idempotent: exporting again writes the same orders (no new
ones), filling again books nothing. No finished run yet is exit 3 (see
`trimtab.cli.support`).

    $ trimtab orders export --format fix --out orders/
    $ trimtab orders fill --all-at-close
"""

from __future__ import annotations

from pathlib import Path

import typer

from trimtab.cli.support import fail, principal, unit_of_work

__all__ = ["orders_app"]

orders_app = typer.Typer(
    help="Orders from approved and auto-traded proposals.", no_args_is_help=True
)


@orders_app.command("export")
def orders_export(
    fmt: str = typer.Option("csv", "--format", help="csv or fix."),
    out: str = typer.Option("orders", "--out", metavar="DIR", help="Directory to write into."),
) -> None:
    """Create orders from the latest finished run and write its block orders (idempotent)."""
    from trimtab.bootstrap import order_writers
    from trimtab.config import load_settings
    from trimtab.services.orders import block_orders, create_orders, run_orders

    config = load_settings()
    writers = order_writers(
        fix_sender=config.fix_sender_comp_id, fix_target=config.fix_target_comp_id
    )
    if fmt not in writers:
        raise fail(f"--format must be one of {', '.join(writers)}, got {fmt!r}")
    with unit_of_work() as uow:
        run_id, added, problems = create_orders(uow, principal=principal())
        if run_id is None:
            raise fail(*problems)
        blocks = block_orders(run_orders(uow, run_id))
    try:
        paths = writers[fmt](blocks, Path(out), run_id)
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
    with unit_of_work() as uow:
        summary = fill_at_close(uow, principal=principal())
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
