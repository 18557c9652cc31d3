"""`trimtab demo load`: a realistic demo firm (real stock returns, fictional clients).

One transaction loads the firm, then the model book and the routing policy are seeded;
see docs/demo.md.

    $ trimtab db upgrade && trimtab demo load --accounts 200
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer

from trimtab.cli.support import fail, principal, ready_database

if TYPE_CHECKING:
    from trimtab.bootstrap import Database
    from trimtab.services.demo_firm import DemoSpec

__all__ = ["demo_app"]

demo_app = typer.Typer(help="Load a realistic demo firm.", no_args_is_help=True)


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
    from trimtab.services.demo_firm import DEFAULT_SEED, DemoSpec

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now().astimezone().date()
    except ValueError:
        raise fail(f"--as-of must be a date like 2025-06-30, got {as_of!r}") from None
    db = ready_database()
    try:
        _load(
            db,
            spec=DemoSpec(
                accounts, as_of=day, seed=DEFAULT_SEED if seed is None else seed, days=days
            ),
            replace=replace,
        )
    finally:
        db.close()


def _load(db: Database, *, spec: DemoSpec, replace: bool) -> None:
    from rich.console import Console

    from trimtab.bootstrap import DATABASE_ERRORS
    from trimtab.reports.load_summary import render_load_summary
    from trimtab.services.demo_models import seed_model_book
    from trimtab.services.load_demo import load_demo_firm
    from trimtab.services.routing import install_demo_policy

    try:
        result = load_demo_firm(db.unit_of_work, spec, principal=principal(), replace=replace)
    except DATABASE_ERRORS as error:
        raise fail(
            f"the load failed and was rolled back, {db.display_url} is unchanged: "
            f"{error.__class__.__name__}: {error}"
        ) from None
    if not result.loaded:
        raise fail("; ".join(str(p) for p in result.problems))
    render_load_summary(result, Console(), target=db.display_url)
    book = seed_model_book(
        db.unit_of_work, as_of=spec.as_of, principal=principal(), now=dt.datetime.now(dt.UTC)
    )
    typer.echo(
        f"model book: {book.firm_targets} firm targets in {book.product_lines} product-line "
        f"targets, {book.equivalence_sets} equivalence sets, {book.provider_models} provider "
        f"models; {book.customized} of {book.accounts_assigned} accounts customized "
        f"(see `trimtab models list`)"
    )
    version = install_demo_policy(db.unit_of_work, principal=principal())
    typer.echo(f"routing policy version {version} (see `trimtab routing show`)")


@demo_app.command("users")
def demo_users_command(
    url: str = typer.Option(
        "http://127.0.0.1:8000", "--url", help="Where the web app will be (for the message)."
    ),
) -> None:
    """Add one demo user per role (login = the role; idempotent) and print their passwords."""
    from trimtab.cli.support import unit_of_work
    from trimtab.services.demo_users import DEMO_USERS, demo_users

    with unit_of_work() as new_uow:
        added, problems = demo_users(new_uow, principal=principal())
    if problems:
        raise fail(*problems)
    typer.echo(f"demo users ({len(added)} added now), sign in at {url}:")
    for demo in DEMO_USERS:
        typer.echo(f"  {demo.login:<11} password {demo.password}")
