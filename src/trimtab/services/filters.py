"""Use cases for filters: save one (for the firm or for oneself), list, show, and test.

Each function opens one unit of work; saving commits once. Invalid input (a filter that
does not parse or check, a bad name) comes back as problems and changes nothing.

    >>> # result, problems = try_filter(db.unit_of_work, 'tier = "Gold"', actor="ops")
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
from trimtab.domain.problems import Problem
from trimtab.services.workflow_ports import WorkflowUnitOfWork

__all__ = [
    "FilterTest",
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


def resolve_filter_text(
    uow: WorkflowUnitOfWork, text: str, *, actor: str, path: str = "filter"
) -> tuple[Filter | None, list[Problem]]:
    """Check filter text, or a saved filter named `@name`, inside an open unit of work."""
    if text.startswith(SAVED_PREFIX):
        saved = uow.filters.get(text.removeprefix(SAVED_PREFIX), user=actor)
        if saved is None:
            return None, [Problem(path, f"no saved filter named {text[1:]!r}")]
        text = saved.expression
    f, errors = read_filter(text)
    return f, _problems(errors, text, path)


def try_filter(
    unit_of_work: Callable[[], WorkflowUnitOfWork],
    text: str,
    *,
    actor: str,
    sample: int = 10,
) -> tuple[FilterTest | None, list[Problem]]:
    with unit_of_work() as uow:
        f, problems = resolve_filter_text(uow, text, actor=actor)
        if f is None:
            return None, problems
        ids = uow.selection.matching(f, limit=sample)
        return FilterTest(f, uow.selection.count(f), uow.selection.count_all(), tuple(ids)), []


def save_filter(
    unit_of_work: Callable[[], WorkflowUnitOfWork],
    *,
    actor: str,
    name: str,
    expression: str,
    description: str = "",
    shared: bool = False,
    now: dt.datetime | None = None,
) -> tuple[SavedFilter | None, list[Problem]]:
    """Save (or replace) a named filter: the firm's when `shared`, else the actor's own."""
    problems = validate_filter_name(name)
    f, errors = read_filter(expression)
    problems += _problems(errors, expression, "expression")
    if f is None or problems:
        return None, problems
    saved = SavedFilter(
        name,
        f.text,
        description.strip(),
        None if shared else actor,
        actor,
        now or dt.datetime.now(dt.UTC),
    )
    with unit_of_work() as uow:
        uow.filters.save(saved)
        uow.commit()
    return saved, []


def list_filters(
    unit_of_work: Callable[[], WorkflowUnitOfWork], *, actor: str
) -> list[SavedFilter]:
    with unit_of_work() as uow:
        return uow.filters.visible_to(actor)


def show_filter(
    unit_of_work: Callable[[], WorkflowUnitOfWork], name: str, *, actor: str
) -> tuple[SavedFilter | None, list[Problem]]:
    with unit_of_work() as uow:
        saved = uow.filters.get(name, user=actor)
    if saved is None:
        return None, [Problem("name", f"no saved filter named {name!r} (see `filters list`)")]
    return saved, []
