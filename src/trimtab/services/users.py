"""Administering who may use trimtab: users, teams, advisor coverage, system tokens.

Problem: a firm's people sign in with passwords and work within their roles; its systems
(the scheduler, an order management system) call the API with tokens. An administrator
adds and disables users, resets passwords, groups advisors into teams that cover
households together, and issues and revokes tokens — and each of those changes is
itself a write that must be on record.

Rule:
- Passwords are stored as argon2 hashes (argon2-cffi's `PasswordHasher`, salted, with
  its default cost); a password is at least 12 characters. When none is given, one is
  generated (16 random URL-safe characters) and returned once for the administrator to
  hand over. Nothing stores or logs a password in the clear.
- A token is 32 random bytes (URL-safe base64, prefixed `tt_` so a leaked one is easy
  to recognise in a log); only its SHA-256 is stored, so the table opens nothing. It is
  shown once, at creation. A revoked token stops working at once. High-entropy
  secrets need no slow hash: SHA-256 lets each API request find its token by index.
- Disabling a user or resetting their password ends their sessions; a reset also
  clears a lock. Every change is a `@write_service` with its one audit entry
  (`users.add`, `users.disable`, `users.enable`, `users.reset_password`, `users.unlock`,
  `teams.add`, `teams.assign`, `tokens.create`, `tokens.revoke`); the targets are
  `user:<login>`, `team:<id>` and `token:<name>`. A token's last use is bookkeeping, not
  a change anyone made, and is not audited.

    >>> # user, password, problems = add_user(db.unit_of_work,
    >>> #     NewUser("lee", "Lee Park", {Role.ADVISOR}, advisor_id="ADV-1"), principal=admin)
    >>> # password  # generated, shown once
    >>> # 'p4Q...'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from trimtab.domain.principal import Principal, Role
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.users import SystemToken, Team, User, check_login, token_principal
from trimtab.services.audit import record, write_service
from trimtab.services.user_ports import NewUsersUnitOfWork, UsersUnitOfWork

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "PASSWORDS",
    "IssuedToken",
    "NewUser",
    "add_team",
    "add_user",
    "assign_team",
    "create_token",
    "disable_user",
    "enable_user",
    "generate_password",
    "hash_token",
    "list_teams",
    "list_tokens",
    "list_users",
    "principal_from_token",
    "reset_password",
    "revoke_token",
    "unlock_user",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 12
PASSWORDS = PasswordHasher()
TOKEN_PREFIX = "tt_"
# A token's last use is written at most this often: each API request would otherwise
# write a row, and the exact second is not worth a write per request.
TOUCH_EVERY = dt.timedelta(minutes=1)
NOT_FOUND = ProblemKind.NOT_FOUND
CONFLICT = ProblemKind.CONFLICT


@dataclass(frozen=True)
class NewUser:
    login: str
    name: str
    roles: Collection[Role]
    advisor_id: str | None = None
    password: str | None = None  # None: generate one


@dataclass(frozen=True)
class IssuedToken:
    token: SystemToken
    secret: str  # shown once; only its hash is kept


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_password(
    password_hash: str | None, password: str, *, passwords: PasswordHasher = PASSWORDS
) -> bool:
    """Whether `password` matches; with no hash (unknown user) a dummy hash is checked so
    that an unknown login takes as long as a wrong password (no login enumeration)."""
    try:
        return passwords.verify(password_hash or _dummy_hash(passwords), password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMIES: dict[int, str] = {}


def _dummy_hash(passwords: PasswordHasher) -> str:
    key = id(passwords)
    if key not in _DUMMIES:
        _DUMMIES[key] = passwords.hash(secrets.token_urlsafe(16))
    return _DUMMIES[key]


def _password_problem(password: str) -> Problem | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return Problem(
            "password", f"must be at least {MIN_PASSWORD_LENGTH} characters, got {len(password)}"
        )
    return None


def _user(uow: UsersUnitOfWork, login: str) -> tuple[User | None, list[Problem]]:
    user = uow.users.get(login)
    if user is None:
        return None, [Problem(f"user {login}", "no such user", NOT_FOUND)]
    return user, []


# ----------------------------------------------------------------------------- users


@write_service("users.add")
def add_user(
    new_uow: NewUsersUnitOfWork,
    request: NewUser,
    *,
    principal: Principal,
    passwords: PasswordHasher = PASSWORDS,
) -> tuple[User | None, str | None, list[Problem]]:
    """Add a user; returns the user, the password when it was generated (else None), and
    problems. An advisor must be linked to one of the firm's advisors."""
    problems = [Problem("login", p.split(": ", 1)[1]) for p in [check_login(request.login)] if p]
    roles = frozenset(request.roles)
    if not roles:
        problems.append(Problem("roles", "give at least one role"))
    if not request.name.strip():
        problems.append(Problem("name", "give the user's display name"))
    if Role.ADVISOR in roles and not request.advisor_id:
        problems.append(Problem("advisor", "an advisor must be linked to the firm's advisor id"))
    if request.advisor_id and Role.ADVISOR not in roles:
        problems.append(Problem("advisor", "only a user with the advisor role has an advisor id"))
    generated = request.password is None
    password = generate_password() if request.password is None else request.password
    wrong = _password_problem(password)
    if wrong:
        problems.append(wrong)
    if problems:
        return None, None, problems
    with new_uow() as uow:
        if uow.users.get(request.login) is not None:
            return None, None, [Problem(f"user {request.login}", "already exists", CONFLICT)]
        if request.advisor_id is not None and request.advisor_id not in {
            a.id for a in uow.organization.advisors()
        }:
            return (
                None,
                None,
                [Problem("advisor", f"no advisor {request.advisor_id!r} in the firm")],
            )
        user = User(request.login, request.name.strip(), roles, advisor_id=request.advisor_id)
        uow.users.add(user, passwords.hash(password))
        record(
            uow,
            principal,
            "users.add",
            targets=[f"user:{user.login}"],
            summary={
                "name": user.name,
                "roles": sorted(r.value for r in roles),
                "advisor": user.advisor_id,
            },
        )
        uow.commit()
    return user, (password if generated else None), []


