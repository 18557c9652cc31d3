"""What the nightly run did: the end-of-run summary and `trimtab run status`.

Operations asks two questions every morning: how did last night end (accounts by
outcome, trades, estimated taxes, time), and was every account analyzed? The status
report answers the second from the records themselves: an account of the population
without an outcome row in the latest run was not analyzed, whatever any log says.

    >>> # render_status(run_status_report(run_status(db.unit_of_work, here=...)), Console())
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from trimtab.services.nightly_run import RunStatus, RunSummary

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
        f"{summary.trades:,} trades proposed, {_tax_phrase(summary.estimated_tax)}; "
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


def _tax_phrase(estimated_tax: float | Decimal) -> str:
    """Negative tax is a saving: the proposals harvest more losses than they realize gains."""
    if estimated_tax < 0:
        return f"estimated tax saved ${-estimated_tax:,.2f} (losses harvested exceed gains)"
    return f"estimated tax ${estimated_tax:,.2f}"


def run_status_report(runs: Sequence[RunStatus]) -> dict[str, Any]:
    """The `--json` form of `services.nightly_run.run_status`."""
    return {"runs": [r.as_dict() for r in runs]}


def render_status(report: dict[str, Any], console: Console) -> None:
    runs = report["runs"]
    if not runs:
        console.print("no nightly run yet: `trimtab run`")
        return
    # plain aligned columns: fits an 80-column terminal and reads the same in a log file
    console.print("[bold]Nightly runs, latest first[/bold]")
    console.print(
        f"{'run':<13} {'state':<11} {'finished (UTC)':<16} "
        f"{'auto':>7} {'review':>7} {'susp.':>6} {'none':>6} {'trades':>7}"
    )
    for r in runs:
        state = r["state"] if r["attempts"] == 1 else f"{r['state']}×{r['attempts']}"
        counts = [r["outcomes"].get(o, 0) for o in OUTCOMES]
        console.print(
            f"{r['run']:<13} {state:<11} {(r['finished_at'] or '-')[:16].replace('T', ' '):<16} "
            f"{counts[0]:>7,} {counts[1]:>7,} {counts[2]:>6,} {counts[3]:>6,} {r['trades']:>7,}"
        )
    latest = runs[0]
    if latest["state"] == "running":
        console.print(
            f"run {latest['run']} is in progress: {latest['done']:,} of "
            f"{latest['accounts']:,} accounts analyzed, driven by {latest['holder']} "
            f"(started by {latest['started_by']})"
        )
    elif latest["state"] == "interrupted":
        console.print(
            f"[red]run {latest['run']} was interrupted[/red] after {latest['done']:,} of "
            f"{latest['accounts']:,} accounts — resume with `trimtab run --resume`"
        )
    elif latest["state"] == "voided":
        console.print(
            f"run {latest['run']} was voided by {latest['voided_by']}: {latest['void_reason']}"
        )
    elif latest["not_analyzed"]:
        console.print(
            f"[red]{latest['not_analyzed']:,} accounts of run {latest['run']} not analyzed[/red] "
            f"(e.g. {', '.join(latest['not_analyzed_sample'][:5])}): `trimtab run` resumes it"
        )
    else:
        console.print(f"every account of run {latest['run']} was analyzed")
    for f in latest["failures"][:10]:
        console.print(f"  failed {f['account']} ({f['status']}): {f['reason']}")
