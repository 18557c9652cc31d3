"""A real Dask cluster and a firm of its own on PostgreSQL, for the distributed scenarios.

The cluster is what a firm runs: a `dask scheduler` and two `dask worker` processes
started from the venv's command line on 127.0.0.1 (not a `LocalCluster` inside the test),
each worker in its own process group so that `lose(worker)` can kill -9 it whole, nanny
and all, as a lost machine would be. Their logs are files the tests read.

The firm gets a PostgreSQL *database* of its own (not a schema in the shared `test`
database): the fault scenarios terminate every connection to the run's database, and
must not reach the tests running beside them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.builders import load_small_firm
from tests.integration.conftest import postgres_admin_url
from trimtab.bootstrap import open_database

BIN = Path(os.environ.get("VIRTUAL_ENV", Path(__file__).parents[3] / ".venv")) / "bin"
STARTUP = 60.0  # seconds for the scheduler and the workers to come up on a busy machine


@dataclass
class Cluster:
    """A Dask scheduler and its workers, each a separate process tree."""

    folder: Path
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    address: str = ""

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def worker_logs(self) -> str:
        return "\n".join(self.log(f"worker-{n}") for n in range(len(self.workers)))

    def lose(self, worker: subprocess.Popen[bytes]) -> None:
        """kill -9 a worker's whole process group (the nanny and the worker it runs)."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # a worker still waiting on a lost peer
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _start(folder: Path, name: str, *args: str) -> subprocess.Popen[bytes]:
    with (folder / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [str(BIN / "dask"), *args],
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: `lose` reaches the nanny's child
        )


def _registered(cluster: Cluster) -> int:
    return sum("Registered to:" in cluster.log(f"worker-{n}") for n in range(len(cluster.workers)))


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """`dask scheduler` and two single-threaded `dask worker`s on 127.0.0.1."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    scheduler_file = folder / "scheduler.json"
    cluster = Cluster(
        folder,
        _start(
            folder,
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ),
    )
    try:
        deadline = time.monotonic() + STARTUP
        while not scheduler_file.is_file() or not scheduler_file.read_text().strip():
            assert cluster.scheduler.poll() is None, cluster.log("scheduler")
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        cluster.address = json.loads(scheduler_file.read_text())["address"]
        for n in range(2):
            cluster.workers.append(
                _start(
                    folder,
                    f"worker-{n}",
                    "worker",
                    "--scheduler-file",
                    str(scheduler_file),
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                )
            )
        while _registered(cluster) < 2:
            assert all(w.poll() is None for w in cluster.workers), cluster.worker_logs()
            assert time.monotonic() < deadline, (
                f"workers did not register:\n{cluster.worker_logs()}"
            )
            time.sleep(0.1)
        yield cluster
    finally:
        cluster.stop()


@dataclass(frozen=True)
class FirmDatabase:
    url: str
    name: str  # the database's name, as pg_stat_activity.datname shows it


@pytest.fixture
def firm_database(postgres_admin: Engine) -> Iterator[FirmDatabase]:
    """A PostgreSQL database of its own holding the 40-account demo firm."""
    name = f"trimtab_dist_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        db = open_database(url)
        try:
            db.upgrade()
            load_small_firm(db)
        finally:
            db.close()
        yield FirmDatabase(url, name)
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
