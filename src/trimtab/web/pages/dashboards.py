"""The seven dashboards: what each role opens first (ROLES.md, "Each role's dashboard").

Problem: each desk starts from a different question, and `/` must land each person on
theirs; a person holding several roles needs to reach each of their dashboards.

Rule: `/dashboard/<role>` for each role, each declaring the one permission that makes the
dashboard that role's work (the route x role matrix reads it), and each calling one read
service of `trimtab.services.dashboards` with the principal as `viewer`, so figures are
in the viewer's scope (an advisor's own households; everyone else the firm):

    advisor     customize_accounts   my households and accounts, pending proposals, flags
    committee   models_write         the model book: definitions, versions, latest changes
    overlay     review_trades        tonight's outcome, the review queue by value, orders
    compliance  compliance_flags     accounts outside their settings, flags
    management  health_reports       missed trades, review backlog age, suspensions, tax
    data        data_write           today's files, unknown securities, actions, holds
    admin       admin_users          users and roles, system tokens, process health

Every dashboard shows links to the dashboards of the principal's other roles. Charts are
drawn by `trimtab.reports.charts` and embedded as images (the content security policy
refuses inline styles, which an inline SVG would carry).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal, Role
from trimtab.reports.charts import count_chart, data_uri
from trimtab.services import dashboards
from trimtab.services.nightly_run import Here
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.templating import render, templates

__all__ = ["DASHBOARD_PERMISSIONS", "router"]

router = APIRouter()

DASHBOARD_PERMISSIONS: dict[Role, Permission] = {
    Role.ADVISOR: Permission.CUSTOMIZE_ACCOUNTS,
    Role.COMMITTEE: Permission.MODELS_WRITE,
    Role.OVERLAY: Permission.REVIEW_TRADES,
    Role.COMPLIANCE: Permission.COMPLIANCE_FLAGS,
    Role.MANAGEMENT: Permission.HEALTH_REPORTS,
    Role.DATA: Permission.DATA_WRITE,
    Role.ADMIN: Permission.ADMIN_USERS,
}
OUTCOME_LABELS = {
    "auto_trade": "auto-trade",
    "review": "review",
    "suspended": "suspended",
    "no_trade": "no trade",
}


# -- formatting shared by the dashboards and the account page (plain, readable numbers)


def money(value: Any) -> str:
    """`$1,234.50`; negative as `-$1,234.50`; None as an en dash."""
    if value is None:
        return "–"
    amount = Decimal(str(value))
    return ("-" if amount < 0 else "") + f"${abs(amount):,.2f}"


def pct(value: Any, places: int = 1) -> str:
    """A fraction as a percentage: 0.0123 → `1.2%`; None as an en dash."""
    return "–" if value is None else f"{float(value):.{places}%}"


def number(value: Any, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)):,.{places}f}" if places else f"{int(value):,}"


for _name, _filter in (("money", money), ("pct", pct), ("number", number)):
    templates.env.filters.setdefault(_name, _filter)


def _links(principal: Principal) -> list[tuple[str, str]]:
    """The dashboards of the principal's roles (of whom they act for, if acting)."""
    who = principal.on_behalf_of or principal
    return [(role.value, f"/dashboard/{role.value}") for role in Role if role in who.roles]


def _page(request: Request, viewer: Principal, role: Role, context: dict[str, Any]) -> Response:
    return render(
        request,
        f"dashboards/{role.value}.html",
        {"role": role.value, "dashboards": _links(viewer), **context},
    )


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get("/dashboard/advisor")
def advisor(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.CUSTOMIZE_ACCOUNTS)],
) -> Response:
    board = dashboards.advisor_dashboard(new_uow, viewer=viewer)
    return _page(request, viewer, Role.ADVISOR, {"board": board})


@router.get("/dashboard/committee")
def committee(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.MODELS_WRITE)],
) -> Response:
    counts, latest = dashboards.committee_dashboard(new_uow)
    return _page(request, viewer, Role.COMMITTEE, {"counts": counts, "latest": latest})


def outcome_chart(outcomes: tuple[dashboards.OutcomeTotal, ...]) -> str:
    """The overlay's chart: accounts per outcome of the latest run (SVG text)."""
    return count_chart(
        "Accounts by outcome",
        [OUTCOME_LABELS.get(o.outcome, o.outcome) for o in outcomes],
        [o.accounts for o in outcomes],
    )


@router.get("/dashboard/overlay")
def overlay(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.REVIEW_TRADES)],
) -> Response:
    board = dashboards.overlay_dashboard(new_uow, viewer=viewer)
    chart = data_uri(outcome_chart(board.outcomes)) if board.run else None
    return _page(
        request,
        viewer,
        Role.OVERLAY,
        {"board": board, "chart": chart, "labels": OUTCOME_LABELS},
    )


@router.get("/dashboard/compliance")
def compliance(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.COMPLIANCE_FLAGS)],
) -> Response:
    board = dashboards.compliance_dashboard(new_uow, viewer=viewer)
    return _page(request, viewer, Role.COMPLIANCE, {"board": board, "labels": OUTCOME_LABELS})


@router.get("/dashboard/management")
def management(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.HEALTH_REPORTS)],
) -> Response:
    board = dashboards.management_dashboard(new_uow, viewer=viewer, today=_today())
    backlog = data_uri(
        count_chart(
            "Pending proposals by age",
            [label for label, _ in board.backlog],
            [n for _, n in board.backlog],
        )
    )
    suspensions = (
        data_uri(
            count_chart(
                "Suspensions by reason",
                [rule for rule, _ in board.suspensions],
                [n for _, n in board.suspensions],
            )
        )
        if board.suspensions
        else None
    )
    return _page(
        request,
        viewer,
        Role.MANAGEMENT,
        {"board": board, "backlog_chart": backlog, "suspensions_chart": suspensions},
    )


@router.get("/dashboard/data")
def data(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.DATA_WRITE)],
) -> Response:
    now = dt.datetime.now(dt.UTC)
    board = dashboards.data_dashboard(new_uow, day=now.date(), now=now)
    return _page(request, viewer, Role.DATA, {"board": board})


@router.get("/dashboard/admin")
def admin(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.ADMIN_USERS)],
) -> Response:
    board = dashboards.admin_dashboard(
        new_uow, here=Here.this_process(), now=dt.datetime.now(dt.UTC)
    )
    return _page(request, viewer, Role.ADMIN, {"board": board})
