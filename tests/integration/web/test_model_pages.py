"""Scenarios: everyone reads the model book; the committee changes an allocation's weights
in the browser, sees before saving how many targets and accounts the change reaches and
which customized children would break their limits, and saves it knowingly — one new
version, one `models.record` entry. Bad weights are named and nothing is saved; a form
without its CSRF token, or from a role that only reads, changes nothing.

The demo firm's MODERATELY_CONSERVATIVE line: the firm target -ETF (equity held within
30%–50% for its children), its product lines -MF and -DI, and two clients' children;
five accounts follow one of the five. Moving 15 points from bonds to US large caps puts
every child's equity above 50%."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.integration.web.conftest import WebFirm, sign_in_as
from trimtab.bootstrap import Database
from trimtab.domain.audit import AuditEntry

LINE = "MODERATELY_CONSERVATIVE"
PAGE = f"/models/allocation/{LINE}"
CHILDREN = ("C-A0000004", "C-A0000005", f"{LINE}-DI", f"{LINE}-MF")
# The line's allocation today, and the same with 15 points moved from US_AGG to US_LARGE.
TODAY = {
    "CASH": "0.04", "EM": "0.02", "INTL_DEV": "0.08", "MUNI": "0.08", "TIPS": "0.10",
    "US_AGG": "0.38", "US_LARGE": "0.20", "US_MID": "0.06", "US_SMALL": "0.04",
}  # fmt: skip
EQUITY_UP = {**TODAY, "US_AGG": "23%", "US_LARGE": "35%"}


def _text(weights: dict[str, str]) -> str:
    return "\n".join(f"{k} {w}" for k, w in weights.items())


def _versions(db: Database) -> int:
    with db.unit_of_work() as uow:
        return len(uow.model_book.history("allocation", LINE))


def _records(db: Database) -> list[AuditEntry]:
    with db.unit_of_work() as uow:
        return [
            e
            for e in uow.audit.entries(action="models.record")
            if f"allocation:{LINE}" in e.targets
        ]


def test_every_role_reads_the_book_and_only_the_committee_sees_the_change_form(
    app: FastAPI,
) -> None:
    for login in ("advisor", "overlay", "compliance", "management", "data", "committee"):
        browser, _ = sign_in_as(app, login)
        book = browser.get("/models")
        assert book.status_code == 200, login
        for shown in (f"/models/allocation/{LINE}", "/models/model/PIM-CORE-BOND",
                      f"/models/target/{LINE}-ETF"):  # fmt: skip
            assert f'href="{shown}"' in book.text
        assert "C-A0000004" not in book.text  # clients' own targets are counted, not listed
        page = browser.get(PAGE)
        assert page.status_code == 200
        assert "US_AGG" in page.text
        assert "38.00%" in page.text
        assert "<h2>History</h2>" in page.text
        assert ("Change the weights" in page.text) is (login == "committee")
    advisor, _ = sign_in_as(app, "advisor")
    assert advisor.get(f"/models/target/{LINE}-ETF").status_code == 200
    assert advisor.get("/models/allocation/NO_SUCH").status_code == 404
    assert advisor.get("/models/portfolio/X").status_code == 422  # not a kind


def test_the_preview_shows_the_cascade_and_the_broken_limits_and_saves_nothing(
    app: FastAPI, web_firm: WebFirm
) -> None:
    db = web_firm.database
    committee, csrf = sign_in_as(app, "committee")
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    preview = committee.post(
        f"{PAGE}/preview", data={"weights": _text(EQUITY_UP), "reason": "more equity"},
        headers=htmx,
    )  # fmt: skip
    assert preview.status_code == 200, preview.text
    text = re.sub(r"\s+", " ", preview.text)
    assert "cascades to <strong>5</strong> targets, followed by <strong>5</strong> accounts" in text
    assert "<strong>4</strong> customized children would break their limits" in text
    for child in CHILDREN:
        assert f">{child}</a>" in text
    assert "outside the limit set by MODERATELY_CONSERVATIVE-ETF: allowed 30.0%–50.0%" in text

    small = committee.post(
        f"{PAGE}/preview",
        data={"weights": _text({**TODAY, "US_AGG": "0.37", "US_LARGE": "0.21"})},
        headers=htmx,
    )
    assert small.status_code == 200
    assert "No customized child would break its limits" in small.text
    assert (_versions(db), _records(db)) == (1, [])  # previews keep nothing

    for login in ("advisor", "overlay", "compliance", "management", "data"):
        browser, token = sign_in_as(app, login)
        refused = browser.post(
            f"{PAGE}/preview", data={"weights": _text(EQUITY_UP)}, headers={"X-CSRF-Token": token}
        )
        assert refused.status_code == 403, login
        assert "models_write" in refused.text


def test_bad_weights_are_named_and_nothing_is_saved(app: FastAPI, web_firm: WebFirm) -> None:
    db = web_firm.database
    committee, csrf = sign_in_as(app, "committee")
    cases = {
        "US_LARGE sixty": ("weights line 1", "write KEY WEIGHT"),
        _text({**TODAY, "NOPE": "0.01", "CASH": "0.03"}): ("NOPE", "unknown asset class NOPE"),
        _text({**TODAY, "CASH": "0.10"}): ("weights", "sum"),
        "US_LARGE 0.5\nUS_LARGE 0.5": ("weights line 2", "weighted twice"),
    }
    for weights, (path, message) in cases.items():
        answer = committee.post(
            PAGE, data={"weights": weights, "reason": "test", "confirm": "true", "csrf_token": csrf}
        )
        assert answer.status_code == 422, (weights, answer.text)
        assert path in answer.text, (weights, answer.text)
        assert message in answer.text, (weights, answer.text)
        assert "<textarea" in answer.text
        assert "Change the weights" in answer.text
    no_reason = committee.post(
        PAGE, data={"weights": _text(TODAY), "confirm": "true", "csrf_token": csrf}
    )
    assert no_reason.status_code == 422
    assert "<code>reason</code>" in no_reason.text
    assert (_versions(db), _records(db)) == (1, [])


def test_a_change_that_breaks_limits_is_saved_only_when_confirmed_with_one_entry(
    app: FastAPI, web_firm: WebFirm
) -> None:
    db = web_firm.database
    committee, csrf = sign_in_as(app, "committee")
    form = {"weights": _text(EQUITY_UP), "reason": "more equity for the line"}

    assert committee.post(PAGE, data={**form, "confirm": "true"}).status_code == 403  # no token
    data_desk, data_csrf = sign_in_as(app, "data")
    assert data_desk.post(PAGE, data={**form, "csrf_token": data_csrf}).status_code == 403
    unconfirmed = committee.post(PAGE, data={**form, "csrf_token": csrf})
    assert unconfirmed.status_code == 409
    assert "4 customized children would leave their limits; nothing saved" in unconfirmed.text
    assert "C-A0000004" in unconfirmed.text  # the preview, shown again
    assert (_versions(db), _records(db)) == (1, [])

    saved = committee.post(PAGE, data={**form, "confirm": "true", "csrf_token": csrf})
    assert saved.status_code == 303
    assert saved.headers["location"] == PAGE
    assert _versions(db) == 2
    (entry,) = _records(db)
    assert entry.principal == "user:committee"
    assert entry.reason == "more equity for the line"
    outside = entry.summary["children_outside_limits"]
    assert isinstance(outside, list)
    assert sorted(outside) == sorted(CHILDREN)

    page = committee.get(PAGE)
    assert "Version 2" in page.text
    assert "35.00%" in page.text
    assert "user:committee" in page.text
