"""`trimtab settings ...`: settings at firm, program, household and account level.

Show an account's effective settings, set or clear one at one level, preview and apply
a bulk change over a filter, list and revert changes. A value outside the vocabulary or
an unknown account is printed as `error: ...` with its exit code (see
`trimtab.cli.support`); nothing is changed. docs/settings.md describes the vocabulary.

    $ trimtab settings show A000123
    $ trimtab settings set tax_sensitivity high --level account --scope A000123 --reason "IPS"
"""

from __future__ import annotations

import datetime as dt
import json

import typer

from trimtab.cli.support import answer, fail, principal, unit_of_work
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import SettingValue

__all__ = ["parse_value", "settings_app"]

settings_app = typer.Typer(
    help="Settings at firm, program, household and account level; bulk changes; history.",
    no_args_is_help=True,
)

LEVELS = ("firm", "program", "household", "account")


def parse_value(text: str) -> SettingValue:
    """A setting value from the command line: a JSON number, boolean or list, else the word."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, str | int | float | bool):
        return value
    return text


def _level(text: str) -> Level:
    if text not in LEVELS:
        raise fail(f"--level must be one of {', '.join(LEVELS)}; got {text!r}")
    return Level[text.upper()]


def _as_of(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"--as-of must be a date like 2026-03-01, got {text!r}") from None
    # The settings in force on a day are those recorded by its end (UTC).
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


@settings_app.command("show")
def settings_show(
    account: str = typer.Argument(..., help="Account id."),
    as_of: str | None = typer.Option(None, "--as-of", metavar="YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, every field."),
) -> None:
    """Every effective setting of an account, where it comes from and what it means."""
    from trimtab.services.accounts import explain_settings
    from trimtab.services.change_settings import show_settings

    with unit_of_work() as uow:
        effective = answer(show_settings(uow, account, as_of=_as_of(as_of)))
    explained = explain_settings({e.setting: e for e in effective})
    if as_json:
        from dataclasses import asdict

        pairs = zip(explained, effective, strict=True)
        rows = [{**asdict(v), "explain": e.explain()} for v, e in pairs]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    when = f" as of {as_of}" if as_of else ""
    typer.echo(f"account {account}{when}:")
    for e, v in zip(effective, explained, strict=True):
        typer.echo(f"  {e.explain()}")
        if v.meaning:  # calibration's "what this means"; other settings have none
            typer.echo(f"      means: {v.meaning}")


# A value may be a negative number (`settings set min_trade -100`): without this, click
# reads `-100` as the short options -1, -0, -0. Unknown options then reach the command as
# extra arguments, which click still refuses by name.
_NUMBERS_AS_VALUES = {"ignore_unknown_options": True}


@settings_app.command("set", context_settings=_NUMBERS_AS_VALUES)
def settings_set(
    setting: str = typer.Argument(..., help="Setting name, e.g. tax_sensitivity."),
    value: str = typer.Argument(..., help="Its value (a word, a number, or JSON)."),
    level: str = typer.Option(..., help="firm, program, household or account."),
    scope: str = typer.Option(..., help="The id of the firm, program, household or account."),
    reason: str = typer.Option(..., help="Why: recorded with the change."),
    clear: bool = typer.Option(False, "--clear", help="Clear the value at this scope instead."),
) -> None:
    """Set one setting at one level (each change is a new version)."""
    from trimtab.domain.settings_levels import Scope
    from trimtab.services.change_settings import set_setting

    parsed = None if clear else parse_value(value)
    with unit_of_work() as uow:
        change = answer(
            set_setting(
                uow,
                principal=principal(),
                setting=setting,
                scope=Scope(_level(level), scope),
                value=parsed,
                reason=reason,
            )
        )
    typer.echo(f"recorded {change.describe()}")


def _exemption(text: str) -> tuple[str, str]:
    account, sep, reason = text.partition("=")
    if not sep or not account.strip():
        raise fail(f"--exempt takes ACCOUNT=REASON, got {text!r}")
    return account.strip(), reason.strip()


@settings_app.command("bulk", context_settings=_NUMBERS_AS_VALUES)
def settings_bulk(
    setting: str = typer.Argument(..., help="Setting name."),
    value: str = typer.Argument(..., help="Its value."),
    where: str = typer.Option(..., "--where", metavar="EXPR", help="Target filter, or @name."),
    reason: str = typer.Option(..., help="Why: recorded with every change."),
    level: str = typer.Option("account", help="Level to write at (see docs/settings.md)."),
    exempt: list[str] = typer.Option(
        [], "--exempt", metavar="ACCOUNT=REASON", help="Exempt one account (repeatable)."
    ),
    exempt_where: str | None = typer.Option(None, "--exempt-where", metavar="EXPR"),
    exempt_reason: str = typer.Option("", help="Why the --exempt-where accounts are exempt."),
    apply: bool = typer.Option(False, "--apply", help="Record it; without, only a preview."),
    show: int = typer.Option(20, min=0, help="Accounts to list per outcome."),
) -> None:
    """Preview (or --apply) one setting for every account a filter matches."""
    from trimtab.domain.bulk_changes import BulkChangeRequest, Exemption, Outcome
    from trimtab.services.change_settings import bulk_change

    request = BulkChangeRequest(
        setting,
        parse_value(value),
        where,
        reason,
        _level(level),
        tuple(Exemption(*_exemption(e)) for e in exempt),
        exempt_where,
        exempt_reason,
    )
    with unit_of_work() as uow:
        result = answer(bulk_change(uow, request, principal=principal(), apply=apply))
    plan = result.plan
    counts = plan.counts()
    typer.echo(
        f"{setting} = {value} at {level} level for {where!r}: "
        + ", ".join(f"{n:,} {k}" for k, n in counts.items())
    )
    for outcome in Outcome:
        rows = plan.accounts(outcome)
        if not rows or not show:
            continue
        typer.echo(f"{outcome.value}:")
        for row in rows[:show]:
            change = f"{row.before} -> {row.after}"
            note = f"  ({row.note})" if row.note else ""
            typer.echo(f"  {row.account}: {change}{note}")
        if len(rows) > show:
            typer.echo(f"  ... and {len(rows) - show:,} more")
    if result.bulk_id is None:
        typer.echo("preview only: nothing recorded; add --apply to record it.")
    else:
        typer.echo(f"recorded bulk change #{result.bulk_id}: {len(plan.writes):,} changes.")


@settings_app.command("history")
def settings_history_command(
    account: str | None = typer.Argument(None, help="Account id (default: every change)."),
    setting: str | None = typer.Option(None, help="Only this setting."),
) -> None:
    """Every version of the settings that reach an account (or of all settings)."""
    from trimtab.services.change_settings import settings_history

    with unit_of_work() as uow:
        changes = answer(settings_history(uow, account=account, setting=setting))
    if not changes:
        typer.echo("no settings changes recorded")
    for change in changes:
        typer.echo(change.describe())


@settings_app.command("revert")
def settings_revert(
    change_id: int = typer.Argument(..., help="The change number (see `settings history`)."),
    reason: str = typer.Option(..., help="Why it is reverted."),
) -> None:
    """Revert a change: a new change restoring the value it replaced."""
    from trimtab.services.change_settings import revert_change

    with unit_of_work() as uow:
        change = answer(revert_change(uow, change_id, principal=principal(), reason=reason))
    typer.echo(f"recorded {change.describe()}")
