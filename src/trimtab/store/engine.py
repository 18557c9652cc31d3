"""Engines for the two supported databases, with the settings each needs.

SQLite: foreign keys are off by default and must be switched on per connection; the
driver's implicit transactions are replaced by explicit BEGINs so DDL is transactional
too (a failed migration leaves no half-made table);
write-ahead logging lets readers (the web app, a report) work while the nightly run
writes, and `synchronous=NORMAL` is the durable-enough setting WAL is designed for.
PostgreSQL needs nothing special; a `?options=-csearch_path%3Dschema` query in the URL
(passed through to libpq) selects a schema, which is how the tests isolate themselves.

    >>> create_engine_for("sqlite://").dialect.name
    'sqlite'
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["create_engine_for"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling commits before DDL; take over so a migration
    # or a load is one real transaction (SQLAlchemy's documented pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def create_engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True)
