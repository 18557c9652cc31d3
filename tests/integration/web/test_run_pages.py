"""Scenarios: the operations side reads where the nightly runs stand and how healthy the
process is; the overlay desk voids a bad run with a reason (one `run.void` entry); a
running run's progress is polled by the page until it stops. Advisors and the committee
do not see the runs; only overlay and admin void; a void without its CSRF token or its
reason, of an unknown run or of a voided one, changes nothing.

The firm's one night (2025-06-30, twelve accounts, every proposal sent to review)
started long before today: process health calls the latest run stale."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.integration.web.conftest import AS_OF, WebFirm, sign_in_as
from trimtab.bootstrap import Database
from trimtab.domain.audit import AuditEntry
from trimtab.domain.principal import Principal
from trimtab.services.nightly_run import Here, RunRequest, release_lease, start_run
from trimtab.services.run_ports import RunState


def _voids(db: Database) -> list[AuditEntry]:
    with db.unit_of_work() as uow:
        return list(uow.audit.entries(action="run.void"))


def _state(db: Database, run_id: str) -> RunState:
    with db.unit_of_work() as uow:
        run = uow.runs.run(run_id)
        assert run is not None
        return run.state


def _row(page: str, run_id: str) -> str:
    found = re.search(rf'<tr id="run-{re.escape(run_id)}">(.*?)</tr>', page, re.S)
    assert found, page
    return re.sub(r"\s+", " ", found.group(1))


def _health(page: str) -> str:
    found = re.search(r'<section id="health">(.*?)</section>', page, re.S)
    assert found, page
    return re.sub(r"\s+", " ", found.group(1))


def test_the_operations_side_reads_the_runs_and_the_health_others_are_refused(
    app: FastAPI, web_firm: WebFirm
) -> None:
    run = web_firm.run_id
    with web_firm.database.unit_of_work() as uow:
        counts = uow.runs.tally(run).counts
    assert sum(counts.values()) == 12
    for login in ("overlay", "admin", "compliance", "management", "data"):
        browser, _ = sign_in_as(app, login)
        page = browser.get("/runs")
        assert page.status_code == 200, login
        row = _row(page.text, run)
        assert "finished" in row
        assert "cli:setup" in row
        assert "<br>".join(f"{o} {n}" for o, n in sorted(counts.items())) in row
        health = _health(page.text)
        assert 'latest run</td><td class="bad">bad' in health.replace("> <", "><")
        assert f"run {run} (as of {AS_OF}): finished" in health
        assert "a night was missed" in health
        assert "no account failed to analyze" in health
        assert ("Void run" in page.text) is (login in ("overlay", "admin"))
        assert 'hx-trigger="every' not in page.text  # nothing runs: no polling
    for login in ("advisor", "committee"):
        browser, _ = sign_in_as(app, login)
        assert browser.get("/runs").status_code == 403
        assert browser.get("/runs/live").status_code == 403


def test_the_overlay_desk_voids_a_run_with_a_reason_once(app: FastAPI, web_firm: WebFirm) -> None:
    db, run = web_firm.database, web_firm.run_id
    void = f"/runs/{run}/void"
    compliance, token = sign_in_as(app, "compliance")
    refused = compliance.post(void, data={"reason": "bad prices", "csrf_token": token})
    assert refused.status_code == 403
    assert "run_nightly" in refused.text

    overlay, csrf = sign_in_as(app, "overlay")
    assert overlay.post(void, data={"reason": "bad prices"}).status_code == 403  # no token
    no_reason = overlay.post(void, data={"reason": "  ", "csrf_token": csrf})
    assert no_reason.status_code == 422
    assert "<code>reason</code>: say why the run is voided" in no_reason.text
    unknown = overlay.post("/runs/1999-01-01.9/void", data={"reason": "x", "csrf_token": csrf})
    assert unknown.status_code == 404
    assert "there is no run 1999-01-01.9" in unknown.text
    assert _state(db, run) is RunState.FINISHED
    assert _voids(db) == []

    voided = overlay.post(
        void, data={"reason": "wrong prices from the custodian", "csrf_token": csrf}
    )
    assert voided.status_code == 303
    assert _state(db, run) is RunState.VOIDED
    (entry,) = _voids(db)
    assert (entry.principal, entry.targets, entry.reason) == (
        "user:overlay",
        (f"run:{run}",),
        "wrong prices from the custodian",
    )
    page = overlay.get("/runs").text
    assert "voided" in _row(page, run)
    assert "Voided by user:overlay" in page
    assert "wrong prices from the custodian" in page
    assert f'action="/runs/{run}/void"' not in page  # nothing left to void
    assert "no nightly run has been recorded" in _health(page)  # a voided run does not count

    again = overlay.post(void, data={"reason": "twice", "csrf_token": csrf})
    assert again.status_code == 409
    assert "voided already" in again.text
    assert len(_voids(db)) == 1


def test_a_running_run_is_polled_until_it_stops(app: FastAPI, web_firm: WebFirm) -> None:
    db = web_firm.database
    here = Here.this_process()  # this test holds the run, as a live `trimtab run` would
    started, problems = start_run(
        db.unit_of_work, RunRequest(AS_OF), principal=Principal.cli("ops"), here=here,
        today=AS_OF,
    )  # fmt: skip
    assert started is not None, problems
    management, _ = sign_in_as(app, "management")

    page = management.get("/runs").text
    assert 'hx-get="/runs/live" hx-trigger="every 5s"' in page
    assert f"Run {started.run.id} is running" in page
    live = management.get("/runs/live")
    assert live.status_code == 200
    assert "<h1>" not in live.text
    assert "0 of 12 accounts analyzed" in live.text
    assert 'hx-trigger="every 5s"' in live.text
    assert "running, started" in _health(page)
    assert "in progress" in _health(page)

    release_lease(db.unit_of_work, started.run.id, here=here)  # Ctrl-C: resumable
    stopped = management.get("/runs/live").text
    assert "hx-trigger" not in stopped
    assert "The run has stopped" in stopped
    page = management.get("/runs").text
    assert "interrupted" in _row(page, started.run.id)
    assert "nobody is driving it: resume it" in _health(page)
    assert "12 accounts not analyzed yet" in page
    assert "trimtab run --resume" in page
