"""The data desk in pages: today's files, unknown securities, corporate actions and
synchronization holds, each with the action that resolves it.

Problem: each morning the data manager must know which custodian files arrived and
which are late or missing, which securities the firm has never seen (their holders are
held out of trading until they are classified), which corporate actions wait to be
applied, and which accounts are suspended because their feeds disagree about an event —
and resolve each from the same page, with every resolution on the audit trail.

Rule: `GET /data` (`data_read`: the data desk, overlay, compliance, management, admin)
reads `file_monitoring.feed_status` (today, or `?day=`; it raises its once-a-day alerts, as
`trimtab feeds status` does), `security_master.unknown_securities`,
`security_lookup.corporate_actions(pending=True)` and `data_desk.synchronization_holds`.
The actions need `data_write` (the data desk, admin), are forms with the CSRF token,
and call one service each, which writes its one audit entry:
- `POST /data/securities/{ticker}/classify` — `classify_security` (`securities.classify`;
  the accounts it held are released);
- `POST /data/corporate-actions/{id}/apply` — `apply_requested_actions`
  (`corporate_actions.apply`; an unknown id is 404, one already applied 409);
- `POST /data/synchronization/check` — `check_synchronization` for today
  (`feeds.check_sync`): holds whose feeds now agree are released.
A refused action answers the page again with the problem at its field (422/404/409) and
nothing changed; a done one redirects back with what it did.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.corporate_action_processing import apply_requested_actions
from trimtab.services.data_desk import synchronization_holds
from trimtab.services.file_monitoring import feed_status
from trimtab.services.security_lookup import corporate_actions
from trimtab.services.security_master import classify_security, unknown_securities
from trimtab.services.synchronization import check_synchronization
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem
from trimtab.web.templating import flash, render

__all__ = ["router"]

router = APIRouter()

Reader = Annotated[Principal, requires(Permission.DATA_READ)]
Writer = Annotated[Principal, requires(Permission.DATA_WRITE)]
Field = Annotated[str, Form(max_length=100)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _page(
    request: Request,
    new_uow: NewUnitOfWork,
    *,
    problems: list[Problem] | None = None,
    about: str | None = None,
    entered: dict[str, str] | None = None,
    day: dt.date | None = None,
) -> Response:
    now = _now()
    problems = problems or []
    unknown = unknown_securities(new_uow)
    actions = corporate_actions(new_uow, pending=True)
    rows = {f"security:{u.ticker}" for u in unknown} | {f"action:{a.event.id}" for a in actions}
    return render(
        request,
        "data/data.html",
        {
            "now": now,
            "files": feed_status(new_uow, day=day or now.date(), now=now),
            "unknown": unknown,
            "actions": actions,
            "holds": synchronization_holds(new_uow),
            "problems": problems,
            # The row whose form the problems belong to; none (shown on top) when that row
            # is not listed (an action applied meanwhile, a ticker typed in the address).
            "about": about if about in rows else None,
            "entered": entered or {},
        },
        status_code=WebProblem.of(problems).status if problems else 200,
    )


@router.get("/data")
def data_page(
    request: Request, new_uow: NewUnitOfWork, viewer: Reader, day: dt.date | None = None
) -> Response:
    """`?day=YYYY-MM-DD` shows that day's files (default today)."""
    return _page(request, new_uow, day=day)


def _done(message: str) -> Response:
    return flash(RedirectResponse("/data", status_code=303), message)


def _blank(value: str) -> str | None:
    return value.strip() or None


@router.post("/data/securities/{ticker}/classify")
def classify(
    request: Request,
    ticker: str,
    new_uow: NewUnitOfWork,
    principal: Writer,
    asset_class: Field = "",
    sector: Field = "",
    proxy: Field = "",
) -> Response:
    result = classify_security(
        new_uow,
        ticker,
        asset_class=_blank(asset_class),
        sector=_blank(sector),
        proxy=_blank(proxy),
        principal=principal,
        now=_now(),
    )
    if result.problems:
        entered = {"asset_class": asset_class, "sector": sector, "proxy": proxy}
        return _page(
            request,
            new_uow,
            problems=list(result.problems),
            about=f"security:{result.ticker}",
            entered=entered,
        )
    released = len(result.released)
    return _done(
        f"Classified {result.ticker}; {released:,} account{'' if released == 1 else 's'} "
        "released to trade."
    )


@router.post("/data/corporate-actions/{action_id}/apply")
def apply_action(
    request: Request, action_id: str, new_uow: NewUnitOfWork, principal: Writer
) -> Response:
    applied, problems = apply_requested_actions(
        new_uow, [action_id], principal=principal, now=_now()
    )
    if problems:
        return _page(request, new_uow, problems=problems, about=f"action:{action_id}")
    accounts = sum(len(a.accounts) for a in applied)
    return _done(
        f"Applied {action_id}: {accounts:,} account{'' if accounts == 1 else 's'} restated."
    )


@router.post("/data/synchronization/check")
def check_sync(request: Request, new_uow: NewUnitOfWork, principal: Writer) -> Response:
    now = _now()
    report = check_synchronization(new_uow, day=now.date(), principal=principal, now=now)
    return _done(
        f"Synchronization checked: {len(report.released):,} released, "
        f"{len(report.suspended):,} newly suspended."
    )
