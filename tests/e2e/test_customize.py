"""Scenario: an advisor opens the customization editor for a client's account from their
dashboard, asks for the largest holding to be sold, and previews: the trades the engine
would make with the change (the sale among them) and the tax it would realize are on
the page, and nothing is saved — no setting, no audit entry, no model-book change, and
the editor still shows the account without the restriction.

Changes the firm: nothing (that is the point).
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from tests.e2e.firm import DemoFirm
from trimtab.bootstrap import Database, open_database


def _written(db: Database, account: str) -> tuple[object, ...]:
    """What a customization could write: settings, the audit trail, the model book."""
    with db.unit_of_work() as uow:
        return (
            [(c.id, c.setting, c.value) for c in uow.settings.history()],
            [e.seq for e in uow.audit.entries()],
            uow.model_book.target_of(account),
            sorted(uow.model_book.histories("target")),
        )


def _largest_holding(db: Database, account: str) -> str:
    """The security the account has put the most money into (a fund, not its cash)."""
    with db.unit_of_work() as uow:
        lots = uow.lots.for_account(account)
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for lot in lots:
        cost[lot.security] += lot.cost_basis
    return max(cost, key=lambda security: cost[security])


def test_the_advisors_customization_preview_shows_trades_before_saving(
    page: Page, demo_firm: DemoFirm
) -> None:
    account = demo_firm.own_accounts[0]
    db = open_database(demo_firm.url)
    try:
        ticker = _largest_holding(db, account)

        sign_in(page, "advisor")
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=account, exact=True))
        row.get_by_role("link", name="customize").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Customize account {account}")
        adding = page.get_by_role("row").filter(has=page.get_by_label("Add: ticker"))
        adding.get_by_label("Add: ticker").fill(ticker)
        adding.get_by_role("combobox").select_option(label="must sell")
        before = _written(db, account)  # after signing in, which is on the audit trail
        page.get_by_role("button", name="Preview the trades").click()

        preview = page.locator("#preview")
        expect(preview.get_by_role("heading", name="Preview (nothing saved)")).to_be_visible()
        expect(preview.locator("#after-tax")).to_have_text(re.compile(r"^-?\$[\d,]+\.\d\d$"))
        after = preview.locator("table.preview-trades").first
        sale = (
            after.get_by_role("row")
            .filter(has=page.get_by_role("cell", name="sell", exact=True))
            .filter(has=page.get_by_role("cell", name=ticker, exact=True))
        )
        expect(sale).to_have_count(1)
        expect(page).to_have_url(re.compile(f"/accounts/{account}/customize$"))  # htmx: no reload

        assert _written(db, account) == before  # nothing recorded anywhere
        page.reload()
        expect(page.get_by_text("No restrictions set on this account itself.")).to_be_visible()
        expect(page.locator("#preview")).not_to_contain_text("Preview (nothing saved)")
    finally:
        db.close()
