"""The demo firm's people: one user per role, and a team that shares some households.

Problem: someone trying trimtab with `make demo` should be able to sign in as each of
the seven roles at once, and see an advisor's world narrowed to a real advisor's
households — including households covered through a team.

Rule: `demo_users` adds, for each role, a user whose login is the role's name (`advisor`,
`committee`, ... `admin`) with the password `demo-<role>-password` (a demo, never a
firm: the passwords are printed and in the README). The advisor is linked to the demo
advisor with the most accounts, and belongs to the team `demo-team`, which covers the
first three households of the next advisor: the advisor's own accounts plus those.
Idempotent: users and the team that exist are left as they are (their passwords too);
only what is missing is added, each write through the user services (so each is on
the audit trail).

    >>> [d.login for d in DEMO_USERS][:3]
    ['advisor', 'committee', 'overlay']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher

from trimtab.domain.principal import Principal, Role
from trimtab.domain.problems import Problem
from trimtab.services.user_ports import NewUsersUnitOfWork
from trimtab.services.users import PASSWORDS, NewUser, add_team, add_user, assign_team

__all__ = ["DEMO_TEAM", "DEMO_USERS", "DemoUser", "demo_users"]

DEMO_TEAM = "demo-team"


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    role: Role

    @property
    def password(self) -> str:
        return f"demo-{self.role.value}-password"


DEMO_USERS: Sequence[DemoUser] = (
    DemoUser("advisor", "Avery Advisor", Role.ADVISOR),
    DemoUser("committee", "Casey Committee", Role.COMMITTEE),
    DemoUser("overlay", "Olivia Overlay", Role.OVERLAY),
    DemoUser("compliance", "Chris Compliance", Role.COMPLIANCE),
    DemoUser("management", "Morgan Management", Role.MANAGEMENT),
    DemoUser("data", "Dana Data", Role.DATA),
    DemoUser("admin", "Alex Admin", Role.ADMIN),
)


def demo_users(
    new_uow: NewUsersUnitOfWork,
    *,
    principal: Principal,
    passwords: PasswordHasher = PASSWORDS,
) -> tuple[list[DemoUser], list[Problem]]:
    """Add the demo users (and team) that are missing; returns those added."""
    with new_uow() as uow:
        existing = {u.login for u in uow.users.all()}
        team = uow.teams.get(DEMO_TEAM)
        counts = uow.coverage.accounts_by_advisor()
        advisors = sorted(counts, key=lambda a: (-counts[a], a))
    if not advisors:
        return [], [Problem("demo", "load the demo firm first (`trimtab demo load`)")]
    mine, *others = advisors
    added: list[DemoUser] = []
    for demo in DEMO_USERS:
        if demo.login in existing:
            continue
        advisor = mine if demo.role is Role.ADVISOR else None
        request = NewUser(demo.login, demo.name, [demo.role], advisor, demo.password)
        _, _, problems = add_user(new_uow, request, principal=principal, passwords=passwords)
        if problems:
            return added, problems
        added.append(demo)
    if team is None and others:
        _, problems = add_team(new_uow, DEMO_TEAM, "Demo shared coverage", principal=principal)
        if problems:
            return added, problems
        with new_uow() as uow:
            shared = uow.coverage.households_of(others[0])[:3]
        _, problems = assign_team(
            new_uow,
            DEMO_TEAM,
            principal=principal,
            members=["advisor"],
            households=shared,
            reason="demo: the advisor covers three households of a colleague",
        )
        if problems:
            return added, problems
    return added, []
