"""Scenarios: an advisor customizes their own client's account in the editor — sees each
setting in plain English, previews what a change would trade and what tax it would
realize (nothing is written by a preview), saves it (one audit entry per change, the
setting then in force); bad input is named at its field and saves nothing; another
advisor's account does not exist for them; a role without the permission is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tests.integration.snapshots import Snapshots
from tests.integration.web.work_firm import signed_in, work_firm
from trimtab.bootstrap import Database
from trimtab.services.change_settings import show_settings

ACCOUNT = "A0000001"  # advisor ADV002's (user "ada"); "abe" is ADV001


@pytest.fixture
def app(database_url: str, snapshots: Snapshots) -> Iterator[tuple[FastAPI, Database]]:
    web, db = work_firm(database_url, snapshots)
    yield web, db
    db.close()


def _written(db: Database) -> tuple[object, ...]:
    """What a customization could write: settings, the audit trail, the model book."""
    with db.unit_of_work() as uow:
        return (
            [(c.id, c.setting, c.value) for c in uow.settings.history()],
            [e.seq for e in uow.audit.entries()],
            uow.model_book.target_of(ACCOUNT),
            sorted(uow.model_book.histories("target")),
        )


def _held(db: Database) -> str:
    with db.unit_of_work() as uow:
        lots = uow.lots.for_account(ACCOUNT)
    return max(lots, key=lambda lot: lot.quantity).security


def _effective(db: Database, setting: str) -> object:
    effective, problems = show_settings(db.unit_of_work, ACCOUNT)
    assert effective is not None, problems
    return next(e for e in effective if e.setting == setting)


def test_the_editor_explains_each_setting_and_is_the_advisors_own(
    app: tuple[FastAPI, Database],
) -> None:
    web, _db = app
    ada = signed_in(web, "ada")
    page = ada.http.get(f"/accounts/{ACCOUNT}/customize")
    assert page.status_code == 200
    assert "tax sensitivity" in page.text
    assert 'name="setting:tax_sensitivity"' in page.text
    assert "for each $1 of tax it realizes" in page.text  # calibration's "this means"
    assert 'name="customizations"' in page.text
    assert 'name="new_ticker"' in page.text

    abe = signed_in(web, "abe")  # another advisor: the account does not exist for him
    assert abe.http.get(f"/accounts/{ACCOUNT}/customize").status_code == 404
    refused = abe.http.post(
        f"/accounts/{ACCOUNT}/customize/preview",
        data={"setting:tax_sensitivity": "none", "csrf_token": abe.csrf},
    )
    assert refused.status_code == 404
    assert signed_in(web, "olive").http.get(f"/accounts/{ACCOUNT}/customize").status_code == 200
    assert signed_in(web, "cora").http.get(f"/accounts/{ACCOUNT}/customize").status_code == 403


def test_a_preview_shows_the_trades_and_tax_of_the_unsaved_change_and_writes_nothing(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    ticker = _held(db)
    ada = signed_in(web, "ada")
    before = _written(db)

    panel = ada.http.post(
        f"/accounts/{ACCOUNT}/customize/preview",
        data={"new_ticker": ticker, "new_kind": "must_sell", "setting:tax_sensitivity": "high"},
        headers={"X-CSRF-Token": ada.csrf, "HX-Request": "true"},
    )
    assert panel.status_code == 200, panel.text
    assert "Preview (nothing saved)" in panel.text
    assert "Estimated tax" in panel.text
    assert 'id="after-tax">$' in panel.text
    # The must-sell makes the engine sell the holding: a sale of it appears after.
    after = panel.text.split("After the change: trades", 1)[1].split("Before the change", 1)[0]
    assert f"<td>sell</td><td>{ticker}</td>" in after
    assert _written(db) == before  # nothing recorded: settings, audit trail, model book

    full = ada.http.post(
        f"/accounts/{ACCOUNT}/customize/preview",
        data={"setting:tax_sensitivity": "none", "csrf_token": ada.csrf},
    )
    assert full.status_code == 200
    assert "Preview (nothing saved)" in full.text
    assert _written(db) == before


def test_saving_records_each_change_with_one_audit_entry_and_it_takes_effect(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    ticker = _held(db)
    ada = signed_in(web, "ada")
    assert _effective(db, "tax_sensitivity").value == "medium"  # type: ignore[attr-defined]

    no_token = ada.http.post(
        f"/accounts/{ACCOUNT}/customize",
        data={"setting:tax_sensitivity": "high", "reason": "IPS"},
    )
    assert no_token.status_code == 403
    assert _effective(db, "tax_sensitivity").value == "medium"  # type: ignore[attr-defined]

    saved = ada.http.post(
        f"/accounts/{ACCOUNT}/customize",
        data={"setting:tax_sensitivity": "high", "new_ticker": ticker, "new_kind": "no_sell",
              "reason": "client IPS, 2026", "csrf_token": ada.csrf},
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    effective = _effective(db, "tax_sensitivity")
    assert effective.value == "high"  # type: ignore[attr-defined]
    assert effective.source.scope.id == ACCOUNT  # type: ignore[attr-defined]
    assert _effective(db, f"restriction.{ticker}").value == "no_sell"  # type: ignore[attr-defined]
    with db.unit_of_work() as uow:
        entries = uow.audit.entries(action="settings.set", account=ACCOUNT)
    assert sorted(str(e.summary["setting"]) for e in entries) == [
        f"restriction.{ticker}",
        "tax_sensitivity",
    ]
    assert all(e.principal == "user:ada" for e in entries)
    page = ada.http.get(f"/accounts/{ACCOUNT}/customize")
    assert f'name="restriction:{ticker}"' in page.text


def test_bad_input_is_named_at_its_field_and_saves_nothing(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    ada = signed_in(web, "ada")
    before = _written(db)
    cases = {
        "settings.tax_sensitivity": {"setting:tax_sensitivity": "hi"},
        "settings.restriction.ZZZZ": {"new_ticker": "ZZZZ", "new_kind": "no_buy"},
        "new_kind": {"new_ticker": "IBM", "new_kind": "forbid"},
        "customizations line 2": {"customizations": "drop US_LARGE\nfavour bonds"},
        "reason": {"setting:tax_sensitivity": "high", "reason": " "},
    }
    for field, data in cases.items():
        answer = ada.http.post(
            f"/accounts/{ACCOUNT}/customize",
            data={"reason": "why", **data, "csrf_token": ada.csrf},
        )
        assert answer.status_code == 422, (field, answer.status_code)
        assert f"<code>{field}</code>" in answer.text, field
    assert _written(db) == before