def _change_user(
    new_uow: NewUsersUnitOfWork,
    login: str,
    action: str,
    change: Callable[[User], tuple[User, dict[str, object]]],
    *,
    principal: Principal,
    reason: str,
    end_sessions: bool = False,
) -> tuple[User | None, list[Problem]]:
    """Read, change and save one user in one transaction: `change` gives the changed user
    and the audit summary from the stored one, so nothing can change it in between."""
    with new_uow() as uow:
        user, problems = _user(uow, login)
        if user is None:
            return None, problems
        changed, summary = change(user)
        uow.users.save(changed)
        ended = uow.web_sessions.end_for_user(login) if end_sessions else 0
        record(
            uow,
            principal,
            action,
            targets=[f"user:{login}"],
            reason=reason,
            summary={**summary, "sessions_ended": ended},
        )
        uow.commit()
    return changed, []


@write_service("users.disable")
def disable_user(
    new_uow: NewUsersUnitOfWork, login: str, *, principal: Principal, reason: str = ""
) -> tuple[User | None, list[Problem]]:
    """Disable a user: they cannot sign in, and their sessions end now."""
    return _change_user(
        new_uow,
        login,
        "users.disable",
        lambda user: (replace(user, disabled=True), {"disabled": True}),
        principal=principal,
        reason=reason,
        end_sessions=True,
    )


@write_service("users.enable")
def enable_user(
    new_uow: NewUsersUnitOfWork, login: str, *, principal: Principal, reason: str = ""
) -> tuple[User | None, list[Problem]]:
    """Enable a disabled user again (their sessions ended when they were disabled)."""
    return _change_user(
        new_uow,
        login,
        "users.enable",
        lambda user: (replace(user, disabled=False), {"disabled": False}),
        principal=principal,
        reason=reason,
    )


@write_service("users.unlock")
def unlock_user(
    new_uow: NewUsersUnitOfWork, login: str, *, principal: Principal, reason: str = ""
) -> tuple[User | None, list[Problem]]:
    """Lift a lock left by failed sign-ins (the failures are forgotten)."""
    return _change_user(
        new_uow,
        login,
        "users.unlock",
        lambda user: (
            replace(user, failed_sign_ins=0, locked_until=None),
            {"was_locked_until": user.locked_until, "failures": user.failed_sign_ins},
        ),
        principal=principal,
        reason=reason,
    )


@write_service("users.reset_password")
def reset_password(
    new_uow: NewUsersUnitOfWork,
    login: str,
    password: str | None = None,
    *,
    principal: Principal,
    reason: str = "",
    passwords: PasswordHasher = PASSWORDS,
) -> tuple[str | None, list[Problem]]:
    """Set a new password (generated when None; returned once), lift any lock and end the
    user's sessions. Returns the new password when generated, else ""."""
    generated = password is None
    new_password = generate_password() if password is None else password
    wrong = _password_problem(new_password)
    if wrong:
        return None, [wrong]
    with new_uow() as uow:
        user, problems = _user(uow, login)
        if user is None:
            return None, problems
        uow.users.set_password(login, passwords.hash(new_password))
        uow.users.save(replace(user, failed_sign_ins=0, locked_until=None))
        ended = uow.web_sessions.end_for_user(login)
        record(
            uow,
            principal,
            "users.reset_password",
            targets=[f"user:{login}"],
            reason=reason,
            summary={
                "generated": generated,
                "unlocked": user.locked_until is not None,
                "sessions_ended": ended,
            },
        )
        uow.commit()
    return (new_password if generated else ""), []


def list_users(new_uow: NewUsersUnitOfWork) -> list[User]:
    with new_uow() as uow:
        return sorted(uow.users.all(), key=lambda u: u.login)


