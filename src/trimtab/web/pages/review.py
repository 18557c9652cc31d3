"""The review queue in pages: list, open, approve, edit, reject, approve by filter.

Problem: the proposals routing sent to review wait for the overlay desk. In a browser
the desk needs the queue sorted and filtered (the filter language, its errors shown
where they are), each proposal whole (trades and their reasons, lots and their gains
and terms, the routing outcome and the filter that decided it), and the decisions of
`trimtab review` — each with its reason, each re-checked by the engine's rules when
edited, approving many at once only after seeing how many and how much.

Rule: every route needs `review_trades` and calls `trimtab.services.review` (and its
paged read, `trimtab.services.review_queue`) only:
- `GET /review?sort=&filter=&page=&per=` one page of the latest run's pending proposals
  (`queue_page`: sorted, counted, totalled and paged in SQL, the filter and the scope in
  the same statements, so only the page's proposals are read); a bad filter answers 422
  with each error under the text, a caret at its column.
- `GET /review/{account}` the proposal in detail (`account_review`).
- Every read passes the principal as `viewer=`: an admin acting for an advisor works
  that advisor's queue only (an account outside it is 404), as the store scopes it.
- `POST /review/{account}/approve|reject|edit` (reason required): with htmx the row of
  the queue is replaced by its new state; without, the page redirects (success) or shows
  the problems (422, each at its field). An edit sets a trade's quantity (`qty:sell:VOO`,
  0 removes it) or adds one, and is re-checked (`review.edit`); a refused edit names
  the rule and what would fix it, and `rebalance_rest` re-optimizes the rest around it.
- `GET /review/bulk?filter=` previews what approving by filter would approve (count,
  value); `POST /review/bulk` approves it (`approve_matching`) only when the count the
  person confirmed still holds (409 otherwise: the queue changed meanwhile).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services import review as reviews
from trimtab.services.review_queue import QueuePage, queue_page
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem
from trimtab.web.templating import flash, render

__all__ = ["router"]

router = APIRouter()

Reviewer = Annotated[Principal, requires(Permission.REVIEW_TRADES)]
Sort = Literal["value", "tax", "turnover", "account"]
FilterText = Annotated[str, Query(max_length=2000)]
Reason = Annotated[str, Form(max_length=2000)]
PAGE_SIZES = (25, 50, 100, 200)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _status(problems: list[Problem]) -> int:
    return WebProblem.of(problems).status


def _queue_page(
    new_uow: NewUnitOfWork, viewer: Principal, sort: str, text: str, page: int, per: int
) -> tuple[QueuePage | None, int, list[Problem]]:
    """The page of the run's pending proposals in `sort` order (through the filter if
    any), and its number: a page past the end shows the last one."""
    found, problems = queue_page(
        new_uow, sort=sort, filter_text=text, offset=(page - 1) * per, limit=per, viewer=viewer
    )
    if found is None:
        return None, 1, problems
    pages = max(1, math.ceil(found.count / per))
    if page > pages:
        return _queue_page(new_uow, viewer, sort, text, pages, per)
    return found, page, []


@router.get("/review")
def review_queue_page(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Reviewer,
    sort: Sort = "value",
    filter: FilterText = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per: Annotated[int, Query(ge=10, le=200)] = 50,
) -> Response:
    found, page, problems = _queue_page(new_uow, viewer, sort, filter, page, per)
    # No run yet is a state of the firm, not an error of the request: the page says so.
    no_run = any(p.path == "run" and p.kind is ProblemKind.NOT_FOUND for p in problems)
    filter_errors = [p for p in problems if p.path == "filter"]
    status = 200
    if filter_errors:
        status = 422
    elif problems and not no_run:
        raise WebProblem.of(problems)
    count = found.count if found is not None else 0
    return render(
        request,
        "review/queue.html",
        {
            "run": found.run if found is not None else None,
            "items": found.items if found is not None else (),
            "count": count,
            "total_value": found.total_value if found is not None else Decimal(0),
            "total_tax": found.total_tax if found is not None else Decimal(0),
            "sort": sort,
            "sorts": list(reviews.SORTS),
            "filter": filter,
            "filter_errors": filter_errors,
            "no_run": no_run,
            "page": page,
            "pages": max(1, math.ceil(count / per)),
            "per": per,
        },
        status_code=status,
    )


@router.get("/review/bulk")
def bulk_preview(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Reviewer,
    filter: FilterText = "",
) -> Response:
    matching: reviews.Matching | None = None
    problems: list[Problem] = []
    if filter.strip():
        matching, problems = reviews.pending_matching(new_uow, filter, viewer=viewer)
    if problems and not any(p.path == "filter" for p in problems):
        raise WebProblem.of(problems)
    return _bulk_page(request, filter, matching, problems)


def _bulk_page(
    request: Request,
    text: str,
    matching: reviews.Matching | None,
    problems: list[Problem],
    *,
    reason: str = "",
) -> Response:
    proposals = matching.proposals if matching is not None else ()
    return render(
        request,
        "review/bulk.html",
        {
            "filter": text,
            "matching": matching,
            "count": len(proposals),
            "value": sum((p.value for p in proposals), Decimal(0)),
            "tax": sum((p.estimated_tax for p in proposals), Decimal(0)),
            "proposals": proposals[:50],
            "problems": problems,
            "reason": reason,
        },
        status_code=_status(problems) if problems else 200,
    )


@router.post("/review/bulk")
def bulk_approve(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Reviewer,
    filter: Annotated[str, Form(min_length=1, max_length=2000)],
    expected: Annotated[int, Form(ge=0)],
    reason: Reason = "",
) -> Response:
    matching, problems = reviews.pending_matching(new_uow, filter, viewer=principal)
    if matching is not None and len(matching.proposals) != expected:
        problems = [
            Problem(
                "expected",
                f"the filter now selects {len(matching.proposals)} pending proposals, not the "
                f"{expected} you confirmed (the queue changed): check the preview again",
                ProblemKind.CONFLICT,
            )
        ]
    if not problems:
        matching, problems = reviews.approve_matching(
            new_uow, filter, principal=principal, reason=reason
        )
    if problems or matching is None:
        return _bulk_page(request, filter, matching, problems, reason=reason)
    response = RedirectResponse("/review", status_code=303)
    return flash(response, f"Approved {len(matching.proposals):,} proposals matching {filter!r}.")


@router.get("/review/{account}")
def proposal_page(
    request: Request, account: str, new_uow: NewUnitOfWork, viewer: Reviewer
) -> Response:
    return _detail(request, new_uow, account, viewer=viewer)


def _detail(
    request: Request,
    new_uow: NewUnitOfWork,
    account: str,
    *,
    viewer: Principal,
    problems: list[Problem] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    found, read_problems = reviews.account_review(new_uow, account, viewer=viewer)
    if found is None:
        raise WebProblem.of(read_problems)
    result = found.record.get("result") or {}
    case = found.record.get("case") or {}
    return render(
        request,
        "review/proposal.html",
        {
            "review": found,
            "proposal": found.proposal,
            "outcome": found.outcome,
            "post_trade": result.get("post_trade") or {},
            "lots": {lot["id"]: lot for lot in case.get("lots") or ()},
            "problems": problems or [],
            "form": form or {},
        },
        status_code=_status(problems) if problems else 200,
    )


def _after_decision(
    request: Request,
    new_uow: NewUnitOfWork,
    account: str,
    problems: list[Problem],
    message: str,
    form: dict[str, str],
    *,
    viewer: Principal,
) -> Response:
    if _is_htmx(request):
        proposal, _ = reviews.account_review(new_uow, account, viewer=viewer)
        # htmx swaps only 2xx answers: the row carries its problems itself.
        return render(
            request,
            "review/_row.html",
            {
                "p": proposal.proposal if proposal is not None else None,
                "account": account,
                "problems": problems,
                "done": message if not problems else "",
            },
        )
    if problems:
        return _detail(request, new_uow, account, viewer=viewer, problems=problems, form=form)
    return flash(RedirectResponse("/review", status_code=303), message)


@router.post("/review/{account}/approve")
def approve_proposal(
    request: Request,
    account: str,
    new_uow: NewUnitOfWork,
    principal: Reviewer,
    reason: Reason = "",
) -> Response:
    problems = reviews.approve(new_uow, account, principal=principal, reason=reason)
    return _after_decision(
        request,
        new_uow,
        account,
        problems,
        f"Approved {account}.",
        {"reason": reason},
        viewer=principal,
    )


@router.post("/review/{account}/reject")
def reject_proposal(
    request: Request,
    account: str,
    new_uow: NewUnitOfWork,
    principal: Reviewer,
    reason: Reason = "",
) -> Response:
    problems = reviews.reject(new_uow, account, principal=principal, reason=reason)
    return _after_decision(
        request,
        new_uow,
        account,
        problems,
        f"Rejected {account}.",
        {"reason": reason},
        viewer=principal,
    )


def _edit_form(
    fields: dict[str, str],
) -> tuple[dict[tuple[str, str], float], list[Problem]]:
    """Quantities from the edit form: `qty:<side>:<TICKER>` per trade, and one new trade
    (`add_side`, `add_ticker`, `add_quantity`); each bad field named."""
    quantities: dict[tuple[str, str], float] = {}
    problems: list[Problem] = []

    def number(name: str, text: str) -> float | None:
        try:
            value = float(text.replace(",", "").strip())
        except ValueError:
            problems.append(Problem(name, f"{text!r} is not a number of shares"))
            return None
        if not math.isfinite(value) or value < 0:
            problems.append(Problem(name, "shares must be a number ≥ 0 (0 removes the trade)"))
            return None
        return value

    for name, text in fields.items():
        if not name.startswith("qty:") or not text.strip():
            continue
        _, side, ticker = [*name.split(":", 2), "", ""][:3]
        if side not in ("buy", "sell") or not ticker:
            problems.append(Problem(name, "not a trade of this proposal"))
            continue
        value = number(name, text)
        if value is not None:
            quantities[(side, ticker)] = value
    ticker = fields.get("add_ticker", "").strip().upper()
    if ticker:
        side = fields.get("add_side", "")
        if side not in ("buy", "sell"):
            problems.append(Problem("add_side", "choose buy or sell"))
        value = number("add_quantity", fields.get("add_quantity", "") or "")
        if value is not None and side in ("buy", "sell"):
            quantities[(side, ticker)] = value
    return quantities, problems


@router.post("/review/{account}/edit")
async def edit_proposal(
    request: Request,
    account: str,
    new_uow: NewUnitOfWork,
    principal: Reviewer,
) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 2000}
    quantities, problems = _edit_form(fields)
    reason = fields.get("reason", "")
    if not quantities and not problems:
        problems = [Problem("quantities", "change at least one trade's shares")]
    if not problems:
        problems = reviews.edit(
            new_uow,
            account,
            quantities=quantities,
            rebalance_rest=fields.get("rebalance_rest") == "on",
            principal=principal,
            reason=reason,
        )
    if problems:
        return _detail(request, new_uow, account, viewer=principal, problems=problems, form=fields)
    response = RedirectResponse(f"/review/{account}", status_code=303)
    return flash(response, f"Edited {account}: re-checked, waiting for approval.")
