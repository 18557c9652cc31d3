"""`trimtab audit ...`: read the audit trail, and check that nobody changed it.

Parse the arguments, call one service (`trimtab.services.audit`), print. `list` shows
the newest entries first, as a table or (`--json`) one JSON array; `verify` walks the
whole chain and exits 1 naming the first entry altered, deleted or inserted, else prints
the head hash, which an operator keeps elsewhere and passes back with `--head` later
(docs/audit.md).

    $ trimtab audit list --account A-1 --since 2026-01-01
    $ trimtab audit verify
    1,204 entries, chain intact
    head: entry 1204 3f9c...e1
    keep the head hash elsewhere; `trimtab audit verify --head HASH` checks it
"""

from __future__ import annotations

import datetime as dt
import json

import typer

from trimtab.cli.support import fail, unit_of_work

__all__ = ["audit_app"]

audit_app = typer.Typer(
    help="The audit trail: who changed what, when and why; check it was not tampered with.",
    no_args_is_help=True,
)

TIME = "YYYY-MM-DD or ISO time (UTC unless it names its zone)"


def _time(option: str, value: str | None, *, end_of_day: bool = False) -> dt.datetime | None:
    """A day means its start (`--since`) or the start of the next day (`--until`, so the
    day itself is included); a time is taken as given, in UTC unless it names a zone."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        pass
    else:
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return start + dt.timedelta(days=1) if end_of_day else start
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: {value!r} is not a {TIME}") from None
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at


@audit_app.command("list")
def audit_list(
    who: str | None = typer.Option(
        None, "--who", help="A principal id (cli:alice): what they did, or others did for them."
    ),
    action: str | None = typer.Option(
        None, "--action", help="An action (review.approve) or a family of them (review)."
    ),
    account: str | None = typer.Option(
        None, "--account", help="Entries that name this account (or any target id)."
    ),
    since: str | None = typer.Option(None, "--since", metavar="WHEN", help=f"From: {TIME}."),
    until: str | None = typer.Option(
        None, "--until", metavar="WHEN", help=f"Up to (a day: through that day): {TIME}."
    ),
    limit: int | None = typer.Option(50, "--limit", min=1, help="How many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, every field."),
) -> None:
    """The newest audit entries, narrowed by who, action, account and time."""
    from trimtab.services.audit import AuditFilter, audit_entries

    query = AuditFilter(
        principal=who,
        action=action,
        account=account,
        since=_time("--since", since),
        until=_time("--until", until, end_of_day=True),
        limit=limit,
    )
    with unit_of_work() as new_uow:
        entries = audit_entries(new_uow, query)
    if as_json:
        typer.echo(json.dumps([entry.as_dict() for entry in entries], ensure_ascii=False))
        return
    if not entries:
        typer.echo("no audit entries match")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("seq", "time (UTC)", "who", "action", "targets", "reason", "summary")
    for column in table.columns[:4]:
        column.no_wrap = True  # ids and times stay whole; the prose columns wrap
    for entry in entries:
        targets = ", ".join(entry.targets[:3])
        if len(entry.targets) > 3:
            targets += f" +{len(entry.targets) - 3}"
        summary = json.dumps(entry.summary, ensure_ascii=False, separators=(", ", ": "))
        table.add_row(
            str(entry.seq),
            entry.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            entry.recorded_as,
            entry.action,
            targets,
            entry.reason,
            summary if len(summary) <= 80 else summary[:77] + "...",
        )
    Console().print(table)


@audit_app.command("verify")
def audit_verify(
    head: str | None = typer.Option(
        None, "--head", metavar="HASH", help="A head hash printed by an earlier verify."
    ),
) -> None:
    """Check the hash chain: exit 1 naming the first entry altered, deleted or inserted."""
    from trimtab.services.audit import verify

    with unit_of_work() as new_uow:
        result = verify(new_uow, anchor=head)
    if result.first_break is not None:
        typer.echo(f"audit trail broken: {result.first_break}", err=True)
        raise typer.Exit(1)
    if result.anchor_found is False:
        typer.echo(
            f"audit trail broken: the head {head} kept earlier is no longer in the trail "
            "(entries were removed from its end, or it was rewritten from some point on)",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"{result.entries:,} entries, chain intact")
    if result.entries:
        typer.echo(f"head: entry {result.head_seq} {result.head_hash}")
        typer.echo("keep the head hash elsewhere; `trimtab audit verify --head HASH` checks it")
