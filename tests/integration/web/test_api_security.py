"""Scenarios: the JSON API keeps each caller inside their scope and permissions, and every
error it answers is `{kind, message, details}` with the right status and no traceback.

An advisor reaching another advisor's account gets 404 by id, finds nothing by search
(the list filtered on its id) and does not find it in the export; a revoked token is
401; a token whose role lacks the permission is 403 naming it; bad input is 422 naming
the field. Run on both databases: the scope is part of the SQL.
"""

from __future__ import annotations

import csv
import io

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.web.conftest import SETUP, WebFirm, sign_in_as
from trimtab.bootstrap import Database
from trimtab.domain.principal import Role
from trimtab.services.users import create_token, revoke_token

TRACEBACK_MARKS = ("Traceback", 'File "', "sqlalchemy", "Error:")


def _token(db: Database, name: str, role: Role) -> str:
    issued, problems = create_token(db.unit_of_work, name, role, principal=SETUP)
    assert issued is not None, problems
    return issued.secret


def _bearer(app: FastAPI, secret: str) -> TestClient:
    return TestClient(
        app, headers={"Authorization": f"Bearer {secret}"}, raise_server_exceptions=False
    )


def _error(response: object, status: int, kind: str) -> dict[str, object]:
    """The response is the error shape with this status and kind, and leaks no code."""
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"kind", "message", "details"}, body
    assert body["kind"] == kind, body
    assert body["message"], body
    for mark in TRACEBACK_MARKS:
        assert mark not in response.text, response.text  # type: ignore[attr-defined]
    return dict(body)


def test_an_advisor_cannot_reach_another_advisors_account_by_id_search_or_export(
    web_firm: WebFirm, app: FastAPI
) -> None:
    other, own = web_firm.other_account, web_firm.own_account
    by_id = f'id = "{other}"'

    # The firm (compliance reads every account) sees it every way.
    firm, _ = sign_in_as(app, "compliance")
    assert firm.get(f"/api/v1/accounts/{other}").json()["id"] == other
    search = firm.get("/api/v1/accounts", params={"filter": by_id}).json()
    assert [a["id"] for a in search["accounts"]] == [other]
    assert other in firm.get("/api/v1/accounts/export.csv").text

    advisor, csrf = sign_in_as(app, "advisor")
    assert advisor.get(f"/api/v1/accounts/{own}").json()["id"] == own
    # Not found by id: the same answer as an id that does not exist...
    body = _error(advisor.get(f"/api/v1/accounts/{other}"), 404, "not_found")
    missing = _error(advisor.get("/api/v1/accounts/NO-SUCH-ACCOUNT"), 404, "not_found")
    assert str(body["message"]).replace(other, "X") == str(missing["message"]).replace(
        "NO-SUCH-ACCOUNT", "X"
    )
    _error(advisor.get(f"/api/v1/accounts/{other}/settings"), 404, "not_found")
    _error(advisor.get("/api/v1/audit", params={"account": other}), 404, "not_found")
    # ...nothing by search (the list, and a filter's test count)...
    search = advisor.get("/api/v1/accounts", params={"filter": by_id}).json()
    assert search["accounts"] == []
    assert search["count"] == 0
    tested = advisor.post(
        "/api/v1/filters/test", json={"expression": by_id}, headers={"X-CSRF-Token": csrf}
    )
    assert tested.status_code == 200, tested.text
    assert tested.json()["count"] == 0
    # ...and absent from the export, which lists exactly what the list counts.
    rows = list(csv.DictReader(io.StringIO(advisor.get("/api/v1/accounts/export.csv").text)))
    assert own in {r["account"] for r in rows}
    assert other not in {r["account"] for r in rows}
    listed = advisor.get("/api/v1/accounts", params={"limit": 500}).json()
    assert [r["account"] for r in rows] == [a["id"] for a in listed["accounts"]]
    assert listed["count"] == len(rows)

    # Nor may the advisor change it: 404; an own account's change is recorded.
    put = advisor.put(
        f"/api/v1/accounts/{other}/settings/tax_sensitivity",
        json={"value": "high", "reason": "try"},
        headers={"X-CSRF-Token": csrf},
    )
    _error(put, 404, "not_found")
    put = advisor.put(
        f"/api/v1/accounts/{own}/settings/tax_sensitivity",
        json={"value": "high", "reason": "client asked"},
        headers={"X-CSRF-Token": csrf},
    )
    assert put.status_code == 200, put.text
    found = advisor.get("/api/v1/audit", params={"account": own, "action": "settings"}).json()
    assert found["entries"][0]["principal"] == "user:advisor"
    assert found["entries"][0]["targets"] == [own]
    # The trail of the whole firm is not the advisor's to list.
    _error(advisor.get("/api/v1/audit"), 422, "invalid")


