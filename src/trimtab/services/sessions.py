"""Signing in and out of the web app: server-side sessions, throttling, locking, acting for.

Problem: a person signs in once and then works for hours; any of several web workers
may serve each request, so the session must live in the database. Passwords get
guessed: a login must stop accepting guesses after a few, and one address must not be
able to try logins by the thousand. An administrator sometimes needs to see exactly what
an advisor sees, without borrowing the advisor's password.

Rule:
- A session id is 32 random bytes (URL-safe base64) handed to the browser once, in the
  cookie; the database keeps only its SHA-256 (`WebSession.id_hash`), so reading the
  sessions table opens no session. A session ends `policy.lifetime` after sign-in, or
  after `policy.idle` without a request, or at sign-out; disabling a user or resetting
  their password ends theirs. The last-seen time is written at most once a minute.
- A sign-in is refused, with nothing written, while the login is locked or the address
  has failed `policy.address_limit` times within `policy.lock_for` (throttled: "try again
  in N minutes"). Otherwise a wrong password (or unknown login, or a disabled user)
  counts one failure for the address and, for a known login, one more consecutive
  failure; the `policy.lock_after`-th locks the login for `policy.lock_for`. Every
  message for a wrong login, a wrong password or a disabled user is the same, so
  a guesser cannot tell which logins exist.
- Every attempt that is checked (succeeded or failed) is one `sessions.sign_in` audit
  entry by the requesting client (`web:<address>`), target `user:<login>`, with the
  outcome in its summary; refusals while locked or throttled write nothing (so a flood
  cannot flood the trail). Sign-out is `sessions.sign_out`; starting or stopping acting
  for a user is `sessions.act_as` (target both users).
- Acting for: only a principal holding the admin role, and never for a disabled user
  nor for oneself. The session keeps the admin as the principal and the user in
  `on_behalf_of`: permissions are the admin's, the scope is the user's, and every
  audit entry shows both.

Worked example (lock after 5, for 15 minutes): four wrong passwords for `lee`, then the
right one: signed in, the count back to 0. Five wrong ones: locked until 15 minutes
after the fifth; the right password during those minutes is refused, unchecked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, replace
from enum import StrEnum

from argon2 import PasswordHasher

from trimtab.domain.principal import Principal, Role
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.users import User, WebSession, principal_of
from trimtab.services.audit import record, write_service
from trimtab.services.user_ports import NewUsersUnitOfWork, UsersUnitOfWork
from trimtab.services.users import PASSWORDS, verify_password

__all__ = [
    "ActiveSession",
    "Refusal",
    "SessionPolicy",
    "SignInResult",
    "act_as",
    "client_principal",
    "hash_session_id",
    "resolve_session",
    "sign_in",
    "sign_out",
]

TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: dt.timedelta = dt.timedelta(hours=12)
    idle: dt.timedelta = dt.timedelta(hours=2)
    lock_after: int = 5
    lock_for: dt.timedelta = dt.timedelta(minutes=15)
    address_limit: int = 20


class Refusal(StrEnum):
    WRONG = "wrong"  # wrong password, unknown login or disabled user: one message for all
    LOCKED = "locked"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class SignInResult:
    session_id: str | None = None  # the raw id for the cookie, on success
    principal: Principal | None = None
    refusal: Refusal | None = None
    retry_after: dt.timedelta | None = None  # when locked or throttled

    @property
    def message(self) -> str:
        if self.refusal is None:
            return "signed in"
        if self.refusal is Refusal.WRONG:
            return "the login or the password is wrong"
        minutes = max(1, -(-int((self.retry_after or dt.timedelta()).total_seconds()) // 60))
        what = "this login is locked" if self.refusal is Refusal.LOCKED else "too many attempts"
        return f"{what} after repeated failed sign-ins; try again in {minutes} minutes"


@dataclass(frozen=True)
class ActiveSession:
    principal: Principal
    login: str
    session: WebSession


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def client_principal(address: str) -> Principal:
    """Who asks before signing in: the client, by address (`web:203.0.113.5`)."""
    return Principal(f"web:{address}", f"web client {address}", frozenset())


@write_service("sessions.sign_in")
def sign_in(
    new_uow: NewUsersUnitOfWork,
    login: str,
    password: str,
    *,
    principal: Principal,
    address: str,
    now: dt.datetime,
    policy: SessionPolicy = SessionPolicy(),
    passwords: PasswordHasher = PASSWORDS,
) -> SignInResult:
    """Check a login and password from `address` (`principal`: the client asking, see
    `client_principal`); on success a new session, else the refusal and when to retry."""
    login = login.strip().lower()[:64]
    with new_uow() as uow:
        window_start = now - policy.lock_for
        if uow.sign_in_attempts.failures_from(address, window_start) >= policy.address_limit:
            return SignInResult(refusal=Refusal.THROTTLED, retry_after=policy.lock_for)
        user = uow.users.get(login)
        if user is not None and user.locked_until is not None and user.locked_at(now):
            return SignInResult(refusal=Refusal.LOCKED, retry_after=user.locked_until - now)
        good = verify_password(uow.users.password_hash(login), password, passwords=passwords)
        if user is None or user.disabled or not good:
            return _failed(uow, principal, login, user, address, now, policy)
        session_id = secrets.token_urlsafe(32)
        session = WebSession(
            id_hash=hash_session_id(session_id),
            login=login,
            created_at=now,
            expires_at=now + policy.lifetime,
            last_seen_at=now,
            address=address,
        )
        uow.web_sessions.add(session)
        if user.failed_sign_ins or user.locked_until:
            uow.users.save(replace(user, failed_sign_ins=0, locked_until=None))
        record(
            uow,
            principal,
            "sessions.sign_in",
            targets=[f"user:{login}"],
            summary={"outcome": "signed in", "address": address},
            at=now,
        )
        uow.commit()
        signed = principal_of(user)
    return SignInResult(session_id=session_id, principal=signed)


def _failed(
    uow: UsersUnitOfWork,
    principal: Principal,
    login: str,
    user: User | None,
    address: str,
    now: dt.datetime,
    policy: SessionPolicy,
) -> SignInResult:
    uow.sign_in_attempts.add_failure(login, address, now)
    locked = False
    if user is not None:
        failures = user.failed_sign_ins + 1
        locked = failures >= policy.lock_after
        uow.users.save(
            replace(
                user,
                failed_sign_ins=failures,
                locked_until=now + policy.lock_for if locked else user.locked_until,
            )
        )
    record(
        uow,
        principal,
        "sessions.sign_in",
        targets=[f"user:{login}"],
        summary={
            "outcome": "locked" if locked else "failed",
            "address": address,
            # which of the three it was stays in the record, never in the answer
            "why": "unknown login"
            if user is None
            else "disabled"
            if user.disabled
            else "wrong password",
        },
        at=now,
    )
    uow.commit()
    if locked:
        return SignInResult(refusal=Refusal.LOCKED, retry_after=policy.lock_for)
    return SignInResult(refusal=Refusal.WRONG)


def resolve_session(
    new_uow: NewUsersUnitOfWork,
    session_id: str,
    *,
    now: dt.datetime,
    policy: SessionPolicy = SessionPolicy(),
) -> ActiveSession | None:
    """The signed-in principal of a session cookie; None when unknown, ended, expired,
    idle too long, or its user (or the user acted for) is disabled."""
    if len(session_id) > 100:
        return None
    id_hash = hash_session_id(session_id)
    with new_uow() as uow:
        session = uow.web_sessions.get(id_hash)
        if session is None or not session.alive_at(now, policy.idle):
            return None
        user = uow.users.get(session.login)
        if user is None or user.disabled:
            return None
        principal = principal_of(user)
        if session.on_behalf_of is not None:
            other = uow.users.get(session.on_behalf_of)
            if other is not None and not other.disabled and Role.ADMIN in user.roles:
                principal = principal.acting_for(principal_of(other))
        if now - session.last_seen_at >= TOUCH_EVERY:
            uow.web_sessions.touch(id_hash, now)
            uow.commit()
    return ActiveSession(principal, session.login, session)


@write_service("sessions.sign_out")
def sign_out(
    new_uow: NewUsersUnitOfWork,
    session_id: str,
    *,
    principal: Principal,
    now: dt.datetime | None = None,
) -> bool:
    """End a session; False when it had already ended (nothing written)."""
    id_hash = hash_session_id(session_id)
    with new_uow() as uow:
        session = uow.web_sessions.get(id_hash)
        if session is None:
            return False
        uow.web_sessions.end(id_hash)
        record(uow, principal, "sessions.sign_out", targets=[f"user:{session.login}"], at=now)
        uow.commit()
    return True


@write_service("sessions.act_as")
def act_as(
    new_uow: NewUsersUnitOfWork,
    session_id: str,
    login: str | None,
    *,
    principal: Principal,
    reason: str = "",
    now: dt.datetime | None = None,
) -> tuple[Principal | None, list[Problem]]:
    """Start acting for user `login` in this session (None: stop). Admins only."""
    if not principal.has(Role.ADMIN):
        return None, [
            Problem("act as", "only an administrator may act for a user", ProblemKind.FORBIDDEN)
        ]
    id_hash = hash_session_id(session_id)
    with new_uow() as uow:
        session = uow.web_sessions.get(id_hash)
        me = uow.users.get(session.login) if session else None
        if session is None or me is None:
            return None, [Problem("session", "the session has ended", ProblemKind.NOT_FOUND)]
        other = uow.users.get(login) if login else None
        if login is not None and (other is None or other.disabled):
            return None, [Problem(f"user {login}", "no such user", ProblemKind.NOT_FOUND)]
        if login == session.login:
            return None, [Problem("act as", "you are already yourself")]
        uow.web_sessions.act_for(id_hash, login)
        previous = session.on_behalf_of
        record(
            uow,
            principal,
            "sessions.act_as",
            targets=[f"user:{session.login}", *(f"user:{x}" for x in (login, previous) if x)],
            reason=reason,
            summary={"for": login, "previously_for": previous},
            at=now,
        )
        uow.commit()
    mine = principal_of(me)
    return (mine.acting_for(principal_of(other)) if other else mine), []
