"""`/api/v1/filters`: test a filter expression, list and show saved filters, save one.

Problem: filters decide which accounts a bulk change, a routing stage or a review pass
touches; someone writing one needs to know at once where it is wrong (line and column,
what was expected, the field they probably meant) and what it selects, before saving it
for themselves or for the firm.

Rule: testing checks the expression with the filter language (`read_filter`: every
error with its line, column, what was expected and suggestions, answered as 422 with
`details.errors`) and counts what it selects with `services.accounts.list_accounts` —
inside the caller's scope, so an advisor's test counts the advisor's own accounts only.
Saved filters are `services.filters`: a personal filter is the caller's own
(`personal_filters`), a shared one the firm's (`shared_filters`): two routes, one
permission each.

    POST /api/v1/filters/test                 {"expression": "drift > 0.02 and tier = \\"Gold\\""}
    PUT  /api/v1/filters/personal/my-review   {"expression": "outcome = \\"review\\""}
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from trimtab.domain.filters import read_filter
from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import ProblemKind
from trimtab.services.accounts import list_accounts
from trimtab.services.filters import list_filters, save_filter, show_filter
from trimtab.web.api.schemas import (
    FilterErrorOut,
    FilterIn,
    FilterOut,
    FilterTestIn,
    FilterTestOut,
    errors,
)
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem, answer

__all__ = ["router"]

router = APIRouter(tags=["filters"])

SAMPLE = 10
Name = Annotated[
    str,
    Path(min_length=1, max_length=100, description="letters, digits, _ . -", examples=["drifted"]),
]


@router.post("/filters/test", response_model=FilterTestOut, responses=errors(400, 404))
def test_filter(
    body: FilterTestIn,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.SEE_ACCOUNTS)],
) -> FilterTestOut:
    """Check an expression (or `@saved-name`) and count the accounts it selects in your
    scope; a wrong expression is 422 with each error's line and column."""
    text = body.expression
    if not text.startswith("@"):
        checked, found = read_filter(text)
        if checked is None or found:
            raise WebProblem(
                ProblemKind.INVALID,
                "; ".join(str(e) for e in found[:5]) or "the filter is not valid",
                {
                    "errors": [
                        FilterErrorOut(
                            line=e.line,
                            column=e.column,
                            message=e.message,
                            expected=list(e.expected),
                            suggestions=list(e.suggestions),
                        ).model_dump()
                        for e in found
                    ],
                    "problems": [{"path": "expression", "message": e.render(text)} for e in found],
                },
            )
    selected = answer(list_accounts(new_uow, text, viewer=viewer, limit=SAMPLE))
    return FilterTestOut(
        filter=selected.filter or text,
        count=selected.count,
        sample=[line.account for line in selected.lines],
    )


@router.get("/filters", response_model=list[FilterOut], responses=errors())
def filters(
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.PERSONAL_FILTERS)],
) -> list[FilterOut]:
    """Your own saved filters and the firm's shared ones."""
    return [FilterOut.of(f) for f in list_filters(new_uow, viewer=viewer)]


@router.get("/filters/{name}", response_model=FilterOut, responses=errors(404))
def filter_(
    name: Name,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.PERSONAL_FILTERS)],
) -> FilterOut:
    """One saved filter: your own by that name, else the firm's."""
    return FilterOut.of(answer(show_filter(new_uow, name, viewer=viewer)))


@router.put("/filters/personal/{name}", response_model=FilterOut, responses=errors(400, 404))
def save_personal(
    name: Name,
    body: FilterIn,
    new_uow: NewUnitOfWork,
    principal: Annotated[Principal, requires(Permission.PERSONAL_FILTERS)],
) -> FilterOut:
    """Save (or replace) one of your own filters."""
    saved = answer(
        save_filter(
            new_uow,
            principal=principal,
            name=name,
            expression=body.expression,
            description=body.description,
            shared=False,
        )
    )
    return FilterOut.of(saved)


@router.put("/filters/shared/{name}", response_model=FilterOut, responses=errors(400, 404))
def save_shared(
    name: Name,
    body: FilterIn,
    new_uow: NewUnitOfWork,
    principal: Annotated[Principal, requires(Permission.SHARED_FILTERS)],
) -> FilterOut:
    """Save (or replace) a filter the whole firm sees."""
    saved = answer(
        save_filter(
            new_uow,
            principal=principal,
            name=name,
            expression=body.expression,
            description=body.description,
            shared=True,
        )
    )
    return FilterOut.of(saved)
