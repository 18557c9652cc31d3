"""`trimtab filters ...` and `trimtab settings ...`: parse arguments, call a service, print.

Problems (a bad filter, a value outside the vocabulary, an unknown account) are printed
as messages with exit code 2; nothing is changed. The acting user is `cli:<login>`.
docs/filters.md and docs/settings.md describe both command groups.

    $ trimtab filters test 'status = "open" and value > 1m'
    $ trimtab settings show A000123
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer

from trimtab.cli.support import actor, fail, ready_database
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import SettingValue

if TYPE_CHECKING:
    from trimtab.services.workflow_ports import WorkflowUnitOfWork

__all__ = ["filters_app", "settings_app"]

filters_app = typer.Typer(
    help="Filters: saved queries over accounts and their latest analysis.", no_args_is_help=True
)
settings_app = typer.Typer(
    help="Settings at firm, program, household and account level; bulk changes; history.",
    no_args_is_help=True,
)

T = TypeVar("T")
LEVELS = ("firm", "program", "household", "account")


@contextmanager
def _database() -> Iterator[Callable[[], WorkflowUnitOfWork]]:
    """The unit-of-work factory of the configured database, at the newest schema."""
    from trimtab.bootstrap import DATABASE_ERRORS

    db = ready_database()
    try:
        yield db.unit_of_work
    except DATABASE_ERRORS as error:
        raise fail(f"{db.display_url}: {error.__class__.__name__}: {error}", code=1) from None
    finally:
        db.close()


def _answer(result: tuple[T | None, list[Problem]]) -> T:
    value, problems = result
    if value is None or problems:
        raise fail(*problems)
    return value


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


# ---------------------------------------------------------------------------- filters


@filters_app.command("test")
def filters_test(
    expression: str = typer.Argument(..., metavar="EXPR", help="Filter text, or @name."),
    sample: int = typer.Option(10, min=0, help="How many matching account ids to show."),
) -> None:
    """Show how many accounts a filter matches, and a sample of them."""
    from trimtab.services.filters import try_filter

    with _database() as uow:
        result = _answer(try_filter(uow, expression, actor=actor(), sample=sample))
    typer.echo(f"filter: {result.filter.text}")
    typer.echo(f"matches {result.count:,} of {result.total:,} accounts")
    if result.sample:
        more = " ..." if result.count > len(result.sample) else ""
        typer.echo("sample: " + ", ".join(result.sample) + more)


@filters_app.command("save")
def filters_save(
    name: str = typer.Argument(..., help="Name to save it under."),
    expression: str = typer.Argument(..., metavar="EXPR", help="Filter text."),
    description: str = typer.Option("", help="What the filter is for."),
    shared: bool = typer.Option(False, "--shared", help="Save it for the whole firm."),
) -> None:
    """Save a named filter, for yourself or (--shared) for the firm; replaces a same name."""
    from trimtab.services.filters import save_filter

    with _database() as uow:
        saved = _answer(
            save_filter(
                uow,
                actor=actor(),
                name=name,
                expression=expression,
                description=description,
                shared=shared,
            )
        )
    whose = "the firm" if saved.shared else saved.owner
    typer.echo(f"saved filter {saved.name!r} for {whose}: {saved.expression}")


@filters_app.command("list")
def filters_list() -> None:
    """List the firm's filters and your own."""
    from trimtab.services.filters import list_filters

    with _database() as uow:
        saved = list_filters(uow, actor=actor())
    if not saved:
        typer.echo("no saved filters yet (see `trimtab filters save --help`)")
    for f in saved:
        whose = "firm" if f.shared else "mine"
        about = f" - {f.description}" if f.description else ""
        typer.echo(f"{f.name} [{whose}]{about}\n    {f.expression}")


@filters_app.command("show")
def filters_show(name: str = typer.Argument(..., help="A saved filter's name.")) -> None:
    """Show a saved filter."""
    from trimtab.services.filters import show_filter

    with _database() as uow:
        f = _answer(show_filter(uow, name, actor=actor()))
    typer.echo(f"name:        {f.name} ({'firm' if f.shared else 'owner ' + str(f.owner)})")
    typer.echo(f"description: {f.description or '-'}")
    typer.echo(f"filter:      {f.expression}")
    typer.echo(f"saved by:    {f.created_by} on {f.updated_at:%Y-%m-%d %H:%M} UTC")


# ---------------------------------------------------------------------------- settings


@settings_app.command("show")
def settings_show(
    account: str = typer.Argument(..., help="Account id."),
    as_of: str | None = typer.Option(None, "--as-of", metavar="YYYY-MM-DD"),
) -> None:
    """Every effective setting of an account and where it comes from."""
    from trimtab.services.change_settings import show_settings

    with _database() as uow:
        effective = _answer(show_settings(uow, account, actor=actor(), as_of=_as_of(as_of)))
    when = f" as of {as_of}" if as_of else ""
    typer.echo(f"account {account}{when}:")
    for e in effective:
        typer.echo(f"  {e.explain()}")


@settings_app.command("set")
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
    with _database() as uow:
        change = _answer(
            set_setting(
                uow,
                actor=actor(),
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


@settings_app.command("bulk")
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
    with _database() as uow:
        result = _answer(bulk_change(uow, request, actor=actor(), apply=apply))
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

    with _database() as uow:
        changes = _answer(settings_history(uow, actor=actor(), account=account, setting=setting))
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

    with _database() as uow:
        change = _answer(revert_change(uow, change_id, actor=actor(), reason=reason))
    typer.echo(f"recorded {change.describe()}")
