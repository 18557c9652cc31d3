"""The composition root: the one place that wires the store into the services.

Entry points (the CLI, later the web app and the nightly batch) read settings, call
`open_database(url)` once, and pass `database.unit_of_work` (a factory) to the use-case
functions, which see only the `UnitOfWork` port.

    >>> db = open_database("sqlite://")
    >>> db.dialect
    'sqlite'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from trimtab.store import migrate
from trimtab.store.engine import create_engine_for
from trimtab.store.unit_of_work import SqlUnitOfWork

__all__ = ["DATABASE_ERRORS", "Database", "open_database"]


@dataclass
class Database:
    engine: Engine
    session_factory: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory)

    def upgrade(self) -> None:
        migrate.upgrade(self.engine)

    def current_revision(self) -> str | None:
        return migrate.current_revision(self.engine)

    def head_revision(self) -> str | None:
        return migrate.head_revision()

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    return Database(create_engine_for(url))


# What an entry point catches to answer "the database failed" without a traceback.
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError,)
