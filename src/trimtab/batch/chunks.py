"""One chunk of the nightly run: the unit of work a process-pool or Dask worker does.

Problem: a worker may be another process on this machine or a Dask worker on another
host; it shares no memory and no database connection with the run that sent it work.
A chunk must therefore carry everything in picklable arguments (the database URL, the
run, the day, the account ids, the policy and its filter texts, who started the run),
and what every chunk of a run shares (the model book, the settings history, prices, the
security master) should be read once per worker, not once per chunk.

Rule: `analyze_chunk(task)` opens (or reuses) the worker's own database from the URL,
builds (or reuses) the run's context (`services.nightly_run.night_context`), and hands
the chunk to the service (`services.nightly_run.analyze_chunk`), which reads, analyzes
and writes it, acting as the nightly batch on behalf of whoever started the run. It
returns the service's small `ChunkSummary` for the progress bar and the failures list.

A chunk whose database went away under it (a connection terminated, a failover, a lock
timeout: `bootstrap.DATABASE_UNAVAILABLE`) is tried again, up to `ATTEMPTS` times with a
growing pause, from the start: the write commits every account of the chunk or none, and
the service skips the accounts already written (the commit may have landed just before
the connection dropped), so a retry neither loses nor repeats an account. Any other error
is a defect and is not retried.

    >>> # summary = analyze_chunk(ChunkTask(url, "2025-06-30.1", day, 0, ("A-1", "A-2"), ...))
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import time
from dataclasses import dataclass

from trimtab.bootstrap import DATABASE_UNAVAILABLE, Database, open_database
from trimtab.domain.principal import NIGHTLY, Principal
from trimtab.services import nightly_run
from trimtab.services.nightly_analysis import NightContext
from trimtab.services.nightly_run import Chunk, ChunkSummary

__all__ = ["ATTEMPTS", "ChunkSummary", "ChunkTask", "analyze_chunk", "context_for"]

ATTEMPTS = 4  # a chunk's tries when the database goes away: pauses of 1, 2 and 4 seconds
PAUSE = 1.0  # seconds before the second try, doubled before each next one

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChunkTask:
    url: str
    run_id: str
    as_of: dt.date
    chunk: int
    accounts: tuple[str, ...]
    policy: tuple[tuple[str, str], ...] = ()  # (stage, filter name) in order
    filters: tuple[tuple[str, str], ...] = ()  # (filter name, expression)
    started_by: Principal | None = None  # the nightly batch acts on their behalf

    @property
    def principal(self) -> Principal:
        return NIGHTLY if self.started_by is None else NIGHTLY.acting_for(self.started_by)


# Per worker process: the open database and the context of the run it is working on.
_databases: dict[str, Database] = {}
_contexts: dict[tuple[str, str, dt.date, tuple[tuple[str, str], ...]], NightContext] = {}


def _database(url: str) -> Database:
    db = _databases.get(url)
    if db is None:
        db = _databases[url] = open_database(url)
    return db


def context_for(task: ChunkTask) -> NightContext:
    """The run's shared inputs, read once per worker (one run at a time is kept)."""
    key = (task.url, task.run_id, task.as_of, task.policy)
    ctx = _contexts.get(key)
    if ctx is not None:
        return ctx
    gc.unfreeze()  # the previous run's context may now be collected
    _contexts.clear()
    ctx = nightly_run.night_context(
        _database(task.url).unit_of_work, task.as_of, task.policy, task.filters
    )
    _contexts[key] = ctx
    # The context (catalog, prices, securities, settings: ~10⁵ objects) lives as long as
    # the run; left to the collector, every full collection walks all of it again while
    # the analyses allocate — a fifth of a chunk's time. Frozen, it is never scanned.
    gc.collect()
    gc.freeze()
    return ctx


def analyze_chunk(task: ChunkTask) -> ChunkSummary:
    """Analyze and write one chunk, tried again while the database is unavailable."""
    for attempt in range(1, ATTEMPTS):
        try:
            return _analyze_chunk(task)
        except DATABASE_UNAVAILABLE as error:
            pause = PAUSE * 2 ** (attempt - 1)
            log.warning(
                "run %s chunk %d: the database failed (%s: %s); trying again in %.0f s",
                task.run_id,
                task.chunk,
                type(error).__name__,
                (str(error).splitlines() or [""])[0],
                pause,
            )
            time.sleep(pause)
    return _analyze_chunk(task)  # the last try: its error is the chunk's


def _analyze_chunk(task: ChunkTask) -> ChunkSummary:
    ctx = context_for(task)
    chunk = Chunk(task.run_id, task.as_of, task.chunk, task.accounts)
    return nightly_run.analyze_chunk(
        _database(task.url).unit_of_work, chunk, ctx, principal=task.principal
    )
