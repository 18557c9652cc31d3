"""Where the nightly run's chunks execute: a local process pool or a Dask cluster.

The run is written against `concurrent.futures.Executor` only (submit, futures,
as_completed), so the same code runs on both: `ProcessPoolExecutor` here, and Dask's
`Client.get_executor()` — the same interface backed by a cluster. With a scheduler
address the run uses the firm's cluster; without one, `dask` starts a
`distributed.LocalCluster` of `workers` single-threaded processes (what tests and
benchmarks use).

    >>> with executor("local", workers=2) as (pool, description):
    ...     description
    'local process pool, 2 workers'

Local workers never outlive their run: each records its parent's pid when it starts
(`_worker_started`), ignores Ctrl-C (the parent stops the run cleanly and tells them),
and once the parent is gone (kill -9) it finishes the chunk in hand, starts no other,
and exits; a watchdog thread ends an idle worker within `WATCH` seconds. Every task goes
through `guarded(function, argument)` so the worker knows when it is busy.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["EXECUTORS", "executor", "guarded"]

EXECUTORS = ("local", "dask")
WATCH = 1.0  # seconds between an idle worker's looks at its parent

A = TypeVar("A")
R = TypeVar("R")

# Per local worker process: the parent it serves, and whether a task is in hand.
_parent: int | None = None
_busy = threading.Lock()


def _parent_gone() -> bool:
    # An orphan is re-parented (to init or a subreaper): its parent pid changes.
    return _parent is not None and os.getppid() != _parent


def _watch() -> None:
    while True:
        threading.Event().wait(WATCH)
        if _parent_gone() and _busy.acquire(blocking=False):
            os._exit(0)  # idle, and nobody will ever send another task


def _worker_started(parent: int) -> None:
    global _parent
    _parent = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch, name="trimtab-parent-watch", daemon=True).start()


def guarded(function: Callable[[A], R], argument: A) -> R:
    """Run one task in a worker; a worker whose parent died does no more after it."""
    if _parent_gone():
        os._exit(0)  # a task left in the pipe by a dead parent: nobody wants its result
    with _busy:
        result = function(argument)
    if _parent_gone():
        os._exit(0)  # the chunk is committed; there is no one to hand the summary to
    return result


@contextmanager
def executor(
    kind: str, *, workers: int, scheduler: str | None = None
) -> Iterator[tuple[Executor, str]]:
    """An executor and a one-line description of it; shut down on leaving."""
    if kind == "local":
        # spawn: a worker must not inherit the parent's open database connections.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_started,
            initargs=(os.getpid(),),
        ) as pool:
            yield pool, f"local process pool, {workers} workers"
        return
    if kind != "dask":
        raise ValueError(f"unknown executor {kind!r}; one of {', '.join(EXECUTORS)}")
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            n = len(client.scheduler_info().get("workers", {}))
            yield client.get_executor(), f"dask cluster at {scheduler}, {n} workers"
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: never clash with another cluster
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client.get_executor(), f"dask LocalCluster, {workers} workers"
