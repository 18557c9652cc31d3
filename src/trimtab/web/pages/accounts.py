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
- `GET /accounts/{id}` is `show_account` with its last `HISTORY` analyses and review
  decisions (one unit of work); an account outside the viewer's scope is 404, as is
  one that does not exist (its existence does not leak).
  Target vs current by group is the groups' table with a bar per group (`group_bars`:
  an HTML `<meter>` the browser draws, the band its "good" region), not a drawn chart.
  Up to `LOTS_INLINE` lots are listed on the page; a direct index's hundreds are on
  `GET /accounts/{id}/lots`, one click away (drawing 600 lots was half the page's time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.services.accounts import GroupView, list_accounts, show_account
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem, answer
from trimtab.web.pages import dashboards as _formatting  # noqa: F401  (the number filters)
from trimtab.web.templating import render

__all__ = ["LOTS_INLINE", "PAGE_SIZE", "GroupBar", "group_bars", "router"]

router = APIRouter()

Viewer = Annotated[Principal, requires(Permission.SEE_ACCOUNTS)]
PAGE_SIZE = 50
LOTS_INLINE = 100
HISTORY = 20  # analyses and decisions listed on the page


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


@dataclass(frozen=True, slots=True)
class GroupBar:
    """One group's current weight as a bar (an HTML `<meter>`): the bars of an account
    share one scale, the band around the target is the meter's "good" region, so a
    browser draws a group inside its band in one colour and one outside it in another."""

    group: GroupView
    scale: float  # the largest weight or band edge of the account's groups
    low: float  # the band's edges, inside [0, scale]
    high: float
    label: str  # what the bar says, in words (shown when meters are not drawn)


def group_bars(groups: tuple[GroupView, ...]) -> tuple[GroupBar, ...]:
    """A bar per group, in the table's order: current weight against target and band.

    Drawn by the browser from the figures: drawing the old matplotlib chart of the same
    figures was about half the account page's time (≈ 100 ms of 200 ms, 1-4 s for a
    direct-index account), on every view of every account.

        >>> bar, = group_bars((GroupView("Equity", (), ("VOO",), 0.60, 0.66, 0.05),))
        >>> round(bar.low, 2), round(bar.high, 2), round(bar.scale, 2)
        (0.55, 0.65, 0.66)
        >>> bar.label
        'current 66.00%, target 60.00% ± 5.00%: outside its band'
    """
    scale = max([g.current for g in groups] + [g.target + g.band for g in groups] + [0.01])
    return tuple(
        GroupBar(
            g,
            scale,
            min(scale, max(0.0, g.target - g.band)),
            min(scale, max(0.0, g.target + g.band)),
            f"current {g.current:.2%}, target {g.target:.2%} ± {g.band:.2%}: "
            + ("outside its band" if g.outside_band > 0 else "inside its band"),
        )
        for g in groups
    )


@router.get("/accounts/{account_id}")
def account(
    request: Request,
    account_id: Annotated[str, Path(max_length=100)],
    new_uow: NewUnitOfWork,
    viewer: Viewer,
) -> Response:
    view = answer(show_account(new_uow, account_id, viewer=viewer, history=HISTORY))
    return render(
        request,
        "accounts/show.html",
        {
            "view": view,
            "history": view.history,
            "bars": group_bars(view.groups),
            "lots_inline": LOTS_INLINE,
        },
    )


@router.get("/accounts/{account_id}/lots")
def account_lots(
    request: Request,
    account_id: Annotated[str, Path(max_length=100)],
    new_uow: NewUnitOfWork,
    viewer: Viewer,
) -> Response:
    view = answer(show_account(new_uow, account_id, viewer=viewer))
    return render(request, "accounts/lots.html", {"view": view})
