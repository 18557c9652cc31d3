"""Scenarios of operating the nightly run as a new user would: a second `trimtab run`
while one runs, `--wait`, a day that needs `--force`, voiding a run, Ctrl-C, and a
parent killed with kill -9 whose workers must not outlive it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from tests.builders import DEMO_AS_OF, OPS, sixty_accounts
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import Database, open_database
from trimtab.services.nightly_run import Here, RunRequest, release_lease, start_run
from trimtab.store.filter_sql import latest_analyses
from trimtab.store.nightly_tables import RunOutcomeRow, RunRow


def _trimtab(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "trimtab", "run", *args],
        env={**os.environ, "TRIMTAB_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job would be
    )


def _outcomes(db: Database) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(RunOutcomeRow)) or 0)


def _wait_for_outcomes(db: Database, process: subprocess.Popen[str], at_least: int) -> None:
    deadline = time.monotonic() + 120
    while _outcomes(db) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)


@pytest.fixture
def small_firm(tmp_path: Path, snapshots: Snapshots) -> tuple[str, Database]:
    url = f"sqlite:///{tmp_path}/ops.db"
    snapshots.restore(url, sixty_accounts)
    return url, open_database(url)


def test_a_second_run_says_which_run_is_in_progress_and_wait_waits_for_it(
    small_firm: tuple[str, Database],
) -> None:
    url, db = small_firm
    # This test process holds the day's run, as a live `trimtab run` would.
    holder = Here.this_process()
    started, problems = start_run(
        db.unit_of_work, RunRequest(DEMO_AS_OF), principal=OPS, here=holder, today=DEMO_AS_OF
    )
    assert started is not None, problems

    second = _trimtab(url, "--as-of", DEMO_AS_OF.isoformat())
    out, err = second.communicate(timeout=120)
    assert second.returncode == 4, err
    assert "Traceback" not in err
    for part in (started.run.id, "in progress", "started by cli:ops", "0 of 60", "--wait"):
        assert part in err, err

    waiter = _trimtab(url, "--as-of", DEMO_AS_OF.isoformat(), "--wait", "--json")
    time.sleep(3)
    assert waiter.poll() is None  # still waiting
    threading.Timer(0, release_lease, (db.unit_of_work, started.run.id), {"here": holder}).run()
    out, err = waiter.communicate(timeout=300)
    assert waiter.returncode == 0, err
    assert "waiting: run 2025-06-30.1" in err
    summary = json.loads(out)
    assert (summary["run"], summary["finished"], summary["resumed"]) == (started.run.id, True, True)
    with db.unit_of_work() as uow:
        (run,) = uow.session.scalars(select(RunRow)).all()  # no second run
        assert (run.state, run.attempts, run.holder) == ("finished", 2, None)
    db.close()


def test_a_future_day_is_refused_without_force_and_a_reason(
    small_firm: tuple[str, Database],
) -> None:
    url, db = small_firm
    refused = _trimtab(url, "--as-of", "2030-01-01")
    _out, err = refused.communicate(timeout=120)
    assert refused.returncode == 2
    assert "2030-01-01 is in the future" in err
    assert "--force --reason" in err
    half = _trimtab(url, "--as-of", "2030-01-01", "--force")
    _out, err = half.communicate(timeout=120)
    assert half.returncode == 2
    assert "--force and --reason go together" in err
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(RunRow)) == 0
    db.close()


def test_a_voided_run_is_ignored_by_filters_orders_and_review(
    night: tuple[str, Database, str],
) -> None:
    url, db, run_id = night  # a finished night
    with db.unit_of_work() as uow:
        assert uow.session.execute(select(latest_analyses())).all()
    env = {**os.environ, "TRIMTAB_DATABASE_URL": url}
    voided = subprocess.run(
        [sys.executable, "-m", "trimtab", "run", "void", run_id, "--reason", "bad file"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert voided.returncode == 0, voided.stderr
    with db.unit_of_work() as uow:
        assert uow.session.execute(select(latest_analyses())).all() == []  # filters
        assert uow.runs.latest_finished_run() is None  # orders, fills
        assert uow.runs.latest_run() is None  # the review queue
        (entry,) = uow.audit.entries(action="run.void")
    assert entry.principal.startswith("cli:")
    assert (entry.reason, entry.targets) == ("bad file", (f"run:{run_id}",))
    status = subprocess.run(
        [sys.executable, "-m", "trimtab", "run", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(status.stdout)["runs"][0]["state"] == "voided"


def test_ctrl_c_stops_cleanly_and_leaves_the_run_resumable(
    small_firm: tuple[str, Database],
) -> None:
    url, db = small_firm
    run = _trimtab(url, "--as-of", DEMO_AS_OF.isoformat(), "--chunk-size", "2", "--workers", "1")
    _wait_for_outcomes(db, run, 4)
    workers = psutil.Process(run.pid).children(recursive=True)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    _out, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert "`trimtab run --resume`" in err
    _gone, alive = psutil.wait_procs(workers, timeout=10)  # stopped with the run
    assert alive == []
    with db.unit_of_work() as uow:
        row = uow.session.scalars(select(RunRow)).one()
        assert (row.state, row.holder) == ("running", None)
    status = _trimtab(url, "status", "--json")
    out, _err = status.communicate(timeout=120)
    assert json.loads(out)["runs"][0]["state"] == "interrupted"
    resumed = _trimtab(url, "--resume", "--json")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert json.loads(out)["finished"]
    db.close()


def test_workers_do_not_outlive_a_parent_killed_with_kill_9(
    small_firm: tuple[str, Database],
) -> None:
    url, db = small_firm
    run = _trimtab(url, "--as-of", DEMO_AS_OF.isoformat(), "--chunk-size", "3", "--workers", "2")
    _wait_for_outcomes(db, run, 6)
    children = psutil.Process(run.pid).children(recursive=True)
    assert len(children) >= 2
    os.kill(run.pid, signal.SIGKILL)  # the parent only: its workers are orphaned
    run.communicate(timeout=60)
    gone, alive = psutil.wait_procs(children, timeout=60)
    assert alive == [], [p.pid for p in alive]
    assert len(gone) == len(children)
    db.close()
