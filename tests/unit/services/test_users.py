"""Scenarios: an administrator manages users and tokens; people sign in, fail, get locked.

`services.users` and `services.sessions` on the in-memory fakes of their ports
(`tests/fakes/users.py`): each write is checked for what it changed and for its one
audit entry (action, principal, targets); each refusal for what it did not change.
Passwords are hashed with a cheap argon2 cost: verification reads the cost from the
hash, so only the speed differs from production.
"""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from tests.fakes.users import FakeUsersDesk
from trimtab.domain.principal import Principal, Role
from trimtab.domain.problems import ProblemKind
from trimtab.services.sessions import (
    Refusal,
    SessionPolicy,
    client_principal,
    resolve_session,
    sign_in,
)
from trimtab.services.users import (
    NewUser,
    add_user,
    create_token,
    disable_user,
    principal_from_token,
    reset_password,
    revoke_token,
    unlock_user,
    verify_password,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
ADMIN = Principal.cli("root")
NOW = dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
CLIENT = client_principal("203.0.113.5")
POLICY = SessionPolicy()  # locks after 5 failures, for 15 minutes


@pytest.fixture
def desk() -> FakeUsersDesk:
    return FakeUsersDesk(advisors=["ADV-1"])


def _add_lee(desk: FakeUsersDesk) -> None:
    user, _, problems = add_user(
        desk,
        NewUser("lee", "Lee Park", {Role.ADVISOR}, advisor_id="ADV-1", password=PASSWORD),
        principal=ADMIN,
        passwords=CHEAP,
    )
    assert user is not None, problems


def _sign_in(desk: FakeUsersDesk, password: str, *, at: dt.datetime = NOW):  # type: ignore[no-untyped-def]
    return sign_in(
        desk,
        "lee",
        password,
        principal=CLIENT,
        address="203.0.113.5",
        now=at,
        policy=POLICY,
        passwords=CHEAP,
    )


def test_an_added_user_is_stored_with_a_hashed_password_and_one_audit_entry(
    desk: FakeUsersDesk,
) -> None:
    _add_lee(desk)

    stored = desk.users.password_hash("lee")
    assert stored is not None
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD, passwords=CHEAP)
    assert not verify_password(stored, "wrong horse battery", passwords=CHEAP)
    (entry,) = desk.audit.appended
    assert (entry.action, entry.principal, entry.targets) == (
        "users.add",
        "cli:root",
        ("user:lee",),
    )
    assert entry.summary["advisor"] == "ADV-1"


def test_a_user_without_a_password_gets_one_generated_and_shown_once(
    desk: FakeUsersDesk,
) -> None:
    user, password, problems = add_user(
        desk, NewUser("ana", "Ana", {Role.OVERLAY}), principal=ADMIN, passwords=CHEAP
    )
    assert user is not None, problems
    assert password is not None
    assert verify_password(desk.users.password_hash("ana"), password, passwords=CHEAP)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (NewUser("lee", "Lee", {Role.OVERLAY}, password="short"), "password"),
        (NewUser("lee", "Lee", {Role.ADVISOR}, password=PASSWORD), "advisor"),
        (NewUser("lee", "Lee", {Role.ADVISOR}, advisor_id="ADV-9", password=PASSWORD), "advisor"),
        (NewUser("Lee Park", "Lee", {Role.OVERLAY}, password=PASSWORD), "login"),
        (NewUser("lee", "Lee", set(), password=PASSWORD), "roles"),
    ],
)
def test_a_bad_new_user_is_refused_naming_the_field_and_nothing_is_written(
    desk: FakeUsersDesk, request_: NewUser, field: str
) -> None:
    user, _, problems = add_user(desk, request_, principal=ADMIN, passwords=CHEAP)
    assert user is None
    assert field in [p.path for p in problems]
    assert desk.users.all() == []
    assert desk.audit.appended == []


def test_a_login_is_never_added_twice(desk: FakeUsersDesk) -> None:
    _add_lee(desk)
    user, _, problems = add_user(
        desk,
        NewUser("lee", "Someone else", {Role.OVERLAY}, password=PASSWORD),
        principal=ADMIN,
        passwords=CHEAP,
    )
    assert user is None
    assert [p.kind for p in problems] == [ProblemKind.CONFLICT]
    assert desk.audit.actions() == ["users.add"]


def test_a_wrong_password_is_refused_counted_and_recorded(desk: FakeUsersDesk) -> None:
    _add_lee(desk)
    refused = _sign_in(desk, "wrong horse battery")
    assert refused.refusal is Refusal.WRONG
    assert refused.session_id is None
    assert desk.users.get("lee").failed_sign_ins == 1  # type: ignore[union-attr]
    entry = desk.audit.appended[-1]
    assert (entry.action, entry.principal, entry.targets) == (
        "sessions.sign_in",
        "web:203.0.113.5",
        ("user:lee",),
    )
    assert entry.summary["outcome"] == "failed"

    signed = _sign_in(desk, PASSWORD)
    assert signed.session_id is not None
    assert signed.principal is not None
    assert signed.principal.id == "user:lee"
    assert desk.users.get("lee").failed_sign_ins == 0  # type: ignore[union-attr]
    active = resolve_session(desk, signed.session_id, now=NOW, policy=POLICY)
    assert active is not None
    assert active.login == "lee"
    assert signed.session_id not in desk.web_sessions.by_hash  # only its hash is kept


