"""Scenarios: the overlay desk manages settings in a browser — where an account's value
comes from, a bulk change over a filter with one exemption (previewed, then applied to
exactly the right accounts), the history and a revert; bad input is named at its field
and writes nothing; a form without its CSRF token is refused; an advisor has no access."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tests.builders import TESTER
from tests.integration.snapshots import Snapshots
from tests.integration.web.work_firm import signed_in, work_firm
from trimtab.bootstrap import Database
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_levels import Scope
from trimtab.services.change_settings import set_setting, show_settings

ACCOUNT = "A0000001"


@pytest.fixture
def app(database_url: str, snapshots: Snapshots) -> Iterator[tuple[FastAPI, Database]]:
    web, db = work_firm(database_url, snapshots)
    yield web, db
    db.close()


def _value(db: Database, account: str, setting: str) -> object:
    effective, problems = show_settings(db.unit_of_work, account)
    assert effective is not None, problems
    return next(e.value for e in effective if e.setting == setting)


def _tax_statuses(db: Database) -> dict[str, str]:
    with db.unit_of_work() as uow:
        ids = [p.account for p in uow.selection.placements()]
        return {a: uow.accounts.get(a).tax_status.value for a in ids}  # type: ignore[union-attr]


def _entries(db: Database, action: str) -> list[object]:
    with db.unit_of_work() as uow:
        return list(uow.audit.entries(action=action))


def test_lineage_shows_where_each_value_comes_from_and_is_the_overlay_desks(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    with db.unit_of_work() as uow:
        household = uow.accounts.get(ACCOUNT).household  # type: ignore[union-attr]
    change, problems = set_setting(
        db.unit_of_work, principal=TESTER, setting="drift_tolerance",
        scope=Scope(Level.HOUSEHOLD, household), value="loose", reason="family IPS",
    )  # fmt: skip
    assert change is not None, problems
    olive = signed_in(web, "olive")

    page = olive.http.get("/settings/lineage", params={"account": ACCOUNT})
    assert page.status_code == 200
    row = page.text.split("<td>drift_tolerance</td>", 1)[1].split("</tr>", 1)[0]
    assert "loose" in row
    assert f"household {household}" in row
    assert "family IPS" in row
    assert f"#{change.id}" in row
    assert "3%" in row

    one = olive.http.get("/settings/lineage", params={"account": ACCOUNT, "setting": "min_trade"})
    assert "built-in default" in one.text
    assert "drift_tolerance" not in one.text
    assert olive.http.get("/settings/lineage", params={"account": "NOPE"}).status_code == 404
    assert signed_in(web, "ada").http.get("/settings").status_code == 403
    assert signed_in(web, "cora").http.get("/settings/lineage?account=A0000001").status_code == 403


def test_a_bulk_change_with_one_exemption_changes_exactly_the_right_accounts(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    statuses = _tax_statuses(db)
    taxable = sorted(a for a, s in statuses.items() if s == "taxable")
    assert len(taxable) >= 3
    assert len(taxable) < len(statuses)
    exempt = taxable[0]
    form = {
        "setting": "drift_tolerance",
        "value": "tight",
        "target": 'tax_status = "taxable"',
        "level": "account",
        "reason": "2026 review",
        "exemptions": f"{exempt} = client asked to wait",
    }
    olive = signed_in(web, "olive")

    preview = olive.http.post("/settings/bulk/preview", data={**form, "csrf_token": olive.csrf})
    assert preview.status_code == 200
    assert f"<strong>{len(taxable) - 1}</strong> affected" in preview.text
    assert "<strong>1</strong> exempted" in preview.text
    assert "client asked to wait" in preview.text
    assert all(_value(db, a, "drift_tolerance") == "normal" for a in statuses)  # nothing yet
    assert _entries(db, "settings.bulk_change") == []

    assert olive.http.post("/settings/bulk", data=form).status_code == 403  # no CSRF token
    applied = olive.http.post("/settings/bulk", data={**form, "csrf_token": olive.csrf})
    assert applied.status_code == 303, applied.text
    for account, status in statuses.items():
        wanted = "tight" if status == "taxable" and account != exempt else "normal"
        assert _value(db, account, "drift_tolerance") == wanted, account
    entries = _entries(db, "settings.bulk_change")
    assert len(entries) == 1
    targets = entries[0].targets  # type: ignore[attr-defined]
    assert sorted(t for t in targets if not t.startswith("bulk:")) == taxable[1:]


def test_history_lists_changes_and_a_revert_restores_the_value(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    change, _ = set_setting(
        db.unit_of_work, principal=TESTER, setting="min_trade",
        scope=Scope(Level.ACCOUNT, ACCOUNT), value=250, reason="small account",
    )  # fmt: skip
    assert change is not None
    olive = signed_in(web, "olive")
    history = olive.http.get("/settings", params={"account": ACCOUNT})
    assert history.status_code == 200
    assert f'id="change-{change.id}"' in history.text
    assert "small account" in history.text

    assert olive.http.post(f"/settings/revert/{change.id}", data={"reason": "x"}).status_code == 403
    no_reason = olive.http.post(
        f"/settings/revert/{change.id}", data={"reason": "", "csrf_token": olive.csrf}
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.text
    assert _value(db, ACCOUNT, "min_trade") == 250

    reverted = olive.http.post(
        f"/settings/revert/{change.id}",
        data={"reason": "entered by mistake", "csrf_token": olive.csrf},
    )
    assert reverted.status_code == 303
    assert _value(db, ACCOUNT, "min_trade") == 100.0  # the built-in default again
    assert len(_entries(db, "settings.revert")) == 1
    assert olive.http.post(
        "/settings/revert/999999", data={"reason": "no such", "csrf_token": olive.csrf}
    ).status_code in (404, 422)


def test_bad_bulk_input_is_named_at_its_field_and_writes_nothing(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    olive = signed_in(web, "olive")
    good = {"setting": "tax_sensitivity", "value": "high", "target": 'tax_status = "taxable"',
            "level": "account", "reason": "why", "csrf_token": olive.csrf}  # fmt: skip
    cases = {
        "settings.tax_sensitivity": {"value": "hi"},
        "exemptions line 1": {"exemptions": "A0000001"},
        "exempt_accounts": {"exemptions": "NOPE = gone"},
        "target": {"target": "tax_status = "},
        "reason": {"reason": ""},
    }
    for field, changed in cases.items():
        answer = olive.http.post("/settings/bulk", data={**good, **changed})
        assert answer.status_code == 422, (field, answer.status_code)
        assert f"<code>{field}" in answer.text, field
    assert _entries(db, "settings.bulk_change") == []
    assert _value(db, ACCOUNT, "tax_sensitivity") == "medium"
