"""Scenarios: the overlay desk opens the orders page and downloads the export.

The demo firm of `conftest.py` (every proposal sent to review): a few proposals are
approved through the service, then the desk opens `/orders`, downloads the file with the
page's form (CSRF token and all) and sees the block orders the export wrote — the same
figures as `services.orders`, the same bytes as `POST /api/v1/orders/export`. An advisor
may not see the orders; a form without its token, or with a format that is not one,
creates nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi import FastAPI

from tests.integration.web.conftest import SETUP, WebFirm, client, role_login, sign_in_as
from trimtab.domain.money import round_cents
from trimtab.domain.principal import Role
from trimtab.services.orders import block_orders, run_orders
from trimtab.services.review import approve, pending
from trimtab.services.users import create_token


def _approve(firm: WebFirm, how_many: int) -> list[str]:
    """Approve the next `how_many` pending proposals (largest first); their accounts."""
    queue, problems = pending(firm.database.unit_of_work)
    assert queue is not None, problems
    accounts = [p.account for p in queue.items[:how_many]]
    assert len(accounts) == how_many, "the firm has too few pending proposals for the test"
    for account in accounts:
        assert approve(firm.database.unit_of_work, account, principal=SETUP, reason="test") == []
    return accounts


def _orders(firm: WebFirm) -> list[str]:
    return [o.id for o in run_orders(firm.database.unit_of_work, firm.run_id)]


def _money(value: Decimal) -> str:
    return f"${round_cents(value):,.2f}"


def test_the_overlay_desk_downloads_the_export_and_sees_the_blocks_it_wrote(
    app: FastAPI, web_firm: WebFirm
) -> None:
    approved = _approve(web_firm, 2)
    desk, csrf = sign_in_as(app, role_login(Role.OVERLAY))

    before = desk.get("/orders")
    assert before.status_code == 200, before.text
    assert web_firm.run_id in before.text
    assert 'href="/orders"' in before.text  # the navigation links the page

    download = desk.post("/orders/export", data={"format": "csv", "csrf_token": csrf})
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.headers["x-trimtab-run"] == web_firm.run_id
    for account in approved:
        assert account in download.text  # each approved account has its allocation

    # The API's export of the same run is the same file, byte for byte.
    issued, problems = create_token(
        web_firm.database.unit_of_work, "oms-orders-page", Role.OVERLAY, principal=SETUP
    )
    assert issued is not None, problems
    oms = client(app)
    api = oms.post(
        "/api/v1/orders/export?format=csv", headers={"Authorization": f"Bearer {issued.secret}"}
    )
    assert api.status_code == 200, api.text
    assert api.content == download.content

    fix = desk.post("/orders/export", data={"format": "fix", "csrf_token": csrf})
    assert fix.status_code == 200, fix.text
    assert "35=D" in fix.text  # FIX NewOrderSingle messages

    # The page now shows every block the export wrote, with the service's figures.
    page = desk.get("/orders")
    assert page.status_code == 200, page.text
    blocks = block_orders(run_orders(web_firm.database.unit_of_work, web_firm.run_id))
    assert blocks
    assert f'id="block-count">{len(blocks):,}<' in page.text
    allocations = sum(len(b.allocations) for b in blocks)
    assert f'id="allocation-count">{allocations:,}<' in page.text
    for block in blocks:
        row = re.search(
            rf'<tr id="block-{block.security}-{block.side.value}">(.*?)</tr>', page.text, re.S
        )
        assert row is not None, f"no row for {block.security} {block.side.value}"
        cells = row.group(1)
        value = sum((a.value for a in block.allocations), Decimal(0))
        assert _money(value) in cells
        assert block.id in cells
        assert f">{len(block.allocations):,}<" in cells
        assert "open" in cells  # nothing is filled yet
    for account in approved:
        assert f'href="/accounts/{account}"' in page.text


def test_an_unknown_run_is_not_found(app: FastAPI) -> None:
    desk, _ = sign_in_as(app, role_login(Role.OVERLAY))
    assert desk.get("/orders?run=1999-01-01.1").status_code == 404


def test_an_advisor_may_not_see_or_export_the_orders(app: FastAPI) -> None:
    advisor, csrf = sign_in_as(app, role_login(Role.ADVISOR))
    page = advisor.get("/orders")
    assert page.status_code == 403
    assert "review_trades" in page.text
    answer = advisor.post("/orders/export", data={"format": "csv", "csrf_token": csrf})
    assert answer.status_code == 403
    home = advisor.get("/")
    assert 'href="/orders"' not in home.text


def test_an_export_without_its_token_or_with_a_bad_format_creates_nothing(
    app: FastAPI, web_firm: WebFirm
) -> None:
    approved = _approve(web_firm, 1)
    desk, csrf = sign_in_as(app, role_login(Role.OVERLAY))
    before = _orders(web_firm)

    missing = desk.post("/orders/export", data={"format": "csv"})
    assert missing.status_code == 403
    assert "security token" in missing.text
    wrong = desk.post("/orders/export", data={"format": "csv", "csrf_token": csrf[::-1]})
    assert wrong.status_code == 403
    bad = desk.post("/orders/export", data={"format": "pdf", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "format" in bad.text

    after = _orders(web_firm)
    assert after == before
    assert not any(f":{approved[0]}:" in order for order in after)
