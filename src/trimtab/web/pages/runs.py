"""Nightly runs and process health in pages: where the runs stand, and voiding one.

Problem: the overlay desk and the administrator need to see whether last night's run
happened and how it ended — each run's state (running, interrupted, finished, voided),
its outcomes by kind, the accounts that failed and why, a running run's progress as it
goes — and whether the process as a whole is healthy (the latest run's age, failed
accounts, late files). A run computed on wrong data must be set aside, with a reason.

Rule:
- Who reads: `GET /runs` and its live part need `data_read` — the operations side of the
  firm: overlay, compliance, management (oversight of the program), the data desk (whose
  files the run reads) and admin (the admin dashboard's process health). Advisors and the
  committee do not: the runs are firm-wide and name every failed account. ROLES.md has
  no row for reading run status; this is the choice, stated in docs/web.md too.
- Who voids: `POST /runs/{id}/void` needs `run_nightly` (overlay, admin: ROLES.md "start,
  resume or void a nightly run"); a reason is required (422 naming `reason`), a run in
  progress or voided already is 409, an unknown run 404 — nothing changed in each case;
  done, it is one `run.void` entry (`nightly_run.void_run`).
- What is shown: `process_health.process_health` (three checks with a verdict) and
  `nightly_run.run_status` (the latest `RUNS_SHOWN` runs, newest first, voided too, each
  with its outcome counts and first failures). While a run is running the page polls
  `GET /runs/live` (htmx, every `POLL_SECONDS`) for the progress and the counts; the
  polling stops by itself once nothing is running (the fragment no longer asks).
Starting or resuming a run stays with `trimtab run`: an hour-long run is no request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.nightly_run import Here, RunStatus, run_status, void_run
from trimtab.services.process_health import process_health
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem
from trimtab.web.templating import flash, render

__all__ = ["POLL_SECONDS", "RUNS_SHOWN", "router"]

router = APIRouter()

Reader = Annotated[Principal, requires(Permission.DATA_READ)]
Operator = Annotated[Principal, requires(Permission.RUN_NIGHTLY)]
RUNS_SHOWN = 10
POLL_SECONDS = 5


def _runs(new_uow: NewUnitOfWork, now: dt.datetime) -> list[RunStatus]:
    return run_status(new_uow, here=Here.this_process(), limit=RUNS_SHOWN, now=now)


def _context(new_uow: NewUnitOfWork) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    runs = _runs(new_uow, now)
    return {
        "now": now,
        "runs": runs,
        "running": any(r.shown == "running" for r in runs),
        "poll_seconds": POLL_SECONDS,
    }


def _page(
    request: Request,
    new_uow: NewUnitOfWork,
    *,
    problems: list[Problem] | None = None,
    about: str | None = None,
    reason: str = "",
) -> Response:
    problems = problems or []
    now = dt.datetime.now(dt.UTC)
    context = _context(new_uow)
    runs: list[RunStatus] = context["runs"]
    voidable = {r.run.id for r in runs if r.shown in ("finished", "interrupted")}
    return render(
        request,
        "runs/runs.html",
        {
            **context,
            "health": process_health(new_uow, here=Here.this_process(), now=now),
            "problems": problems,
            # The run whose void form the problems belong to; none (shown on top) when
            # that run has no form (unknown, running, voided already).
            "about": about if about in voidable else None,
            "reason": reason,
        },
        status_code=WebProblem.of(problems).status if problems else 200,
    )


@router.get("/runs")
def runs_page(request: Request, new_uow: NewUnitOfWork, viewer: Reader) -> Response:
    return _page(request, new_uow)


@router.get("/runs/live")
def runs_live(request: Request, new_uow: NewUnitOfWork, viewer: Reader) -> Response:
    """The runs table alone, for the page's polling while a run is running."""
    return render(request, "runs/_live.html", {**_context(new_uow), "was_running": True})


@router.post("/runs/{run_id}/void")
def void(
    request: Request,
    run_id: str,
    new_uow: NewUnitOfWork,
    principal: Operator,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    problems = void_run(
        new_uow, run_id, principal=principal, reason=reason, here=Here.this_process()
    )
    if problems:
        return _page(request, new_uow, problems=problems, about=run_id, reason=reason)
    response = RedirectResponse("/runs", status_code=303)
    return flash(response, f"Run {run_id} voided: {reason.strip()}")
