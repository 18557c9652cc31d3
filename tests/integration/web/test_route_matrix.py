"""Scenarios: every route of the app × every role answers as ROLES.md's matrix says.

The routes come from the application itself (`declared_routes(app)`), so a route added
later is checked without anyone editing this file, and a route that declares no
permission (nor `signed_in()` / `public()`) fails here. For each route and each of the
seven demo users (signed in through the form), and each system token's role on the API:

- permitted (the role's reach for the route's permission is own or all) → neither 401
  nor 403, and no server error;
- not permitted → 403, naming the missing permission;
- `signed_in()` routes → neither 401 nor 403 for anyone signed in; nobody signed in →
  401 on the API, the sign-in page for a page.

The advisor's scope is part of the same matrix: on a route with an account in its path
that the advisor may use, another advisor's account is 404 (it does not exist for them),
an account of a household their team covers is not.

Unsafe routes are called with an empty body and a valid CSRF token: what they would
change is refused as invalid input (422) after the permission check, which is what is
under test here; each route's own behaviour is tested beside it.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.builders import TESTER
from tests.integration.web.conftest import WebFirm, client, role_login, sign_in_as
from trimtab.domain.permissions import Permission, reach
from trimtab.domain.principal import Role
from trimtab.services.users import create_token
from trimtab.web.deps import DeclaredRoute, Public, Requirement, SignedIn, declared_routes
from trimtab.web.errors import is_api

ACCOUNT_PARAMS = {"account_id", "account"}
PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _path(route: DeclaredRoute, account: str) -> str:
    return PARAM.sub(lambda m: account if m.group(1) in ACCOUNT_PARAMS else "none", route.path)


def _has_account(route: DeclaredRoute) -> bool:
    return any(name in ACCOUNT_PARAMS for name in PARAM.findall(route.path))


def _call(browser: TestClient, method: str, path: str, csrf: str | None) -> object:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if method in UNSAFE:
        return browser.request(method, path, headers=headers, data={})
    return browser.request(method, path, headers=headers)


def _ordered(routes: list[DeclaredRoute]) -> list[tuple[DeclaredRoute, str]]:
    # Signing out ends the session every later call needs: it goes last.
    pairs = [(r, m) for r in routes for m in sorted(r.methods - {"HEAD"})]
    return sorted(pairs, key=lambda pair: (pair[0].path == "/sign-out", pair[0].path, pair[1]))


def _permitted(declaration: object, roles: frozenset[Role]) -> Permission | None:
    """The permission a role set lacks for this route, or None when permitted."""
    if isinstance(declaration, Requirement):
        return None if reach(roles, declaration.permission) else declaration.permission
    return None


def test_every_route_declares_exactly_one_permission(app: FastAPI) -> None:
    routes = declared_routes(app)
    assert len(routes) > 5, "the app's routes were not found"
    undeclared = [
        f"{sorted(r.methods)} {r.path}: {list(r.declarations) or 'nothing'}"
        for r in routes
        if r.declaration is None
    ]
    assert not undeclared, (
        "each route must declare one of requires(Permission.X), signed_in() or public(): "
        f"{undeclared}"
    )


def test_a_route_without_a_declaration_fails_the_check(web_firm: WebFirm) -> None:
    from trimtab.web import create_app

    app = create_app(web_firm.database)

    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    (route,) = [r for r in declared_routes(app) if r.path == "/api/v1/forgotten"]
    assert route.declaration is None


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_what_the_matrix_grants_on_every_route(
    app: FastAPI, web_firm: WebFirm, role: Role
) -> None:
    browser, csrf = sign_in_as(app, role_login(role))
    roles = frozenset({role})
    wrong: list[str] = []
    for route, method in _ordered(declared_routes(app)):
        path = _path(route, web_firm.own_account)
        answer = _call(browser, method, path, csrf)
        status = answer.status_code  # type: ignore[attr-defined]
        missing = _permitted(route.declaration, roles)
        where = f"{role.value}: {method} {path} -> {status}"
        if missing is None:
            if status in (401, 403) or status >= 500:
                wrong.append(f"{where} (permitted) {answer.text[:200]}")  # type: ignore[attr-defined]
            continue
        if status != 403:
            wrong.append(f"{where}, expected 403 for missing {missing.value}")
        elif is_api(path):
            details = answer.json()["details"]  # type: ignore[attr-defined]
            if details.get("permission") != missing.value:
                wrong.append(f"{where}: 403 names {details}, not {missing.value}")
        elif missing.value not in answer.text:  # type: ignore[attr-defined]
            wrong.append(f"{where}: the 403 page does not name {missing.value}")
    assert not wrong, "\n".join(wrong)


def test_an_advisor_finds_no_other_advisors_account_on_any_account_route(
    app: FastAPI, web_firm: WebFirm
) -> None:
    browser, csrf = sign_in_as(app, "advisor")
    advisor = frozenset({Role.ADVISOR})
    checked, wrong = 0, []
    for route in declared_routes(app):
        if not _has_account(route) or "GET" not in route.methods:
            continue
        if _permitted(route.declaration, advisor) is not None:
            continue  # 403 before any account is looked at: covered by the matrix
        checked += 1
        other = browser.get(_path(route, web_firm.other_account))
        if other.status_code != 404:
            wrong.append(f"{route.path} with another advisor's account -> {other.status_code}")
        shared = browser.get(_path(route, web_firm.team_account))
        if shared.status_code in (401, 403, 404) or shared.status_code >= 500:
            wrong.append(f"{route.path} with the team's account -> {shared.status_code}")
    assert checked >= 2, "no account route to check (the account page and API read at least)"
    assert not wrong, "\n".join(wrong)
    del csrf


def test_nobody_signed_in_is_sent_to_sign_in_or_refused_401(
    app: FastAPI, web_firm: WebFirm
) -> None:
    anonymous = client(app)
    for route in declared_routes(app):
        if isinstance(route.declaration, Public) or "GET" not in route.methods:
            continue
        path = _path(route, web_firm.own_account)
        answer = anonymous.get(path)
        if is_api(path):
            assert answer.status_code == 401, path
            assert answer.json()["kind"] == "unauthenticated"
        else:
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/sign-in?next="), path


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADVISOR])
def test_a_system_token_gets_what_its_one_role_is_granted(
    app: FastAPI, web_firm: WebFirm, role: Role
) -> None:
    issued, problems = create_token(
        web_firm.database.unit_of_work, f"matrix-{role.value}", role, principal=TESTER
    )
    assert issued is not None, problems
    system = TestClient(
        app,
        raise_server_exceptions=False,
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    wrong = []
    for route in declared_routes(app):
        if not is_api(route.path) or "GET" not in route.methods:
            continue
        path = _path(route, web_firm.own_account)
        status = system.get(path).status_code
        missing = _permitted(route.declaration, frozenset({role}))
        if missing is None and (status in (401, 403) or status >= 500):
            wrong.append(f"{role.value} token: GET {path} -> {status} (permitted)")
        if missing is not None and status != 403:
            wrong.append(f"{role.value} token: GET {path} -> {status}, expected 403")
    assert not wrong, "\n".join(wrong)


def test_signed_in_and_public_routes_are_few_and_known(app: FastAPI) -> None:
    # Anything open to every role must be a deliberate choice: list them here.
    open_routes = {
        (r.path, frozenset(r.methods))
        for r in declared_routes(app)
        if isinstance(r.declaration, SignedIn | Public)
    }
    # The operators' endpoints (trimtab.web.ops) expose counts and states, no account.
    operators = {"/healthz", "/readyz", "/metrics"}
    known = {"/", "/sign-in", "/sign-out", "/api/v1/me", *operators}
    assert {path for path, _ in open_routes} <= known
