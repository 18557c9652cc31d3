"""Scenarios: signing in, sessions, CSRF, headers and errors — the web app's front door.

- The right password opens a session (cookie HttpOnly, SameSite=Lax); a wrong one, an
  unknown login and a disabled user all get the same answer (401).
- Five consecutive failures lock a login for 15 minutes: the right password is then
  refused (429, unchecked) until an administrator resets the password; one address
  failing too often is throttled whatever login it tries.
- A session ends at its expiry, after being idle, at sign-out and when its user is
  disabled.
- An unsafe request without the session's CSRF token, or with a wrong one, is refused
  (403) and changes nothing; a bearer-token request needs none; a revoked token is 401.
- Every answer carries the security headers, pages and API alike, errors too; an
  unexpected error is a 500 with an id and no traceback.
- An administrator acting for the advisor sees what the advisor sees (404 for another
  advisor's account), and the audit trail records both.
"""

from __future__ import annotations

import datetime as dt
import re

from fastapi import FastAPI

from tests.builders import TESTER
from tests.integration.web.conftest import (
    CHEAP,
    PASSWORDS,
    WebFirm,
    client,
    csrf_of,
    sign_in_as,
)
from trimtab.domain.principal import Role
from trimtab.services.sessions import SessionPolicy, client_principal, resolve_session, sign_in
from trimtab.services.users import (
    NewUser,
    add_user,
    create_token,
    disable_user,
    reset_password,
    revoke_token,
)
from trimtab.web import create_app
from trimtab.web.security import CONTENT_SECURITY_POLICY
from trimtab.web.settings import WebSettings

TRACEBACK_MARKS = ("Traceback", 'File "', "sqlalchemy", "RuntimeError")


def _new_user(web_firm: WebFirm, login: str, role: Role = Role.COMPLIANCE) -> str:
    password = f"{login}-long-password"
    user, _, problems = add_user(
        web_firm.database.unit_of_work,
        NewUser(login, login.title(), [role], password=password),
        principal=TESTER,
        passwords=CHEAP,
    )
    assert user is not None, problems
    return password


def _attempt(app: FastAPI, login: str, password: str, *, address: str = "testclient") -> int:
    browser = client(app)
    form = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={"login": login, "password": password, "csrf_token": csrf_of(form.text)},
        headers={"X-Forwarded-For": address},
    )
    return answer.status_code


def _entries(web_firm: WebFirm, action: str, target: str) -> list[object]:
    with web_firm.database.unit_of_work() as uow:
        return list(uow.audit.entries(action=action, account=target))


