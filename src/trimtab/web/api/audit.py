"""`/api/v1/audit`: who did what — list the trail with filters, and verify its chain.

Problem: compliance, a regulator's request or an advisor asking "who changed my
client's settings?" reads the audit trail; an advisor may read what was done to their
own accounts and nothing else, and anyone may check that the trail was not altered.

Rule: the list is `services.audit.audit_entries` (newest first; `principal`, `action` —
a full name or a family —, `account`, `since`, `until`, `limit` narrow it). A caller
whose reach is the whole firm may list anything; a caller with an own scope (an
advisor) must name one of their accounts (`account`, checked in scope like every other
account route: 404 outside it), and each entry's targets are cut to that account and
the non-account targets (`run:...`, `filter:...`), so a bulk approval over many
advisors' accounts does not list the others. `GET /audit/verify` walks the chain
(`verify`) and names the first break.

    GET /api/v1/audit?account=A-1&action=settings&limit=20
    GET /api/v1/audit/verify
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.audit import AuditFilter, audit_entries, verify
from trimtab.web.api.accounts import check_visible
from trimtab.web.api.schemas import AuditEntryOut, AuditPage, AuditVerificationOut, errors
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem

__all__ = ["router"]

router = APIRouter(tags=["audit"])

Reader = Annotated[Principal, requires(Permission.AUDIT_TRAIL)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    # A time without a zone is read as UTC, the zone the trail records in.
    return moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment


@router.get("/audit", response_model=AuditPage, responses=errors(404))
def audit(
    new_uow: NewUnitOfWork,
    viewer: Reader,
    principal: Annotated[Text, Query(description="`user:lee`, `token:oms`...")] = None,
    action: Annotated[Text, Query(description="`review.approve`, or a family: `review`")] = None,
    account: Text = None,
    since: Annotated[dt.datetime | None, Query(description="inclusive")] = None,
    until: Annotated[dt.datetime | None, Query(description="exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """The entries matching every filter given, newest first."""
    scoped = not viewer.effective_scope.firm_wide
    if scoped:
        if account is None:
            raise WebProblem.of(
                [Problem("account", "name one of your accounts: you may read its entries")]
            )
        check_visible(new_uow, account, viewer)
    entries = audit_entries(
        new_uow,
        AuditFilter(
            principal=principal,
            action=action,
            account=account,
            since=_utc(since),
            until=_utc(until),
            limit=limit,
        ),
    )
    shown = [AuditEntryOut.of(e) for e in entries]
    if scoped:
        shown = [
            e.model_copy(update={"targets": [t for t in e.targets if t == account or ":" in t]})
            for e in shown
        ]
    return AuditPage(entries=shown)


@router.get("/audit/verify", response_model=AuditVerificationOut, responses=errors())
def verify_trail(new_uow: NewUnitOfWork, _reader: Reader) -> AuditVerificationOut:
    """Walk the whole trail and name the first entry altered, deleted or inserted."""
    found = verify(new_uow)
    return AuditVerificationOut(
        intact=found.intact,
        entries=found.entries,
        head_seq=found.head_seq,
        head_hash=found.head_hash,
        first_break=None if found.first_break is None else str(found.first_break),
    )
