"""`/api/v1/accounts`: list accounts through a filter, export the list, show one account.

Problem: a system (an OMS, the firm's reporting) asks the same questions a person asks
on the accounts page — which accounts match "advisor Lee, drifted"? what does A-1 hold,
and what did last night decide? — and must get the same answers, inside the same scope:
an advisor's token sees the advisor's own accounts, by list, by filter, by export and by
id alike.

Rule: the list and the export are `services.accounts.list_accounts` (the filter and the
scope are one SQL query, so count, page and export agree); one account is
`show_account` (an id outside the scope is 404, exactly like an id that does not exist).
Paging is `offset` + `limit` over the list in account order; the export is every
account the filter selects in scope, as CSV.

    GET /api/v1/accounts?filter=drift%20%3E%200.02&limit=50&offset=0
    GET /api/v1/accounts/export.csv?filter=%40my-review
    GET /api/v1/accounts/A0000042?as_of=2025-06-30
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.services.accounts import list_accounts, show_account
from trimtab.web.api.schemas import AccountDetail, AccountId, AccountPage, AccountRow, errors
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import answer, not_found

__all__ = ["check_visible", "router"]

router = APIRouter(tags=["accounts"])

# A page is a window on the list in account order; reading far into it reads the rows
# before it, so the window's end is bounded (an export has the whole list).
MAX_LIMIT = 500
MAX_WINDOW = 20_000

FilterText = Annotated[
    str | None,
    Query(
        max_length=10_000,
        description='a filter (`drift > 0.02 and advisor = "Lee"`) or a saved one '
        "(`@name`); none: every account in your scope",
    ),
]
Viewer = Annotated[Principal, requires(Permission.SEE_ACCOUNTS)]


@router.get("/accounts", response_model=AccountPage, responses=errors(404))
def accounts(
    new_uow: NewUnitOfWork,
    viewer: Viewer,
    filter: FilterText = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_WINDOW - MAX_LIMIT)] = 0,
) -> AccountPage:
    """The accounts the filter selects in your scope, in account order, one page."""
    found = answer(list_accounts(new_uow, filter, viewer=viewer, limit=offset + limit))
    return AccountPage(
        accounts=[AccountRow.of(line) for line in found.lines[offset:]],
        count=found.count,
        offset=offset,
        limit=limit,
        filter=found.filter,
    )


EXPORT_COLUMNS = (
    "account",
    "household",
    "advisor",
    "program",
    "value",
    "cash",
    "drift",
    "outcome",
    "run",
    "as_of",
)


@router.get(
    "/accounts/export.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One line per account the filter selects in your scope.",
        },
        **errors(404),
    },
)
def export_accounts(new_uow: NewUnitOfWork, viewer: Viewer, filter: FilterText = None) -> Response:
    """Every account the filter selects in your scope, as CSV (the list's columns)."""
    found = answer(list_accounts(new_uow, filter, viewer=viewer, limit=None))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for line in found.lines:
        writer.writerow(
            [
                line.account,
                line.household,
                line.advisor or "",
                line.program or "",
                "" if line.value is None else line.value,
                "" if line.cash is None else line.cash,
                "" if line.drift is None else line.drift,
                line.outcome or "",
                line.run or "",
                "" if line.as_of is None else line.as_of.isoformat(),
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="accounts.csv"'},
    )


@router.get("/accounts/{account_id}", response_model=AccountDetail, responses=errors(404))
def account(
    account_id: AccountId,
    new_uow: NewUnitOfWork,
    viewer: Viewer,
    as_of: Annotated[dt.date | None, Query(description="default: today")] = None,
) -> AccountDetail:
    """One account whole: holdings, lots, target vs current by group, effective settings
    with their source and meaning, flags, and the latest analysis with its trades."""
    return AccountDetail.of(answer(show_account(new_uow, account_id, viewer=viewer, as_of=as_of)))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_visible(new_uow: NewUnitOfWork, account_id: str, viewer: Principal) -> None:
    """Raise 404 unless `account_id` is an account inside the viewer's scope.

    The same scoped query as the list (`id = "..."` through `list_accounts`), so a route
    that reads an account's settings or audit entries agrees with the list and the
    export on what the viewer may see."""
    if not account_id or any(ord(c) < 32 or ord(c) == 127 for c in account_id):
        raise not_found(f"account {account_id}")  # no account id holds a control character
    found = answer(list_accounts(new_uow, f"id = {_quoted(account_id)}", viewer=viewer, limit=1))
    if not found.count:
        raise not_found(f"account {account_id}")
