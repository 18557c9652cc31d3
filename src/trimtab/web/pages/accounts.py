"""Accounts in pages: the list (with a filter and pages) and one account whole.

Problem: anyone who may see accounts needs to find one ("advisor Lee, drifted, sent to
review") and then see it entire — what it holds, each lot's gain and term, how far each
group is from target and whether that is outside its band, what the last run proposed
and why, which settings are in force, where each was set and what it means, its flags,
and the history of analyses and review decisions — without a terminal.

Rule: both routes need `see_accounts` and pass the principal as `viewer`:
- `GET /accounts?filter=&page=` is `list_accounts` (the filter language, or
  `@saved-name`); a filter with errors answers 422 with each message under the box (the
  filter machinery's message points at the column with a caret). Pages of `PAGE_SIZE`
  accounts, in account order; the count is that of the whole match, in scope.
- `GET /accounts/{id}` is `show_account` and `account_history`; an account outside the
  viewer's scope is 404, as is one that does not exist (its existence does not leak).
  The drift chart is `trimtab.reports.charts.drift_chart` of the page's groups.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.reports.charts import data_uri, drift_chart
from trimtab.services.accounts import GroupView, list_accounts, show_account
from trimtab.services.dashboards import account_history
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem, answer
from trimtab.web.pages import dashboards as _formatting  # noqa: F401  (the number filters)
from trimtab.web.templating import render

__all__ = ["CHART_GROUPS", "PAGE_SIZE", "group_chart", "router"]

router = APIRouter()

Viewer = Annotated[Principal, requires(Permission.SEE_ACCOUNTS)]
PAGE_SIZE = 50


@router.get("/accounts")
def accounts(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Viewer,
    filter: Annotated[str, Query(max_length=2000)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    found, problems = list_accounts(
        new_uow,
        filter or None,
        viewer=viewer,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    if found is None:
        return render(
            request,
            "accounts/list.html",
            {
                "filter": filter,
                "found": None,
                "problems": problems,
                "page": page,
                "pages": 0,
            },
            status_code=WebProblem.of(problems).status,
        )
    pages = max(1, math.ceil(found.count / PAGE_SIZE))
    return render(
        request,
        "accounts/list.html",
        {"filter": filter, "found": found, "problems": [], "page": page, "pages": pages},
    )


CHART_GROUPS = 24  # bars a drift chart can show legibly (the table lists every group)


def group_chart(groups: tuple[GroupView, ...]) -> str:
    """Target vs current weight per group, the band around the target (SVG text).

    A direct-index account has hundreds of groups (a stock held outside every group is
    one): 376 slanted labels are unreadable, and drawing them took matplotlib 1-4 s a
    page. Past CHART_GROUPS, the chart shows the CHART_GROUPS groups furthest outside
    their bands (then furthest from target), in the table's order, and says so; the
    table below it lists them all."""
    shown = groups
    title = "Target vs current weight by group"
    if len(groups) > CHART_GROUPS:
        worst = sorted(groups, key=lambda g: (-g.outside_band, -abs(g.drift), g.id))
        keep = {g.id for g in worst[:CHART_GROUPS]}
        shown = tuple(g for g in groups if g.id in keep)
        title = f"The {CHART_GROUPS} of {len(groups)} groups furthest from target"
    return drift_chart(
        [g.id for g in shown],
        target=[g.target for g in shown],
        current=[g.current for g in shown],
        band=[g.band for g in shown],
        title=title,
    )


@router.get("/accounts/{account_id}")
def account(
    request: Request,
    account_id: Annotated[str, Path(max_length=100)],
    new_uow: NewUnitOfWork,
    viewer: Viewer,
) -> Response:
    view = answer(show_account(new_uow, account_id, viewer=viewer))
    history = answer(account_history(new_uow, account_id, viewer=viewer))
    chart = data_uri(group_chart(view.groups)) if view.groups else None
    return render(
        request,
        "accounts/show.html",
        {"view": view, "history": history, "chart": chart},
    )
