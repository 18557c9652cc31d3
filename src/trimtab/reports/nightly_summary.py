"""What the nightly run did: the end-of-run summary and `trimtab run status`.

Operations asks two questions every morning: how did last night end (accounts by
outcome, trades, estimated taxes, time), and was every account analyzed? The status
report answers the second from the records themselves: an account of the population
without an outcome row in the latest run was not analyzed, whatever any log says.

    >>> # render_status(run_status_report(db.unit_of_work), Console())
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from trimtab.batch.run import RunSummary
from trimtab.services.nightly_ports import NightlyUnitOfWork

__all__ = ["render_run_summary", "render_status", "run_status_report"]

OUTCOMES = ("auto_trade", "review", "suspended", "no_trade")


def render_run_summary(summary: RunSummary, console: Console) -> None:
    table = Table(title=f"Nightly run {summary.run_id} as of {summary.as_of}")
    table.add_column("outcome")
    table.add_column("accounts", justify="right")
    for outcome in OUTCOMES:
        table.add_row(outcome, f"{summary.counts.get(outcome, 0):,}")
    table.add_row("[bold]total[/bold]", f"[bold]{sum(summary.counts.values()):,}[/bold]")
    console.print(table)
    state = "finished" if summary.finished else "NOT finished: run `trimtab run` again to resume"
    console.print(
        f"{summary.trades:,} trades proposed, estimated tax ${summary.estimated_tax:,.2f}; "
        f"{summary.analyzed_now:,} accounts analyzed in {summary.seconds:,.1f} s on "
        f"{summary.executor}{' (resumed)' if summary.resumed else ''}; {state}."
    )
    if summary.failures:
        console.print(f"{len(summary.failures)} analyses failed (suspended), first ones:")
        for account, why in summary.failures[:10]:
            console.print(f"  {account}: {why}")
    if summary.missing:
        console.print(f"[red]{summary.missing:,} accounts not analyzed yet[/red]")
    for error in summary.chunk_errors[:5]:
        console.print(f"[red]{error}[/red]")


def run_status_report(
    new_uow: Callable[[], NightlyUnitOfWork], *, limit: int = 5
) -> dict[str, Any]:
    with new_uow() as uow:
        repo = uow.nightly
        runs = repo.runs(limit=limit)
        out = []
        for i, run in enumerate(runs):
            counts, trades, tax = repo.tally(run.id)
            item: dict[str, Any] = {
                "run": run.id,
                "as_of": run.as_of.isoformat(),
                "state": run.state,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "attempts": run.attempts,
                "executor": run.executor,
                "accounts": run.accounts,
                "outcomes": counts,
                "trades": trades,
                "estimated_tax": float(tax),
                "seconds": run.seconds,
                "failures": [
                    {"account": a, "status": s, "reason": why}
                    for a, s, why in repo.failures(run.id, 20)
                ],
            }
            if i == 0:
                missing = sorted(set(repo.population()) - repo.done(run.id))
                item["not_analyzed"] = len(missing)
                item["not_analyzed_sample"] = missing[:20]
            out.append(item)
    return {"runs": out}


def render_status(report: dict[str, Any], console: Console) -> None:
    runs = report["runs"]
    if not runs:
        console.print("no nightly run yet: `trimtab run`")
        return
    table = Table(title="Nightly runs, latest first")
    for column in ("run", "as of", "state", "started", "finished", "tries", *OUTCOMES, "trades"):
        table.add_column(column, justify="right" if column in OUTCOMES else "left")
    for r in runs:
        table.add_row(
            r["run"],
            r["as_of"],
            r["state"],
            r["started_at"][:19],
            (r["finished_at"] or "-")[:19],
            str(r["attempts"]),
            *(f"{r['outcomes'].get(o, 0):,}" for o in OUTCOMES),
            f"{r['trades']:,}",
        )
    console.print(table)
    latest = runs[0]
    if latest["not_analyzed"]:
        console.print(
            f"[red]{latest['not_analyzed']:,} accounts of run {latest['run']} not analyzed[/red] "
            f"(e.g. {', '.join(latest['not_analyzed_sample'][:5])}): `trimtab run` resumes it"
        )
    else:
        console.print(f"every account of run {latest['run']} was analyzed")
    for f in latest["failures"][:10]:
        console.print(f"  failed {f['account']} ({f['status']}): {f['reason']}")
