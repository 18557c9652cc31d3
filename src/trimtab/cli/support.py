"""What every `trimtab` command group shares: the acting user, failing, the database.

A command must never show a traceback: bad input is printed as `error: ...` lines on
stderr (each naming the input and the fix) with exit code 2, and a database that cannot
be read or is behind the newest schema is reported the same way. Every command opens the
database named by the configuration (`TRIMTAB_DATABASE_URL`, see `trimtab.config`).

    raise fail(f"--as-of: {value!r} is not a YYYY-MM-DD date")
    # stderr: error: --as-of: '2025-13-01' is not a YYYY-MM-DD date      exit code 2
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from trimtab.bootstrap import Database

__all__ = ["actor", "configured_database", "database_url", "fail", "ready_database"]


def actor() -> str:
    """Who acts from the command line, as recorded in audit trails: `cli:<login>`."""
    return f"cli:{getpass.getuser()}"


def fail(*lines: object, code: int = 2) -> typer.Exit:
    """Print each line as `error: <line>` on stderr; the caller raises the returned exit."""
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(code)


def database_url() -> str:
    from trimtab.config import load_settings

    return load_settings().database_url


def configured_database() -> Database:
    """The configured database, whatever its schema (for `trimtab db ...`)."""
    from trimtab.bootstrap import open_database

    return open_database(database_url())


def ready_database() -> Database:
    """The configured database, refused (exit 2) unless readable and at the newest schema."""
    from trimtab.bootstrap import DATABASE_ERRORS

    db = configured_database()
    try:
        current = db.current_revision()
    except DATABASE_ERRORS as error:
        db.close()
        raise fail(f"could not read {db.display_url}: {error}") from None
    if current != db.head_revision():
        db.close()
        raise fail(f"{db.display_url} is not at the newest schema: run `trimtab db upgrade`")
    return db
