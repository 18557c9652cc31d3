"""Scenarios: the data desk works its page — a day's files and their state, a corporate
action applied, the unknown security it brings classified (its holders released), the
synchronization holds it causes found and cleared by checking again — each action a form
with its CSRF token and one audit entry; the other desks read the page without its forms,
advisors and the committee do not see it; bad input is named and nothing changes.

The story: the feeds recorded a spin-off of one of the firm's ETFs into NEWCO, effective
2025-06-27, which the security master does not know. Applying it adds NEWCO unclassified
and holds its holders; the prices feed keeps pricing the old ETF and not NEWCO, so the
check suspends the holders (the feeds disagree) until NEWCO's first close arrives."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from fastapi import FastAPI

from tests.integration.web.conftest import WebFirm, sign_in_as
from trimtab.bootstrap import Database
from trimtab.domain.audit import AuditEntry
from trimtab.domain.corporate_action_events import ActionKind, CorporateActionEvent
from trimtab.domain.file_transfers import ExpectedFile
from trimtab.domain.principal import Principal
from trimtab.domain.securities import Price
from trimtab.services.file_monitoring import expect_files

SPIN = "CA-SPIN-1"
EFFECTIVE = dt.date(2025, 6, 27)
SETUP = Principal.cli("setup")


def _entries(db: Database, action: str) -> list[AuditEntry]:
    with db.unit_of_work() as uow:
        return list(uow.audit.entries(action=action))


@pytest.fixture(scope="module")
def spun(web_firm: WebFirm) -> tuple[str, list[str]]:
    """The spin-off recorded (not applied): the ETF spun off and its holders."""
    db = web_firm.database
    with db.unit_of_work() as uow:
        held = {lot.security for lot in uow.feed_data.lots_of()}
        parent = max(sorted(held), key=lambda t: len(uow.feed_data.holders(t)))
        holders = sorted(uow.feed_data.holders(parent))
        event = CorporateActionEvent(
            SPIN, ActionKind.SPIN_OFF, parent, EFFECTIVE, new_security="NEWCO",
            ratio=Decimal("0.5"), basis_allocation=Decimal("0.2"),
        )  # fmt: skip
        uow.feed_data.add_actions([event], "custodian")
        uow.commit()
    expect_files(
        db.unit_of_work, "custodian", [ExpectedFile("custodian", "positions", dt.time(7))],
        timezone="America/New_York", principal=SETUP,
    )  # fmt: skip
    return parent, holders


def _section(page: str, section: str) -> str:
    found = re.search(rf'<section id="{section}">(.*?)</section>', page, re.S)
    assert found, page
    return found.group(1)


def test_the_other_desks_read_the_page_without_its_forms_and_others_are_refused(
    app: FastAPI, spun: tuple[str, list[str]]
) -> None:
    for login in ("overlay", "compliance", "management"):
        browser, csrf = sign_in_as(app, login)
        page = browser.get("/data")
        assert page.status_code == 200, login
        assert SPIN in _section(page.text, "corporate-actions")
        assert 'action="/data/' not in page.text  # no forms
        refused = browser.post(f"/data/corporate-actions/{SPIN}/apply", data={"csrf_token": csrf})
        assert refused.status_code == 403
        assert "data_write" in refused.text
    for login in ("advisor", "committee"):
        browser, _ = sign_in_as(app, login)
        assert browser.get("/data").status_code == 403


def test_a_days_files_show_their_state(app: FastAPI, spun: tuple[str, list[str]]) -> None:
    data, _ = sign_in_as(app, "data")
    files = _section(data.get("/data", params={"day": "2025-06-30"}).text, "files")
    assert "custodian" in files
    assert "positions" in files
    assert "07:00" in files
    assert ">missing<" in files  # nothing arrived that day, long past its deadline
    sunday = _section(data.get("/data", params={"day": "2025-06-29"}).text, "files")
    assert "not a business day" in sunday
    assert data.get("/data", params={"day": "June 30"}).status_code == 422


def test_the_data_desk_applies_classifies_and_clears_the_holds_each_once_on_record(
    app: FastAPI, web_firm: WebFirm, spun: tuple[str, list[str]]
) -> None:
    db = web_firm.database
    _parent, holders = spun
    data, csrf = sign_in_as(app, "data")

    # Apply the corporate action: refused without the token, then done once.
    assert data.post(f"/data/corporate-actions/{SPIN}/apply").status_code == 403
    assert _entries(db, "corporate_actions.apply") == []
    unknown_id = data.post("/data/corporate-actions/CA-NOPE/apply", data={"csrf_token": csrf})
    assert unknown_id.status_code == 404
    assert "no corporate action with this id" in unknown_id.text
    applied = data.post(f"/data/corporate-actions/{SPIN}/apply", data={"csrf_token": csrf})
    assert applied.status_code == 303
    (entry,) = _entries(db, "corporate_actions.apply")
    assert f"action:{SPIN}" in entry.targets
    assert entry.principal == "user:data"
    again = data.post(f"/data/corporate-actions/{SPIN}/apply", data={"csrf_token": csrf})
    assert again.status_code == 409
    assert "already applied" in again.text
    assert len(_entries(db, "corporate_actions.apply")) == 1

    page = data.get("/data").text
    assert SPIN not in _section(page, "corporate-actions")
    unknown = _section(page, "unknown")
    assert "NEWCO" in unknown
    assert f'<td class="num">{len(holders)}</td>' in unknown

    # The prices feed still prices the old ETF, not NEWCO: the check holds every holder.
    assert data.post("/data/synchronization/check").status_code == 403
    checked = data.post("/data/synchronization/check", data={"csrf_token": csrf})
    assert checked.status_code == 303
    assert len(_entries(db, "feeds.check_sync")) == 1
    holds = _section(data.get("/data").text, "synchronization")
    assert SPIN in holds
    assert f'<td class="num" title="{", ".join(holders)}">' in holds
    assert "the prices feed does not show the spin-off" in holds

    # Classify NEWCO: a bad asset class is named and changes nothing; then it is done.
    bad = data.post(
        "/data/securities/NEWCO/classify", data={"asset_class": "NOPE", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    assert "<code>asset_class</code>: unknown asset class NOPE" in bad.text
    assert 'value="NOPE"' in bad.text  # what was typed, kept in its form
    nothing = data.post("/data/securities/NEWCO/classify", data={"csrf_token": csrf})
    assert nothing.status_code == 422
    assert "<code>classification</code>" in nothing.text
    assert _entries(db, "securities.classify") == []
    assert "NEWCO" in _section(data.get("/data").text, "unknown")
    classified = data.post(
        "/data/securities/NEWCO/classify",
        data={"asset_class": "US_MID", "sector": "Industrials", "csrf_token": csrf},
    )
    assert classified.status_code == 303
    (entry,) = _entries(db, "securities.classify")
    assert "security:NEWCO" in entry.targets
    assert set(holders) <= set(entry.targets)
    assert "NEWCO" not in _section(data.get("/data").text, "unknown")

    # NEWCO's first close arrives: the feeds agree, checking again releases the holds.
    with db.unit_of_work() as uow:
        uow.feed_data.upsert_prices([Price("NEWCO", dt.date(2025, 6, 30), Decimal("12.5"))])
        uow.commit()
    assert data.post("/data/synchronization/check", data={"csrf_token": csrf}).status_code == 303
    assert len(_entries(db, "feeds.check_sync")) == 2
    cleared = _section(data.get("/data").text, "synchronization")
    assert "No account is held for a synchronization problem" in cleared
