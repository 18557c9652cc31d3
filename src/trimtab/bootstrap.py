"""The composition root: the one place that wires adapters (store, feeds) into the services.

Problem: the services see only ports (`Protocol`s); something must choose the real
implementations, and if every entry point chose them itself, the CLI, the web app and
the nightly batch would each wire the store and the file formats their own way.

Rule: entry points (the CLI, the web app, the nightly batch) read settings, call
`open_database(url)` once, and pass what this module builds to the use-case functions:
`database.unit_of_work` (a factory of the `UnitOfWork` port), `feed_loading(database)`
(the feed readers, the inbox and the errors by which the database refuses a write),
`order_writers()` (the orders export formats), `returns_reader()` (the market history of
a simulation study), `local_executor(workers)` (a process pool, or none for one worker).
Only this module and the entry points import `trimtab.store` and `trimtab.feeds` (an
import-linter contract keeps it so).

A reading command must never create a database: `open_database(url, create=False)`
raises `DatabaseMissing` for a SQLite file that is not there (SQLite would otherwise
create an empty file on the first connection, in whatever folder the command ran in).

    >>> db = open_database("sqlite://")
    >>> db.dialect
    'sqlite'
    >>> # open_database("sqlite:///elsewhere/firm.db", create=False)
    >>> # DatabaseMissing: no database at sqlite:///elsewhere/firm.db (/srv/elsewhere/firm.db)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from trimtab.store import migrate
from trimtab.store.engine import create_engine_for
from trimtab.store.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    # The wiring functions below import the feeds and their services only when called:
    # a command that needs only the database (and each nightly worker) does not pay
    # for the file formats, the orders export and the simulator.
    from trimtab.domain.feed_records import FeedKind, FileProblem
    from trimtab.domain.problems import Problem
    from trimtab.feeds.mappings import SourceMapping
    from trimtab.services.feed_loading import FeedLoadingPorts, InboxOutcome
    from trimtab.services.feed_ports import FeedFile
    from trimtab.services.load_feed import LoadResult
    from trimtab.services.orders import BlockOrder
    from trimtab.services.simulation_study import ReadReturns
    from trimtab.simulate.market import MarketHistory

__all__ = [
    "DATABASE_ERRORS",
    "DATABASE_UNAVAILABLE",
    "Database",
    "DatabaseMissing",
    "LocalFeedFiles",
    "OrderWriter",
    "feed_loading",
    "local_executor",
    "open_database",
    "order_writers",
    "returns_reader",
]


class DatabaseMissing(Exception):
    """The database named by a URL does not exist, and the caller may not create it."""

    def __init__(self, url: str, path: Path) -> None:
        super().__init__(f"no database at {url} ({path})")
        self.url = url
        self.path = path


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


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or None (another database, or SQLite in memory).

    >>> sqlite_file("sqlite:///trimtab.db").name, sqlite_file("sqlite://")
    ('trimtab.db', None)
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        return None  # in memory, or a `file:` URI whose `mode=` already says what to do
    return Path(name).absolute()


def open_database(url: str, *, create: bool = True) -> Database:
    """The database at `url`; with `create=False` a missing SQLite file is refused
    (`DatabaseMissing`) instead of being created empty on the first connection."""
    if not create:
        path = sqlite_file(url)
        if path is not None and not path.is_file():
            raise DatabaseMissing(make_url(url).render_as_string(hide_password=True), path)
    return Database(create_engine_for(url))


# What an entry point catches to answer "the database failed" without a traceback, and
# the part of it that means "unavailable, try again" (no connection, locked, timed out)
# rather than a defect.
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError,)
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
)


# ------------------------------------------------------------------------------- feeds


class LocalFeedFiles:
    """The `FeedFiles` port on local files: TOML mappings, CSV/Parquet feeds, an inbox."""

    def mappings(self, folder: Path) -> tuple[list[SourceMapping], list[Problem]]:
        from trimtab.feeds.mappings import load_mapping

        found: list[SourceMapping] = []
        problems: list[Problem] = []
        for path in sorted(folder.glob("*.toml")):
            mapping, wrong = load_mapping(path)
            problems += wrong
            if mapping is not None:
                found.append(mapping)
        return found, problems

    def open(
        self, path: Path, *, mapping: SourceMapping | None, kind: FeedKind | None
    ) -> tuple[FeedFile | None, list[FileProblem]]:
        from trimtab.feeds.readers import open_feed

        return open_feed(path, mapping=mapping, kind=kind)

    def process_inbox(self, inbox: Path, load: Callable[[Path], LoadResult]) -> list[InboxOutcome]:
        from trimtab.feeds.inbox import process_inbox

        return process_inbox(inbox, load)


def feed_loading(database: Database) -> FeedLoadingPorts[SourceMapping]:
    """Everything `trimtab.services.feed_loading` needs, on local files and `database`."""
    from trimtab.services.feed_loading import FeedLoadingPorts

    return FeedLoadingPorts(database.unit_of_work, LocalFeedFiles(), refused=DATABASE_ERRORS)


# ------------------------------------------------------------------------------ orders

OrderWriter = Callable[[Sequence["BlockOrder"], Path, str], list[Path]]


def order_writers(*, fix_sender: str, fix_target: str) -> dict[str, OrderWriter]:
    """The orders export formats by name: each writes a run's block orders into a folder
    and returns the files written. FIX messages carry the configured SenderCompID and
    TargetCompID (`TRIMTAB_FIX_SENDER_COMP_ID`, `TRIMTAB_FIX_TARGET_COMP_ID`)."""
    from trimtab.feeds.orders_export import write_csv, write_fix

    def csv(blocks: Sequence[BlockOrder], out: Path, run_id: str) -> list[Path]:
        return write_csv(blocks, out, run_id=run_id)

    def fix(blocks: Sequence[BlockOrder], out: Path, run_id: str) -> list[Path]:
        return [write_fix(blocks, out, run_id=run_id, sender=fix_sender, target=fix_target)]

    return {"csv": csv, "fix": fix}


# -------------------------------------------------------------------------- simulation


def returns_reader() -> ReadReturns:
    """Reads a daily returns file; None reads the bundled S&P 500 file (2007-2016)."""
    from trimtab.feeds.returns_file import DEFAULT_RETURNS, read_returns

    def read(path: Path | None) -> tuple[MarketHistory | None, list[Problem]]:
        return read_returns(path or DEFAULT_RETURNS)

    return read


@contextlib.contextmanager
def local_executor(workers: int) -> Iterator[Executor | None]:
    """A pool of `workers` local processes, shut down afterwards; None for one worker
    (the work then runs in this process, which keeps a progress bar day by day)."""
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool
