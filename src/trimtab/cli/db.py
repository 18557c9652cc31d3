"""`trimtab db ...`: create and migrate the database named by `TRIMTAB_DATABASE_URL`.

`db upgrade` is the one command that creates a database; every other command refuses
one that is missing or behind the newest schema and says how to fix it.

    $ TRIMTAB_DATABASE_URL=sqlite:///firm.db trimtab db upgrade
    $ trimtab db current
"""

from __future__ import annotations

import typer

from trimtab.cli.support import configured_database, existing_database, fail
from trimtab.domain.problems import Problem, ProblemKind

__all__ = ["db_app"]

db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or migrate it to the newest schema (safe to repeat)."""
    from trimtab.bootstrap import DATABASE_ERRORS

    db = configured_database()
    try:
        db.upgrade()
        revision = db.current_revision()
    except DATABASE_ERRORS as error:
        raise _failed("could not migrate", db.display_url, error) from None
    finally:
        db.close()
    typer.echo(f"{db.display_url}: schema at revision {revision} (newest).")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision and whether it is the newest (never creates it)."""
    from trimtab.bootstrap import DATABASE_ERRORS

    db = existing_database()
    try:
        revision = db.current_revision()
    except DATABASE_ERRORS as error:
        raise _failed("could not read", db.display_url, error) from None
    finally:
        db.close()
    head = db.head_revision()
    if revision is None:
        typer.echo(f"{db.display_url}: no schema yet; run `trimtab db upgrade`.")
    elif revision == head:
        typer.echo(f"{db.display_url}: revision {revision} (newest).")
    else:
        typer.echo(
            f"{db.display_url}: revision {revision}; newest is {head}: run `trimtab db upgrade`."
        )


def _failed(what: str, url: str, error: Exception) -> typer.Exit:
    """Unreachable, locked or timed out: unavailable (6); anything else is a defect (1)."""
    from trimtab.bootstrap import DATABASE_UNAVAILABLE

    message = f"{what} {url}: {error.__class__.__name__}: {(str(error).splitlines() or [''])[0]}"
    if isinstance(error, DATABASE_UNAVAILABLE):
        return fail(Problem("TRIMTAB_DATABASE_URL", message, ProblemKind.UNAVAILABLE))
    return fail(Problem("TRIMTAB_DATABASE_URL", message), code=1)