def test_five_failures_lock_the_login_until_an_administrator_unlocks_it(
    desk: FakeUsersDesk,
) -> None:
    _add_lee(desk)
    answers = [
        _sign_in(desk, f"guess number {n:02}", at=NOW + dt.timedelta(seconds=n)) for n in range(5)
    ]
    assert [a.refusal for a in answers] == [Refusal.WRONG] * 4 + [Refusal.LOCKED]
    assert desk.audit.appended[-1].summary["outcome"] == "locked"
    recorded = len(desk.audit.appended)

    # While locked, even the right password is refused, unchecked and unrecorded.
    during = _sign_in(desk, PASSWORD, at=NOW + dt.timedelta(minutes=5))
    assert during.refusal is Refusal.LOCKED
    assert during.session_id is None
    assert len(desk.audit.appended) == recorded

    user, problems = unlock_user(desk, "lee", principal=ADMIN, reason="called the help desk")
    assert user is not None, problems
    entry = desk.audit.appended[-1]
    assert (entry.action, entry.targets, entry.reason) == (
        "users.unlock",
        ("user:lee",),
        "called the help desk",
    )
    assert entry.summary["failures"] == 5
    after = _sign_in(desk, PASSWORD, at=NOW + dt.timedelta(minutes=6))
    assert after.session_id is not None


def test_a_reset_password_lifts_the_lock_and_ends_the_sessions(desk: FakeUsersDesk) -> None:
    _add_lee(desk)
    first = _sign_in(desk, PASSWORD)
    assert first.session_id is not None
    new, problems = reset_password(
        desk, "lee", "a brand new passphrase", principal=ADMIN, passwords=CHEAP
    )
    assert new == ""
    assert problems == []
    assert resolve_session(desk, first.session_id, now=NOW, policy=POLICY) is None
    assert _sign_in(desk, PASSWORD).refusal is Refusal.WRONG
    assert _sign_in(desk, "a brand new passphrase").session_id is not None
    assert "users.reset_password" in desk.audit.actions()


def test_a_disabled_user_loses_their_sessions_and_cannot_sign_in(desk: FakeUsersDesk) -> None:
    _add_lee(desk)
    signed = _sign_in(desk, PASSWORD)
    assert signed.session_id is not None

    user, problems = disable_user(desk, "lee", principal=ADMIN, reason="left the firm")
    assert user is not None, problems
    assert user.disabled
    entry = desk.audit.appended[-1]
    assert (entry.action, entry.targets, entry.reason) == (
        "users.disable",
        ("user:lee",),
        "left the firm",
    )
    assert entry.summary["sessions_ended"] == 1
    assert resolve_session(desk, signed.session_id, now=NOW, policy=POLICY) is None
    # the same answer as a wrong password: a guesser learns nothing about the login
    assert _sign_in(desk, PASSWORD).refusal is Refusal.WRONG

    missing, problems = disable_user(desk, "nobody", principal=ADMIN)
    assert missing is None
    assert [p.kind for p in problems] == [ProblemKind.NOT_FOUND]


def test_a_token_works_until_it_is_revoked_and_both_are_on_record(desk: FakeUsersDesk) -> None:
    issued, problems = create_token(desk, "oms", Role.OVERLAY, principal=ADMIN, now=NOW)
    assert issued is not None, problems
    assert issued.secret.startswith("tt_")
    assert issued.secret not in desk.tokens.hashes  # only its SHA-256 is stored
    principal = principal_from_token(desk, issued.secret, now=NOW)
    assert principal is not None
    assert (principal.id, principal.roles) == ("token:oms", frozenset({Role.OVERLAY}))
    assert principal_from_token(desk, "tt_not-a-token", now=NOW) is None

    revoked, problems = revoke_token(desk, "oms", principal=ADMIN, reason="rotated", now=NOW)
    assert revoked is not None, problems
    assert revoked.revoked
    assert principal_from_token(desk, issued.secret, now=NOW) is None
    create, revoke = desk.audit.appended
    assert (create.action, create.targets, create.summary) == (
        "tokens.create",
        ("token:oms",),
        {"role": "overlay"},
    )
    assert (revoke.action, revoke.targets, revoke.reason) == (
        "tokens.revoke",
        ("token:oms",),
        "rotated",
    )

    again, problems = revoke_token(desk, "oms", principal=ADMIN, now=NOW)
    assert again is None
    assert [p.kind for p in problems] == [ProblemKind.CONFLICT]
    dup, problems = create_token(desk, "oms", Role.DATA, principal=ADMIN, now=NOW)
    assert dup is None
    assert [p.kind for p in problems] == [ProblemKind.CONFLICT]
    assert len(desk.audit.appended) == 2  # refusals record nothing


def test_a_token_cannot_hold_the_advisor_role(desk: FakeUsersDesk) -> None:
    issued, problems = create_token(desk, "robo", Role.ADVISOR, principal=ADMIN, now=NOW)
    assert issued is None
    assert [p.path for p in problems] == ["token"]
    assert desk.tokens.all() == []
    assert desk.audit.appended == []
