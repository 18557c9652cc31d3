"""Filters in pages: write one, test it, save it for yourself or for the firm.

Problem: a filter decides which accounts a bulk change, a routing stage or a review
pass touches. The person writing it must see at once where it is wrong (the line and
column, a caret under the text, what was expected) and what it selects right now, before
saving it — for themselves, or (overlay, compliance, management, admin) for the firm.

Rule:
- `GET /filters` the editor and the filters the person sees (their own and the firm's:
  `services.filters.list_filters`); `?open=<name>` loads a saved filter into the editor,
  `?expression=` tests it in the page (the form works without script).
- `GET /filters/test?expression=` (htmx) the test alone: the count and the first rows
  the expression (or `@saved-name`) selects inside the person's scope
  (`services.accounts.list_accounts`: an advisor's test counts the advisor's own
  accounts), or its errors, each under the text with a caret at its column (422).
- `POST /filters` saves a personal filter (`personal_filters`), `POST /filters/shared` a
  firm's filter (`shared_filters`): two routes, one permission each; whose filter it is
  is the service's decision (`services.filters.filter_owner`: an admin acting for an
  advisor saves the advisor's). A bad name or expression answers 422 with the editor and
  each problem at its field; nothing is saved. Success is one `filters.save` entry.
- Deleting a filter is not offered: no service deletes one (a delete must be a use case
  with its own audit entry before a page may offer it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.accounts import AccountList, list_accounts
from trimtab.services.filters import list_filters, save_filter, show_filter
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem
from trimtab.web.templating import flash, render

__all__ = ["SAMPLE", "router"]

router = APIRouter()

SAMPLE = 10  # the first rows a test shows
Personal = Annotated[Principal, requires(Permission.PERSONAL_FILTERS)]
Shared = Annotated[Principal, requires(Permission.SHARED_FILTERS)]
Expression = Annotated[str, Query(max_length=4000)]


def _test(
    new_uow: NewUnitOfWork, expression: str, viewer: Principal
) -> tuple[AccountList | None, list[Problem]]:
    """What `expression` selects in the viewer's scope; (None, []) when there is none."""
    if not expression.strip():
        return None, []
    return list_accounts(new_uow, expression.strip(), viewer=viewer, limit=SAMPLE)


def _status(problems: list[Problem]) -> int:
    return WebProblem.of(problems).status if problems else 200


def _page(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Principal,
    *,
    expression: str = "",
    name: str = "",
    description: str = "",
    result: AccountList | None = None,
    test_problems: list[Problem] | None = None,
    save_problems: list[Problem] | None = None,
) -> Response:
    test_problems = test_problems or []
    save_problems = save_problems or []
    saved = list_filters(new_uow, viewer=viewer)
    return render(
        request,
        "filters/filters.html",
        {
            "expression": expression,
            "name": name,
            "description": description,
            "result": result,
            "test_problems": test_problems,
            "save_problems": save_problems,
            "mine": [f for f in saved if f.owner is not None],
            "shared": [f for f in saved if f.owner is None],
            "sample": SAMPLE,
        },
        status_code=_status(save_problems or test_problems),
    )


@router.get("/filters")
def filters_page(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Personal,
    expression: Expression = "",
    open: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    name = description = ""
    if open:
        saved, problems = show_filter(new_uow, open, viewer=viewer)
        if saved is None:
            raise WebProblem.of(problems)
        expression, name, description = saved.expression, saved.name, saved.description
    result, problems = _test(new_uow, expression, viewer)
    return _page(
        request,
        new_uow,
        viewer,
        expression=expression,
        name=name,
        description=description,
        result=result,
        test_problems=problems,
    )


@router.get("/filters/test")
def filter_test(
    request: Request, new_uow: NewUnitOfWork, viewer: Personal, expression: Expression = ""
) -> Response:
    result, problems = _test(new_uow, expression, viewer)
    return render(
        request,
        "filters/_test.html",
        {"result": result, "test_problems": problems, "expression": expression},
        status_code=_status(problems),
    )


def _save(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Principal,
    *,
    name: str,
    expression: str,
    description: str,
    shared: bool,
) -> Response:
    saved, problems = save_filter(
        new_uow,
        principal=principal,
        name=name.strip(),
        expression=expression,
        description=description,
        shared=shared,
    )
    if saved is None:
        return _page(
            request,
            new_uow,
            principal,
            expression=expression,
            name=name,
            description=description,
            save_problems=problems,
        )
    whose = "for the firm" if shared else "for you"
    response = RedirectResponse(f"/filters?open={saved.name}", status_code=303)
    return flash(response, f"Saved the filter {saved.name!r} {whose}.")


Name = Annotated[str, Form(max_length=100)]
ExpressionField = Annotated[str, Form(max_length=4000)]
Description = Annotated[str, Form(max_length=500)]


@router.post("/filters")
def save_personal_filter(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Personal,
    name: Name,
    expression: ExpressionField,
    description: Description = "",
) -> Response:
    return _save(
        request,
        new_uow,
        principal,
        name=name,
        expression=expression,
        description=description,
        shared=False,
    )


@router.post("/filters/shared")
def save_shared_filter(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Shared,
    name: Name,
    expression: ExpressionField,
    description: Description = "",
) -> Response:
    return _save(
        request,
        new_uow,
        principal,
        name=name,
        expression=expression,
        description=description,
        shared=True,
    )
