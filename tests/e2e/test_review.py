"""Scenario: the overlay manager opens the review queue, approves the largest pending
proposal with a reason (htmx swaps the row), and the export's allocation file then
carries that account's trades — which it did not before the approval.

Changes the firm: one proposal approved, the run's orders created.
"""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in


def _export(page: Page) -> tuple[str, list[dict[str, str]]]:
    """The orders export (`POST /api/v1/orders/export`) as this browser's session asks it:
    the run and the allocation rows."""
    token = page.locator('input[name="csrf_token"]').first.input_value()
    answer = page.request.post("/api/v1/orders/export?format=csv", headers={"X-CSRF-Token": token})
    assert answer.status == 200, answer.text()
    return answer.headers["x-trimtab-run"], list(csv.DictReader(io.StringIO(answer.text())))


def test_the_overlay_manager_approves_a_proposal_and_its_orders_are_exported(page: Page) -> None:
    sign_in(page, "overlay")
    page.get_by_role("link", name="Open the review queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    first = page.locator("table.queue tbody tr").first
    account = first.get_by_role("link").first.inner_text()
    proposal = page.request.get(f"/api/v1/proposals/{account}").json()["proposal"]
    assert proposal["state"] == "pending"
    assert proposal["trades"]
    _, before = _export(page)
    assert account not in {row["account"] for row in before}  # pending: not traded yet

    first.get_by_label(f"reason for {account}").fill("checked with the client")
    first.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#row-{account}").get_by_role("status")).to_have_text(
        f"Approved {account}."
    )

    run, after = _export(page)
    assert run == proposal["run"]
    exported = {(row["security"], row["side"]) for row in after if row["account"] == account}
    assert exported
    assert exported <= {(t["security"], t["side"]) for t in proposal["trades"]}
    decided = page.request.get(f"/api/v1/proposals/{account}").json()["proposal"]
    assert decided["state"] == "approved"
    assert decided["decided_by"] == "user:overlay"
