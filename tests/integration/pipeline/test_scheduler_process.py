"""Scenario: `trimtab scheduler` killed with kill -9 mid-pipeline and started again.

A real scheduler process runs the demo firm's day (60 accounts, chunks of 3, so the
nightly analysis takes a while). It is killed (SIGKILL, its whole process group) while
the analysis stage is running with some accounts analyzed; started again, it claims the
stage left running, resumes the same nightly run, and goes on to the export and the
reports; a second
scheduler started while it runs is refused. No stage is done
twice, no run is started twice, no account analyzed twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.builders import sixty_accounts
from tests.integration.pipeline.firm_day import DAY, firm_folder
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import Database
from trimtab.store.audit_tables import AuditEntryRow
from trimtab.store.nightly_tables import OrderRow, RunOutcomeRow, RunRow
from trimtab.store.pipeline_tables import PipelineSchedulerRow, PipelineStageRow


def _scheduler(url: str, toml: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "trimtab", "scheduler", "--day", DAY.isoformat(), "--tick", "0.2"],
        env={**os.environ, "TRIMTAB_DATABASE_URL": url, "TRIMTAB_FIRM_CONFIG": str(toml)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches its workers too
    )


def _stage(db: Database, stage: str) -> tuple[str, int] | None:
    with db.unit_of_work() as uow:
        row = uow.session.execute(
            select(PipelineStageRow.state, PipelineStageRow.attempts).where(
                PipelineStageRow.day == DAY, PipelineStageRow.stage == stage
            )
        ).one_or_none()
    return None if row is None else (row[0], row[1])


def _outcomes(db: Database) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(RunOutcomeRow)) or 0)


def _wait(process: subprocess.Popen[bytes], ready: object, what: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not ready():  # type: ignore[operator]
        if process.poll() is not None:
            raise AssertionError(f"the scheduler ended: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_killed_scheduler_restarts_where_it_was(
    database: Database, database_url: str, tmp_path: Path, snapshots: Snapshots
) -> None:
    toml = firm_folder(tmp_path)
    text = toml.read_text(encoding="utf-8").replace(
        "workers = 1\n", "workers = 1\nchunk_size = 3\n"
    )
    toml.write_text(text, encoding="utf-8")
    snapshots.restore(database_url, sixty_accounts)

    first = _scheduler(database_url, toml)

    def under_way() -> bool:
        return _stage(database, "analysis") == ("running", 1) and _outcomes(database) >= 6

    _wait(first, under_way, "the analysis to be under way")

    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert first.stderr is not None
    first.stderr.close()
    time.sleep(0.5)
    done_before = _outcomes(database)
    with database.unit_of_work() as uow:
        population = len(uow.runs.population())
    assert 0 < done_before < population

    again = _scheduler(database_url, toml)
    try:
        _wait(again, lambda: _stage(database, "analysis") != ("running", 1), "the claim again")
        second = _scheduler(database_url, toml)  # one is alive: a second copy is refused
        _out, err = second.communicate(timeout=120)
        assert second.returncode == 4, err.decode()
        assert "another scheduler" in err.decode()
        _wait(
            again,
            lambda: (_stage(database, "reports") or ("", 0))[0] == "done",
            "the export and the reports",
        )
    finally:
        again.send_signal(signal.SIGTERM)  # a clean stop releases the lease
        again.communicate(timeout=60)

    assert _stage(database, "analysis") == ("done", 2)  # claimed again after the kill
    with database.unit_of_work() as uow:
        runs = uow.session.execute(select(RunRow.id, RunRow.state, RunRow.attempts)).all()
        assert [(state, attempts) for _, state, attempts in runs] == [("finished", 2)]
        outcomes = uow.session.execute(
            select(RunOutcomeRow.account_id, func.count()).group_by(RunOutcomeRow.account_id)
        ).all()
        orders = uow.session.execute(select(OrderRow.id, func.count()).group_by(OrderRow.id)).all()
        done = (
            uow.session.execute(
                select(AuditEntryRow.summary).where(AuditEntryRow.action == "pipeline.record")
            )
            .scalars()
            .all()
        )
        holder = uow.session.scalar(select(PipelineSchedulerRow.holder))
    assert len(outcomes) == population
    assert {n for _, n in outcomes} == {1}
    assert orders
    assert {n for _, n in orders} == {1}
    summaries = [json.loads(text) for text in done]  # kept as canonical JSON text
    finished = sorted(s["stage"] for s in summaries if s["state"] == "done")
    assert finished == sorted(
        ["files", "corporate_actions", "synchronization", "analysis", "export", "reports"]
    ), "each stage done exactly once"
    assert holder is None, "the stopped scheduler released its lease"