def test_a_revoked_token_is_refused_and_a_role_without_the_permission_is_told_which(
    web_firm: WebFirm, app: FastAPI
) -> None:
    db = web_firm.database
    secret = _token(db, "api-oms", Role.OVERLAY)
    assert _bearer(app, secret).get("/api/v1/proposals").status_code == 200

    revoked, problems = revoke_token(db.unit_of_work, "api-oms", principal=SETUP, reason="rotated")
    assert revoked is not None, problems
    body = _error(_bearer(app, secret).get("/api/v1/proposals"), 401, "unauthenticated")
    assert "revoked" in str(body["message"])
    _error(TestClient(app).get("/api/v1/accounts"), 401, "unauthenticated")

    data = _bearer(app, _token(db, "api-feeds", Role.DATA))
    assert data.get("/api/v1/securities").status_code == 200
    body = _error(data.get("/api/v1/proposals"), 403, "forbidden")
    assert body["details"] == {"permission": "review_trades"}
    assert "review_trades" in str(body["message"])
    body = _error(
        data.post(f"/api/v1/proposals/{web_firm.own_account}/approve", json={"reason": "no"}),
        403,
        "forbidden",
    )
    assert body["details"] == {"permission": "review_trades"}


def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    web_firm: WebFirm, app: FastAPI
) -> None:
    db = web_firm.database
    admin = _bearer(app, _token(db, "api-ops", Role.ADMIN))
    before = admin.get("/api/v1/audit", params={"limit": 1}).json()["entries"][0]["seq"]

    body = _error(admin.get("/api/v1/accounts", params={"limit": 0}), 422, "invalid")
    assert body["details"]["problems"][0]["path"] == "query.limit"  # type: ignore[index]
    body = _error(admin.get("/api/v1/accounts", params={"filter": "drfit > 2"}), 422, "invalid")
    assert "drift" in str(body["message"])  # the suggestion for the typo
    body = _error(
        admin.post("/api/v1/filters/test", json={"expression": 'tier = "Gold" and\n  valu > 5'}),
        422,
        "invalid",
    )
    error = body["details"]["errors"][0]  # type: ignore[index]
    assert (error["line"], error["column"]) == (2, 3)
    body = _error(
        admin.post(f"/api/v1/proposals/{web_firm.own_account}/approve", json={"reason": ""}),
        422,
        "invalid",
    )
    assert body["details"]["problems"][0]["path"] == "reason"  # type: ignore[index]
    body = _error(
        admin.post("/api/v1/runs/x/void", json={"reason": "x", "extra": 1}), 422, "invalid"
    )
    assert body["details"]["problems"][0]["path"] == "extra"  # type: ignore[index]
    body = _error(
        admin.put(
            f"/api/v1/settings/account/{web_firm.own_account}/tax_sensitivity",
            json={"value": "sometimes", "reason": "typo"},
        ),
        422,
        "invalid",
    )
    assert "tax_sensitivity" in str(body["message"])
    _error(admin.get("/api/v1/audit", params={"since": "yesterday"}), 422, "invalid")

    after = admin.get("/api/v1/audit", params={"limit": 1}).json()["entries"][0]["seq"]
    assert after == before  # nothing was written, not even half a change
