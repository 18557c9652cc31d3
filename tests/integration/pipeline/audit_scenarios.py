"""The audit scenarios of the pipeline's and the fills import's writes, for
`tests/integration/test_every_write_is_audited.SCENARIOS`.

Each builds the state its write needs and returns the one call under test, made as
`who`, and an id the entry's targets must include.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tests.builders import TESTER
from trimtab.bootstrap import Database
from trimtab.domain.pipeline import StageState
from trimtab.domain.principal import Principal
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.fills_import import import_fills
from trimtab.services.load_demo import load_demo_firm
from trimtab.services.pipeline import (
    PipelineConfig,
    hold_source,
    record_attempt,
    rerun_stage,
    skip_stage,
)

__all__ = ["DELEGATES", "PIPELINE_SCENARIOS"]

DAY = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC)
CONFIG = PipelineConfig()
TARGET = f"pipeline:{DAY}:files"
Act = tuple[Callable[[], object], str]

DELEGATES = {
    "trimtab.services.pipeline.run_stage": ("pipeline.record",),
    "trimtab.services.pipeline.wait_for_files": ("pipeline.hold",),
}


def _uow(db: Database) -> Callable[[], Any]:
    return db.unit_of_work


def _files(db: Database, state: StageState | None = None) -> Any:
    with _uow(db)() as uow:
        uow.pipeline.open_day(DAY, CONFIG.plan.names)
        status = next(s for s in uow.pipeline.statuses(DAY) if s.stage == "files")
        if state is not None:
            changed = replace(status, state=state, version=status.version + 1)
            assert uow.pipeline.update(changed, expected_version=status.version)
            status = changed
        uow.commit()
    return status


def pipeline_record(db: Database, who: Principal) -> Act:
    status = _files(db)
    done = replace(status, state=StageState.DONE, reason="ok", version=status.version + 1)
    return (
        lambda: record_attempt(
            _uow(db), done, expected_version=status.version, principal=who, now=NOW
        ),
        TARGET,
    )


def pipeline_skip(db: Database, who: Principal) -> Act:
    _files(db, StageState.FAILED)
    return (
        lambda: skip_stage(
            _uow(db), CONFIG, DAY, "files", reason="custodian down", principal=who, now=NOW
        ),
        TARGET,
    )


def pipeline_run_now(db: Database, who: Principal) -> Act:
    _files(db, StageState.FAILED)
    return lambda: rerun_stage(_uow(db), CONFIG, DAY, "files", principal=who, now=NOW), TARGET


def pipeline_hold(db: Database, who: Principal) -> Act:
    spec = DemoSpec(accounts=6, as_of=DAY, seed=3, days=30, households_per_chunk=10)
    assert load_demo_firm(db.unit_of_work, spec, principal=TESTER).loaded
    with _uow(db)() as uow:
        first = uow.pipeline.account_ids()[0]
    return (
        lambda: hold_source(
            _uow(db), "northbank", accounts="*", held=True, reason="lots missing",
            principal=who, now=NOW,
        ),
        first,
    )  # fmt: skip


def orders_import_fills(db: Database, who: Principal) -> Act:
    return (
        lambda: import_fills(_uow(db), "exec-20250630.fix", [], principal=who, now=NOW),
        "file:exec-20250630.fix",
    )


PIPELINE_SCENARIOS: dict[str, Callable[[Database, Principal], Act]] = {
    "pipeline.record": pipeline_record,
    "pipeline.skip": pipeline_skip,
    "pipeline.run_now": pipeline_run_now,
    "pipeline.hold": pipeline_hold,
    "orders.import_fills": orders_import_fills,
}
