"""Scenario: a nightly run killed with SIGKILL mid-run, then started again, finishes with
every account analyzed exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.builders import DEMO_AS_OF, sixty_accounts
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import open_database
from trimtab.services.nightly_run import Here, run_status
from trimtab.store.nightly_tables import RunOutcomeRow, RunRow
from trimtab.store.record_tables import RecordRow
from trimtab.store.workflow_tables import AnalysisRow


def _trimtab(url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "trimtab", "run", "--as-of", DEMO_AS_OF.isoformat(), *args],
        env={**os.environ, "TRIMTAB_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches its workers too
    )


def _count(db: object, row: type, run_id: str | None = None) -> int:
    with db.unit_of_work() as uow:  # type: ignore[attr-defined]
        query = select(func.count()).select_from(row)
        if run_id is not None:
            query = query.where(row.run_id == run_id)
        return int(uow.session.scalar(query))


def test_a_run_killed_mid_way_resumes_without_losing_or_repeating_an_account(
    tmp_path: Path, snapshots: Snapshots
) -> None:
    url = f"sqlite:///{tmp_path}/crash.db"
    snapshots.restore(url, sixty_accounts)
    db = open_database(url)
    with db.unit_of_work() as uow:
        population = len(uow.runs.population())

    victim = _trimtab(url, "--chunk-size", "3", "--workers", "1")
    deadline = time.monotonic() + 120
    while _count(db, RunOutcomeRow) < 6:
        assert victim.poll() is None, victim.stderr.read() if victim.stderr else ""
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert victim.stderr is not None
    victim.stderr.close()
    time.sleep(0.5)  # let the killed pool's pipes close

    with db.unit_of_work() as uow:
        run_id, state = uow.session.execute(select(RunRow.id, RunRow.state)).one()
    assert state == "running"
    done_before = _count(db, RunOutcomeRow, run_id)
    assert 0 < done_before < population
    (status,) = run_status(db.unit_of_work, here=Here.this_process(), limit=1)
    with db.unit_of_work() as uow:
        done = {a for (a,) in uow.session.execute(select(RunOutcomeRow.account_id))}
        left = sorted(set(uow.runs.population()) - done)
    assert (status.shown, status.done) == ("interrupted", done_before)
    assert (status.not_analyzed, status.not_analyzed_sample) == (len(left), tuple(left[:20]))

    resumed = _trimtab(url, "--json")
    _out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()

    with db.unit_of_work() as uow:
        run = uow.session.scalars(select(RunRow)).one()  # resumed, not a second run
        assert (run.id, run.state, run.attempts) == (run_id, "finished", 2)
        assert sum(run.counts.values()) == population
        per_account = uow.session.execute(
            select(AnalysisRow.account_id, func.count()).group_by(AnalysisRow.account_id)
        ).all()
    assert _count(db, RunOutcomeRow, run_id) == population
    assert _count(db, RecordRow, run_id) == population
    assert len(per_account) == population
    assert {n for _a, n in per_account} == {1}
    db.close()
