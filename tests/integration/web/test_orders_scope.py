"""Scenarios: an admin acting for an advisor lists, creates and exports that advisor's orders.

Route × principal, as the route matrix does for roles: every route that reads or writes
orders (the orders page, its export form, the API's export and a run's order list) is
called by the admin acting for the demo advisor, then by the admin as themselves, and
the accounts in each answer must be exactly those in the principal's scope: the
advisor's own and their team's households' approved proposals, then the firm's.
Acting for the advisor, the export also creates only the advisor's orders — the firm's
other approved proposals get no order until the desk exports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.web.conftest import SETUP, WebFirm, role_login, sign_in_as
from tests.integration.web.test_review_scope import _advisor_accounts
from trimtab.domain.principal import Role
from trimtab.services.orders import run_orders
from trimtab.services.review import approve, pending

ALLOCATION = re.compile(r'<tr id="allocation-[^:"]+:([^:"]+):')


def _csv_accounts(text: str, known: set[str]) -> set[str]:
    # the allocations file names each allocation's account in a column of its own
    return {cell for line in text.splitlines()[1:] for cell in line.split(",") if cell in known}


def _routes(run_id: str, known: set[str]) -> dict[str, Callable[[TestClient, str], set[str]]]:
    """Each order route, and how to read the accounts out of its answer."""

    def page(browser: TestClient, _csrf: str) -> set[str]:
        answer = browser.get("/orders?per=500")
        assert answer.status_code == 200, answer.text
        return set(ALLOCATION.findall(answer.text))

    def page_export(browser: TestClient, csrf: str) -> set[str]:
        answer = browser.post("/orders/export", data={"format": "csv", "csrf_token": csrf})
        assert answer.status_code == 200, answer.text
        return _csv_accounts(answer.text, known)

    def api_export(browser: TestClient, csrf: str) -> set[str]:
        answer = browser.post("/api/v1/orders/export?format=csv", headers={"X-CSRF-Token": csrf})
        assert answer.status_code == 200, answer.text
        return _csv_accounts(answer.text, known)

    def api_list(browser: TestClient, _csrf: str) -> set[str]:
        answer = browser.get(f"/api/v1/runs/{run_id}/orders")
        assert answer.status_code == 200, answer.text
        return {o["account"] for o in answer.json()}

    return {
        "POST /orders/export": page_export,  # first: it creates the orders the rest read
        "GET /orders": page,
        "POST /api/v1/orders/export": api_export,
        "GET /api/v1/runs/{id}/orders": api_list,
    }


def test_every_order_route_answers_in_the_scope_of_whom_the_admin_acts_for(
    app: FastAPI, web_firm: WebFirm
) -> None:
    queue, problems = pending(web_firm.database.unit_of_work)
    assert queue is not None, problems
    scoped = _advisor_accounts(web_firm)
    for p in queue.items:
        assert approve(web_firm.database.unit_of_work, p.account, principal=SETUP, reason="t") == []
    approved = {p.account for p in queue.items}
    mine = approved & scoped
    assert mine, "the advisor needs approved proposals for this test to mean anything"
    assert approved - mine, "and so does someone else"
    routes = _routes(web_firm.run_id, approved)

    admin, csrf = sign_in_as(app, role_login(Role.ADMIN))
    assert admin.post("/act-as", data={"login": "advisor", "csrf_token": csrf}).status_code == 303
    for name, accounts_of in routes.items():
        assert accounts_of(admin, csrf) == mine, f"{name}, acting for the advisor"
    # Creating orders acting for the advisor created the advisor's only.
    created = {o.account for o in run_orders(web_firm.database.unit_of_work, web_firm.run_id)}
    assert created == mine

    assert admin.post("/act-as/stop", data={"csrf_token": csrf}).status_code == 303
    for name, accounts_of in routes.items():
        assert accounts_of(admin, csrf) == approved, f"{name}, as the admin"
    created = {o.account for o in run_orders(web_firm.database.unit_of_work, web_firm.run_id)}
    assert created == approved
