"""The audit scenarios of the user, team, token and session writes (`services.users`,
`services.sessions`), for `test_every_write_is_audited.SCENARIOS`.

Each scenario builds the state its write needs (a small firm: advisors and households
to link to) and returns the one call under test, made as `who`, and an id the entry's
targets must include.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from argon2 import PasswordHasher

from tests.builders import TESTER
from trimtab.bootstrap import Database
from trimtab.domain.principal import Principal, Role
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.load_demo import load_demo_firm
from trimtab.services.sessions import act_as, sign_in, sign_out
from trimtab.services.users import (
    NewUser,
    add_team,
    add_user,
    assign_team,
    create_token,
    disable_user,
    enable_user,
    reset_password,
    revoke_token,
    unlock_user,
)

__all__ = ["DELEGATES", "USER_SCENARIOS"]

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
NOW = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
PASSWORD = "a-long-enough-password"
UserAct = tuple[Callable[[], object], str]
UserScenario = Callable[[Database, Principal], UserAct]

DELEGATES = {"trimtab.services.demo_users.demo_users": ("users.add", "teams.add", "teams.assign")}


def _firm(db: Database) -> None:
    spec = DemoSpec(accounts=12, as_of=NOW.date(), seed=3, days=30, households_per_chunk=10)
    assert load_demo_firm(db.unit_of_work, spec, principal=TESTER).loaded


def _user(db: Database, login: str = "lee", role: Role = Role.COMPLIANCE) -> str:
    user, _, problems = add_user(
        db.unit_of_work, NewUser(login, "Lee", [role], password=PASSWORD),
        principal=TESTER, passwords=CHEAP,
    )  # fmt: skip
    assert user is not None, problems
    return f"user:{login}"


def users_add(db: Database, who: Principal) -> UserAct:
    return (
        lambda: add_user(
            db.unit_of_work,
            NewUser("kim", "Kim", [Role.DATA], password=PASSWORD),
            principal=who,
            passwords=CHEAP,
        ),
        "user:kim",
    )


def users_disable(db: Database, who: Principal) -> UserAct:
    target = _user(db)
    return lambda: disable_user(db.unit_of_work, "lee", principal=who, reason="left"), target


def users_enable(db: Database, who: Principal) -> UserAct:
    target = _user(db)
    disable_user(db.unit_of_work, "lee", principal=TESTER)
    return lambda: enable_user(db.unit_of_work, "lee", principal=who, reason="back"), target


def users_unlock(db: Database, who: Principal) -> UserAct:
    target = _user(db)
    return lambda: unlock_user(db.unit_of_work, "lee", principal=who), target


def users_reset_password(db: Database, who: Principal) -> UserAct:
    target = _user(db)
    return (
        lambda: reset_password(db.unit_of_work, "lee", principal=who, passwords=CHEAP),
        target,
    )


def teams_add(db: Database, who: Principal) -> UserAct:
    return lambda: add_team(db.unit_of_work, "east", "East", principal=who), "team:east"


def teams_assign(db: Database, who: Principal) -> UserAct:
    _firm(db)
    add_team(db.unit_of_work, "east", "East", principal=TESTER)
    with db.unit_of_work() as uow:
        household = uow.coverage.households_of(sorted(uow.coverage.accounts_by_advisor())[0])[0]
    return (
        lambda: assign_team(db.unit_of_work, "east", principal=who, households=[household]),
        household,
    )


def tokens_create(db: Database, who: Principal) -> UserAct:
    return lambda: create_token(db.unit_of_work, "oms", Role.OVERLAY, principal=who), "token:oms"


def tokens_revoke(db: Database, who: Principal) -> UserAct:
    create_token(db.unit_of_work, "oms", Role.OVERLAY, principal=TESTER)
    return lambda: revoke_token(db.unit_of_work, "oms", principal=who), "token:oms"


def _session(db: Database) -> str:
    signed = sign_in(
        db.unit_of_work, "lee", PASSWORD, principal=TESTER, address="192.0.2.1", now=NOW
    )
    assert signed.session_id is not None
    return signed.session_id


def sessions_sign_in(db: Database, who: Principal) -> UserAct:
    target = _user(db)
    return (
        lambda: sign_in(db.unit_of_work, "lee", PASSWORD, principal=who, address="::1", now=NOW),
        target,
    )


def sessions_sign_out(db: Database, who: Principal) -> UserAct:
    target = _user(db)
    session = _session(db)
    return lambda: sign_out(db.unit_of_work, session, principal=who), target


def sessions_act_as(db: Database, who: Principal) -> UserAct:
    _user(db, "lee", Role.ADMIN)
    target = _user(db, "bo", Role.OVERLAY)
    session = _session(db)
    return lambda: act_as(db.unit_of_work, session, "bo", principal=who), target


USER_SCENARIOS: dict[str, UserScenario] = {
    "users.add": users_add,
    "users.disable": users_disable,
    "users.enable": users_enable,
    "users.unlock": users_unlock,
    "users.reset_password": users_reset_password,
    "teams.add": teams_add,
    "teams.assign": teams_assign,
    "tokens.create": tokens_create,
    "tokens.revoke": tokens_revoke,
    "sessions.sign_in": sessions_sign_in,
    "sessions.sign_out": sessions_sign_out,
    "sessions.act_as": sessions_act_as,
}
