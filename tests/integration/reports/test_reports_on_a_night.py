"""Scenarios: the reports over a real night of the small demo firm, on both databases.

One module-wide firm per database: 16 accounts, one night (the demo routing policy:
some auto-trade, some wait for review), its counterfactuals and health checks. The
numbers themselves are checked by hand in tests/unit/services/test_reports.py; here,
that the stores, the scope, the files and the command line agree with them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from tests.builders import TESTER
from tests.integration.conftest import postgres_admin_url
from tests.integration.reports.night import one_night
from trimtab.bootstrap import Database, open_database
from trimtab.domain.principal import Principal, Role, Scope
from trimtab.domain.problems import ProblemKind
from trimtab.reports.documents import (
    ACTIVITY_COLUMNS,
    HEALTH_COLUMNS,
    TAXES_SAVED_COLUMNS,
    PdfUnavailable,
    render_csv,
    render_html,
    render_pdf,
)
from trimtab.services.activity import activity_report
from trimtab.services.health_checks import CHECKS, health_report, record_health_checks
from trimtab.services.report_scope import Level, ReportRequest
from trimtab.services.taxes_saved import compute_counterfactuals, taxes_saved

YEAR = ReportRequest(Level.FIRM, None, dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def night_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('reports')}/trimtab.db"
        return
    admin = request.getfixturevalue("postgres_admin")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_admin_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="module")
def night(night_url: str) -> Iterator[tuple[Database, str]]:
    db = open_database(night_url)
    db.upgrade()
    run_id = one_night(db)
    computed, problems = compute_counterfactuals(db.unit_of_work, run_id, principal=TESTER)
    assert problems == []
    assert computed > 0
    written, problems = record_health_checks(db.unit_of_work, run_id, principal=TESTER)
    assert problems == []
    assert written > 0
    yield db, run_id
    db.close()


def _advisors(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return sorted({a.advisor_id for a in uow.reports.accounts(Scope.firm()) if a.advisor_id})


def _advisor(advisor_id: str) -> Principal:
    return Principal("user:adv", "Adv", frozenset({Role.ADVISOR}), Scope.advisors(advisor_id))


def test_counterfactuals_are_stored_once_per_analysis(night: tuple[Database, str]) -> None:
    db, run_id = night
    assert compute_counterfactuals(db.unit_of_work, run_id, principal=TESTER) == (0, [])
    report, _ = taxes_saved(db.unit_of_work, YEAR, viewer=TESTER)
    assert report is not None
    assert report.missing_counterfactuals == 0
    assert report.lines, "the demo night has taxable accounts that traded or held"
    assert report.total == sum((line.saved for line in report.lines), type(report.total)())


def test_the_firm_is_the_sum_of_its_advisors_and_each_sees_only_their_own(
    night: tuple[Database, str],
) -> None:
    db, _ = night
    firm, _ = taxes_saved(db.unit_of_work, YEAR, viewer=TESTER)
    assert firm is not None
    advisors = _advisors(db)
    assert len(advisors) > 1
    totals = Decimal(0)
    for advisor_id in advisors:
        mine, _ = taxes_saved(db.unit_of_work, YEAR, viewer=_advisor(advisor_id))
        assert mine is not None
        assert {line.advisor for line in mine.lines} <= {advisor_id}
        totals += mine.total.total
    assert totals == firm.total.total
    # Another advisor's account is not found (404), not forbidden.
    first, second = advisors[:2]
    with db.unit_of_work() as uow:
        theirs = uow.reports.accounts(Scope.firm(), advisor=second)[0].id
    one = ReportRequest(Level.ACCOUNT, theirs, YEAR.start, YEAR.end)
    for service in (taxes_saved, activity_report, health_report):
        _, problems = service(db.unit_of_work, one, viewer=_advisor(first))
        assert [p.kind for p in problems] == [ProblemKind.NOT_FOUND], service
    activity, _ = activity_report(db.unit_of_work, YEAR, viewer=_advisor(first))
    assert activity is not None
    with db.unit_of_work() as uow:
        own = {a.id for a in uow.reports.accounts(Scope.advisors(first))}
    assert {t.account for t in activity.trades} <= own


def test_every_analysis_gets_its_five_checks_once(night: tuple[Database, str]) -> None:
    db, run_id = night
    assert record_health_checks(db.unit_of_work, run_id, principal=TESTER) == (0, [])
    report, _ = health_report(db.unit_of_work, YEAR, viewer=TESTER)
    assert report is not None
    by_account: dict[str, set[str]] = {}
    for check in report.checks:
        by_account.setdefault(check.account, set()).add(check.kind)
    assert all(kinds in ({"data"}, set(CHECKS)) for kinds in by_account.values())
    assert report.calls == tuple(c for c in report.calls if not c.check.passed)
    assert {c.check.kind for c in report.calls} <= set(CHECKS)


def test_csv_columns(night: tuple[Database, str]) -> None:
    db, _ = night
    taxes, _ = taxes_saved(db.unit_of_work, YEAR, viewer=TESTER)
    health, _ = health_report(db.unit_of_work, YEAR, viewer=TESTER)
    activity, _ = activity_report(db.unit_of_work, YEAR, viewer=TESTER)
    assert taxes is not None
    assert health is not None
    assert activity is not None
    for report, columns, rows in (
        (taxes, TAXES_SAVED_COLUMNS, len(taxes.lines)),
        (health, HEALTH_COLUMNS, len(health.checks)),
        (activity, ACTIVITY_COLUMNS, len(activity.trades)),
    ):
        table = list(csv.reader(io.StringIO(render_csv(report))))
        assert tuple(table[0]) == columns
        assert len(table) == rows + 1
    saved = list(csv.DictReader(io.StringIO(render_csv(taxes))))
    assert sum(Decimal(r["taxes_saved"]) for r in saved) == taxes.total.total


def _pdf_or_skip(html: str) -> bytes:
    try:
        return render_pdf(html)
    except PdfUnavailable as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PDF rendering: {missing}")
        pytest.skip(str(missing))


def test_the_pdf_renders_and_its_first_page_is_not_blank(
    night: tuple[Database, str], tmp_path: Path
) -> None:
    db, _ = night
    report, _ = taxes_saved(db.unit_of_work, YEAR, viewer=TESTER)
    assert report is not None
    pdf = _pdf_or_skip(render_html(report))
    assert pdf.startswith(b"%PDF-")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        reason = "pdftoppm (Debian: poppler-utils) is not installed: `make` installs it as root"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs {reason}")
        pytest.skip(reason)
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", "report.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    (page,) = tmp_path.glob("page*.png")
    from PIL import Image

    with Image.open(page) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:200])  # pixels clearly darker than the paper
        assert dark > 0.01 * grey.width * grey.height, "the first page is blank"


def test_the_command_line_writes_each_report(
    night: tuple[Database, str], night_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trimtab.cli import app

    monkeypatch.setenv("TRIMTAB_DATABASE_URL", night_url)
    runner = CliRunner()
    common = ["--from", "2025-01-01", "--to", "2025-12-31"]
    for args, name in (
        (["taxes-saved", "--firm"], "t.csv"),
        (["health", "--firm"], "h.html"),
        (["activity", "--firm", "--view", "compliance"], "a.html"),
    ):
        result = runner.invoke(app, ["reports", *args, *common, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 0
    assert "Taxes saved" not in (tmp_path / "t.csv").read_text()  # a table, not a page
    assert "<img" in (tmp_path / "h.html").read_text()  # its charts, embedded
    refused = runner.invoke(app, ["reports", "health", "--firm", "--account", "A1", "--out", "x"])
    assert refused.exit_code == 2
    assert "exactly one" in refused.output
