"""Scenarios: an operator's probes and Prometheus scrape answer without signing in."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.ops.alert_scenarios import FOUND
from trimtab.bootstrap import Database
from trimtab.domain.principal import SCHEDULER
from trimtab.services.alerts import raise_alert
from trimtab.web import create_app


def _client(database: Database) -> TestClient:
    return TestClient(create_app(database), raise_server_exceptions=False)


def test_healthz_and_readyz_answer_without_a_sign_in(database: Database) -> None:
    client = _client(database)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["migrations"].startswith("ok at ")
    assert "no scheduler configured" in checks["scheduler"]


def test_readyz_refuses_a_database_behind_the_newest_migration(tmp_path: object) -> None:
    from trimtab.bootstrap import open_database

    db = open_database(f"sqlite:///{tmp_path}/old.db")
    db.upgrade()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0011'")
    answer = _client(db).get("/readyz")
    db.close()
    assert answer.status_code == 503
    assert "trimtab db upgrade" in answer.json()["checks"]["migrations"]


def test_metrics_parse_as_prometheus_text_with_the_alert_counts(database: Database) -> None:
    raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=dt.datetime.now(dt.UTC))
    answer = _client(database).get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    alerts = {
        (s.labels["severity"], s.labels["state"]): s.value
        for s in families["trimtab_alerts"].samples
    }
    assert alerts == {("critical", "open"): 1.0}
    assert families["trimtab_database_up"].samples[0].value == 1.0
    assert families["trimtab_alert_deliveries_pending"].samples[0].value == 0.0
    assert families["trimtab_review_queue_proposals"].samples[0].value == 0.0
    for name in ("trimtab_run_accounts", "trimtab_stage_state", "trimtab_file_lateness_seconds"):
        assert name in families


def test_readyz_reads_the_heartbeat_the_scheduler_writes(database: Database) -> None:
    from trimtab.services.nightly_run import Here
    from trimtab.services.pipeline import LEASE_STALE_AFTER, take_scheduler_lease

    here = Here("scheduler-host", 4711, pid_alive=lambda pid: True)
    now = dt.datetime.now(dt.UTC)
    taken, _ = take_scheduler_lease(database.unit_of_work, here=here, now=now)
    assert taken
    fresh = _client(database).get("/readyz")
    assert fresh.status_code == 200, fresh.text
    assert "scheduler-host:4711 beat" in fresh.json()["checks"]["scheduler"]

    # The same scheduler, silent past the staleness after which another may take over.
    late = now - LEASE_STALE_AFTER - dt.timedelta(seconds=5)
    with database.unit_of_work() as uow:
        assert uow.pipeline.beat("scheduler", holder=here.holder, at=late)
        uow.commit()
    stale = _client(database).get("/readyz")
    assert stale.status_code == 503
    verdict = stale.json()["checks"]["scheduler"]
    assert "heartbeat (scheduler-host:4711)" in verdict
    assert verdict.endswith(" s old")
