"""The `trimtab` command line: each command parses its arguments and calls a service.

Commands never print a traceback at the user: invalid input is answered with a message
(or the contract's JSON) and exit code 2. The command groups live in the modules
of this package, one per command family; the helpers they share in `support`.

    $ trimtab db upgrade && trimtab demo load --accounts 200 && trimtab run
"""

from __future__ import annotations

import typer

from trimtab.cli.feeds import corporate_actions_app, feeds_app, securities_app
from trimtab.cli.models import models_app
from trimtab.cli.nightly import orders_app, review_app, routing_app, run_app
from trimtab.cli.simulate import simulate
from trimtab.cli.support import actor, configured_database, fail, ready_database
from trimtab.cli.workflow import filters_app, settings_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="trimtab",
    help="Rebalancing automation for wealth-management firms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
demo_app = typer.Typer(help="Load a realistic demo firm.", no_args_is_help=True)
lots_app = typer.Typer(help="The lot ledger: replay histories into tax lots.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(lots_app, name="lots")
app.add_typer(models_app, name="models")
app.add_typer(filters_app, name="filters")
app.add_typer(settings_app, name="settings")
app.add_typer(run_app, name="run")
app.add_typer(routing_app, name="routing")
app.add_typer(review_app, name="review")
app.add_typer(orders_app, name="orders")
app.command("simulate")(simulate)
app.add_typer(feeds_app, name="feeds")
app.add_typer(securities_app, name="securities")
app.add_typer(corporate_actions_app, name="corporate-actions")


@lots_app.command("replay")
def lots_replay(
    history: str = typer.Argument(
        ..., metavar="HISTORY.json", help="Transaction history (docs/ledger.md); - for stdin."
    ),
) -> None:
    """Replay a transaction history into open tax lots and realized gains (JSON out)."""
    import json
    import sys
    from pathlib import Path

    from trimtab.services.replay_history import replay_history, unreadable_history

    try:
        text = sys.stdin.buffer.read() if history == "-" else Path(history).read_bytes()
    except OSError as error:
        answer = unreadable_history(f"{history}: {error.strerror or error}")
    else:
        answer = replay_history(text)
    typer.echo(json.dumps(answer.body))
    raise typer.Exit(answer.exit_code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or migrate it to the newest schema (safe to repeat)."""
    from trimtab.bootstrap import DATABASE_ERRORS

    db = configured_database()
    try:
        db.upgrade()
        revision = db.current_revision()
    except DATABASE_ERRORS as error:
        raise fail(
            f"could not migrate {db.display_url}: {error.__class__.__name__}: {error}"
        ) from None
    typer.echo(f"{db.display_url}: schema at revision {revision} (newest).")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision and whether it is the newest."""
    from trimtab.bootstrap import DATABASE_ERRORS

    db = configured_database()
    try:
        revision = db.current_revision()
    except DATABASE_ERRORS as error:
        raise fail(
            f"could not read {db.display_url}: {error.__class__.__name__}: {error}"
        ) from None
    head = db.head_revision()
    if revision is None:
        typer.echo(f"{db.display_url}: no schema yet; run `trimtab db upgrade`.")
    elif revision == head:
        typer.echo(f"{db.display_url}: revision {revision} (newest).")
    else:
        typer.echo(
            f"{db.display_url}: revision {revision}; newest is {head}: run `trimtab db upgrade`."
        )


@demo_app.command("load")
def demo_load(
    accounts: int = typer.Option(2000, min=1, help="Number of accounts in the demo firm."),
    seed: int | None = typer.Option(None, help="Random seed; the same seed gives the same firm."),
    as_of: str | None = typer.Option(
        None, "--as-of", metavar="YYYY-MM-DD", help="Last day of price history (default today)."
    ),
    days: int = typer.Option(2517, min=2, max=2517, help="Business days of price history."),
    replace: bool = typer.Option(
        False, "--replace", help="Delete the firm already in the database and load this one."
    ),
) -> None:
    """Load a realistic demo firm (real stock returns, fictional clients) in one transaction."""
    import datetime as dt

    from rich.console import Console

    from trimtab.bootstrap import DATABASE_ERRORS
    from trimtab.reports.load_summary import render_load_summary
    from trimtab.services.demo_firm import DEFAULT_SEED, DemoSpec
    from trimtab.services.load_demo import load_demo_firm

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now().astimezone().date()
    except ValueError:
        raise fail(f"--as-of must be a date like 2025-06-30, got {as_of!r}") from None
    db = ready_database()
    try:
        spec = DemoSpec(accounts, as_of=day, seed=DEFAULT_SEED if seed is None else seed, days=days)
        result = load_demo_firm(db.unit_of_work, spec, actor=actor(), replace=replace)
    except DATABASE_ERRORS as error:
        raise fail(
            f"the load failed and was rolled back, {db.display_url} is unchanged: "
            f"{error.__class__.__name__}: {error}"
        ) from None
    if not result.loaded:
        raise fail("; ".join(str(p) for p in result.problems))
    render_load_summary(result, Console(), target=db.display_url)
    from trimtab.services.demo_models import seed_model_book

    book = seed_model_book(db.unit_of_work, as_of=day, actor=actor(), now=dt.datetime.now(dt.UTC))
    typer.echo(
        f"model book: {book.firm_targets} firm targets in {book.product_lines} product-line "
        f"targets, {book.equivalence_sets} equivalence sets, {book.provider_models} provider "
        f"models; {book.customized} of {book.accounts_assigned} accounts customized "
        f"(see `trimtab models list`)"
    )
    from trimtab.services.routing import install_demo_policy

    version = install_demo_policy(db.unit_of_work, actor=actor())
    typer.echo(f"routing policy version {version} (see `trimtab routing show`)")


@app.command("optimize")
def optimize(
    cases: list[str] = typer.Argument(
        ..., metavar="CASE.json...", help="Rebalance cases (docs/engine.md); - for JSON Lines."
    ),
) -> None:
    """Rebalance each case: one result JSON per case, JSON Lines when there are several.

    Exit 0 when every case is optimal or infeasible, 2 when any is invalid, 1 on an error.
    """
    import json
    import sys
    from pathlib import Path

    from trimtab.services.optimize_cases import (
        answer_case_text,
        case_lines,
        exit_code,
        unreadable_case,
    )

    results: list[dict[str, object]] = []
    for source in cases:
        if source == "-":
            for line in case_lines(sys.stdin.read()):
                results.append(answer_case_text(line, source="stdin"))
                typer.echo(json.dumps(results[-1]))
            continue
        try:
            text = Path(source).read_bytes()
        except OSError as error:
            results.append(unreadable_case(source, error.strerror or str(error)))
        else:
            results.append(answer_case_text(text, source=source))
        typer.echo(json.dumps(results[-1]))
    raise typer.Exit(exit_code(results))


def main() -> None:
    app()
