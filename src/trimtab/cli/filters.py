"""`trimtab filters ...`: saved queries over accounts and their latest analysis.

Parse the arguments, call one service (`trimtab.services.filters`), print. A bad filter
or an unknown name is printed as `error: ...` with its exit code (see
`trimtab.cli.support`); nothing is changed. docs/filters.md describes the language.

    $ trimtab filters test 'status = "open" and value > 1m'
    $ trimtab filters save big-open 'status = "open" and value > 1m' --shared
"""

from __future__ import annotations

import typer

from trimtab.cli.support import answer, principal, unit_of_work

__all__ = ["filters_app"]

filters_app = typer.Typer(
    help="Filters: saved queries over accounts and their latest analysis.", no_args_is_help=True
)


@filters_app.command("test")
def filters_test(
    expression: str = typer.Argument(..., metavar="EXPR", help="Filter text, or @name."),
    sample: int = typer.Option(10, min=0, help="How many matching account ids to show."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object: filter, counts, sample."),
) -> None:
    """Show how many accounts a filter matches, and a sample of them."""
    from trimtab.services.filters import try_filter

    with unit_of_work() as uow:
        result = answer(try_filter(uow, expression, viewer=principal(), sample=sample))
    if as_json:
        from trimtab.cli.json_output import echo_json

        echo_json(
            {
                "filter": result.filter.text,
                "count": result.count,
                "total": result.total,
                "sample": result.sample,
            }
        )
        return
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

    with unit_of_work() as uow:
        saved = answer(
            save_filter(
                uow,
                principal=principal(),
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

    with unit_of_work() as uow:
        saved = list_filters(uow, viewer=principal())
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

    with unit_of_work() as uow:
        f = answer(show_filter(uow, name, viewer=principal()))
    typer.echo(f"name:        {f.name} ({'firm' if f.shared else 'owner ' + str(f.owner)})")
    typer.echo(f"description: {f.description or '-'}")
    typer.echo(f"filter:      {f.expression}")
    typer.echo(f"saved by:    {f.created_by} on {f.updated_at:%Y-%m-%d %H:%M} UTC")
