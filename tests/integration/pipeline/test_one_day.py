"""Scenario: one business day of the demo firm, run by the scheduler, end to end.

The firm's files are dropped in the inbox before dawn; the scheduler (its ticks driven
by a fake clock, the work real, on SQLite and PostgreSQL) loads and checks them, applies
corporate actions, runs the synchronization check and the nightly analysis, exports the
block orders to the outbox as CSV and FIX, and after the close imports the desk's FIX
execution reports and books them into the lots. Then the same day with one custodian's
lots file missing: held (the day's analysis stops, an alert), or run without that
custodian's accounts (they are held, the others analyzed), as the configuration says.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.builders import load_small_firm
from tests.integration.pipeline.firm_day import (
    DAY,
    INBOX_ORDER,
    FakeClock,
    exported_blocks,
    filled_in_two_parts,
    firm_folder,
)
from trimtab.batch.pipeline import Scheduler, StageWork
from trimtab.bootstrap import Database
from trimtab.domain.pipeline import StageState
from trimtab.feeds.fix_executions import write_execution_fix
from trimtab.services.alerts import AlertQuery, list_alerts
from trimtab.services.pipeline import PipelineConfig, pipeline_status, read_config
from trimtab.store.nightly_tables import FillRow, RunOutcomeRow
from trimtab.store.tables import TaxLotRow


def _config(toml: Path) -> PipelineConfig:
    config, problems = read_config(tomllib.loads(toml.read_text()), base=toml.parent)
    assert config is not None, problems
    return config


def _scheduler(db: Database, url: str, config: PipelineConfig, clock: FakeClock) -> Scheduler:
    load_small_firm(db, accounts=6)
    scheduler = Scheduler(StageWork(db, url, config, clock=clock), day=None)
    assert scheduler.start() == []
    return scheduler


def _run_until_quiet(scheduler: Scheduler) -> list[str]:
    ran: list[str] = []
    while stages := scheduler.tick():
        ran += stages
    return ran


def _states(scheduler: Scheduler) -> dict[str, str]:
    views = pipeline_status(scheduler.new_uow, scheduler.work.config, DAY)
    return {v.status.stage: v.status.state.value for v in views}


def _open_causes(scheduler: Scheduler) -> set[str]:
    return {a.cause for a in list_alerts(scheduler.new_uow, AlertQuery()) if a.is_open}


def test_a_day_runs_from_the_inbox_to_booked_fills(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    config = _config(firm_folder(tmp_path))
    clock = FakeClock(dt.datetime(2025, 6, 30, tzinfo=dt.UTC)).at(6, 0)
    scheduler = _scheduler(database, database_url, config, clock)

    ran = _run_until_quiet(scheduler)

    assert ran == ["files", "corporate_actions", "synchronization", "analysis", "export", "reports"]
    archived = {p.name for p in (tmp_path / "inbox" / "archive").glob("*.csv")}
    assert archived == set(INBOX_ORDER)
    assert not list((tmp_path / "inbox").glob("*.csv")), "every file loaded and moved"
    assert not (tmp_path / "inbox" / "rejected").exists()
    out = tmp_path / "outbox" / DAY.isoformat()
    assert {p.suffix for p in out.iterdir()} == {".csv", ".fix"}
    blocks = exported_blocks(tmp_path / "outbox")
    assert blocks, "the demo firm's night has auto-traded orders"
    assert _states(scheduler)["fills"] == "waiting"

    clock.at(17, 0)  # after the close: no executions yet, the stage waits for them
    assert _run_until_quiet(scheduler) == ["fills"]
    assert _states(scheduler)["fills"] == "waiting"

    write_execution_fix(filled_in_two_parts(blocks), tmp_path / "executions" / "exec-20250630.fix")
    clock.at(17, 10)
    assert _run_until_quiet(scheduler) == ["fills"]

    assert set(_states(scheduler).values()) == {StageState.DONE.value}
    with database.unit_of_work() as uow:
        fills = uow.session.execute(select(FillRow.quantity, FillRow.source)).all()
        bought = uow.session.execute(select(TaxLotRow.id).where(TaxLotRow.id.like("F%"))).all()
    assert sum(q for q, _ in fills) == sum(q for *_, q in blocks)
    assert {source for _, source in fills} == {"oms"}
    assert bought, "the buys are new lots"
    assert (tmp_path / "executions" / "archive" / "exec-20250630.fix").exists()
    assert not {c for c in _open_causes(scheduler) if c.startswith(("stage.", "execution."))}

    # The same file dropped again books nothing twice.
    write_execution_fix(
        filled_in_two_parts(blocks), tmp_path / "executions" / "exec-20250630-again.fix"
    )
    scheduler.work.fills(_run(scheduler, "fills", clock))
    with database.unit_of_work() as uow:
        assert len(uow.session.execute(select(FillRow.order_id)).all()) == len(fills)


def _run(scheduler: Scheduler, stage: str, clock: FakeClock):  # type: ignore[no-untyped-def]
    from trimtab.services.pipeline import StageRun

    return StageRun(DAY, stage, clock(), 1, scheduler.work.config)


@pytest.mark.parametrize("on_missing", ["hold", "run"])
def test_a_missing_lots_file_holds_the_day_or_only_its_accounts(
    database: Database, database_url: str, tmp_path: Path, on_missing: str
) -> None:
    toml = firm_folder(tmp_path, on_missing=on_missing, missing=("NB_TAXLOTS_20250602.csv",))
    config = _config(toml)
    clock = FakeClock(dt.datetime(2025, 6, 30, tzinfo=dt.UTC)).at(6, 0)
    scheduler = _scheduler(database, database_url, config, clock)

    assert _run_until_quiet(scheduler) == ["files"]
    assert _states(scheduler)["files"] == "waiting"  # before the 09:00 cut-off: wait
    missing = "file.missing:northbank-lots:2025-06-30"
    assert missing not in _open_causes(scheduler)

    clock.at(9, 5)
    ran = _run_until_quiet(scheduler)

    views = {v.status.stage: v.status for v in pipeline_status(scheduler.new_uow, config, DAY)}
    assert missing in _open_causes(scheduler), views["files"].reason
    states = _states(scheduler)
    with database.unit_of_work() as uow:
        outcomes = dict(
            uow.session.execute(select(RunOutcomeRow.account_id, RunOutcomeRow.outcome)).all()
        )
    if on_missing == "hold":
        assert ran == ["files"]
        assert states["files"] == "failed"
        assert states["analysis"] == "waiting"  # blocked, not run
        assert "stage.failed:files:2025-06-30" in _open_causes(scheduler)
        assert outcomes == {}
        views = pipeline_status(scheduler.new_uow, config, DAY)
        assert next(v for v in views if v.status.stage == "analysis").blocked_by == ("files",)
    else:
        assert ran == [
            "files",
            "corporate_actions",
            "synchronization",
            "analysis",
            "export",
            "reports",
        ]
        assert states["files"] == "done"
        assert {outcomes[a] for a in ("NB-1001", "NB-1002")} == {"suspended"}
        others = [a for a in outcomes if not a.startswith("NB-")]
        assert others
        assert any(outcomes[a] != "suspended" for a in others)
        assert "stage.failed:files:2025-06-30" not in _open_causes(scheduler)
