"""What a firm load put in the database, as a terminal report.

A load summary answers "what did I just get?": rows per table, the firm's size (households,
accounts, assets under management, tiers), how long it took, and any note the data
carries (the demo's date shift). Tables with no rows are left out.

    >>> # render_load_summary(result, console)   # prints a table and the notes
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from trimtab.services.load_demo import LoadResult

__all__ = ["render_load_summary"]


def render_load_summary(result: LoadResult, console: Console, *, target: str) -> None:
    table = Table(title=f"Loaded into {target}", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in result.counts.items():
        if rows:
            table.add_row(name, f"{rows:,}")
    console.print(table)
    stats = result.stats
    if stats is not None:
        tiers = ", ".join(f"{tier} {n:,}" for tier, n in sorted(stats.tiers.items()))
        console.print(
            f"{stats.households:,} households, {stats.accounts:,} accounts, "
            f"{stats.lots:,} tax lots, {stats.harvests:,} recent tax-loss harvests; "
            f"value under management ${stats.value:,.0f}."
        )
        console.print(f"Households by tier: {tiers}.")
    console.print(f"Loaded in one transaction in {result.seconds:.1f} s by {result.actor}.")
    for note in result.notes:
        console.print(f"Note: {note}")
