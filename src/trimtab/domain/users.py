"""The people and systems who use trimtab: users, teams, system tokens, web sessions.

Problem: the principal of a request (who acts, with which roles, over which accounts)
must come from something a firm administers: a user who signs in with a password, or a
system (an OMS, the scheduler) holding a token. Advisors see their own households only,
and some households are covered by a team of advisors together.

Rule:
- A user has a login (lowercase letters, digits, `.`, `_`, `-`), a display name, one
  or more roles, and — for an advisor — the firm's advisor id whose accounts are theirs.
  Teams they belong to add the households assigned to the team. A disabled user cannot
  sign in; a user is locked after repeated failed sign-ins until `locked_until`.
- A user's principal is `user:<login>`; its scope is the firm for every role but the
  advisor's, and for an advisor their advisor id plus their teams (`Scope.advisors`).
  A user with the advisor role and others keeps the advisor scope: the other roles'
  firm-wide permissions widen it where they apply (`domain.permissions.authorize`).
- A system token has a name and exactly one role (not advisor: a token acts for a
  system, not for a person's households); its principal is `token:<name>`, firm-wide.
- A web session belongs to a user, ends at `expires_at` or after being idle too long,
  and may act on behalf of another user (admins only).

    >>> lee = User("lee", "Lee Park", frozenset({Role.ADVISOR}), advisor_id="ADV-1",
    ...            teams=frozenset({"T-east"}))
    >>> p = principal_of(lee)
    >>> p.id, p.scope.advisor_ids, p.scope.team_ids
    ('user:lee', frozenset({'ADV-1'}), frozenset({'T-east'}))
    >>> check_login("Lee Park")
    "login: 'Lee Park' is not a login: use 1-64 lowercase letters, digits, '.', '_' or '-'"
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from trimtab.domain.principal import Principal, Role, Scope

__all__ = [
    "LOGIN_PATTERN",
    "SystemToken",
    "Team",
    "User",
    "WebSession",
    "check_login",
    "principal_of",
    "token_principal",
]

LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def check_login(login: str) -> str | None:
    """Why `login` is not a valid login, or None."""
    if LOGIN_PATTERN.fullmatch(login):
        return None
    return f"login: {login!r} is not a login: use 1-64 lowercase letters, digits, '.', '_' or '-'"


@dataclass(frozen=True)
class User:
    login: str
    name: str
    roles: frozenset[Role]
    advisor_id: str | None = None
    teams: frozenset[str] = frozenset()
    disabled: bool = False
    failed_sign_ins: int = 0  # consecutive, reset by a successful sign-in
    locked_until: dt.datetime | None = None

    def __post_init__(self) -> None:
        problem = check_login(self.login)
        if problem:
            raise ValueError(problem)
        if not self.roles:
            raise ValueError(f"user {self.login}: a user holds at least one role")

    def locked_at(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    members: frozenset[str] = frozenset()  # logins
    households: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SystemToken:
    name: str
    role: Role
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        problem = check_login(self.name)
        if problem:
            raise ValueError(problem.replace("login", "token name"))
        if self.role is Role.ADVISOR:
            raise ValueError(
                f"token {self.name}: a token cannot hold the advisor role "
                "(it acts for a system, not for an advisor's households)"
            )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class WebSession:
    id_hash: str  # SHA-256 of the random id in the cookie: a stolen table opens nothing
    login: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_seen_at: dt.datetime
    on_behalf_of: str | None = None  # the login acted for
    address: str | None = None

    def alive_at(self, now: dt.datetime, idle: dt.timedelta) -> bool:
        return now < self.expires_at and now - self.last_seen_at < idle


def principal_of(user: User, *, on_behalf_of: Principal | None = None) -> Principal:
    """The principal a signed-in user acts as."""
    scope = (
        Scope.advisors(*filter(None, [user.advisor_id]), teams=user.teams)
        if Role.ADVISOR in user.roles
        else Scope.firm()
    )
    return Principal(f"user:{user.login}", user.name, user.roles, scope, on_behalf_of)


def token_principal(token: SystemToken) -> Principal:
    return Principal(f"token:{token.name}", token.name, frozenset({token.role}), Scope.firm())