def test_the_right_password_opens_a_session_with_a_safe_cookie(
    app: FastAPI, web_firm: WebFirm
) -> None:
    browser = client(app)
    form = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={
            "login": "overlay",
            "password": PASSWORDS["overlay"],
            "csrf_token": csrf_of(form.text),
            "next": "/api/v1/me",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/api/v1/me"
    cookie = next(
        h for h in answer.headers.get_list("set-cookie") if h.startswith("trimtab_session=")
    )
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    me = browser.get("/api/v1/me").json()
    assert (me["id"], me["roles"], me["via"]) == ("user:overlay", ["overlay"], "session")
    # the database keeps only the hash of the session id
    with web_firm.database.unit_of_work() as uow:
        assert uow.web_sessions.get(browser.cookies["trimtab_session"]) is None
    outcomes = [
        e.summary["outcome"] for e in _entries(web_firm, "sessions.sign_in", "user:overlay")
    ]
    assert "signed in" in outcomes


def test_a_next_outside_the_site_is_not_followed(app: FastAPI) -> None:
    browser = client(app)
    form = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={
            "login": "data",
            "password": PASSWORDS["data"],
            "csrf_token": csrf_of(form.text),
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/"


def test_wrong_password_unknown_login_and_disabled_user_look_the_same(
    app: FastAPI, web_firm: WebFirm
) -> None:
    password = _new_user(web_firm, "dora")
    disable_user(web_firm.database.unit_of_work, "dora", principal=TESTER, reason="left")
    answers = []
    for login, attempt in [
        ("overlay", "not-the-password"),
        ("nobody", "x" * 12),
        ("dora", password),
    ]:
        browser = client(app)
        form = browser.get("/sign-in")
        answer = browser.post(
            "/sign-in",
            data={"login": login, "password": attempt, "csrf_token": csrf_of(form.text)},
            headers={"X-Forwarded-For": f"198.51.100.{len(answers) + 1}"},
        )
        assert answer.status_code == 401
        assert "trimtab_session" not in browser.cookies
        # the answer without its (random, per form) CSRF token
        answers.append(re.sub(r'value="[^"]{40,}"', "", answer.text.split("<main")[1]))
    assert "the login or the password is wrong" in answers[0]
    assert answers[0] == answers[1].replace("nobody", "overlay")
    assert answers[2] == answers[0].replace("overlay", "dora")


def test_five_failures_lock_the_login_until_an_admin_resets_the_password(
    app: FastAPI, web_firm: WebFirm
) -> None:
    password = _new_user(web_firm, "lockme")
    statuses = [_attempt(app, "lockme", "wrong-password!") for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    # locked: even the right password is refused, and not checked
    assert _attempt(app, "lockme", password) == 429
    with web_firm.database.unit_of_work() as uow:
        user = uow.users.get("lockme")
        assert user is not None
        assert user.failed_sign_ins == 5
        assert user.locked_until is not None
    entries = _entries(web_firm, "sessions.sign_in", "user:lockme")
    outcomes = [e.summary["outcome"] for e in entries]  # type: ignore[attr-defined]
    assert outcomes.count("locked") == 1  # the refusals while locked wrote nothing
    assert len(outcomes) == 5

    reset_password(
        web_firm.database.unit_of_work, "lockme", password, principal=TESTER, passwords=CHEAP
    )
    assert _attempt(app, "lockme", password) == 303


def test_a_lock_ends_by_itself_after_its_minutes(web_firm: WebFirm) -> None:
    password = _new_user(web_firm, "waits")
    policy = SessionPolicy(lock_after=2, lock_for=dt.timedelta(minutes=15))
    t0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    who = client_principal("192.0.2.7")
    new_uow = web_firm.database.unit_of_work
    for minute in (0, 1):
        sign_in(new_uow, "waits", "nope-nope-nope", principal=who, address="192.0.2.7",
                now=t0 + dt.timedelta(minutes=minute), policy=policy)  # fmt: skip
    locked = sign_in(new_uow, "waits", password, principal=who, address="192.0.2.7",
                     now=t0 + dt.timedelta(minutes=10), policy=policy)  # fmt: skip
    assert locked.refusal is not None
    assert locked.refusal.value == "locked"
    later = sign_in(new_uow, "waits", password, principal=who, address="192.0.2.7",
                    now=t0 + dt.timedelta(minutes=17), policy=policy)  # fmt: skip
    assert later.session_id is not None


def test_an_address_failing_too_often_is_throttled_whatever_the_login(
    web_firm: WebFirm,
) -> None:
    policy = SessionPolicy(address_limit=3)
    now = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
    who = client_principal("203.0.113.9")
    new_uow = web_firm.database.unit_of_work
    for login in ("a1", "a2", "a3"):
        failed = sign_in(new_uow, login, "guess-guess-guess", principal=who,
                         address="203.0.113.9", now=now, policy=policy)  # fmt: skip
        assert failed.refusal is not None
        assert failed.refusal.value == "wrong"
    refused = sign_in(new_uow, "overlay", PASSWORDS["overlay"], principal=who,
                      address="203.0.113.9", now=now, policy=policy)  # fmt: skip
    assert refused.refusal is not None
    assert refused.refusal.value == "throttled"
    elsewhere = sign_in(new_uow, "overlay", PASSWORDS["overlay"], principal=who,
                        address="203.0.113.10", now=now, policy=policy)  # fmt: skip
    assert elsewhere.session_id is not None


def test_a_session_ends_at_expiry_when_idle_and_when_its_user_is_disabled(
    web_firm: WebFirm,
) -> None:
    password = _new_user(web_firm, "tempo")
    policy = SessionPolicy(lifetime=dt.timedelta(hours=8), idle=dt.timedelta(minutes=30))
    t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    new_uow = web_firm.database.unit_of_work
    signed = sign_in(new_uow, "tempo", password, principal=client_principal("192.0.2.1"),
                     address="192.0.2.1", now=t0, policy=policy)  # fmt: skip
    session = signed.session_id
    assert session is not None
    minutes = dt.timedelta(minutes=1)
    # used every 20 minutes: alive until the 8 hours are up
    at = t0
    while at + 20 * minutes < t0 + policy.lifetime:
        at += 20 * minutes
        assert resolve_session(new_uow, session, now=at, policy=policy) is not None, at
    assert resolve_session(new_uow, session, now=t0 + policy.lifetime, policy=policy) is None

    again = sign_in(new_uow, "tempo", password, principal=client_principal("192.0.2.1"),
                    address="192.0.2.1", now=t0, policy=policy)  # fmt: skip
    assert again.session_id is not None
    assert resolve_session(new_uow, again.session_id, now=t0 + 29 * minutes, policy=policy)
    idle = t0 + 29 * minutes + 31 * minutes
    assert resolve_session(new_uow, again.session_id, now=idle, policy=policy) is None

    third = sign_in(new_uow, "tempo", password, principal=client_principal("192.0.2.1"),
                    address="192.0.2.1", now=t0, policy=policy)  # fmt: skip
    assert third.session_id is not None
    disable_user(new_uow, "tempo", principal=TESTER)
    assert resolve_session(new_uow, third.session_id, now=t0 + minutes, policy=policy) is None


def test_csrf_missing_or_wrong_is_refused_and_changes_nothing(
    app: FastAPI, web_firm: WebFirm
) -> None:
    admin, csrf = sign_in_as(app, "admin")
    for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
        refused = admin.post("/act-as", data={"login": "advisor"}, headers=headers)
        assert refused.status_code == 403
        assert "security token" in refused.text
        assert admin.get("/api/v1/me").json()["on_behalf_of"] is None
    wrong_field = admin.post("/sign-out", data={"csrf_token": csrf[:-2] + "xx"})
    assert wrong_field.status_code == 403
    assert admin.get("/api/v1/me").status_code == 200  # still signed in
    # the sign-in form itself needs its pre-session token
    anonymous = client(app)
    forged = anonymous.post("/sign-in", data={"login": "admin", "password": PASSWORDS["admin"]})
    assert forged.status_code == 403
    assert "trimtab_session" not in anonymous.cookies
    # with the token, the same request goes through
    assert admin.post("/sign-out", data={"csrf_token": csrf}).status_code == 303
    assert admin.get("/api/v1/me").status_code == 401


def test_a_revoked_token_is_refused_at_once(app: FastAPI, web_firm: WebFirm) -> None:
    issued, problems = create_token(
        web_firm.database.unit_of_work, "oms-front-door", Role.OVERLAY, principal=TESTER
    )
    assert issued is not None, problems
    system = client(app)
    bearer = {"Authorization": f"Bearer {issued.secret}"}
    assert system.get("/api/v1/me", headers=bearer).json()["id"] == "token:oms-front-door"
    revoke_token(web_firm.database.unit_of_work, "oms-front-door", principal=TESTER)
    refused = system.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.json()["kind"] == "unauthenticated"
    assert (
        system.get("/api/v1/me", headers={"Authorization": "Bearer tt_nonsense"}).status_code == 401
    )


def test_every_answer_carries_the_security_headers(app: FastAPI) -> None:
    browser, _ = sign_in_as(app, "compliance")
    for path in ("/sign-in", "/api/v1/me", "/api/v1/nowhere", "/nowhere", "/static/app.css"):
        answer = browser.get(path)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
    page = browser.get("/sign-in").text
    assert "<script>" not in page
    assert "<style" not in page
    assert " on" + "click=" not in page


def test_an_unexpected_error_is_a_500_with_an_id_and_no_traceback(web_firm: WebFirm) -> None:
    app = create_app(web_firm.database, settings=WebSettings())

    @app.get("/api/v1/broken")
    def broken() -> None:
        raise RuntimeError("secret internals: /srv/trimtab/db password=hunter2")

    @app.get("/broken-page")
    def broken_page() -> None:
        raise RuntimeError("secret internals")

    answer = client(app).get("/api/v1/broken")
    assert answer.status_code == 500
    body = answer.json()
    assert body["kind"] == "internal"
    assert body["details"]["error_id"] in body["message"]
    assert not any(mark in answer.text for mark in (*TRACEBACK_MARKS, "hunter2"))
    assert answer.headers["x-frame-options"] == "DENY"
    page = client(app).get("/broken-page")
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert not any(mark in page.text for mark in (*TRACEBACK_MARKS, "secret internals"))


def test_a_database_that_is_gone_is_503_not_a_traceback(web_firm: WebFirm) -> None:
    from trimtab.bootstrap import open_database

    gone = open_database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(gone, settings=WebSettings())
    answer = client(app).get("/api/v1/me", headers={"Authorization": "Bearer tt_whatever"})
    assert answer.status_code == 503
    assert answer.json()["kind"] == "unavailable"
    assert not any(mark in answer.text for mark in TRACEBACK_MARKS)
    gone.close()


def test_an_admin_acting_for_the_advisor_sees_what_the_advisor_sees(
    app: FastAPI, web_firm: WebFirm
) -> None:
    admin, csrf = sign_in_as(app, "admin")
    assert admin.get(f"/api/v1/accounts/{web_firm.other_account}").status_code == 200
    started = admin.post("/act-as", data={"login": "advisor", "csrf_token": csrf})
    assert started.status_code == 303
    me = admin.get("/api/v1/me").json()
    assert (me["id"], me["on_behalf_of"]) == ("user:admin", "user:advisor")
    assert admin.get(f"/api/v1/accounts/{web_firm.other_account}").status_code == 404
    assert admin.get(f"/api/v1/accounts/{web_firm.own_account}").status_code == 200
    (entry, *_) = _entries(web_firm, "sessions.act_as", "user:advisor")
    assert (entry.principal, entry.on_behalf_of) == ("user:admin", None)  # type: ignore[attr-defined]
    stopped = admin.post("/act-as/stop", data={"csrf_token": csrf})
    assert stopped.status_code == 303
    assert admin.get("/api/v1/me").json()["on_behalf_of"] is None
    # only an administrator may act for someone
    overlay, overlay_csrf = sign_in_as(app, "overlay")
    refused = overlay.post("/act-as", data={"login": "advisor", "csrf_token": overlay_csrf})
    assert refused.status_code == 403
    assert "admin_users" in refused.text
