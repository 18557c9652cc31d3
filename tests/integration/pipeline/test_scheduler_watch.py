"""Scenarios: the scheduler watches the day as it runs it — after each stage it runs the
process checks and sends the alerts due, once each — and every line a stage or a nightly
run writes names its stage or its run.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import DEMO_AS_OF, OPS, load_small_firm
from tests.integration.pipeline.firm_day import DAY, FakeClock
from trimtab.batch.pipeline import Scheduler, StageWork
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database
from trimtab.domain.alerts import Severity
from trimtab.domain.pipeline import PipelinePlan
from trimtab.logs import configure_logging
from trimtab.services.alert_delivery import AlertMessage
from trimtab.services.pipeline import PipelineConfig


class RecordingChannel:
    """A channel that keeps what it was given (a receiver that never fails)."""

    name = "ops-desk"
    severities = frozenset(Severity)

    def __init__(self) -> None:
        self.sent: list[AlertMessage] = []

    def send(self, message: AlertMessage) -> None:
        self.sent.append(message)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = configure_logging("json", stream=out, level=logging.INFO)
    yield out
    logging.getLogger().removeHandler(handler)


def _lines(log: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.getvalue().splitlines()]


def test_each_stage_is_followed_by_the_checks_and_their_alerts_are_sent_once(
    database: Database, database_url: str, tmp_path: Path, json_log: io.StringIO
) -> None:
    load_small_firm(database, accounts=3)
    # Only the files stage is due at 06:00 (nothing else may start before noon).
    plan = PipelinePlan.standard({"corporate_actions": {"not_before": dt.time(12)}})
    config = PipelineConfig(plan, inbox=tmp_path / "inbox", outbox=tmp_path / "outbox")
    clock = FakeClock(dt.datetime(2025, 6, 30, tzinfo=dt.UTC)).at(6, 0)
    channel = RecordingChannel()
    work = StageWork(database, database_url, config, clock=clock)
    scheduler = Scheduler(work, day=DAY, channels=[channel])
    assert scheduler.start() == []

    assert scheduler.tick() == ["files"]

    # The checks ran after the stage: the firm never ran a night, and the desk was told.
    assert [m.alert.cause for m in channel.sent] == ["run.none:firm"]
    stage_lines = [line for line in _lines(json_log) if line.get("stage_id")]
    assert stage_lines, json_log.getvalue()
    assert {line["stage_id"] for line in stage_lines} == {f"{DAY}:files"}
    assert any(str(line["message"]).startswith(f"{DAY} files: done") for line in stage_lines)

    clock.at(6, 1)
    assert scheduler.tick() == []
    assert len(channel.sent) == 1, "told once per cause, not once per tick"


def test_the_nightly_run_names_its_run_on_every_line(
    database: Database, database_url: str, json_log: io.StringIO
) -> None:
    load_small_firm(database, accounts=3)

    summary = run_nightly(database_url, as_of=DEMO_AS_OF, principal=OPS, workers=1)

    assert summary.finished
    mine = [line for line in _lines(json_log) if line["logger"] == "trimtab.run"]
    assert [str(line["message"]).split(":")[0] for line in mine] == [
        f"run {summary.run_id} (as of {DEMO_AS_OF})",
        f"run {summary.run_id} finished on local process pool, 1 workers",
    ]
    assert {line["run_id"] for line in mine} == {summary.run_id}
