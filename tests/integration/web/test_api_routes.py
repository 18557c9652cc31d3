"""Scenarios: a system works the firm through the JSON API as a person does in the pages.

An OMS's overlay token reads the queue, approves one proposal and rejects another (each
decision on the audit trail with the token as principal), exports the orders (the
approved account's order is in the CSV, FIX messages parse back), reads where the run
stands and voids it; the firm's tools read an account whole, its settings with their
lineage, saved filters, securities, corporate actions and the model book.
"""

from __future__ import annotations

import csv
import io

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.web.conftest import SETUP, WebFirm
from trimtab.domain.principal import Role
from trimtab.feeds.orders_export import read_fix
from trimtab.services.users import create_token


def _client(web_firm: WebFirm, app: FastAPI, name: str, role: Role) -> TestClient:
    issued, problems = create_token(web_firm.database.unit_of_work, name, role, principal=SETUP)
    assert issued is not None, problems
    return TestClient(
        app, headers={"Authorization": f"Bearer {issued.secret}"}, raise_server_exceptions=False
    )


def test_an_oms_decides_proposals_exports_orders_and_voids_the_run(
    web_firm: WebFirm, app: FastAPI
) -> None:
    oms = _client(web_firm, app, "routes-oms", Role.OVERLAY)
    queue = oms.get("/api/v1/proposals", params={"sort": "value"}).json()
    assert queue["run"] == web_firm.run_id
    values = [float(p["value"]) for p in queue["proposals"]]
    assert values == sorted(values, reverse=True)
    assert len(values) >= 2
    first, second = (p["account"] for p in queue["proposals"][:2])

    detail = oms.get(f"/api/v1/proposals/{first}").json()
    assert detail["proposal"]["state"] == "pending"
    approved = oms.post(f"/api/v1/proposals/{first}/approve", json={"reason": "in policy"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["decisions"][-1]["action"] == "approve"
    assert approved.json()["proposal"]["decided_by"] == "token:routes-oms"
    again = oms.post(f"/api/v1/proposals/{first}/approve", json={"reason": "twice"})
    assert again.status_code == 409
    assert again.json()["kind"] == "conflict"
    rejected = oms.post(f"/api/v1/proposals/{second}/reject", json={"reason": "client away"})
    assert rejected.json()["proposal"]["state"] == "rejected"
    trail = oms.get("/api/v1/audit", params={"account": first, "action": "review"}).json()
    assert [(e["action"], e["principal"]) for e in trail["entries"]] == [
        ("review.approve", "token:routes-oms")
    ]
    assert trail["entries"][0]["reason"] == "in policy"

    exported = oms.post("/api/v1/orders/export", params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert int(exported.headers["x-trimtab-orders-added"]) > 0
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["account"] for r in rows} == {first}
    repeat = oms.post("/api/v1/orders/export", params={"format": "csv"})
    assert repeat.headers["x-trimtab-orders-added"] == "0"
    assert repeat.content == exported.content
    fix = oms.post("/api/v1/orders/export", params={"format": "fix"})
    assert len(read_fix(fix.content)) == len({r["client_order_id"] for r in rows})
    orders = oms.get(f"/api/v1/runs/{web_firm.run_id}/orders").json()
    assert {o["account"] for o in orders} == {first}

    runs = oms.get("/api/v1/runs").json()
    assert runs[0]["id"] == web_firm.run_id
    assert runs[0]["state"] == "finished"
    voided = oms.post(f"/api/v1/runs/{web_firm.run_id}/void", json={"reason": "bad prices"})
    assert voided.status_code == 200, voided.text
    assert (voided.json()["state"], voided.json()["voided_by"]) == ("voided", "token:routes-oms")
    assert oms.get(f"/api/v1/runs/{web_firm.run_id}").json()["void_reason"] == "bad prices"
    assert oms.get("/api/v1/runs/no-such-run").status_code == 404


def test_the_firms_tools_read_accounts_settings_filters_and_reference_data(
    web_firm: WebFirm, app: FastAPI
) -> None:
    admin = _client(web_firm, app, "routes-admin", Role.ADMIN)
    own = web_firm.own_account

    account = admin.get(f"/api/v1/accounts/{own}").json()
    assert account["id"] == own
    assert account["lots"]
    assert {lot["term"] for lot in account["lots"]} <= {"short", "long"}
    assert {h["security"] for h in account["holdings"]} == {
        lot["security"] for lot in account["lots"]
    }
    assert account["settings"]
    page = admin.get("/api/v1/accounts", params={"limit": 3, "offset": 2}).json()
    everyone = admin.get("/api/v1/accounts", params={"limit": 500}).json()
    assert [a["id"] for a in page["accounts"]] == [a["id"] for a in everyone["accounts"]][2:5]
    assert page["count"] == everyone["count"] == len(everyone["accounts"])

    changed = admin.put(
        f"/api/v1/settings/household/{account['household']}/tax_sensitivity",
        json={"value": "high", "reason": "household IPS"},
    )
    assert changed.status_code == 200, changed.text
    settings = admin.get(f"/api/v1/accounts/{own}/settings").json()
    tax = next(s for s in settings if s["setting"] == "tax_sensitivity")
    assert tax["value"] == "high"
    assert (tax["sources"][-1]["level"], tax["sources"][-1]["scope"]) == (
        "household",
        account["household"],
    )
    assert tax["sources"][-1]["actor"] == "token:routes-admin"

    tested = admin.post("/api/v1/filters/test", json={"expression": f'id = "{own}"'}).json()
    assert (tested["count"], tested["sample"]) == (1, [own])
    saved = admin.put(
        "/api/v1/filters/personal/mine", json={"expression": 'status = "open"', "description": ""}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["shared"] is False
    names = {f["name"] for f in admin.get("/api/v1/filters").json()}
    assert {"mine", "everyone"} <= names
    by_name = admin.get("/api/v1/accounts", params={"filter": "@mine"}).json()
    assert by_name["filter"] == 'status = "open"'

    securities = admin.get("/api/v1/securities").json()
    ticker = account["holdings"][0]["security"]
    assert ticker in {s["ticker"] for s in securities}
    assert own in admin.get(f"/api/v1/securities/{ticker}").json()["holders"]
    assert admin.get("/api/v1/securities/NOPE-NOT-A-TICKER").status_code == 404
    assert admin.get("/api/v1/corporate-actions").status_code == 200

    book = admin.get("/api/v1/models", params={"as_of": "2025-06-30"}).json()
    target = next(d for d in book["definitions"] if d["kind"] == "target")
    shown = admin.get(
        f"/api/v1/models/target/{target['id']}", params={"as_of": "2025-06-30"}
    ).json()
    assert shown["definition"]["name"] == target["name"]
    assert shown["history"]
    assert admin.get("/api/v1/audit/verify").json()["intact"] is True
