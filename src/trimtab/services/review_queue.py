"""The review queue one page at a time: what the queue page and `GET /api/v1/proposals` read.

Problem: after a 100,000-account night the queue holds ~20,000 pending proposals. Reading
them all (each with its trades' JSON parsed) to sort them, count them, total them and then
show fifty took 16–33 s a request and held a worker's CPU meanwhile (bench/README.md, web
section). A person reads one page; a system pages through.

Rule: `queue_page` answers one page of a run's pending proposals (the latest run's unless
`run` names one) in `sort` order — value, tax or turnover largest first, or by account;
ties by account id, exactly as `services.review.SORTS` sorts in memory — and the count,
value and estimated tax of the whole queue. Sorting, counting, summing and the page's
window are one statement each in the store (`queue_totals`, `queue_page`); only the
page's rows are read and only their trades parsed. The viewer's scope (an admin acting
for an advisor: that advisor's accounts) and the filter (text, `@name`, or a saved
filter's bare name, as `review.pending_matching` reads it) are conditions of those
statements, so the page, its count and its totals agree. Problems are those of
`review.pending` and `review.pending_matching`: no run, a voided or unknown run, a
filter's errors (each rendered with its caret), and an unknown sort.

    >>> # page, problems = queue_page(db.unit_of_work, sort="tax", offset=50, limit=50,
    >>> #                             viewer=ops)
    >>> # page.count, page.total_value, [p.account for p in page.items]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from trimtab.domain.filters import Filter
from trimtab.domain.principal import Principal, Scope
from trimtab.domain.problems import Problem
from trimtab.services.review import SORTS, _run_of, _scope_of, _selection
from trimtab.services.review_ports import (
    ProposalRepository,
    ProposalView,
    SelectingReviewUnitOfWork,
)
from trimtab.services.run_ports import RunRecord

__all__ = ["QueuePage", "QueueReads", "queue_page"]


class QueueReads(ProposalRepository, Protocol):
    """The store's paged reads of a run's pending proposals (`advisors` None: the firm)."""

    def queue_totals(
        self, run_id: str, *, advisors: Scope | None = None, selected: Filter | None = None
    ) -> tuple[int, Decimal, Decimal]:
        """(count, value, estimated tax) of the pending proposals in scope."""
        ...

    def queue_page(
        self,
        run_id: str,
        *,
        sort: str,
        offset: int,
        limit: int,
        advisors: Scope | None = None,
        selected: Filter | None = None,
    ) -> list[ProposalView]:
        """The pending proposals in scope from `offset`, at most `limit`, in `sort` order."""
        ...


class QueueUnitOfWork(SelectingReviewUnitOfWork, Protocol):
    @property
    def proposals(self) -> QueueReads: ...


@dataclass(frozen=True)
class QueuePage:
    """One page of a run's pending proposals, and the figures of the whole queue."""

    run: RunRecord
    items: tuple[ProposalView, ...]  # this page, in `sort` order
    count: int  # pending proposals in the viewer's scope (and the filter's), every page
    total_value: Decimal
    total_tax: Decimal
    offset: int
    limit: int
    filter: str | None = None  # the filter as checked (a saved filter's expression)
    saved: str | None = None  # the saved filter's name, when one was named


def queue_page(
    new_uow: Callable[[], QueueUnitOfWork],
    *,
    sort: str = "value",
    filter_text: str = "",
    offset: int = 0,
    limit: int = 50,
    run: str | None = None,
    viewer: Principal,
) -> tuple[QueuePage | None, list[Problem]]:
    """One page of the queue by `sort`, from `offset`, at most `limit` proposals."""
    if sort not in SORTS:
        return None, [Problem("sort", f"sort by one of {', '.join(SORTS)}, not {sort!r}")]
    if offset < 0 or limit < 1:
        return None, [Problem("limit", "offset must be ≥ 0 and limit ≥ 1")]
    with new_uow() as uow:
        found, problems = _run_of(uow, run)
        if found is None:
            return None, problems
        selected: Filter | None = None
        saved: str | None = None
        if filter_text.strip():
            selected, saved, problems = _selection(uow, filter_text, viewer)
            if selected is None:
                return None, problems
        scope = _scope_of(viewer)
        count, value, tax = uow.proposals.queue_totals(found.id, advisors=scope, selected=selected)
        items = uow.proposals.queue_page(
            found.id, sort=sort, offset=offset, limit=limit, advisors=scope, selected=selected
        )
    return QueuePage(
        found,
        tuple(items),
        count,
        value,
        tax,
        offset,
        limit,
        selected.text if selected is not None else None,
        saved,
    ), []
