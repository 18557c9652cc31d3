"""The firm the work-page tests share: the small demo firm after one nightly run, its
users (one per role the work pages care about) and a signed-in TestClient per user.

Problem: the review queue, the customization editor and settings management all need
proposals, accounts with advisors and settings to act on, and people of different roles
signed in through the real sign-in form (so the session cookie, the CSRF token and the
permission checks are those a browser meets).

Rule: `work_firm(url, snapshots)` fills the fresh database at `url` with the 40-account
demo firm after the night as of `DEMO_AS_OF` (`tests.builders.small_firm_night`, built
once per test process and copied for each test: tests/integration/snapshots.py), adds the
users below (password `PASSWORD`, hashed at the web tests' cheap argon2 cost), and answers
the web app on it and the database. `signed_in(app, login)` is a TestClient
signed in as that user, whose `.csrf` is the session's CSRF token for forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.builders import TESTER, small_firm_night
from tests.integration.snapshots import Snapshots
from tests.integration.web.conftest import CHEAP
from trimtab.bootstrap import Database, open_database
from trimtab.domain.principal import Role
from trimtab.services.users import NewUser, add_user
from trimtab.web.app import create_app
from trimtab.web.deps import SESSION_COOKIE
from trimtab.web.security import csrf_token_for

PASSWORD = "correct horse battery staple 42"
# (login, roles, advisor id): demo account A0000001 is advisor ADV002's.
USERS: tuple[tuple[str, tuple[Role, ...], str | None], ...] = (
    ("olive", (Role.OVERLAY,), None),
    ("adam", (Role.ADMIN,), None),
    ("ada", (Role.ADVISOR,), "ADV002"),
    ("abe", (Role.ADVISOR,), "ADV001"),
    ("cora", (Role.COMPLIANCE,), None),
    ("cody", (Role.COMMITTEE,), None),
)


@dataclass
class Client:
    http: TestClient
    csrf: str


def work_firm(url: str, snapshots: Snapshots) -> tuple[FastAPI, Database]:
    snapshots.restore(url, small_firm_night)
    db = open_database(url)
    for login, roles, advisor in USERS:
        user, _password, problems = add_user(
            db.unit_of_work,
            NewUser(login, login.capitalize(), roles, advisor_id=advisor, password=PASSWORD),
            principal=TESTER,
            passwords=CHEAP,
        )
        assert user is not None, problems
    return create_app(db), db


def signed_in(app: FastAPI, login: str) -> Client:
    http = TestClient(app, base_url="http://testserver", follow_redirects=False)
    page = http.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text
    answer = http.post(
        "/sign-in",
        data={"login": login, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
    )
    assert answer.status_code == 303, answer.text
    return Client(http, csrf_token_for(http.cookies[SESSION_COOKIE]))
