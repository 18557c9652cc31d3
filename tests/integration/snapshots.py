"""Built databases, built once per test process and copied into each test that asks.

Problem: many scenarios start from the same state — a migrated database, the small demo
firm, the firm after one night, with its users — which takes from half a second to four
seconds to build (the migration, the demo load, a night on a process pool) and a few
hundredths to copy. Built again for every test, on both databases, it was a third of
the test run.

Rule: `Snapshots.restore(url, build)` fills the database at `url` — a fresh one from
the `database_url` fixture (a SQLite file, a PostgreSQL schema), empty or migrated —
with what `build(url, db)` makes of a migrated, empty database, and returns `build`'s
answer. The first call for a `build`, in each test process and database kind, builds it
for real in a database of its own (the template); every later call copies the template:

- SQLite: the file, through SQLite's backup API;
- PostgreSQL: the statements the migration sent while building the template, sent
  again in the test's schema (the migration itself, minus alembic's work in Python),
  then the template's rows copied table by table inside the server, with triggers and
  foreign-key checks off while they are copied (as `pg_restore --disable-triggers`
  does; it needs a superuser, as the local test server's `postgres` is — with another
  role every test builds its own state, as before, only slower).

Each test gets its own copy, free to change it. A `build` must therefore be
deterministic and answer plain values (run ids, account ids), never an open database.

    >>> # run_id = snapshots.restore(database_url, one_night)  # one_night(url, db) -> str
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from trimtab.bootstrap import Database, open_database

__all__ = ["Build", "Snapshots", "migrated", "schema_of", "schema_url"]

T = TypeVar("T")
Build = Callable[[str, Database], T]
# SQL as the driver received it, its parameters, and how: "none" (no parameters, so no
# placeholders either: a `%` is itself), "one" set, or "many" (executemany).
Statement = tuple[str, Any, str]

SEARCH_PATH = "-csearch_path="


def migrated(url: str, db: Database) -> None:
    """Nothing more than the migration: the recipe of an empty database."""


def schema_url(admin_url: str, schema: str) -> str:
    """The URL of one schema of the admin URL's database (libpq's `options`)."""
    url = make_url(admin_url).update_query_dict({"options": f"{SEARCH_PATH}{schema}"})
    return url.render_as_string(hide_password=False)


def schema_of(url: URL) -> str:
    options = url.query.get("options", "")
    assert isinstance(options, str), url
    assert options.startswith(SEARCH_PATH), url
    return options.removeprefix(SEARCH_PATH)


@dataclass(frozen=True)
class _PostgresTemplate:
    """A built schema, and what copying it takes."""

    schema: str
    migration: tuple[Statement, ...]  # what the migration sent, in order
    seeded: tuple[str, ...]  # tables the migration itself wrote rows to
    tables: tuple[str, ...]  # tables with rows once built
    sequences: tuple[tuple[str, int, bool], ...]  # name, last value, whether it was used

    def restore(self, connection: Connection, schema: str) -> None:
        """Make `schema` a copy of the template, in the connection's transaction."""
        # A test's copy need not survive a crash of the server: no waiting for the disk.
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
        # Sent as the migration sent them, straight to the driver's cursor.
        with closing(connection.connection.dbapi_connection.cursor()) as cursor:  # type: ignore[union-attr]
            for sql, parameters, how in self.migration:
                renamed = self._renamed(sql, schema)
                if how == "many":
                    cursor.executemany(renamed, parameters)
                elif how == "one":
                    cursor.execute(renamed, parameters)
                else:
                    cursor.execute(renamed)
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in self.seeded:
            connection.exec_driver_sql(f'DELETE FROM "{schema}"."{table}"')
        for table in self.tables:
            connection.exec_driver_sql(
                f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{self.schema}"."{table}"'
            )
        for name, last, called in self.sequences:
            connection.exec_driver_sql(
                f'SELECT pg_catalog.setval(\'"{schema}"."{name}"\', {last}, {called})'
            )

    def _renamed(self, sql: str, schema: str) -> str:
        # The template's name is a random token, so a plain replace renames exactly it.
        return sql.replace(self.schema, schema)


