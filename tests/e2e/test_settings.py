"""Scenario: the overlay manager changes the drift tolerance of every taxable account but
one (exempt, with its reason) from the settings page: the preview shows the counts and
records nothing, the change is applied after the browser's confirmation, and then exactly
the taxable accounts other than the exempt one have the new value.

Changes the firm: `drift_tolerance` of the taxable accounts (one exempt) set to tight.
"""

from __future__ import annotations

from playwright.sync_api import Dialog, Page, expect

from tests.e2e.browser import sign_in
from tests.e2e.firm import DemoFirm
from trimtab.bootstrap import Database, open_database
from trimtab.services.change_settings import show_settings

SETTING = "drift_tolerance"


def _tolerances(db: Database) -> dict[str, object]:
    with db.unit_of_work() as uow:
        accounts = [p.account for p in uow.selection.placements()]
    found: dict[str, object] = {}
    for account in accounts:
        effective, problems = show_settings(db.unit_of_work, account)
        assert effective is not None, problems
        found[account] = next(e.value for e in effective if e.setting == SETTING)
    return found


def _taxable(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        accounts = [uow.accounts.get(p.account) for p in uow.selection.placements()]
    return sorted(a.id for a in accounts if a is not None and a.tax_status.value == "taxable")


def test_a_bulk_setting_with_one_exemption_changes_exactly_the_right_accounts(
    page: Page, demo_firm: DemoFirm
) -> None:
    db = open_database(demo_firm.url)
    try:
        before = _tolerances(db)
        taxable = _taxable(db)
        assert 3 <= len(taxable) < len(before)
        assert set(before.values()) == {"normal"}
        exempt = taxable[0]

        sign_in(page, "overlay")
        page.get_by_role("navigation", name="main").get_by_role("link", name="Settings").click()
        page.get_by_role("link", name="Change a setting for many accounts…").click()
        page.get_by_label("Setting").fill(SETTING)
        page.get_by_label("New value").fill("tight")
        page.get_by_label("Accounts: a filter").fill('tax_status = "taxable"')
        page.get_by_label("Exempt accounts, one a line").fill(f"{exempt} = client asked to wait")
        page.get_by_label("Reason (recorded with every change)").fill("2026 policy review")
        page.get_by_role("button", name="Preview").click()

        expect(page.get_by_role("heading", name="Preview (nothing recorded yet)")).to_be_visible()
        expect(page.locator("#bulk-counts")).to_contain_text(f"{len(taxable) - 1} affected")
        expect(page.locator("#bulk-counts")).to_contain_text("1 exempted")
        expect(page.get_by_role("cell", name="client asked to wait")).to_be_visible()
        assert _tolerances(db) == before  # a preview records nothing

        asked: list[str] = []

        def confirm(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.accept()

        page.once("dialog", confirm)
        page.get_by_role("button", name="Apply this change").click()
        expect(page.get_by_role("status")).to_contain_text(
            f"{len(taxable) - 1} accounts changed, 1 exempt"
        )
        assert asked == [f"Apply to {len(taxable) - 1} accounts?"]

        after = _tolerances(db)
        changed = sorted(a for a in after if after[a] != before[a])
        assert changed == taxable[1:]
        assert {after[a] for a in changed} == {"tight"}
    finally:
        db.close()
