"""Scenarios: the nightly run on a real Dask cluster — a `dask scheduler` and two `dask
worker` processes — gives the local run's proposals, survives a worker killed with
kill -9 mid-chunk, and survives its PostgreSQL connections being terminated mid-chunk;
each time every account is analyzed exactly once.

To catch the workers *with a chunk in hand*, the tests hold a SHARE lock on
`run_outcomes` once the run is under way: each worker's chunk write then waits for it
inside its open transaction (seen in `pg_stat_activity` as a lock wait), and the fault
lands there, at the worst moment, every time.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, create_engine, func, select, text

from tests.builders import DEMO_AS_OF, OPS
from tests.integration.distributed.conftest import BIN, Cluster, FirmDatabase
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import open_database
from trimtab.store.nightly_tables import RunOutcomeRow
from trimtab.store.workflow_tables import AnalysisRow

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CHUNK = "1"  # 40 chunks of the 40 accounts: the run is still under way when the fault lands,
# even for a test process a busy machine starves of CPU for seconds
PATIENCE = 60.0  # seconds for anything the tests wait for


def _trimtab_run(firm: FirmDatabase, cluster: Cluster) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            str(BIN / "trimtab"),
            "run",
            "--executor",
            "dask",
            "--scheduler",
            cluster.address,
            "--as-of",
            DEMO_AS_OF.isoformat(),
            "--chunk-size",
            CHUNK,
            "--json",
        ],
        env={**os.environ, "TRIMTAB_DATABASE_URL": firm.url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _summary(run: subprocess.Popen[str]) -> dict[str, object]:
    out, err = run.communicate(timeout=PATIENCE)
    assert run.returncode == 0, err
    summary: dict[str, object] = json.loads(out)
    return summary


def _analyzed(firm: FirmDatabase, run_id: str) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """The population, and per account its outcomes and analyses in the run."""
    db = open_database(firm.url)
    try:
        with db.unit_of_work() as uow:
            population = uow.runs.population()
            counts = []
            for row in (RunOutcomeRow, AnalysisRow):
                counts.append(
                    dict(
                        uow.session.execute(
                            select(row.account_id, func.count())
                            .where(row.run_id == run_id)
                            .group_by(row.account_id)
                        ).all()
                    )
                )
        return population, counts[0], counts[1]
    finally:
        db.close()


def _proposals(firm: FirmDatabase, run_id: str) -> dict[str, object]:
    db = open_database(firm.url)
    try:
        with db.unit_of_work() as uow:
            return {
                p.account: ([(t.security, t.side, t.quantity) for t in p.trades], p.rule)
                for p in uow.proposals.proposals(run_id)
            }
    finally:
        db.close()


def _wait_for(what: str, ready: object, run: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not ready():  # type: ignore[operator]
        assert run.poll() is None, f"the run ended before {what}: {run.communicate()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextmanager
def _chunk_writes_held(firm: FirmDatabase, run: subprocess.Popen[str]) -> Iterator[Connection]:
    """Once some chunks are written, hold every further chunk write at `run_outcomes`
    until the block ends; yields the holding connection once both workers wait on it."""
    engine = create_engine(firm.url)
    try:
        with engine.connect() as connection:

            def count(sql: str, **params: str) -> int:
                return int(connection.execute(text(sql), params).scalar_one())

            _wait_for("a chunk to be written", lambda: count(OUTCOMES) >= 2, run)
            connection.commit()  # the lock's transaction starts afresh
            connection.execute(text("LOCK TABLE run_outcomes IN SHARE MODE"))
            _wait_for(
                "both workers to wait in a chunk write",
                lambda: count(WAITING, db=firm.name) >= 2,
                run,
            )
            yield connection
            connection.commit()
    finally:
        engine.dispose()


OUTCOMES = "SELECT count(*) FROM run_outcomes"
WAITING = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = :db AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
)


def _worked(cluster: Cluster) -> dict[str, bool]:
    """Per worker of the cluster: whether it analyzed a chunk (opened the firm's database)."""
    from distributed import Client

    with Client(cluster.address, timeout=PATIENCE) as client:  # type: ignore[no-untyped-call]
        answers: dict[str, bool] = client.run(
            # A lambda travels by value; the workers cannot import this test module.
            lambda: bool(
                getattr(__import__("sys").modules.get("trimtab.batch.chunks"), "_databases", None)
            )
        )
        return answers


def test_a_run_on_separate_dask_processes_proposes_exactly_what_the_local_run_proposes(
    dask_cluster: Cluster, firm_database: FirmDatabase
) -> None:
    local = run_nightly(
        firm_database.url, as_of=DEMO_AS_OF, principal=OPS, kind="local", workers=2, chunk_size=5
    )
    assert local.finished

    summary = _summary(_trimtab_run(firm_database, dask_cluster))

    assert summary["finished"] is True
    assert summary["executor"] == f"dask cluster at {dask_cluster.address}, 2 workers"
    assert summary["outcomes"] == local.counts
    assert summary["chunk_errors"] == []
    assert sorted(_worked(dask_cluster).values()) == [True, True]  # both processes did work
    population, outcomes, analyses = _analyzed(firm_database, str(summary["run"]))
    assert outcomes == analyses == dict.fromkeys(population, 1)
    proposals = _proposals(firm_database, str(summary["run"]))
    assert proposals == _proposals(firm_database, local.run_id)
    assert len(proposals) == local.counts["auto_trade"] + local.counts["review"]


def test_a_worker_killed_mid_chunk_loses_no_account_and_repeats_none(
    dask_cluster: Cluster, firm_database: FirmDatabase
) -> None:
    run = _trimtab_run(firm_database, dask_cluster)
    with _chunk_writes_held(firm_database, run):
        lost = dask_cluster.workers[0]
        dask_cluster.lose(lost)  # kill -9, with its chunk's write open in the database
    summary = _summary(run)

    assert lost.returncode == -9
    assert summary["finished"] is True
    assert summary["not_analyzed"] == 0
    assert summary["chunk_errors"] == []  # Dask gave the lost worker's chunk to the other
    population, outcomes, analyses = _analyzed(firm_database, str(summary["run"]))
    assert outcomes == analyses == dict.fromkeys(population, 1)
    assert sum(summary["outcomes"].values()) == len(population)  # type: ignore[attr-defined]


def test_the_runs_database_connections_terminated_mid_chunk_lose_nothing_and_repeat_nothing(
    dask_cluster: Cluster, firm_database: FirmDatabase
) -> None:
    run = _trimtab_run(firm_database, dask_cluster)
    with _chunk_writes_held(firm_database, run) as holder:
        terminated = holder.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": firm_database.name},
        ).scalar_one()
    summary = _summary(run)

    assert terminated >= 3  # both workers' chunk writes, and the driver's connection
    assert summary["finished"] is True
    assert summary["not_analyzed"] == 0
    assert summary["chunk_errors"] == []
    logs = dask_cluster.worker_logs()
    assert logs.count("the database failed (OperationalError") >= 2, logs  # both retried
    population, outcomes, analyses = _analyzed(firm_database, str(summary["run"]))
    assert outcomes == analyses == dict.fromkeys(population, 1)
