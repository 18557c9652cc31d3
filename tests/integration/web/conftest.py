"""The web app over a small demo firm after one night, with one signed-in user per role.

The firm is built once per module and database (SQLite and PostgreSQL): twelve accounts,
the model book, a routing policy that sends every proposal to review, one finished
night, the seven demo users (`services.demo_users`: the advisor linked to the advisor
with the most accounts, plus a team covering three households of another) — hashed
with a cheap argon2 cost, which only makes the tests fast (verification reads the cost
from the hash). Tests sign in through the real form (`sign_in_as`). The firm is built
once per test process and copied into each module's database (tests/integration/
snapshots.py).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from tests.integration.conftest import postgres_admin_url
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import Database, open_database
from trimtab.domain.principal import Principal, Role
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.demo_models import seed_model_book
from trimtab.services.demo_users import DEMO_USERS, demo_users
from trimtab.services.filters import save_filter
from trimtab.services.load_demo import load_demo_firm
from trimtab.services.nightly_run import (
    Chunk,
    Here,
    RunRequest,
    analyze_chunk,
    finish_run,
    night_context,
    start_run,
)
from trimtab.services.routing import install_demo_policy, set_policy
from trimtab.store.tables import AccountRow
from trimtab.web import create_app
from trimtab.web.settings import WebSettings

AS_OF = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
SETUP = Principal.cli("setup")
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORDS = {d.login: d.password for d in DEMO_USERS}
LOGIN_OF_ROLE = {d.role: d.login for d in DEMO_USERS}


@dataclass(frozen=True)
class WebFirm:
    database: Database
    advisor_id: str  # the demo advisor's advisor id
    own_account: str  # an account of the advisor's own
    team_account: str  # an account of another advisor's household the advisor's team covers
    other_account: str  # an account outside the advisor's scope
    run_id: str


def build_firm(db: Database) -> WebFirm:
    spec = DemoSpec(accounts=12, as_of=AS_OF, seed=3, days=60, households_per_chunk=10)
    assert load_demo_firm(db.unit_of_work, spec, principal=SETUP).loaded
    seed_model_book(db.unit_of_work, as_of=AS_OF, principal=SETUP, now=NOW)
    install_demo_policy(db.unit_of_work, principal=SETUP, now=NOW)
    save_filter(
        db.unit_of_work, principal=SETUP, name="everyone", expression='status = "open"', shared=True
    )
    _, problems = set_policy(
        db.unit_of_work, "review everyone\n", principal=SETUP, reason="test", now=NOW
    )
    assert problems == []
    here = Here.this_process()
    start, problems = start_run(
        db.unit_of_work, RunRequest(AS_OF), principal=SETUP, here=here, today=AS_OF, now=NOW
    )
    assert start is not None, problems
    context = night_context(db.unit_of_work, AS_OF, start.policy, start.filters)
    analyze_chunk(
        db.unit_of_work, Chunk(start.run.id, AS_OF, 1, start.todo), context, principal=SETUP
    )
    assert finish_run(
        db.unit_of_work, start.run.id, principal=SETUP, here=here, seconds=1, now=NOW
    ).finished
    added, problems = demo_users(db.unit_of_work, principal=SETUP, passwords=CHEAP)
    assert problems == []
    assert len(added) == len(DEMO_USERS)
    with db.unit_of_work() as uow:
        advisor = uow.users.get("advisor")
        assert advisor is not None
        assert advisor.advisor_id is not None
        team = uow.teams.get("demo-team")
        assert team is not None
        assert team.households
        rows = uow.session.execute(
            select(AccountRow.id, AccountRow.advisor_id, AccountRow.household_id).order_by(
                AccountRow.id
            )
        ).all()
    own = next(a for a, adv, _ in rows if adv == advisor.advisor_id)
    shared = next(a for a, adv, h in rows if adv != advisor.advisor_id and h in team.households)
    other = next(a for a, adv, h in rows if adv != advisor.advisor_id and h not in team.households)
    return WebFirm(db, advisor.advisor_id, own, shared, other, start.run.id)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def firm_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web')}/trimtab.db"
        return
    admin = request.getfixturevalue("postgres_admin")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_admin_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def web_firm_facts(url: str, db: Database) -> tuple[str, str, str, str, str]:
    """`build_firm`'s answer but the database: the recipe of `web_firm`."""
    firm = build_firm(db)
    return firm.advisor_id, firm.own_account, firm.team_account, firm.other_account, firm.run_id


@pytest.fixture(scope="module")
def web_firm(firm_url: str, snapshots: Snapshots) -> Iterator[WebFirm]:
    facts = snapshots.restore(firm_url, web_firm_facts)
    db = open_database(firm_url)
    yield WebFirm(db, *facts)
    db.close()


@pytest.fixture(scope="module")
def app(web_firm: WebFirm):  # type: ignore[no-untyped-def]
    return create_app(web_firm.database, settings=WebSettings())


def client(app) -> TestClient:  # type: ignore[no-untyped-def]
    # A 500 must reach the test as the client would see it, not as the server's exception.
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = CSRF_FIELD.search(page)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def sign_in_as(app, login: str, password: str | None = None) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    """A client signed in as `login` through the form, and its session's CSRF token."""
    browser = client(app)
    form = browser.get("/sign-in")
    assert form.status_code == 200
    answer = browser.post(
        "/sign-in",
        data={
            "login": login,
            "password": PASSWORDS[login] if password is None else password,
            "csrf_token": csrf_of(form.text),
            "next": "/api/v1/me",
        },
    )
    assert answer.status_code == 303, answer.text
    me = browser.get("/api/v1/me")
    assert me.status_code == 200, me.text
    from trimtab.web.security import csrf_token_for

    return browser, csrf_token_for(browser.cookies["trimtab_session"])


def role_login(role: Role) -> str:
    return LOGIN_OF_ROLE[role]
