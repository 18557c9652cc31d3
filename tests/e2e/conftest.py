"""The browser tests' fixtures: one demo firm, one server and one Chromium per session.

The firm (`tests.e2e.firm`, 80 accounts after one night, the seven demo users) is built
once in a temporary folder and served by `trimtab serve` in a subprocess
(`tests.e2e.server`), stopped when the session ends even after a failure. Each test
gets a fresh browser context (no cookies: it signs in itself) at 1280×800. Tests that
change the firm (each says what it changes) change nothing another test's checks depend
on, so the tests pass in any order.

Without Chromium every test here is skipped with the reason shown; with `CI=true` each
one fails instead, so CI cannot go green without the browser tests having run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.browser import VIEWPORT, launch, missing_browser
from tests.e2e.firm import DemoFirm, build_demo_firm
from tests.e2e.server import serving

# Playwright waits this long for an element, a navigation or an `expect` before failing a
# step: generous, because the machine running the tests may be busy with other suites.
STEP_MS = 15_000
expect.set_options(timeout=STEP_MS)


@pytest.fixture(scope="session", autouse=True)
def chromium_present() -> None:
    reason = missing_browser()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_firm(tmp_path_factory: pytest.TempPathFactory) -> DemoFirm:
    folder = tmp_path_factory.mktemp("e2e")
    return build_demo_firm(f"sqlite:///{folder}/trimtab.db")


@pytest.fixture(scope="session")
def app_url(demo_firm: DemoFirm, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("e2e-server") / "server.log"
    with serving(demo_firm.url, log) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=app_url, viewport=VIEWPORT)
    context.set_default_timeout(STEP_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
