"""Operators' endpoints: `/healthz`, `/readyz` and Prometheus `/metrics`.

Problem: a load balancer, an orchestrator and a monitoring server must each learn what
they need without signing in: is the process alive, can it serve (database reachable,
schema current, scheduler beating), and how is the firm's day going in numbers.

Rule:
- `/healthz` answers 200 while the process serves requests; it touches nothing else, so
  a database outage does not get every web worker restarted.
- `/readyz` answers 200 when the database answers, its schema is at the newest migration
  and the scheduler's heartbeat is fresh (or no scheduler was ever configured, which it
  says); else 503 with each check's verdict.
- `/metrics` is Prometheus text exposition. A custom collector reads the database at
  scrape time (`services.monitoring.metrics_snapshot`), so every uvicorn worker answers
  the same numbers; no counter lives in one process's memory.
- All three are `public()`: they expose counts and states, never an account, a person
  or a secret. A firm that wants more puts them behind its proxy (docs/alerts.md).

    $ curl -s localhost:8000/readyz
    {"ready": true, "checks": {"database": "ok", "migrations": "ok at 0013", ...}}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from trimtab.bootstrap import DATABASE_ERRORS, Database
from trimtab.services.monitoring import metrics_snapshot, scheduler_heartbeat
from trimtab.web.deps import SignIn, get_database, public

__all__ = ["DatabaseCollector", "router"]

router = APIRouter(include_in_schema=False)

Anyone = Annotated[SignIn | None, public()]


@router.get("/healthz")
def healthz(_: Anyone) -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, _: Anyone) -> JSONResponse:
    """Ready to serve: database, migrations, scheduler heartbeat."""
    database = get_database(request)
    checks: dict[str, str] = {}
    ready = True
    try:
        current = database.current_revision()
        checks["database"] = "ok"
        head = database.head_revision()
        if current == head:
            checks["migrations"] = f"ok at {current}"
        else:
            ready = False
            checks["migrations"] = f"at {current}, newest is {head}: run `trimtab db upgrade`"
        # The pipeline's unit of work: the plain one has no lease to read, and would
        # always answer "no scheduler configured".
        beat = scheduler_heartbeat(database.unit_of_work, now=dt.datetime.now(dt.UTC))
        checks["scheduler"] = beat.message
        ready = ready and beat.ok
    except DATABASE_ERRORS as error:
        ready = False
        checks["database"] = f"unreachable: {type(error).__name__}"
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


class DatabaseCollector(Collector):
    """Prometheus metrics read from the database at each scrape."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("trimtab_database_up", "1 when the database answered the scrape")
        try:
            snap = metrics_snapshot(self.database.unit_of_work, now=dt.datetime.now(dt.UTC))
        except DATABASE_ERRORS:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _metrics(snap)


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


def _metrics(snap: Any) -> Iterator[Metric]:
    outcomes = _gauge("trimtab_run_accounts", "Accounts of the latest run by outcome", ["outcome"])
    for outcome, count in sorted(snap.outcomes.items()):
        outcomes.add_metric([outcome], count)
    yield outcomes
    failed = _gauge("trimtab_run_failed_accounts", "Accounts of the latest run that failed")
    failed.add_metric([], snap.failed_accounts)
    yield failed
    started = _gauge("trimtab_run_started_timestamp_seconds", "When the latest run started")
    finished = _gauge("trimtab_run_finished", "1 when the latest run is finished")
    seconds = _gauge("trimtab_run_duration_seconds", "How long the latest run took")
    if snap.run_id is not None:
        started.add_metric([], snap.run_started_at.timestamp())
        finished.add_metric([], 1 if snap.run_state == "finished" else 0)
        if snap.run_seconds is not None:
            seconds.add_metric([], snap.run_seconds)
    yield from (started, finished, seconds)
    state = _gauge(
        "trimtab_stage_state",
        "1 for the state each stage of the latest day is in",
        ["stage", "state"],
    )
    attempts = _gauge("trimtab_stage_attempts", "Attempts made per stage", ["stage"])
    duration = _gauge("trimtab_stage_duration_seconds", "Last attempt's duration", ["stage"])
    for s in snap.stages:
        state.add_metric([s.stage, s.state], 1)
        attempts.add_metric([s.stage], s.attempts)
        if s.seconds is not None:
            duration.add_metric([s.stage], s.seconds)
    yield from (state, attempts, duration)
    lateness = _gauge(
        "trimtab_file_lateness_seconds",
        "Today's expected files: seconds after the deadline (negative: early/not due)",
        ["source", "feed", "state"],
    )
    for f in snap.files:
        lateness.add_metric([f.source, f.feed, f.state], f.lateness_seconds)
    yield lateness
    alerts = _gauge("trimtab_alerts", "Alerts by severity and state", ["severity", "state"])
    for count in snap.alerts:
        alerts.add_metric([count.severity.value, count.state.value], count.count)
    yield alerts
    pending = _gauge("trimtab_alert_deliveries_pending", "Alert notices not sent yet")
    pending.add_metric([], snap.deliveries_pending)
    yield pending
    queue = _gauge("trimtab_review_queue_proposals", "Proposals waiting for review")
    queue.add_metric([], snap.review_queue)
    yield queue
    age = _gauge("trimtab_review_queue_oldest_age_seconds", "Age of the oldest proposal waiting")
    age.add_metric([], snap.review_oldest_seconds)
    yield age


@router.get("/metrics")
def metrics(request: Request, _: Anyone) -> Response:
    """Prometheus text exposition, computed from the database now."""
    registry = getattr(request.app.state, "metrics_registry", None)
    if registry is None:
        # One registry per app (not the process-global one): each app, each test, its own.
        registry = CollectorRegistry(auto_describe=False)
        registry.register(DatabaseCollector(get_database(request)))
        request.app.state.metrics_registry = registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
