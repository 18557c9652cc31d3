"""What a report covers: one account, a household, an advisor's book or the firm, over
a period — and whether the viewer may see it.

Problem: the three reports (taxes saved, health checks, explained activity) are asked
for at four levels and for any period, from the command line and the web app, by
people whose scope differs (an advisor sees their own households only). Each report
must answer "which accounts, which nights" the same way, with the scope inside the
query and an unknown or out-of-scope account, household or advisor reported as not
found (never as forbidden, so its existence does not leak).

Rule: `ReportRequest(level, subject, start, end)`; `select_accounts` checks the
viewer's permission (`reports` or `health_reports`), narrows the scope to what the
permission reaches, and returns the accounts the request covers, or problems.

    >>> ReportRequest(Level.HOUSEHOLD, "H-1", dt.date(2025, 1, 1), dt.date(2025, 12, 31)).label
    'household H-1, 2025-01-01 to 2025-12-31'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from trimtab.domain.permissions import Permission, authorize
from trimtab.domain.principal import Principal, Scope
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.report_ports import AccountFacts, ReportStore, ReportUnitOfWork

__all__ = ["Level", "ReportRequest", "resolve_run", "select_accounts"]


class Level(StrEnum):
    ACCOUNT = "account"
    HOUSEHOLD = "household"
    ADVISOR = "advisor"
    FIRM = "firm"


@dataclass(frozen=True, slots=True)
class ReportRequest:
    level: Level
    subject: str | None  # the account, household or advisor id; None for the firm
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        who = "the firm" if self.level is Level.FIRM else f"{self.level.value} {self.subject}"
        return f"{who}, {self.start.isoformat()} to {self.end.isoformat()}"

    def problems(self) -> list[Problem]:
        found = []
        if self.level is not Level.FIRM and not self.subject:
            found.append(Problem(self.level.value, f"name the {self.level.value}"))
        if self.end < self.start:
            found.append(
                Problem("to", f"the period ends ({self.end}) before it starts ({self.start})")
            )
        return found


def select_accounts(
    store: ReportStore, request: ReportRequest, viewer: Principal, permission: Permission
) -> tuple[list[AccountFacts], Scope | None, list[Problem]]:
    """(accounts covered, the viewer's scope for the queries, problems)."""
    problems = request.problems()
    if problems:
        return [], None, problems
    allowed = authorize(viewer, permission)
    if allowed is None:
        return (
            [],
            None,
            [
                Problem(
                    "viewer",
                    f"{viewer.id} lacks the permission {permission.value} "
                    f"({permission.description})",
                    kind=ProblemKind.FORBIDDEN,
                )
            ],
        )
    scope = allowed.effective_scope
    level, subject = request.level, request.subject
    accounts = store.accounts(
        scope,
        account=subject if level is Level.ACCOUNT else None,
        household=subject if level is Level.HOUSEHOLD else None,
        advisor=subject if level is Level.ADVISOR else None,
    )
    if not accounts and level is not Level.FIRM:
        return (
            [],
            scope,
            [Problem(level.value, f"no {level.value} {subject!r}", kind=ProblemKind.NOT_FOUND)],
        )
    return accounts, scope, []


def resolve_run(
    new_uow: Callable[[], ReportUnitOfWork], run: str
) -> tuple[tuple[str, dt.date] | None, list[Problem]]:
    """`run` as (id, day): "latest" is the newest run not voided."""
    with new_uow() as uow:
        latest = uow.reports.latest_run()
    if run == "latest":
        if latest is None:
            return None, [
                Problem("run", "no run yet: `trimtab run` starts one", ProblemKind.NOT_FOUND)
            ]
        return latest, []
    try:
        day = dt.date.fromisoformat(run.rsplit(".", 1)[0])
    except ValueError:
        return None, [Problem("run", f"{run!r} is not a run id (2025-06-30.1) or 'latest'")]
    return (run, day), []
