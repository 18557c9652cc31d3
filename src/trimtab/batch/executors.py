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
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

__all__ = ["EXECUTORS", "executor"]

EXECUTORS = ("local", "dask")


@contextmanager
def executor(
    kind: str, *, workers: int, scheduler: str | None = None
) -> Iterator[tuple[Executor, str]]:
    """An executor and a one-line description of it; shut down on leaving."""
    if kind == "local":
        # spawn: a worker must not inherit the parent's open database connections.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
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
