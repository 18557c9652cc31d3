"""The nightly run: every account analyzed once, in chunks, resumable after any crash.

Problem: tens of thousands of accounts must each be analyzed every night, on one machine
or a cluster; a run killed at any moment (kill -9, a lost node) must be started again
and finish the job with no account lost and none analyzed twice; one account's failure
must not stop the others; and someone must be able to see afterwards what ran, how it
ended, and which accounts (if any) were not analyzed.

Rule:
- A run is a `runs` row (as-of day, start, how it ran, later the end and counts). Its
  population is every open or held account; its progress *is* the set of `run_outcomes`
  rows, keyed (run, account) UNIQUE, each committed in the same transaction as the
  account's analysis. There is no other progress state to get out of step.
- The bookkeeping is the services' (`services.nightly_run`): `start_run` (one run at a
  time, the day checked, a new run or the unfinished one of the day resumed; only
  accounts without an outcome are dispatched), each chunk's `analyze_chunk` in a worker,
  `finish_run`. This module only splits the work, drives the executor, keeps the run's
  lease alive (`keep_lease` every `HEARTBEAT`) and reports progress.
- Ctrl-C: chunks not started are cancelled, the workers finish the chunk in hand, the
  lease is released and the summary says `interrupted`: `trimtab run --resume` goes on.
- Accounts go to the executor in chunks (`chunk_size`, default 250); each chunk is one
  task (`batch.chunks.analyze_chunk`) with picklable arguments. A chunk that fails
  entirely (the database went away) leaves its accounts without outcomes: the run stays
  unfinished, says so, and the next start resumes it.
- When every account has an outcome the run is finished: its counts by outcome, trades
  and estimated tax are tallied from the outcomes and recorded.

    >>> # summary = run_nightly(url, as_of=day, principal=Principal.cli("ops"), workers=2)
    >>> # summary.counts -> {"auto_trade": 1480, "review": 310, "suspended": 12, ...}
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait

from trimtab.batch.chunks import ChunkSummary, ChunkTask, analyze_chunk
from trimtab.batch.executors import executor, guarded
from trimtab.bootstrap import Database, open_database
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.logs import log_context
from trimtab.services.nightly_run import (
    HEARTBEAT,
    Here,
    RunEnd,
    RunRequest,
    RunStart,
    RunSummary,
    finish_run,
    keep_lease,
    release_lease,
    run_end,
    run_in_progress,
    start_run,
)

__all__ = ["DEFAULT_CHUNK", "RunSummary", "run_nightly"]

log = logging.getLogger("trimtab.run")
DEFAULT_CHUNK = 250
HEARTBEAT_SECONDS = HEARTBEAT.total_seconds()
Progress = Callable[[int, int], None]  # (accounts done so far, accounts to do)
Waiting = Callable[[Problem], None]  # told once per poll while another run is in progress


def _summary(
    end: RunEnd,
    resumed: bool,
    described: str,
    analyzed_now: int,
    *,
    population: int | None = None,
    **kwargs: object,
) -> RunSummary:
    return RunSummary(
        end.run.id,
        end.run.as_of,
        end.finished,
        resumed,
        described,
        end.run.accounts if population is None else population,
        analyzed_now,
        counts=end.tally.counts,
        trades=end.tally.trades,
        estimated_tax=end.tally.estimated_tax,
        failures=tuple((a, f"{s}: {why}") for a, s, why in end.failures),
        missing=end.missing,
        **kwargs,  # type: ignore[arg-type]
    )


def run_nightly(
    url: str,
    *,
    as_of: dt.date,
    principal: Principal,
    kind: str = "local",
    workers: int = 2,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    resume: bool = False,
    force_reason: str | None = None,
    wait_for_other: bool = False,
    poll: float = 2.0,
    today: dt.date | None = None,
    progress: Progress | None = None,
    waiting: Waiting | None = None,
) -> RunSummary:
    """Start (or resume) a run and drive it to its end; see the module doc.

    With `wait_for_other`, a run in progress is waited for (polled every `poll` seconds,
    `waiting` told each time); when it was this day's run and it finished, its summary is
    the answer (a second run would redo every account), else the run starts or resumes.
    """
    started = time.perf_counter()
    here = Here.this_process()
    db = open_database(url)
    today = today or dt.datetime.now().astimezone().date()
    request = RunRequest(as_of, kind, resume, force_reason)
    try:
        awaited: str | None = None
        while True:
            if awaited is not None and not resume:
                end = run_end(db.unit_of_work, awaited)
                if end and end.finished and end.run.as_of == as_of:
                    return _summary(end, False, end.run.executor, 0, waited_for=awaited)
            start, problems = start_run(
                db.unit_of_work, request, principal=principal, here=here, today=today
            )
            if start is not None:
                break
            in_progress = problems and all(p.kind is ProblemKind.CONFLICT for p in problems)
            if not (wait_for_other and in_progress):
                return RunSummary("", as_of, False, False, kind, 0, 0, problems=tuple(problems))
            live = run_in_progress(db.unit_of_work, here=here)
            awaited = live.id if live else awaited
            if waiting:
                waiting(problems[0])
            time.sleep(poll)
        # Every line the driver writes (and the scheduler's stage around it) names the run.
        with log_context(run_id=start.run.id):
            return _drive(
                db,
                url,
                start,
                principal,
                here,
                kind,
                workers,
                scheduler,
                chunk_size,
                started,
                progress,
            )
    finally:
        db.close()


def _drive(
    db: Database,
    url: str,
    start: RunStart,
    principal: Principal,
    here: Here,
    kind: str,
    workers: int,
    scheduler: str | None,
    chunk_size: int,
    started: float,
    progress: Progress | None,
) -> RunSummary:
    run, todo = start.run, start.todo
    chunks = [
        ChunkTask(
            url,
            run.id,
            run.as_of,
            n,
            todo[i : i + chunk_size],
            start.policy,
            start.filters,
            principal,
        )
        for n, i in enumerate(range(0, len(todo), chunk_size))
    ]
    summaries: list[ChunkSummary] = []
    errors: list[str] = []
    described = kind
    interrupted = False
    if progress:
        progress(0, len(todo))
    log.info(
        "run %s (as of %s): %d accounts to analyze in %d chunks%s",
        run.id,
        run.as_of,
        len(todo),
        len(chunks),
        " (resumed)" if start.resumed else "",
    )
    if chunks:
        with executor(kind, workers=workers, scheduler=scheduler) as (
            pool,
            described,
        ):
            futures: dict[Future[ChunkSummary], ChunkTask] = {
                pool.submit(guarded, analyze_chunk, task): task for task in chunks
            }
            try:
                _collect(db, run.id, here, futures, summaries, errors, len(todo), progress)
            except (KeyboardInterrupt, LeaseLost) as stop:
                # Chunks not started are dropped; the ones in hand finish (each commits
                # whole or not at all) while the pool shuts down on leaving the block.
                for future in futures:
                    future.cancel()
                interrupted = isinstance(stop, KeyboardInterrupt)
                if isinstance(stop, LeaseLost):
                    errors.append(str(stop))
    if interrupted:
        release_lease(db.unit_of_work, run.id, here=here)
        end = run_end(db.unit_of_work, run.id)
        assert end is not None
        return _summary(
            end,
            start.resumed,
            described,
            sum(s.accounts for s in summaries),
            seconds=time.perf_counter() - started,
            interrupted=True,
            population=start.population,
        )
    end = finish_run(
        db.unit_of_work,
        run.id,
        principal=principal,
        here=here,
        seconds=time.perf_counter() - started,
        lost_chunks=len(errors),
    )
    log.info(
        "run %s %s on %s: %s",
        run.id,
        "finished" if end.finished else f"not finished ({end.missing} accounts left)",
        described,
        ", ".join(f"{k} {v}" for k, v in sorted(end.tally.counts.items())) or "no outcomes",
    )
    return _summary(
        end,
        start.resumed,
        described,
        sum(s.accounts for s in summaries),
        seconds=time.perf_counter() - started,
        chunk_errors=tuple(errors),
        population=start.population,
    )


class LeaseLost(Exception):
    """Another process took the run over (this one was silent past `STALE_AFTER`)."""


def _collect(
    db: Database,
    run_id: str,
    here: Here,
    futures: dict[Future[ChunkSummary], ChunkTask],
    summaries: list[ChunkSummary],
    errors: list[str],
    total: int,
    progress: Progress | None,
) -> None:
    """Gather the chunks as they end, keeping the lease alive between them."""
    pending = set(futures)
    done_accounts = 0
    beat = time.monotonic()
    while pending:
        finished, pending = wait(pending, timeout=HEARTBEAT_SECONDS, return_when=FIRST_COMPLETED)
        if time.monotonic() - beat >= HEARTBEAT_SECONDS:
            if not keep_lease(db.unit_of_work, run_id, here=here):
                raise LeaseLost(f"run {run_id} was taken over by another process")
            beat = time.monotonic()
        for future in finished:
            task = futures[future]
            try:
                summary = future.result()
            except Exception as exc:  # a lost chunk: its accounts stay to do
                errors.append(
                    f"chunk {task.chunk} ({len(task.accounts)} accounts from "
                    f"{task.accounts[0]}): {type(exc).__name__}: {exc}"
                )
                continue
            summaries.append(summary)
            done_accounts += summary.accounts + summary.skipped
            if progress:
                progress(done_accounts, total)
