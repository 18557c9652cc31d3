"""Regenerate docs/screenshots/<role>.png: each demo role's dashboard, as the README shows.

Problem: screenshots in a README go stale the moment a page changes, unless making them
again is one command that anyone can run.

Rule: `python -m tests.e2e.screenshots` (or `make screenshots`) builds the demo firm of
the browser tests in a temporary folder, serves it, signs each demo user in through the
form and saves what a 1280×800 window shows of their dashboard to `docs/screenshots/`
(`--out` elsewhere). Nothing is fetched and nothing outside the temporary folder and the
output folder is written.

    $ python -m tests.e2e.screenshots
    docs/screenshots/advisor.png
    ...
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.e2e.browser import VIEWPORT, launch, missing_browser, sign_in
from tests.e2e.firm import build_demo_firm
from tests.e2e.server import serving
from trimtab.services.demo_users import DEMO_USERS

__all__ = ["save_dashboards"]

OUT = Path("docs/screenshots")


def save_dashboards(browser: Browser, base_url: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    for demo in DEMO_USERS:
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
        try:
            page = context.new_page()
            sign_in(page, demo.login)
            if not page.url.endswith(f"/dashboard/{demo.login}"):
                raise RuntimeError(f"{demo.login} landed on {page.url}, not their dashboard")
            page.wait_for_load_state("networkidle")
            path = out / f"{demo.login}.png"
            page.screenshot(path=path)
            saved.append(path)
        finally:
            context.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    args = parser.parse_args(argv)
    reason = missing_browser()
    if reason is not None:
        print(reason, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="trimtab-screenshots-") as folder:
        firm = build_demo_firm(f"sqlite:///{folder}/trimtab.db")
        with serving(firm.url, Path(folder) / "server.log") as base, sync_playwright() as pw:
            browser = launch(pw)
            try:
                for path in save_dashboards(browser, base, args.out):
                    print(path)
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
