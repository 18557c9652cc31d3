"""`trimtab db ...`: create, migrate, back up and restore the database named by
`TRIMTAB_DATABASE_URL`.

`db upgrade` is the one command that creates a database; every other command refuses
one that is missing or behind the newest schema and says how to fix it. `db backup FILE`
writes a consistent copy (PostgreSQL: a pg_dump custom archive; SQLite: a database
file); `db restore FILE` puts one back into a new, empty database (`trimtab.store.backup`).

    $ TRIMTAB_DATABASE_URL=sqlite:///firm.db trimtab db upgrade
    $ trimtab db current
    $ trimtab db backup /backups/firm-2025-06-30.dump
    $ TRIMTAB_DATABASE_URL=postgresql+psycopg://ops@db/firm2 trimtab db restore firm.dump
"""

from __future__ import annotations

from pathlib import Path

import typer

from trimtab.cli.support import configured_database, database_url, existing_database, fail
from trimtab.domain.problems import Problem, ProblemKind

__all__ = ["db_app"]

db_app = typer.Typer(
    help="Create, migrate, back up and restore the database.", no_args_is_help=True
)


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


@db_app.command("backup")
def db_backup(
    file: Path = typer.Argument(..., help="The backup file to write (must not exist)."),
) -> None:
    """Write a consistent copy of the database to FILE, safe while the firm is working.

    PostgreSQL: `pg_dump --format=custom` (the PostgreSQL client tools must be installed);
    SQLite: the online-backup API. Restore it with `trimtab db restore FILE`.
    """
    from trimtab.store.backup import backup

    existing_database().close()  # refuses a missing SQLite file before anything else
    archive, problems = backup(database_url(), file)
    if archive is None or problems:
        raise fail(*problems)
    typer.echo(
        f"backed up the {archive.dialect} database to {archive.path} ({archive.size:,} bytes)"
    )


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="A file written by `trimtab db backup`."),
) -> None:
    """Restore FILE into the configured database, which must be new and empty.

    PostgreSQL: create the database first (`createdb NAME`); SQLite: name a file that does
    not exist yet. A restore never writes over a firm's database.
    """
    from trimtab.store.backup import restore

    if problems := restore(database_url(), file):
        raise fail(*problems)
    db = existing_database()
    try:
        revision, head = db.current_revision(), db.head_revision()
    finally:
        db.close()
    then = "" if revision == head else f"; newest is {head}: run `trimtab db upgrade`"
    typer.echo(f"restored {file} into {db.display_url}: schema at revision {revision}{then}.")


def _failed(what: str, url: str, error: Exception) -> typer.Exit:
    """Unreachable, locked or timed out: unavailable (6); anything else is a defect (1)."""
    from trimtab.bootstrap import DATABASE_UNAVAILABLE

    message = f"{what} {url}: {error.__class__.__name__}: {(str(error).splitlines() or [''])[0]}"
    if isinstance(error, DATABASE_UNAVAILABLE):
        return fail(Problem("TRIMTAB_DATABASE_URL", message, ProblemKind.UNAVAILABLE))
    return fail(Problem("TRIMTAB_DATABASE_URL", message), code=1)
