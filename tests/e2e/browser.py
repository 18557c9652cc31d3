"""Debian's Chromium driven by Playwright, and signing in the way a person does.

Problem: Playwright normally downloads its own browser build at install time; trimtab
fetches nothing at run time and tests the browser a firm's Debian machine has. Where
there is no browser, the tests cannot run: a laptop should say so and go on, CI must not
pass quietly without them.

Rule: `CHROMIUM` is the `chromium` on PATH (Debian's package; `make test` installs it
when it runs as root). `missing_browser()` is None when it is there, else the reason to
show; the tests skip with that reason, or fail when `CI=true`. `launch` starts it
headless (no sandbox: CI containers run as root, where Chromium's sandbox cannot start).
`sign_in(page, login)` fills the sign-in form with the demo user's password and waits
for the dashboard the app sends that user to.

    >>> # sign_in(page, "overlay"); page.url  ->  'http://127.0.0.1:41237/dashboard/overlay'
"""

from __future__ import annotations

import os
import shutil

from playwright.sync_api import Browser, Page, Playwright, ViewportSize

from tests.e2e.firm import PASSWORDS

__all__ = ["CHROMIUM", "VIEWPORT", "launch", "missing_browser", "sign_in"]

CHROMIUM = shutil.which("chromium")
VIEWPORT = ViewportSize(width=1280, height=800)


def missing_browser() -> str | None:
    if CHROMIUM is not None:
        return None
    reason = (
        "browser tests need Debian's Chromium: `apt-get install chromium` "
        "(`make test` installs it when run as root)"
    )
    if os.environ.get("CI") == "true":
        reason += "; CI=true, where a missing browser fails the run"
    return reason


def launch(playwright: Playwright) -> Browser:
    assert CHROMIUM is not None, missing_browser()
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
    )


def sign_in(page: Page, login: str, *, password: str | None = None) -> None:
    page.goto("/sign-in")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORDS[login] if password is None else password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
