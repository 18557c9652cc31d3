"""Reports in pages: taxes saved, health checks and explained activity, for any level and
period, as a page or as a PDF or CSV download — the same templates as the files.

Problem: an advisor preparing a client meeting, a compliance officer answering an
examiner and management reviewing the program want the reports without a terminal, in
the same words and numbers as the PDF they send on.

Rule:
- `GET /reports` is the index: a form choosing the report, the level (account,
  household, advisor, firm), its id and the period. It needs `reports` (taxes saved,
  explained activity); the health report needs `health_reports` — both are "own" for an
  advisor and "all" for overlay, compliance, management and admin (ROLES.md).
- `GET /reports/taxes-saved`, `/reports/activity` and `/reports/health` take the same
  query (`level`, `id`, `start`, `end`, and `format`: html is the page, pdf and csv
  download the file; `view` = letter or compliance for activity). The service applies
  the viewer's scope in SQL: an advisor's firm-level report covers their own accounts
  only, and another advisor's account, household or advisor id is 404.
- `POST /reports/health/exempt` answers a failed check with a reason (`customize_accounts`:
  the advisor for their own accounts, overlay, admin): the one write here, CSRF-checked,
  audited (`reports.health_exempt`); a missing reason is 422 naming `reason`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.reports.documents import PdfUnavailable, render_csv, render_fragment, render_html
from trimtab.reports.documents import render_pdf as pdf_of
from trimtab.services.activity import activity_report
from trimtab.services.health_checks import CHECKS, exempt_call_to_action, health_report
from trimtab.services.report_scope import Level, ReportRequest
from trimtab.services.taxes_saved import taxes_saved
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem, answer
from trimtab.web.templating import flash, render

__all__ = ["router"]

router = APIRouter()

Reader = Annotated[Principal, requires(Permission.REPORTS)]
HealthReader = Annotated[Principal, requires(Permission.HEALTH_REPORTS)]
Customizer = Annotated[Principal, requires(Permission.CUSTOMIZE_ACCOUNTS)]

LevelQuery = Annotated[Literal["account", "household", "advisor", "firm"], Query()]
IdQuery = Annotated[str, Query(max_length=100)]
DayQuery = Annotated[dt.date | None, Query()]
FormatQuery = Annotated[Literal["html", "pdf", "csv"], Query()]

REPORTS = {
    "taxes-saved": "Taxes saved",
    "activity": "Explained activity",
    "health": "Portfolio health checks",
}


def _request(level: str, subject: str, start: dt.date | None, end: dt.date | None) -> ReportRequest:
    last = end or dt.datetime.now(dt.UTC).date()
    first = start or dt.date(last.year, 1, 1)
    chosen = Level(level)
    return ReportRequest(chosen, None if chosen is Level.FIRM else subject.strip(), first, last)


def _respond(
    request: Request, kind: str, report: Any, fmt: str, query: dict[str, Any], view: str = "letter"
) -> Response:
    name = f"{kind}-{query['level']}{'-' + query['id'] if query['id'] else ''}"
    if fmt == "csv":
        return Response(
            render_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "pdf":
        try:
            pdf = pdf_of(render_html(report, view=view))
        except PdfUnavailable as missing:
            problem = Problem("format", str(missing), kind=ProblemKind.UNAVAILABLE)
            raise WebProblem.of([problem]) from None
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return render(
        request,
        "reports/report.html",
        {
            "kind": kind,
            "title": REPORTS[kind],
            "query": query,
            "view": view,
            "fragment": render_fragment(report, view=view),
            "checks": CHECKS,
        },
    )


def _query(level: str, subject: str, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    return {
        "level": level,
        "id": "" if level == "firm" else subject,
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
    }


@dataclass(frozen=True)
class _Asked:
    """What a report page was asked for: the service's request and the query as typed
    (for the form and the file name)."""

    request: ReportRequest
    query: dict[str, Any]


def _asked(
    level: LevelQuery = "firm", id: IdQuery = "", start: DayQuery = None, end: DayQuery = None
) -> _Asked:
    return _Asked(_request(level, id, start, end), _query(level, id, start, end))


Asked = Annotated[_Asked, Depends(_asked)]


@router.get("/reports")
def reports_index(request: Request, viewer: Reader) -> Response:
    return render(request, "reports/index.html", {"reports": REPORTS})


@router.get("/reports/taxes-saved")
def taxes_saved_page(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Reader,
    asked: Asked,
    format: FormatQuery = "html",
) -> Response:
    report = answer(taxes_saved(new_uow, asked.request, viewer=viewer))
    return _respond(request, "taxes-saved", report, format, asked.query)


@router.get("/reports/activity")
def activity_page(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Reader,
    asked: Asked,
    view: Annotated[Literal["letter", "compliance"], Query()] = "compliance",
    format: FormatQuery = "html",
) -> Response:
    report = answer(activity_report(new_uow, asked.request, viewer=viewer))
    return _respond(request, "activity", report, format, asked.query, view)


@router.get("/reports/health")
def health_page(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: HealthReader,
    asked: Asked,
    format: FormatQuery = "html",
) -> Response:
    report = answer(health_report(new_uow, asked.request, viewer=viewer))
    return _respond(request, "health", report, format, asked.query)


@router.post("/reports/health/exempt")
def exempt(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Customizer,
    run_id: Annotated[str, Form(min_length=1, max_length=40)],
    account: Annotated[str, Form(min_length=1, max_length=40)],
    check: Annotated[Literal["drift", "cash", "restrictions", "risk", "data"], Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    answer(
        exempt_call_to_action(new_uow, run_id, account, check, reason=reason, principal=principal)
    )
    response = RedirectResponse(
        f"/reports/health?{urlencode({'level': 'account', 'id': account})}", status_code=303
    )
    return flash(response, f"Exempted: {check} of {account} in run {run_id}")
