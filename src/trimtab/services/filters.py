"""Use cases for filters: save one (for the firm or for oneself), list, show, and test.

Each function opens one unit of work; saving commits once, with one audit entry
(`filters.save`, target `filter:<name>`). Invalid input (a filter that does not parse or
check, a bad name) comes back as problems and changes nothing.

A personal filter belongs to the person it is saved for: the principal, or the one it
acts on behalf of (an admin saving a filter for an advisor saves the advisor's); reads
see the filters of that same person (`viewer`) and the firm's.

    >>> # result, problems = try_filter(db.unit_of_work, 'tier = "Gold"', viewer=ops)
    >>> # result.count, result.sample
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from trimtab.domain.filters import (
    Filter,
    FilterError,
    SavedFilter,
    read_filter,
    validate_filter_name,
)
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.audit import record, write_service
from trimtab.services.workflow_ports import WorkflowUnitOfWork

__all__ = [
    "FilterTest",
    "filter_owner",
    "list_filters",
    "resolve_filter_text",
    "save_filter",
    "show_filter",
    "try_filter",
]

SAVED_PREFIX = "@"  # `@ready` in place of filter text names a saved filter


@dataclass(frozen=True, slots=True)
class FilterTest:
    """What a filter selects right now: how many accounts, and the first few."""

    filter: Filter
    count: int
    total: int
    sample: tuple[str, ...]


def _problems(errors: list[FilterError], text: str, path: str) -> list[Problem]:
    return [Problem(path, e.render(text)) for e in errors]


def filter_owner(viewer: Principal) -> str:
    """Whose personal filters a principal saves and sees: the one it acts for, else itself."""
    return (viewer.on_behalf_of or viewer).id


def resolve_filter_text(
    uow: WorkflowUnitOfWork, text: str, *, viewer: Principal, path: str = "filter"
) -> tuple[Filter | None, list[Problem]]:
    """Check filter text, or a saved filter named `@name`, inside an open unit of work."""
    if text.startswith(SAVED_PREFIX):
        saved = uow.filters.get(text.removeprefix(SAVED_PREFIX), user=filter_owner(viewer))
        if saved is None:
            return None, [
                Problem(path, f"no saved filter named {text[1:]!r}", ProblemKind.NOT_FOUND)
            ]
        text = saved.expression
    f, errors = read_filter(text)
    return f, _problems(errors, text, path)


def try_filter(
    unit_of_work: Callable[[], WorkflowUnitOfWork],
    text: str,
    *,
    viewer: Principal,
    sample: int = 10,
) -> tuple[FilterTest | None, list[Problem]]:
    with unit_of_work() as uow:
        f, problems = resolve_filter_text(uow, text, viewer=viewer)
        if f is None:
            return None, problems
        ids = uow.selection.matching(f, limit=sample)
        return FilterTest(f, uow.selection.count(f), uow.selection.count_all(), tuple(ids)), []


@write_service("filters.save")
def save_filter(
    unit_of_work: Callable[[], WorkflowUnitOfWork],
    *,
    principal: Principal,
    name: str,
    expression: str,
    description: str = "",
    shared: bool = False,
    now: dt.datetime | None = None,
) -> tuple[SavedFilter | None, list[Problem]]:
    """Save (or replace) a named filter: the firm's when `shared`, else the owner's own
    (`filter_owner`); `created_by` keeps who saved it."""
    problems = validate_filter_name(name)
    f, errors = read_filter(expression)
    problems += _problems(errors, expression, "expression")
    if f is None or problems:
        return None, problems
    saved = SavedFilter(
        name,
        f.text,
        description.strip(),
        None if shared else filter_owner(principal),
        principal.recorded_as,
        now or dt.datetime.now(dt.UTC),
    )
    with unit_of_work() as uow:
        uow.filters.save(saved)
        record(
            uow,
            principal,
            "filters.save",
            targets=[f"filter:{name}"],
            summary={"expression": saved.expression, "shared": shared, "owner": saved.owner},
            at=saved.updated_at,
        )
        uow.commit()
    return saved, []


def list_filters(
    unit_of_work: Callable[[], WorkflowUnitOfWork], *, viewer: Principal
) -> list[SavedFilter]:
    with unit_of_work() as uow:
        return uow.filters.visible_to(filter_owner(viewer))


def show_filter(
    unit_of_work: Callable[[], WorkflowUnitOfWork], name: str, *, viewer: Principal
) -> tuple[SavedFilter | None, list[Problem]]:
    with unit_of_work() as uow:
        saved = uow.filters.get(name, user=filter_owner(viewer))
    if saved is None:
        return None, [
            Problem(
                "name",
                f"no saved filter named {name!r} (see `filters list`)",
                ProblemKind.NOT_FOUND,
            )
        ]
    return saved, []