# ----------------------------------------------------------------------------- teams


@write_service("teams.add")
def add_team(
    new_uow: NewUsersUnitOfWork, team_id: str, name: str, *, principal: Principal
) -> tuple[Team | None, list[Problem]]:
    problem = check_login(team_id)
    if problem:
        return None, [Problem("team", problem.split(": ", 1)[1].replace("login", "team id"))]
    with new_uow() as uow:
        if uow.teams.get(team_id) is not None:
            return None, [Problem(f"team {team_id}", "already exists", CONFLICT)]
        team = Team(team_id, name.strip() or team_id)
        uow.teams.add(team)
        record(uow, principal, "teams.add", targets=[f"team:{team_id}"], summary={"name": name})
        uow.commit()
    return team, []


@write_service("teams.assign")
def assign_team(
    new_uow: NewUsersUnitOfWork,
    team_id: str,
    *,
    principal: Principal,
    members: Iterable[str] = (),
    households: Iterable[str] = (),
    remove: bool = False,
    reason: str = "",
) -> tuple[Team | None, list[Problem]]:
    """Add (or with `remove`, take away) members and households of a team: the team's
    members see the accounts of its households. Targets: the team, then the households
    (so `audit list --account H-1` finds who gave or took its coverage)."""
    members, households = sorted(set(members)), sorted(set(households))
    if not members and not households:
        return None, [Problem("team", "name at least one member or household")]
    with new_uow() as uow:
        team = uow.teams.get(team_id)
        if team is None:
            return None, [Problem(f"team {team_id}", "no such team", NOT_FOUND)]
        problems = [
            Problem(f"member {m}", "no such user", NOT_FOUND)
            for m in members
            if uow.users.get(m) is None
        ] + [
            Problem(f"household {h}", "no such household", NOT_FOUND)
            for h in households
            if uow.households.get(h) is None
        ]
        if problems:
            return None, problems
        if remove:
            uow.teams.remove_members(team_id, members)
            uow.teams.remove_households(team_id, households)
        else:
            uow.teams.add_members(team_id, members)
            uow.teams.add_households(team_id, households)
        record(
            uow,
            principal,
            "teams.assign",
            targets=[f"team:{team_id}", *households, *(f"user:{m}" for m in members)],
            reason=reason,
            summary={"remove": remove, "members": members, "households": households},
        )
        uow.commit()
        changed = uow.teams.get(team_id)
    return changed, []


def list_teams(new_uow: NewUsersUnitOfWork) -> list[Team]:
    with new_uow() as uow:
        return sorted(uow.teams.all(), key=lambda t: t.id)


# ---------------------------------------------------------------------------- tokens


@write_service("tokens.create")
def create_token(
    new_uow: NewUsersUnitOfWork,
    name: str,
    role: Role,
    *,
    principal: Principal,
    now: dt.datetime | None = None,
) -> tuple[IssuedToken | None, list[Problem]]:
    """Issue a system token with one role; its secret is in the answer, once."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        token = SystemToken(name, role, created_at=now, created_by=principal.recorded_as)
    except ValueError as error:
        return None, [Problem("token", str(error))]
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with new_uow() as uow:
        if uow.tokens.get(name) is not None:
            return None, [
                Problem(f"token {name}", "already exists (names are never reused)", CONFLICT)
            ]
        uow.tokens.add(token, hash_token(secret))
        record(
            uow,
            principal,
            "tokens.create",
            targets=[f"token:{name}"],
            summary={"role": role.value},
            at=now,
        )
        uow.commit()
    return IssuedToken(token, secret), []


@write_service("tokens.revoke")
def revoke_token(
    new_uow: NewUsersUnitOfWork,
    name: str,
    *,
    principal: Principal,
    reason: str = "",
    now: dt.datetime | None = None,
) -> tuple[SystemToken | None, list[Problem]]:
    now = now or dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        token = uow.tokens.get(name)
        if token is None:
            return None, [Problem(f"token {name}", "no such token", NOT_FOUND)]
        if token.revoked:
            return None, [Problem(f"token {name}", "is already revoked", CONFLICT)]
        uow.tokens.revoke(name, now)
        record(uow, principal, "tokens.revoke", targets=[f"token:{name}"], reason=reason, at=now)
        uow.commit()
    return replace(token, revoked_at=now), []


def list_tokens(new_uow: NewUsersUnitOfWork) -> list[SystemToken]:
    with new_uow() as uow:
        return sorted(uow.tokens.all(), key=lambda t: t.name)


def principal_from_token(
    new_uow: NewUsersUnitOfWork, secret: str, *, now: dt.datetime
) -> Principal | None:
    """The principal of a bearer token; None if unknown or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    with new_uow() as uow:
        token = uow.tokens.by_hash(hash_token(secret))
        if token is None or token.revoked:
            return None
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            uow.tokens.touch(token.name, now)
            uow.commit()
    return token_principal(token)
