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
- Starting a run for a day that has an unfinished run resumes that run (as does
  `resume=True` for the latest unfinished run of any day): only accounts without an
  outcome are dispatched.
- Accounts go to the executor in chunks (`chunk_size`, default 250); each chunk is one
  task (`batch.chunks.analyze_chunk`) with picklable arguments. A chunk that fails
  entirely (the database went away) leaves its accounts without outcomes: the run stays
  unfinished, says so, and the next start resumes it.
- When every account has an outcome the run is finished: its counts by outcome, trades
  and estimated tax are tallied from the outcomes and recorded.

    >>> # summary = run_nightly(url, as_of=day, kind="local", workers=2, actor="ops")
    >>> # summary.counts -> {"auto_trade": 1480, "review": 310, "suspended": 12, ...}
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from decimal import Decimal

from trimtab.batch.chunks import ChunkSummary, ChunkTask, analyze_chunk
from trimtab.batch.executors import executor
from trimtab.bootstrap import open_database
from trimtab.domain.filters import read_filter
from trimtab.domain.problems import Problem
from trimtab.services.nightly_ports import RunRecord

__all__ = ["DEFAULT_CHUNK", "RunSummary", "run_nightly"]

DEFAULT_CHUNK = 250
Progress = Callable[[int, int], None]  # (accounts done so far, accounts to do)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    as_of: dt.date
    finished: bool
    resumed: bool
    executor: str
    accounts: int  # the population
    analyzed_now: int  # accounts analyzed by this invocation
    counts: dict[str, int] = field(default_factory=dict)
    trades: int = 0
    estimated_tax: Decimal = Decimal(0)
    seconds: float = 0.0
    failures: tuple[tuple[str, str], ...] = ()  # (account, why), first 50
    missing: int = 0  # accounts still without an outcome
    chunk_errors: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "run": self.run_id,
            "as_of": self.as_of.isoformat(),
            "finished": self.finished,
            "resumed": self.resumed,
            "executor": self.executor,
            "accounts": self.accounts,
            "analyzed_now": self.analyzed_now,
            "outcomes": self.counts,
            "trades": self.trades,
            "estimated_tax": float(self.estimated_tax),
            "seconds": round(self.seconds, 3),
            "failures": [{"account": a, "reason": r} for a, r in self.failures],
            "not_analyzed": self.missing,
            "chunk_errors": list(self.chunk_errors),
            "problems": [p.as_dict() for p in self.problems],
        }


def _new_run_id(runs_that_day: int, as_of: dt.date) -> str:
    return f"{as_of.isoformat()}.{runs_that_day + 1}"


def run_nightly(
    url: str,
    *,
    as_of: dt.date,
    actor: str,
    kind: str = "local",
    workers: int = 2,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    resume: bool = False,
    progress: Progress | None = None,
) -> RunSummary:
    started = time.perf_counter()
    db = open_database(url)
    try:
        with db.unit_of_work() as uow:
            repo = uow.nightly
            policy = repo.policy()
            texts = repo.firm_filters(policy.filters if policy else ())
            problems = []
            for name in policy.filters if policy else ():
                if name not in texts:
                    problems.append(
                        Problem(
                            f"routing.{name}", "the policy names a filter that no longer exists"
                        )
                    )
                elif read_filter(texts[name])[0] is None:
                    problems.append(Problem(f"routing.{name}", "the saved filter does not check"))
            if problems:
                return RunSummary("", as_of, False, False, kind, 0, 0, problems=tuple(problems))
            found = repo.unfinished_run(None if resume else as_of)
            if resume and found is None:
                problem = Problem("run", "there is no unfinished run to resume")
                return RunSummary("", as_of, False, False, kind, 0, 0, problems=(problem,))
            population = repo.population()
            if found is not None:
                run, resumed = found, True
                as_of = run.as_of
            else:
                same_day = sum(1 for r in repo.runs(limit=1000) if r.as_of == as_of)
                run = RunRecord(
                    id=_new_run_id(same_day, as_of),
                    as_of=as_of,
                    state="running",
                    started_at=dt.datetime.now(dt.UTC),
                    finished_at=None,
                    actor=actor,
                    executor=kind,
                    accounts=len(population),
                    policy_version=policy.version if policy else None,
                )
                resumed = False
                repo.start_run(run)
            done = repo.done(run.id)
            todo = [a for a in population if a not in done]
            described = kind
            if resumed:
                repo.resume_run(run.id, executor=kind, accounts=len(population))
            uow.commit()
        if todo:
            with db.unit_of_work() as uow:
                uow.nightly.refresh_statistics()  # the chunks' reads depend on the plans
                uow.commit()

        rules = tuple((r.stage.value, r.filter) for r in policy.rules) if policy else ()
        filter_texts = tuple(sorted(texts.items()))
        chunks = [
            ChunkTask(url, run.id, as_of, n, tuple(todo[i : i + chunk_size]), rules, filter_texts)
            for n, i in enumerate(range(0, len(todo), chunk_size))
        ]
        summaries: list[ChunkSummary] = []
        errors: list[str] = []
        if progress:
            progress(0, len(todo))
        if chunks:
            with executor(kind, workers=workers, scheduler=scheduler) as (pool, described):
                futures: dict[Future[ChunkSummary], ChunkTask] = {
                    pool.submit(analyze_chunk, task): task for task in chunks
                }
                finished_accounts = 0
                for future in as_completed(futures):
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
                    finished_accounts += summary.accounts + summary.skipped
                    if progress:
                        progress(finished_accounts, len(todo))

        with db.unit_of_work() as uow:
            repo = uow.nightly
            counts, trades, tax = repo.tally(run.id)
            missing = len(set(repo.population()) - repo.done(run.id))
            failures = repo.failures(run.id)
            seconds = time.perf_counter() - started
            finished = missing == 0 and not errors
            if finished:
                repo.finish_run(
                    run.id,
                    counts=counts,
                    trades=trades,
                    estimated_tax=tax,
                    finished_at=dt.datetime.now(dt.UTC),
                    seconds=seconds,
                )
            uow.commit()
        return RunSummary(
            run.id,
            as_of,
            finished,
            resumed,
            described,
            len(population),
            sum(s.accounts for s in summaries),
            counts=counts,
            trades=trades,
            estimated_tax=tax,
            seconds=seconds,
            failures=tuple((a, f"{s}: {why}") for a, s, why in failures),
            missing=missing,
            chunk_errors=tuple(errors),
        )
    finally:
        db.close()
