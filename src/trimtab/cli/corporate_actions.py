"""`trimtab corporate-actions ...`: apply recorded corporate actions (docs/feeds.md).

Splits, spin-offs, mergers and renames recorded by the feeds are applied to lots, models,
restrictions and equivalence sets. Problems are printed one per line with their exit
code (see `trimtab.cli.support`), never a traceback.

    $ trimtab corporate-actions apply            # every pending one
    $ trimtab corporate-actions apply CA-2025-0042
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import typer

from trimtab.cli.support import answer, principal, unit_of_work

__all__ = ["corporate_actions_app"]

corporate_actions_app = typer.Typer(
    help="Corporate actions: apply splits, spin-offs, mergers and renames.",
    no_args_is_help=True,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@corporate_actions_app.command("apply")
def corporate_actions_apply(
    ids: list[str] = typer.Argument(None, metavar="[ID...]", help="Default: every pending one."),
) -> None:
    """Apply recorded corporate actions to lots, models, restrictions and equivalence sets.

    An id that was never recorded exits 3 (not found), one already applied 4 (conflict);
    either way nothing is applied.
    """
    from trimtab.services.corporate_action_processing import apply_requested_actions

    with unit_of_work() as new_uow:
        results = answer(
            apply_requested_actions(new_uow, ids or None, principal=principal(), now=_now())
        )
    if not results:
        typer.echo("No pending corporate actions.")
    for r in results:
        typer.echo(
            f"{r.action}: {_count(len(r.accounts), 'account')}, "
            f"models: {_names(r.models)}, equivalence sets: {_names(r.equivalence_sets)}, "
            f"{_count(r.restrictions, 'restriction change')}"
        )
        for note in r.notes:
            typer.echo(f"  {note}")


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@corporate_actions_app.command("list")
def corporate_actions_list(
    pending: bool = typer.Option(False, "--pending", help="Only those not yet applied."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, every field."),
) -> None:
    """The corporate actions the feeds recorded, by effective date, applied or pending."""
    from trimtab.cli.json_output import echo_json
    from trimtab.services.security_lookup import corporate_actions

    with unit_of_work() as new_uow:
        found = corporate_actions(new_uow, pending=pending)
    if as_json:
        echo_json(found)
        return
    if not found:
        typer.echo("No pending corporate actions." if pending else "No corporate actions.")
    for a in found:
        e = a.event
        into = f" -> {e.new_security}" if e.new_security else ""
        state = f"applied {a.applied_at:%Y-%m-%d} by {a.applied_by}" if a.applied_at else "pending"
        typer.echo(
            f"{e.id}  {e.effective}  {e.kind.value} {e.security}{into}  ({a.source}; {state})"
        )
