"""Backups of the firm's database, and restoring one into a new database.

Problem: the database is the firm's books — lots, runs, decisions, the audit trail. An
operator must be able to take a consistent copy while the web app and the nightly run
keep writing, and get it back on a new machine, with nothing to remember but two
commands; a restore must never land on top of a live firm, and a copy that cannot be
restored should be found out when it is taken, not on the day it is needed.

Rule:
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, compressed) and
  `pg_restore --single-transaction --exit-on-error` (all or nothing), run as
  subprocesses with the URL's user, host, port and database (the password in
  `PGPASSWORD`, never on a command line). A URL whose `options` select a schema
  (`-csearch_path=firm`) backs up that schema alone, and the restore recreates it. Roles
  and grants are not copied (`--no-owner --no-acl`): the restoring user owns the copy.
  The tools must be installed and of the server's major version (or newer); when they
  are missing the answer says which package to install.
- SQLite: the sqlite3 online-backup API (a consistent copy even while another process
  writes), checked with `PRAGMA quick_check` before it counts as taken.
- Both write to `FILE.partial` and rename only when complete: a FILE is a whole backup.
- A restore goes only into an empty database (PostgreSQL: created beforehand with
  `createdb`; SQLite: a file that does not exist yet) and refuses a file of the other
  database kind or one that holds no trimtab schema. Afterwards the schema may be older
  than this version's: `trimtab db upgrade` brings it up (the answer says so).

Failures are `Problem`s (the CLI turns their kind into its exit code): a tool missing or
failing, unavailable (6); a FILE that exists already or a database that is not empty,
conflict (4); a FILE that is not there, not_found (3); a FILE of the wrong kind, invalid (2).

    >>> # archive, problems = backup("postgresql+psycopg://ops@db/firm", Path("firm.dump"))
    >>> # archive -> Archive(path=Path("firm.dump"), dialect="postgresql", size=18_311_402)
    >>> # restore("postgresql+psycopg://ops@db/firm_restored", Path("firm.dump"))  -> []
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from trimtab.domain.problems import Problem, ProblemKind
from trimtab.store.engine import create_engine_for

__all__ = ["Archive", "backup", "restore"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"  # pg_dump's custom format
TRIMTAB_SCHEMA = "alembic_version"  # a trimtab database has it from its first migration
TOOLS = "the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client)"


@dataclass(frozen=True)
class Archive:
    path: Path
    dialect: str  # "postgresql" or "sqlite"
    size: int  # bytes


def backup(url: str, path: Path) -> tuple[Archive | None, list[Problem]]:
    """Write a consistent copy of the database at `url` to `path` (a new file)."""
    if path.exists():
        message = "exists already: choose a new name (a backup never overwrites a file)"
        return None, [Problem(str(path), message, ProblemKind.CONFLICT)]
    if not path.parent.is_dir():
        return None, [Problem(str(path), "its folder does not exist", ProblemKind.NOT_FOUND)]
    parsed = make_url(url)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    if parsed.get_backend_name() == "sqlite":
        problems = _sqlite_backup(parsed, partial)
    elif parsed.get_backend_name() == "postgresql":
        problems = _pg_backup(parsed, partial)
    else:
        problems = [_unsupported(parsed)]
    if problems:
        partial.unlink(missing_ok=True)
        return None, problems
    partial.replace(path)
    return Archive(path, parsed.get_backend_name(), path.stat().st_size), []


def restore(url: str, path: Path) -> list[Problem]:
    """Restore the backup at `path` into the new, empty database at `url`."""
    parsed = make_url(url)
    kind = parsed.get_backend_name()
    if not path.is_file():
        return [Problem(str(path), "no such backup file", ProblemKind.NOT_FOUND)]
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    holds = "sqlite" if head == SQLITE_MAGIC else "postgresql" if head[:5] == PG_MAGIC else None
    if holds is None:
        message = "is not a trimtab backup (neither a SQLite file nor a pg_dump custom archive)"
        return [Problem(str(path), message)]
    if holds != kind:
        message = f"is a {holds} backup; restore it into a {holds} database, not {kind}"
        return [Problem(str(path), message)]
    if kind == "sqlite":
        return _sqlite_restore(parsed, path)
    return _pg_restore(parsed, path)


def _unsupported(url: URL) -> Problem:
    return Problem("url", f"cannot back up a {url.get_backend_name()} database")


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


# -- SQLite ------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path | None:
    name = url.database or ""
    return None if name in ("", ":memory:") or name.startswith("file:") else Path(name)


def _sqlite_backup(url: URL, partial: Path) -> list[Problem]:
    source = _sqlite_path(url)
    if source is None or not source.is_file():
        return [Problem("url", f"no database file at {_display(url)}", ProblemKind.NOT_FOUND)]
    # mode=ro: a backup must never create or change the database it copies.
    with (
        _closing(sqlite3.connect(f"{source.absolute().as_uri()}?mode=ro", uri=True)) as src,
        _closing(sqlite3.connect(partial)) as dst,
    ):
        try:
            src.backup(dst)
        except sqlite3.Error as error:
            return [Problem("url", f"the backup failed: {error}", ProblemKind.UNAVAILABLE)]
        checked = dst.execute("PRAGMA quick_check").fetchone()
        # The copy keeps the source's write-ahead-log mode; one self-contained file is
        # what a backup should be.
        dst.execute("PRAGMA journal_mode=DELETE")
    if checked != ("ok",):
        return [
            Problem(str(partial), f"the copy does not check: {checked}", ProblemKind.UNAVAILABLE)
        ]
    return []


def _sqlite_restore(url: URL, path: Path) -> list[Problem]:
    target = _sqlite_path(url)
    if target is None:
        return [Problem("url", f"restore needs a SQLite file, not {_display(url)}")]
    if target.exists() and target.stat().st_size > 0:
        message = (
            f"{target} exists: a restore goes only into a new database; choose a new "
            "file name in TRIMTAB_DATABASE_URL (or move the old file away first)"
        )
        return [Problem("url", message, ProblemKind.CONFLICT)]
    if not target.parent.is_dir():
        return [Problem("url", f"the folder of {target} does not exist", ProblemKind.NOT_FOUND)]
    with _closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as src:
        try:
            checked = src.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master")}
        except sqlite3.Error as error:
            return [Problem(str(path), f"cannot be read: {error}")]
        if checked != ("ok",):
            return [Problem(str(path), f"is damaged (PRAGMA quick_check: {checked})")]
        if TRIMTAB_SCHEMA not in tables:
            return [Problem(str(path), "holds no trimtab database")]
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        with _closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
    partial.replace(target)
    return []


class _closing:
    """sqlite3's own context manager ends a transaction; this one closes the connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *_exc: object) -> None:
        self.connection.close()


