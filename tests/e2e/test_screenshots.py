"""Scenario: the README's dashboard screenshots can be made again with one command and
are all there: `save_dashboards` (what `make screenshots` runs) saves a 1280×800 PNG of
each role's dashboard, and the README shows every one that docs/screenshots/ holds."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from playwright.sync_api import Browser

from tests.e2e.screenshots import OUT, save_dashboards
from trimtab.services.demo_users import DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    return width, height


def test_each_dashboard_is_saved_as_a_1280_by_800_png(
    browser: Browser, app_url: str, tmp_path: Path
) -> None:
    saved = save_dashboards(browser, app_url, tmp_path)
    assert [p.name for p in saved] == [f"{d.login}.png" for d in DEMO_USERS]
    images = [p.read_bytes() for p in saved]
    assert all(_size(png) == (1280, 800) for png in images)
    assert len(set(images)) == len(images)  # seven different pages, not one seven times


def test_the_readme_shows_every_dashboard_screenshot() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(rf"!\[[^\]]+\]\(({OUT}/[a-z]+\.png)\)", readme))
    assert shown == {f"{OUT}/{d.login}.png" for d in DEMO_USERS}
    for path in shown:
        assert _size((ROOT / path).read_bytes()) == (1280, 800), path
