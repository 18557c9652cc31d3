"""`trimtab alerts ...`: the process alerts — list, acknowledge, resolve, check, deliver.

Parse, call one service (`trimtab.services.alerts`, `.monitoring`, `.alert_delivery`),
print. `check` runs every process check for a day and then sends what is due on the
channels of the `[alerts]` table of TRIMTAB_FIRM_CONFIG (docs/alerts.md); `deliver`
only sends. Acknowledging and resolving are writes on the record (`--note` required).

    $ trimtab alerts list --state open
    7  critical  open  file.missing:northbank-lots:2025-06-30  northbank-lots missing: ...
    $ trimtab alerts ack 7 --note "custodian called, resending by 10:00"
    $ trimtab alerts resolve 7 --note "file loaded by hand"
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from trimtab.cli.support import answer, fail, principal, unit_of_work

__all__ = ["alerts_app"]

alerts_app = typer.Typer(
    help="Process alerts: what went wrong in the firm's day, who was told, what to do.",
    no_args_is_help=True,
)


def _as_dict(episode: Any) -> dict[str, object]:
    from trimtab.services.audit import jsonable

    a = episode.alert
    out = {
        "id": episode.id,
        "cause": a.cause,
        "kind": a.kind,
        "severity": a.severity,
        "state": episode.state,
        "summary": a.summary,
        "action": a.action,
        "first_seen": episode.first_seen,
        "last_seen": episode.last_seen,
        "raised_by": episode.raised_by,
        "acknowledged_at": episode.acknowledged_at,
        "acknowledged_by": episode.acknowledged_by,
        "acknowledge_note": episode.acknowledge_note,
        "resolved_at": episode.resolved_at,
        "resolved_by": episode.resolved_by,
        "resolve_note": episode.resolve_note,
    }
    result = jsonable(out)
    assert isinstance(result, dict)
    return result


def _line(episode: Any) -> str:
    a = episode.alert
    return (
        f"{episode.id:>5}  {a.severity.value:<8}  {episode.state.value:<12}  {a.cause}  {a.summary}"
    )


@alerts_app.command("list")
def alerts_list(
    state: str | None = typer.Option(
        None, "--state", help="open (open or acknowledged), acknowledged, resolved; default all."
    ),
    kind: str | None = typer.Option(
        None, "--kind", help="A kind (file.missing) or family (file.)."
    ),
    limit: int = typer.Option(100, "--limit", min=1, help="How many, open ones first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, every field."),
) -> None:
    """The alerts, open ones first, then the most recently seen."""
    from trimtab.domain.alerts import AlertState
    from trimtab.services.alerts import AlertQuery, list_alerts

    if state not in (None, "open", "acknowledged", "resolved"):
        raise fail(f"--state: open, acknowledged or resolved, got {state!r}")
    query = AlertQuery(
        state=AlertState(state) if state in ("acknowledged", "resolved") else None,
        open_only=state == "open",
        kind_prefix=kind,
        limit=limit,
    )
    with unit_of_work() as new_uow:
        found = list_alerts(new_uow, query)
    if as_json:
        typer.echo(json.dumps([_as_dict(a) for a in found], indent=2))
        return
    if not found:
        typer.echo("no alerts")
    for episode in found:
        typer.echo(_line(episode))
        if episode.is_open:
            typer.echo(f"       what to do: {episode.alert.action}")


@alerts_app.command("ack")
def alerts_ack(
    id: int = typer.Argument(..., help="The alert's id (`trimtab alerts list`)."),
    note: str = typer.Option(..., "--note", help="What you are doing about it (on the record)."),
) -> None:
    """Acknowledge an open alert: it stays open until its cause clears."""
    from trimtab.services.alerts import acknowledge_alert

    with unit_of_work() as new_uow:
        episode = answer(acknowledge_alert(new_uow, id, principal=principal(), note=note))
    typer.echo(f"acknowledged: {_line(episode)}")


@alerts_app.command("resolve")
def alerts_resolve(
    id: int = typer.Argument(..., help="The alert's id (`trimtab alerts list`)."),
    note: str = typer.Option(..., "--note", help="What fixed it (on the record)."),
) -> None:
    """Resolve an alert by hand; whoever was told gets a resolution notice.

    If the cause is still there, the next check opens a new alert.
    """
    from trimtab.services.alerts import resolve_alert

    with unit_of_work() as new_uow:
        episode = answer(resolve_alert(new_uow, id, principal=principal(), note=note))
    typer.echo(f"resolved: {_line(episode)}")


def _channels() -> list[Any]:
    from trimtab.config import load_settings
    from trimtab.notify import channels_from_file

    settings = load_settings()
    path = Path(settings.firm_config) if settings.firm_config else None
    channels, problems = channels_from_file(path)
    if problems:
        raise fail(*(f"TRIMTAB_FIRM_CONFIG: {p}" for p in problems))
    return channels


def _deliver(new_uow: Any, channels: list[Any], now: dt.datetime) -> None:
    from trimtab.services.alert_delivery import deliver_pending

    report = deliver_pending(new_uow, channels, now=now)
    typer.echo(
        f"deliveries: {report.sent} sent, {report.failed} failed (retried later), "
        f"{report.planned} planned, {report.cancelled} cancelled"
    )
    for error in report.errors:
        typer.echo(f"  {error}", err=True)


@alerts_app.command("check")
def alerts_check(
    day: str | None = typer.Option(None, "--day", help="The business day (default: today, UTC)."),
    no_send: bool = typer.Option(False, "--no-send", help="Check only; send nothing."),
) -> None:
    """Run every process check for the day, raise and resolve alerts, then send."""
    from trimtab.services.monitoring import check_processes

    now = dt.datetime.now(dt.UTC)
    try:
        on = dt.date.fromisoformat(day) if day else now.date()
    except ValueError:
        raise fail(f"--day: {day!r} is not a YYYY-MM-DD date") from None
    channels = [] if no_send else _channels()
    with unit_of_work() as new_uow:
        report = check_processes(new_uow, day=on, now=now)
        typer.echo(
            f"{on}: {len(report.found)} found, {len(report.opened)} opened, "
            f"{len(report.resolved)} resolved, {len(report.open)} open"
        )
        for episode in report.open:
            typer.echo(_line(episode))
        if not no_send:
            _deliver(new_uow, channels, dt.datetime.now(dt.UTC))


@alerts_app.command("deliver")
def alerts_deliver() -> None:
    """Send what is due (new alerts, resolutions, retries) on the configured channels."""
    channels = _channels()
    with unit_of_work() as new_uow:
        _deliver(new_uow, channels, dt.datetime.now(dt.UTC))
