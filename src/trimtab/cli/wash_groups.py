"""`trimtab wash-groups ...`: which securities the firm treats as substantially identical.

Share classes of one issuer are one wash group by default (docs/wash-sales.md); the firm
adds its own groups and may switch the share-class reading off. Problems are printed
one per line with their exit code (see `trimtab.cli.support`), never a traceback.

    $ trimtab wash-groups list
    $ trimtab wash-groups set SP500 VOO IVV --reason "one index, two sponsors"
    $ trimtab wash-groups remove IVV
    $ trimtab wash-groups policy --share-classes-differ
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer

from trimtab.cli.support import fail, principal, unit_of_work

if TYPE_CHECKING:
    from trimtab.services.wash_groups import WashGroupsView

__all__ = ["wash_groups_app"]

wash_groups_app = typer.Typer(
    help="Wash groups: which securities the wash-sale rule treats as one.",
    no_args_is_help=True,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _show(view: WashGroupsView) -> None:
    reading = "substantially identical" if view.share_classes_identical else "not grouped"
    typer.echo(f"Share classes of one issuer: {reading}.")
    if not view.groups:
        typer.echo("No wash group holds more than one security.")
    for g in view.groups:
        typer.echo(f"{g.id:<16} {g.source:<16} {' '.join(g.members)}")


@wash_groups_app.command("list")
def wash_groups_list() -> None:
    """Every wash group of two securities or more, and the firm's, with where each comes from."""
    from trimtab.services.wash_groups import list_wash_groups

    with unit_of_work() as new_uow:
        view = list_wash_groups(new_uow)
    _show(view)


@wash_groups_app.command("set")
def wash_groups_set(
    group: str = typer.Argument(..., help="The firm's name for the group, e.g. SP500."),
    tickers: list[str] = typer.Argument(..., help="Securities of the master to put in it."),
    reason: str = typer.Option("", "--reason", help="Why, for the audit trail."),
) -> None:
    """Put securities in a firm-defined wash group (out of any other)."""
    from trimtab.services.wash_groups import set_wash_group

    with unit_of_work() as new_uow:
        change = set_wash_group(
            new_uow, group, tickers, principal=principal(), now=_now(), reason=reason
        )
    if change.problems:
        raise fail(*change.problems)
    typer.echo(f"wash group {change.group}: {' '.join(change.tickers)}")


@wash_groups_app.command("remove")
def wash_groups_remove(
    tickers: list[str] = typer.Argument(..., help="Securities to take out of their group."),
    reason: str = typer.Option("", "--reason", help="Why, for the audit trail."),
) -> None:
    """Take securities out of their firm-defined wash group."""
    from trimtab.services.wash_groups import remove_from_wash_group

    with unit_of_work() as new_uow:
        change = remove_from_wash_group(
            new_uow, tickers, principal=principal(), now=_now(), reason=reason
        )
    if change.problems:
        raise fail(*change.problems)
    typer.echo(f"removed from their wash group: {' '.join(change.tickers)}")


@wash_groups_app.command("policy")
def wash_groups_policy(
    identical: bool = typer.Option(
        ...,
        "--share-classes-identical/--share-classes-differ",
        help="Whether share classes of one issuer are one wash group (the default).",
    ),
    reason: str = typer.Option("", "--reason", help="Why, for the audit trail."),
) -> None:
    """Turn "share classes of one issuer are substantially identical" on or off."""
    from trimtab.services.wash_groups import set_share_class_policy

    with unit_of_work() as new_uow:
        view = set_share_class_policy(
            new_uow,
            share_classes_identical=identical,
            principal=principal(),
            now=_now(),
            reason=reason,
        )
    _show(view)