# -- PostgreSQL --------------------------------------------------------------------------


def _schema(url: URL) -> str | None:
    """The schema a URL's libpq `options` select (`-csearch_path=firm`), if any.

    >>> _schema(make_url("postgresql://db/x?options=-csearch_path%3Dfirm"))
    'firm'
    """
    options = url.query.get("options", "")
    options = " ".join(options) if isinstance(options, tuple) else options
    for part in options.replace("-c ", "-c").split():
        if part.startswith("-csearch_path="):
            return part.removeprefix("-csearch_path=").split(",")[0].strip('"') or None
    return None


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it (no driver name, no password) and the environment that
    carries the password."""
    host = url.host or ""
    netloc = quote(url.username or "", safe="") + ("@" if url.username else "")
    netloc += f"[{host}]" if ":" in host else host
    netloc += f":{url.port}" if url.port else ""
    query = urlencode(
        [
            (k, v)
            for k, values in url.query.items()
            for v in ([values] if isinstance(values, str) else values)
        ]
    )
    conninfo = f"postgresql://{netloc}/{quote(url.database or '', safe='')}"
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo + (f"?{query}" if query else ""), env


def _tool(name: str) -> tuple[str | None, list[Problem]]:
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed or not on PATH: install {TOOLS} of the server's version"
        return None, [Problem(name, message, ProblemKind.UNAVAILABLE)]
    return found, []


def _ran(name: str, command: list[str], env: dict[str, str]) -> list[Problem]:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return []
    said = " / ".join(line for line in done.stderr.strip().splitlines()[:3]) or "no message"
    return [Problem(name, f"failed (exit {done.returncode}): {said}", ProblemKind.UNAVAILABLE)]


def _pg_backup(url: URL, partial: Path) -> list[Problem]:
    pg_dump, problems = _tool("pg_dump")
    if pg_dump is None:
        return problems
    conninfo, env = _libpq(url)
    schema = _schema(url)
    command = [pg_dump, "--format=custom", "--no-owner", "--no-acl", f"--file={partial}"]
    command += [f"--schema={schema}"] if schema else []
    return _ran("pg_dump", [*command, f"--dbname={conninfo}"], env)


def _pg_restore(url: URL, path: Path) -> list[Problem]:
    pg_restore, problems = _tool("pg_restore")
    if pg_restore is None:
        return problems
    conninfo, env = _libpq(url)
    listed = subprocess.run(
        [pg_restore, "--list", str(path)], env=env, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        return [Problem(str(path), f"cannot be read by pg_restore: {listed.stderr.strip()}")]
    if f" TABLE DATA {_schema(url) or 'public'} {TRIMTAB_SCHEMA} " not in listed.stdout:
        where = f"schema {_schema(url)}" if _schema(url) else "the public schema"
        return [Problem(str(path), f"holds no trimtab database in {where}")]
    engine = create_engine_for(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            tables = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                {"s": _schema(url) or "public"},
            ).scalar_one()
    except SQLAlchemyError as error:  # unreachable, or the database was not created yet
        first = (str(error).splitlines() or [""])[0]
        message = f"cannot connect to {_display(url)} ({first}); create it first: createdb NAME"
        return [Problem("url", message, ProblemKind.UNAVAILABLE)]
    finally:
        engine.dispose()
    if tables:
        message = (
            f"{_display(url)} is not empty ({tables} tables): a restore goes only into a new "
            "database (createdb NAME, then point TRIMTAB_DATABASE_URL at it)"
        )
        return [Problem("url", message, ProblemKind.CONFLICT)]
    command = [pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-acl"]
    return _ran("pg_restore", [*command, f"--dbname={conninfo}", str(path)], env)