@dataclass
class Snapshots:
    """The templates of one test process; `close` drops the PostgreSQL ones."""

    folder: Path  # where the SQLite templates live
    admin_url: str  # a PostgreSQL URL allowed to create and drop schemas
    _sqlite: dict[str, tuple[Path, Any]] = field(default_factory=dict)
    _postgres: dict[str, tuple[_PostgresTemplate, Any]] = field(default_factory=dict)
    _admin: Engine | None = None
    _may_copy_postgres: bool | None = None

    def restore(self, url: str, build: Build[T]) -> T:
        """Copy `build`'s state into the database at `url`; `build`'s answer."""
        target = make_url(url)
        if target.get_backend_name() == "sqlite":
            return self._restore_sqlite(Path(target.database or ""), build)
        if not self._superuser():
            return _build_in_place(url, build)[0]
        return self._restore_postgres(schema_of(target), build)

    def close(self) -> None:
        if self._admin is None:
            return
        for template, _ in self._postgres.values():
            # one transaction each: a schema's drop locks every table and index in it
            with self._admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{template.schema}" CASCADE')
        self._postgres.clear()
        self._admin.dispose()

    def _restore_sqlite(self, path: Path, build: Build[T]) -> T:
        key = _key(build)
        if key not in self._sqlite:
            template = self.folder / f"{uuid.uuid4().hex[:12]}.db"
            self._sqlite[key] = template, _build_in_place(f"sqlite:///{template}", build)[0]
        template, answer = self._sqlite[key]
        # The backup API copies page by page under SQLite's own locks, so it may also
        # overwrite a database that an engine in the test still holds connections to.
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
        return cast(T, answer)

    def _restore_postgres(self, schema: str, build: Build[T]) -> T:
        key = _key(build)
        if key not in self._postgres:
            self._postgres[key] = self._postgres_template(build)
        template, answer = self._postgres[key]
        with self._engine().begin() as connection:
            template.restore(connection, schema)
        return cast(T, answer)

    def _postgres_template(self, build: Build[T]) -> tuple[_PostgresTemplate, T]:
        schema = f"snap_{uuid.uuid4().hex[:16]}"
        with self._engine().begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        answer, migration, seeded = _build_in_place(schema_url(self.admin_url, schema), build)
        with self._engine().begin() as connection:
            tables = _tables_with_rows(connection, schema)
            sequences = _sequences(connection, schema)
        return _PostgresTemplate(schema, migration, seeded, tables, sequences), answer

    def _engine(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self.admin_url)
        return self._admin

    def _superuser(self) -> bool:
        if self._may_copy_postgres is None:
            with self._engine().connect() as connection:
                self._may_copy_postgres = bool(
                    connection.scalar(
                        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    )
                )
        return self._may_copy_postgres


def _key(build: Callable[..., object]) -> str:
    name = f"{build.__module__}.{build.__qualname__}"
    assert "<lambda>" not in name, "a build needs a name of its own to be told apart"
    return name


def _build_in_place(url: str, build: Build[T]) -> tuple[T, tuple[Statement, ...], tuple[str, ...]]:
    """Migrate and build the database at `url`: `build`'s answer, and on PostgreSQL the
    migration's statements and the tables it wrote rows to."""
    db = open_database(url)
    try:
        with _sent(db.engine) as migration:
            db.upgrade()
        seeded: tuple[str, ...] = ()
        if migration:
            with db.engine.connect() as connection:
                seeded = _tables_with_rows(connection, schema_of(db.engine.url))
        return build(url, db), tuple(migration), seeded
    finally:
        db.close()


@contextmanager
def _sent(engine: Engine) -> Iterator[list[Statement]]:
    """The statements sent through `engine` meanwhile, with their parameters (PostgreSQL
    only: a SQLite template is copied as a file)."""
    sent: list[Statement] = []
    if engine.dialect.name != "postgresql":
        yield sent
        return

    def keep(
        _c: object, _cursor: object, sql: str, parameters: Any, context: Any, many: bool
    ) -> None:
        how = "many" if many else "none" if context.no_parameters and not parameters else "one"
        sent.append((sql, parameters, how))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def _sequences(connection: Connection, schema: str) -> tuple[tuple[str, int, bool], ...]:
    names = connection.scalars(
        text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s ORDER BY 1"),
        {"s": schema},
    ).all()
    found = []
    for name in names:
        last, called = connection.execute(
            text(f'SELECT last_value, is_called FROM "{schema}"."{name}"')
        ).one()
        found.append((name, int(last), bool(called)))
    return tuple(found)


def _tables_with_rows(connection: Connection, schema: str) -> tuple[str, ...]:
    tables = connection.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"), {"s": schema}
    ).all()
    return tuple(
        t
        for t in tables
        if connection.scalar(text(f'SELECT EXISTS (SELECT FROM "{schema}"."{t}")'))
    )
