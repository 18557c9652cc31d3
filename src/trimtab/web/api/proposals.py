"""`/api/v1/proposals`: the review queue — list, open, approve, reject or edit a proposal.

Problem: a firm's OMS or its own review tool works the queue the nightly run left, and
every decision it makes must be recorded exactly as a person's in the review page is:
who (the token's principal), when, why, and the trades before and after.

Rule: each route is one call of `services.review` (`open_proposal`, `approve`, `reject`,
`edit`) or of its paged read `services.review_queue.queue_page`, with the principal the
permission check gives; a decision needs a reason. The list is paged: `limit` (default
100, at most 500) proposals from `offset`, in `sort` order with ties by account, and
`count`, `value` and `estimated_tax` are the whole queue's (sorted, counted and summed
in SQL: a page reads only its own proposals). The queue is the latest (not voided)
run's unless `run` names one. The review queue is the overlay desk's (`review_trades`,
firm-wide): an advisor sees the latest analysis and proposal of an own account on
`GET /accounts/{id}`. Reads pass the principal as `viewer=`: an admin acting for an
advisor sees only that advisor's proposals (404 outside them).

    GET  /api/v1/proposals?sort=tax&limit=100&offset=100
    POST /api/v1/proposals/A0000042/approve   {"reason": "looks right"}
    POST /api/v1/proposals/A0000042/edit      {"reason": "keep VOO",
                                               "trades": [{"side": "sell", "security": "VOO",
                                                           "quantity": 0}]}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.review import approve, edit, open_proposal, reject
from trimtab.services.review_queue import queue_page
from trimtab.web.api.schemas import (
    AccountId,
    DecisionIn,
    EditIn,
    ProposalDetailOut,
    ProposalOut,
    QueueOut,
    errors,
)
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem, answer

__all__ = ["router"]

router = APIRouter(tags=["proposals"])

Reviewer = Annotated[Principal, requires(Permission.REVIEW_TRADES)]
RunQuery = Annotated[str | None, Query(max_length=100, description="default: the latest run")]


# A page of the queue; the queue's count and totals come with every page.
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000


@router.get("/proposals", response_model=QueueOut, responses=errors(404, 409))
def proposals(
    new_uow: NewUnitOfWork,
    reviewer: Reviewer,
    sort: Literal["value", "tax", "turnover", "account"] = "value",
    run: RunQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> QueueOut:
    """The run's pending proposals, largest first by `sort` (ties by account), one page:
    `limit` from `offset`; `count` is the whole queue's."""
    queue = answer(
        queue_page(new_uow, sort=sort, run=run, offset=offset, limit=limit, viewer=reviewer)
    )
    return QueueOut(
        run=queue.run.id,
        as_of=queue.run.as_of,
        proposals=[ProposalOut.of(p) for p in queue.items],
        count=queue.count,
        value=queue.total_value,
        estimated_tax=queue.total_tax,
        offset=offset,
        limit=limit,
    )


@router.get("/proposals/{account_id}", response_model=ProposalDetailOut, responses=errors(404, 409))
def proposal(
    account_id: AccountId, new_uow: NewUnitOfWork, reviewer: Reviewer, run: RunQuery = None
) -> ProposalDetailOut:
    """An account's proposal with its trades, reasons and decisions so far."""
    return _decided(new_uow, account_id, run, reviewer)


def _decided(
    new_uow: NewUnitOfWork, account_id: str, run: str | None, viewer: Principal
) -> ProposalDetailOut:
    return ProposalDetailOut.of(answer(open_proposal(new_uow, account_id, run=run, viewer=viewer)))


def _done(problems: Sequence[Problem]) -> None:
    if problems:
        raise WebProblem.of(problems)


@router.post(
    "/proposals/{account_id}/approve",
    response_model=ProposalDetailOut,
    responses=errors(400, 404, 409),
)
def approve_proposal(
    account_id: AccountId, body: DecisionIn, new_uow: NewUnitOfWork, principal: Reviewer
) -> ProposalDetailOut:
    """Approve a pending proposal: its trades become orders at the next export."""
    _done(approve(new_uow, account_id, principal=principal, reason=body.reason, run=body.run))
    return _decided(new_uow, account_id, body.run, principal)


@router.post(
    "/proposals/{account_id}/reject",
    response_model=ProposalDetailOut,
    responses=errors(400, 404, 409),
)
def reject_proposal(
    account_id: AccountId, body: DecisionIn, new_uow: NewUnitOfWork, principal: Reviewer
) -> ProposalDetailOut:
    """Reject a pending proposal: nothing trades."""
    _done(reject(new_uow, account_id, principal=principal, reason=body.reason, run=body.run))
    return _decided(new_uow, account_id, body.run, principal)


@router.post(
    "/proposals/{account_id}/edit",
    response_model=ProposalDetailOut,
    responses=errors(400, 404, 409),
)
def edit_proposal(
    account_id: AccountId, body: EditIn, new_uow: NewUnitOfWork, principal: Reviewer
) -> ProposalDetailOut:
    """Change quantities and sale lots; every hard rule is re-checked and nothing is saved
    when one breaks (422 naming the rule and, for cash, the fix). The proposal stays
    pending until approved."""
    problems = edit(
        new_uow,
        account_id,
        quantities={(t.side, t.security): t.quantity for t in body.trades},
        lots={lot.lot: lot.quantity for lot in body.lots},
        rebalance_rest=body.rebalance_rest,
        principal=principal,
        reason=body.reason,
        run=body.run,
    )
    _done(problems)
    return _decided(new_uow, account_id, body.run, principal)
