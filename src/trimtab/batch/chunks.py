"""One chunk of the nightly run: the unit of work a process-pool or Dask worker does.

Problem: a worker may be another process on this machine or a Dask worker on another
host; it shares no memory and no database connection with the run that sent it work.
A chunk must therefore carry everything in picklable arguments (the database URL, the
run, the day, the account ids, the policy and its filter texts), and what every chunk
of a run shares (the model book, the settings history, prices, the security master)
should be read once per worker, not once per chunk.

Rule: `analyze_chunk(task)` opens (or reuses) the worker's own connection from the URL,
reads the chunk's inputs in bulk in one transaction, analyzes each account
(`services.nightly_analysis`), and writes every result in a second transaction that
commits them all or none. If the same accounts were written meanwhile (a worker left
over from a killed run finishing its chunk), the write is retried with only the
accounts that still have no outcome, so no account is ever analyzed twice in a run.
It returns a small `ChunkSummary` for the progress bar and the failures list.

    >>> # summary = analyze_chunk(ChunkTask(url, "2025-06-30.1", day, 0, ("A-1", "A-2"), ...))
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from trimtab.bootstrap import Database, open_database
from trimtab.domain.file_transfers import BusinessCalendar
from trimtab.domain.filters import Filter, read_filter
from trimtab.domain.resolution import Resolver
from trimtab.domain.routing import RoutingPolicy, RoutingRule, Stage
from trimtab.domain.settings_levels import SettingsBook
from trimtab.services.model_book import load_catalog
from trimtab.services.nightly_analysis import AccountAnalysis, NightContext, analyze_account

__all__ = ["ChunkSummary", "ChunkTask", "analyze_chunk", "context_for"]


@dataclass(frozen=True)
class ChunkTask:
    url: str
    run_id: str
    as_of: dt.date
    chunk: int
    accounts: tuple[str, ...]
    policy: tuple[tuple[str, str], ...] = ()  # (stage, filter name) in order
    filters: tuple[tuple[str, str], ...] = ()  # (filter name, expression)


@dataclass(frozen=True)
class ChunkSummary:
    chunk: int
    accounts: int
    counts: dict[str, int] = field(default_factory=dict)
    trades: int = 0
    estimated_tax: Decimal = Decimal(0)
    failures: tuple[tuple[str, str], ...] = ()  # (account, why)
    seconds: float = 0.0
    skipped: int = 0  # already analyzed by someone else


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
    filters: dict[str, Filter] = {}
    for name, text in task.filters:
        f, _errors = read_filter(text)  # checked by the run before it starts
        if f is not None:
            filters[name] = f
    with _database(task.url).unit_of_work() as uow:
        repo = uow.nightly
        advisors, branches = repo.names()
        calendar = BusinessCalendar()
        ctx = NightContext(
            as_of=task.as_of,
            firm=repo.firm(),
            resolver=Resolver(load_catalog(uow, task.as_of)),
            securities=repo.securities(),
            closes=repo.closes(task.as_of),
            actions=repo.actions(task.as_of),
            settings=SettingsBook(uow.settings.history()),
            policy=RoutingPolicy(tuple(RoutingRule(Stage(s), n) for s, n in task.policy)),
            filters=filters,
            advisors=advisors,
            branches=branches,
            business_days_between=calendar.days_between,
        )
    _contexts[key] = ctx
    # The context (catalog, prices, securities, settings: ~10⁵ objects) lives as long as
    # the run; left to the collector, every full collection walks all of it again while
    # the analyses allocate — a fifth of a chunk's time. Frozen, it is never scanned.
    gc.collect()
    gc.freeze()
    return ctx


def analyze_chunk(task: ChunkTask) -> ChunkSummary:
    started = time.perf_counter()
    ctx = context_for(task)
    db = _database(task.url)
    with db.unit_of_work() as uow:
        snapshots = uow.nightly.snapshots(task.accounts, as_of=task.as_of)
    analyses = [analyze_account(s, ctx) for s in snapshots]
    skipped = _write(db, task, analyses)
    written = [a for a in analyses if a.account not in skipped]
    counts = Counter(a.routing.outcome.value for a in written)
    return ChunkSummary(
        chunk=task.chunk,
        accounts=len(written),
        counts=dict(counts),
        trades=sum(len(a.trades) for a in written),
        estimated_tax=sum((a.estimated_tax or Decimal(0) for a in written), Decimal(0)),
        failures=tuple((a.account, a.failure) for a in written if a.failure),
        seconds=time.perf_counter() - started,
        skipped=len(skipped),
    )


def _write(db: Database, task: ChunkTask, analyses: list[AccountAnalysis]) -> set[str]:
    """Commit the chunk's results; the accounts skipped because they were already done."""
    now = dt.datetime.now(dt.UTC)
    try:
        with db.unit_of_work() as uow:
            uow.nightly.write_chunk(task.run_id, task.as_of, task.chunk, analyses, at=now)
            uow.commit()
        return set()
    except IntegrityError:
        pass  # someone wrote some of these accounts first: keep theirs, write the rest
    with db.unit_of_work() as uow:
        done = uow.nightly.done(task.run_id) & {a.account for a in analyses}
    rest = [a for a in analyses if a.account not in done]
    if rest:
        with db.unit_of_work() as uow:
            uow.nightly.write_chunk(task.run_id, task.as_of, task.chunk, rest, at=now)
            uow.commit()
    return done
