"""Scenarios: an admin acting for an advisor works that advisor's review queue, not the firm's.

The demo firm of `conftest.py` sends every proposal to review. The demo advisor covers
their own accounts and, through their team, three households of another advisor. Signed
in as the admin and acting for the advisor, the queue — in the page and in the API —
lists exactly the pending proposals of those accounts, and another account's proposal
is not found (404), as it would be for the advisor. Acting as themselves again, the
admin sees the whole queue.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.web.conftest import WebFirm, role_login, sign_in_as
from trimtab.domain.principal import Role
from trimtab.services.review import pending
from trimtab.store.tables import AccountRow

ROW = re.compile(r'<tr id="row-([^"]+)">')


def _advisor_accounts(firm: WebFirm) -> set[str]:
    """The advisor's accounts as ROLES.md says: their own, and their team's households'."""
    with firm.database.unit_of_work() as uow:
        team = uow.teams.get("demo-team")
        assert team is not None
        rows = uow.session.execute(
            select(AccountRow.id, AccountRow.advisor_id, AccountRow.household_id)
        ).all()
    return {
        account
        for account, advisor, household in rows
        if advisor == firm.advisor_id or household in team.households
    }


def test_an_admin_acting_for_an_advisor_sees_only_the_advisors_proposals(
    app: FastAPI, web_firm: WebFirm
) -> None:
    queue, problems = pending(web_firm.database.unit_of_work)
    assert queue is not None, problems
    firm_wide = {p.account for p in queue.items}
    expected = firm_wide & _advisor_accounts(web_firm)
    outside = sorted(firm_wide - expected)
    assert expected, "the advisor needs pending proposals for this test to mean anything"
    assert outside, "and so does someone else"

    admin, csrf = sign_in_as(app, role_login(Role.ADMIN))
    assert admin.post("/act-as", data={"login": "advisor", "csrf_token": csrf}).status_code == 303

    api = admin.get("/api/v1/proposals")
    assert api.status_code == 200, api.text
    assert {p["account"] for p in api.json()["proposals"]} == expected
    assert api.json()["count"] == len(expected)
    page = admin.get("/review?per=200")
    assert page.status_code == 200, page.text
    assert set(ROW.findall(page.text)) == expected

    assert admin.get(f"/api/v1/proposals/{outside[0]}").status_code == 404
    assert admin.get(f"/review/{outside[0]}").status_code == 404
    inside = sorted(expected)[0]
    assert admin.get(f"/api/v1/proposals/{inside}").status_code == 200
    assert admin.get(f"/review/{inside}").status_code == 200

    # Acting as themselves again, the admin works the firm's whole queue.
    assert admin.post("/act-as/stop", data={"csrf_token": csrf}).status_code == 303
    whole = admin.get("/api/v1/proposals")
    assert {p["account"] for p in whole.json()["proposals"]} == firm_wide
    assert set(ROW.findall(admin.get("/review?per=200").text)) == firm_wide


def test_an_admin_acting_for_an_advisor_cannot_decide_outside_the_advisors_accounts(
    app: FastAPI, web_firm: WebFirm
) -> None:
    # Reads were scoped first; a decision typed by URL must not reach further than they do.
    queue, problems = pending(web_firm.database.unit_of_work)
    assert queue is not None, problems
    outside = sorted({p.account for p in queue.items} - _advisor_accounts(web_firm))[0]
    admin, csrf = sign_in_as(app, role_login(Role.ADMIN))
    assert admin.post("/act-as", data={"login": "advisor", "csrf_token": csrf}).status_code == 303

    answer = admin.post(
        f"/api/v1/proposals/{outside}/approve",
        json={"reason": "typed by URL"},
        headers={"X-CSRF-Token": csrf},
    )

    assert answer.status_code == 404, answer.text
    still, _ = pending(web_firm.database.unit_of_work)
    assert still is not None
    assert outside in {p.account for p in still.items}
