"""Scenarios: each of the seven demo users signs in through the form and lands on the
dashboard of their role (ROLES.md), showing that role's work on the demo firm; an
advisor who types another advisor's account into the address bar gets the not-found
page, exactly as for an account that does not exist."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from tests.e2e.firm import DemoFirm
from trimtab.services.demo_users import DEMO_USERS

# role -> (the dashboard's heading, a section only that dashboard has)
DASHBOARDS = {
    "advisor": ("My households and accounts", "Pending proposals"),
    "committee": ("Allocations, models and equivalence sets", "The model book"),
    "overlay": ("Tonight's outcome", "Review queue"),
    "compliance": ("Accounts outside their settings", "Flags"),
    "management": ("Program health", "Review backlog"),
    "data": ("Today's data", "Unknown securities"),
    "admin": ("Users, tokens and process health", "System tokens"),
}


def test_every_demo_role_has_a_dashboard_here() -> None:
    assert set(DASHBOARDS) == {d.login for d in DEMO_USERS}


@pytest.mark.parametrize("login", list(DASHBOARDS))
def test_each_role_signs_in_and_sees_its_dashboard(page: Page, login: str) -> None:
    heading, section = DASHBOARDS[login]
    sign_in(page, login)
    expect(page).to_have_url(re.compile(f"/dashboard/{login}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", level=2, name=section)).to_be_visible()
    name = next(d.name for d in DEMO_USERS if d.login == login)
    expect(page.locator(".who .user")).to_have_text(name)


def test_the_advisor_dashboard_lists_their_accounts_and_no_one_elses(
    page: Page, demo_firm: DemoFirm
) -> None:
    sign_in(page, "advisor")
    accounts = page.get_by_role("table").first
    expect(accounts.get_by_role("link", name=demo_firm.own_accounts[0], exact=True)).to_be_visible()
    expect(accounts.get_by_role("link", name=demo_firm.other_account, exact=True)).to_have_count(0)


def test_the_overlay_dashboard_shows_the_night_and_a_waiting_queue(page: Page) -> None:
    sign_in(page, "overlay")
    expect(page.get_by_role("img", name=re.compile("^Accounts by outcome"))).to_be_visible()
    expect(page.locator("#queue-count")).not_to_have_text("0")


def test_the_admin_dashboard_lists_the_demo_users(page: Page) -> None:
    sign_in(page, "admin")
    expect(page.get_by_role("heading", name=re.compile(r"^Users \(\d+\)"))).to_be_visible()
    logins = page.get_by_role("table").first.locator("tbody tr > td:first-child")
    assert {d.login for d in DEMO_USERS} <= set(logins.all_inner_texts())


def test_a_wrong_password_keeps_the_person_on_the_sign_in_form(page: Page) -> None:
    sign_in(page, "overlay", password="not the password")
    expect(page).to_have_url(re.compile("/sign-in"))
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto("/dashboard/overlay")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Tonight's outcome")


def test_an_advisor_cannot_open_another_advisors_account(page: Page, demo_firm: DemoFirm) -> None:
    sign_in(page, "advisor")
    own = page.goto(f"/accounts/{demo_firm.own_accounts[0]}")
    assert own is not None
    assert own.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text(demo_firm.own_accounts[0])

    theirs = page.goto(f"/accounts/{demo_firm.other_account}")
    assert theirs is not None
    assert theirs.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    theirs_says = page.locator(".message").inner_text()

    # The same page as for an account that does not exist: nothing says it does.
    nowhere = page.goto("/accounts/A9999999")
    assert nowhere is not None
    assert nowhere.status == 404
    nowhere_says = page.locator(".message").inner_text()
    assert theirs_says.replace(demo_firm.other_account, "?") == nowhere_says.replace(
        "A9999999", "?"
    )
