"""Scenarios: people write filters in the browser — test one and see what it selects in
their own scope (an advisor: only the accounts of their households), see an error under
the text at its line and column, save it for themselves or (overlay, compliance,
management, admin) for the firm; a form without its CSRF token changes nothing, a bad
name is named and nothing saved, and each save leaves one `filters.save` entry."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.web.conftest import WebFirm, sign_in_as
from trimtab.bootstrap import Database
from trimtab.domain.audit import AuditEntry
from trimtab.store.tables import AccountRow

OPEN = 'status = "open"'


def _saves(db: Database, name: str) -> list[AuditEntry]:
    with db.unit_of_work() as uow:
        return [
            e for e in uow.audit.entries(action="filters.save") if f"filter:{name}" in e.targets
        ]


def _saved(db: Database, name: str) -> list[tuple[str | None, str]]:
    """(owner, expression) of every filter saved under `name`."""
    with db.unit_of_work() as uow:
        found = []
        for owner in ("user:advisor", "user:compliance", "user:data", ""):
            f = uow.filters.get(name, user=owner)
            if f is not None and (f.owner or "") == owner:
                found.append((f.owner, f.expression))
        return found


def _advisor_accounts(firm: WebFirm) -> list[str]:
    """The advisor's scope, read straight from the tables: own accounts and the team's."""
    with firm.database.unit_of_work() as uow:
        team = uow.teams.get("demo-team")
        assert team is not None
        rows = uow.session.execute(
            select(AccountRow.id, AccountRow.advisor_id, AccountRow.household_id)
        ).all()
    return sorted(a for a, adv, h in rows if adv == firm.advisor_id or h in set(team.households))


def _count(page: str) -> int:
    found = re.search(r"<strong>([\d,]+)</strong> accounts? match", page)
    assert found, page
    return int(found.group(1).replace(",", ""))


def test_an_advisor_tests_a_filter_over_their_own_accounts_only(
    app: FastAPI, web_firm: WebFirm
) -> None:
    advisor, _ = sign_in_as(app, "advisor")
    overlay, _ = sign_in_as(app, "overlay")
    mine = _advisor_accounts(web_firm)
    assert 0 < len(mine) < 12

    tested = advisor.get("/filters/test", params={"expression": OPEN})
    assert tested.status_code == 200
    assert _count(tested.text) == len(mine)
    assert web_firm.own_account in tested.text
    assert web_firm.team_account in tested.text
    assert web_firm.other_account not in tested.text

    everyone = overlay.get("/filters/test", params={"expression": OPEN})
    assert _count(everyone.text) == 12

    # Without script, the form's GET renders the same test inside the whole page.
    page = advisor.get("/filters", params={"expression": OPEN})
    assert page.status_code == 200
    assert "<h1>Filters</h1>" in page.text
    assert _count(page.text) == len(mine)


def test_an_error_is_shown_under_the_text_at_its_line_and_column(app: FastAPI) -> None:
    advisor, _ = sign_in_as(app, "advisor")
    bad = advisor.get("/filters/test", params={"expression": 'status = "open" and\ndrift >'})
    assert bad.status_code == 422
    error = re.search(r'<pre class="filter-error">(.*?)</pre>', bad.text, re.S)
    assert error, bad.text
    message, line, caret = error.group(1).split("\n")[:3]
    assert message.startswith("line 2, column 8")
    assert line == "drift &gt;"
    assert caret == " " * 7 + "^"  # under column 8 of the echoed line
    assert "accounts match" not in bad.text


def test_a_personal_filter_is_saved_once_for_its_owner_and_audited(
    app: FastAPI, web_firm: WebFirm
) -> None:
    db = web_firm.database
    advisor, csrf = sign_in_as(app, "advisor")
    form = {"name": "my-open", "expression": OPEN, "description": "all my open accounts"}

    refused = advisor.post("/filters", data=form)
    assert refused.status_code == 403
    assert _saved(db, "my-open") == []
    assert _saves(db, "my-open") == []

    bad_name = advisor.post("/filters", data={**form, "name": "my open!", "csrf_token": csrf})
    assert bad_name.status_code == 422
    assert "<code>name</code>" in bad_name.text
    assert "is not a filter name" in bad_name.text
    bad_text = advisor.post("/filters", data={**form, "expression": "drift >", "csrf_token": csrf})
    assert bad_text.status_code == 422
    assert "<code>expression</code>" in bad_text.text
    assert "column" in bad_text.text
    assert _saved(db, "my-open") == []
    assert _saves(db, "my-open") == []

    saved = advisor.post("/filters", data={**form, "csrf_token": csrf})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/filters?open=my-open"
    assert _saved(db, "my-open") == [("user:advisor", OPEN)]
    (entry,) = _saves(db, "my-open")
    assert entry.principal == "user:advisor"
    assert entry.summary["shared"] is False

    page = advisor.get(saved.headers["location"])
    assert page.status_code == 200
    mine = page.text.split("<h2>My filters</h2>")[1].split("<h2>The firm")[0]
    assert ">my-open</a>" in mine
    # Someone else does not see it.
    other, _ = sign_in_as(app, "compliance")
    assert "my-open" not in other.get("/filters").text


def test_a_shared_filter_needs_the_shared_permission_and_the_firm_sees_it(
    app: FastAPI, web_firm: WebFirm
) -> None:
    db = web_firm.database
    form = {"name": "firm-open", "expression": OPEN}
    for login in ("advisor", "committee", "data"):
        browser, csrf = sign_in_as(app, login)
        page = browser.get("/filters")
        assert page.status_code == 200  # every role has personal filters
        assert "Save for the firm" not in page.text
        refused = browser.post("/filters/shared", data={**form, "csrf_token": csrf})
        assert refused.status_code == 403
        assert "shared_filters" in refused.text
    assert _saved(db, "firm-open") == []
    assert _saves(db, "firm-open") == []

    compliance, csrf = sign_in_as(app, "compliance")
    assert "Save for the firm" in compliance.get("/filters").text
    assert compliance.post("/filters/shared", data=form).status_code == 403  # no token
    assert _saves(db, "firm-open") == []
    saved = compliance.post("/filters/shared", data={**form, "csrf_token": csrf})
    assert saved.status_code == 303
    assert _saved(db, "firm-open") == [(None, OPEN)]
    (entry,) = _saves(db, "firm-open")
    assert (entry.principal, entry.summary["shared"]) == ("user:compliance", True)

    management, _ = sign_in_as(app, "management")
    shared = management.get("/filters").text.split("<h2>The firm's filters</h2>")[1]
    assert ">firm-open</a>" in shared
    assert "user:compliance" in shared
    # A saved filter is used by name: `@firm-open` tests as its expression.
    advisor, _ = sign_in_as(app, "advisor")
    tested = advisor.get("/filters/test", params={"expression": "@firm-open"})
    assert tested.status_code == 200
    assert _count(tested.text) == len(_advisor_accounts(web_firm))
