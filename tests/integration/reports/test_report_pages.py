"""Scenarios: the report pages, downloads and the exemption form, over the web test firm.

The firm is tests/integration/web's (twelve accounts, one night where every proposal
waits for review, the seven demo users), with its night's health checks recorded here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi import FastAPI

from tests.integration.web.conftest import (  # noqa: F401  (fixtures used by name)
    WebFirm,
    app,
    firm_url,
    role_login,
    sign_in_as,
    web_firm,
)
from trimtab.domain.principal import Principal, Role
from trimtab.reports.documents import ACTIVITY_COLUMNS, TAXES_SAVED_COLUMNS
from trimtab.services.health_checks import record_health_checks
from trimtab.services.report_scope import Level, ReportRequest

SETUP = Principal.cli("setup")
YEAR = "start=2025-01-01&end=2025-12-31"


@pytest.fixture(scope="module")
def checked(web_firm: WebFirm) -> WebFirm:  # noqa: F811
    record_health_checks(web_firm.database.unit_of_work, web_firm.run_id, principal=SETUP)
    return web_firm


def test_each_report_page_renders_for_a_permitted_role(app: FastAPI, checked: WebFirm) -> None:  # noqa: F811
    browser, _ = sign_in_as(app, role_login(Role.COMPLIANCE))
    assert "Taxes saved" in browser.get("/reports").text
    taxes = browser.get(f"/reports/taxes-saved?level=firm&{YEAR}")
    assert taxes.status_code == 200
    assert "Taxes saved by active tax management" in taxes.text
    assert 'src="data:image/svg+xml;base64,' in taxes.text  # the chart, CSP-safe
    health = browser.get(f"/reports/health?level=firm&{YEAR}")
    assert health.status_code == 200
    assert "Calls to action" in health.text
    letter = browser.get(f"/reports/activity?level=account&id={checked.own_account}&view=letter")
    assert letter.status_code == 200
    assert "Your account activity" in letter.text


def test_downloads_are_the_same_report_as_pdf_and_csv(app: FastAPI, checked: WebFirm) -> None:  # noqa: F811
    browser, _ = sign_in_as(app, role_login(Role.MANAGEMENT))
    table = browser.get(f"/reports/taxes-saved?level=firm&{YEAR}&format=csv")
    assert table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    assert tuple(next(csv.reader(io.StringIO(table.text)))) == TAXES_SAVED_COLUMNS
    trades = browser.get(f"/reports/activity?level=firm&{YEAR}&format=csv")
    assert tuple(next(csv.reader(io.StringIO(trades.text)))) == ACTIVITY_COLUMNS
    pdf = browser.get(f"/reports/health?level=firm&{YEAR}&format=pdf")
    if pdf.status_code == 503:
        pytest.skip(f"PDF rendering unavailable here: {pdf.text[:200]}")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


def test_a_role_without_the_permission_is_refused(app: FastAPI, checked: WebFirm) -> None:  # noqa: F811
    browser, _ = sign_in_as(app, role_login(Role.COMMITTEE))
    answer = browser.get(f"/reports/taxes-saved?level=firm&{YEAR}")
    assert answer.status_code == 403
    assert "reports" in answer.text


def test_an_advisor_sees_own_accounts_only(app: FastAPI, checked: WebFirm) -> None:  # noqa: F811
    browser, _ = sign_in_as(app, role_login(Role.ADVISOR))
    mine = browser.get(f"/reports/activity?level=account&id={checked.own_account}&{YEAR}")
    assert mine.status_code == 200
    other = browser.get(f"/reports/activity?level=account&id={checked.other_account}&{YEAR}")
    assert other.status_code == 404
    firm = browser.get(f"/reports/health?level=firm&{YEAR}&format=csv")
    accounts = {row["account"] for row in csv.DictReader(io.StringIO(firm.text))}
    assert checked.own_account in accounts
    assert checked.other_account not in accounts


def test_the_exemption_form(app: FastAPI, checked: WebFirm) -> None:  # noqa: F811
    from trimtab.services.health_checks import health_report

    browser, csrf = sign_in_as(app, role_login(Role.OVERLAY))
    db = checked.database
    report, _ = health_report(
        db.unit_of_work,
        ReportRequest(Level.FIRM, None, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        viewer=SETUP,
    )
    assert report is not None
    assert report.calls, "the web firm's night has a failed check"
    call = next(c for c in report.calls if c.answer is None or c.answer.response != "exempted")
    form = {"run_id": call.check.run_id, "account": call.check.account, "check": call.check.kind}
    # Without the CSRF token: refused, nothing changed.
    assert browser.post("/reports/health/exempt", data={**form, "reason": "x"}).status_code == 403
    # Without a reason: 422 naming it.
    missing = browser.post("/reports/health/exempt", data=form, headers={"X-CSRF-Token": csrf})
    assert missing.status_code == 422
    assert "reason" in missing.text
    done = browser.post(
        "/reports/health/exempt",
        data={**form, "reason": "client instruction on file", "csrf_token": csrf},
    )
    assert done.status_code == 303, done.text
    with db.unit_of_work() as uow:
        entries = [e for e in uow.audit.in_order() if e.action == "reports.health_exempt"]
    assert entries[-1].reason == "client instruction on file"
    assert call.check.account in entries[-1].targets
