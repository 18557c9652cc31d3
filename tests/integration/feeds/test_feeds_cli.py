"""Scenarios: the `trimtab feeds` commands end to end on SQLite (Typer's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import load_feeds_firm as build_firm
from trimtab.bootstrap import open_database
from trimtab.cli import app
from trimtab.domain.risk_model import risk_model_from_parts
from trimtab.feeds.risk_model_files import estimate_demo_model

EXAMPLES = Path(__file__).parents[3] / "examples" / "feeds"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/trimtab.db"
    db = open_database(url)
    db.upgrade()
    build_firm(db)
    db.close()
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    return {"TRIMTAB_DATABASE_URL": url}


def test_watch_moves_each_file_to_archive_or_rejected_with_its_report(
    env: dict[str, str], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "NB_PRICES_20250602.csv").write_bytes(
        (EXAMPLES / "NB_PRICES_20250602.csv").read_bytes()
    )
    (inbox / "prices_bad.csv").write_text("security,date,close\nXYZ,2025-06-02,abc\n")
    (inbox / "upload.part").write_text("half a file")
    runner = CliRunner()
    result = runner.invoke(
        app, ["feeds", "watch", str(inbox), "--once", "--mappings", str(EXAMPLES)], env=env
    )
    assert result.exit_code == 2, result.output  # prices_bad.csv was rejected (as `load`)
    assert (inbox / "archive" / "NB_PRICES_20250602.csv").exists()
    report = json.loads((inbox / "rejected" / "prices_bad.csv.report.json").read_text())
    assert report["outcome"] == "rejected"
    assert report["problems"][0]["column"] == "close"
    assert (inbox / "upload.part").exists()  # still uploading: left alone
    status = runner.invoke(app, ["feeds", "status", "--json", "--date", "2025-06-02"], env=env)
    assert status.exit_code == 0, status.output


def test_load_reports_problems_with_exit_code_2(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "cash.csv"
    bad.write_text("account,amount,as_of\nNOPE,1,2025-06-02\n")
    result = CliRunner().invoke(app, ["feeds", "load", str(bad)], env=env)
    assert result.exit_code == 2
    assert "cash.csv row 2, column account: got 'NOPE'" in result.output


def test_the_demo_risk_model_from_real_returns_loads_through_the_risk_feed(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["feeds", "risk-model", str(tmp_path / "risk"), "--factors", "3"])
    assert made.exit_code == 0, made.output
    files = sorted((tmp_path / "risk").iterdir())
    loaded = runner.invoke(app, ["feeds", "load", *map(str, files)], env=env)
    assert loaded.exit_code == 0, loaded.output
    db = open_database(env["TRIMTAB_DATABASE_URL"])
    with db.unit_of_work() as uow:
        stored = risk_model_from_parts("STAT", *uow.feed_data.risk_model_parts("STAT"))
    db.close()
    expected = estimate_demo_model(factors=3)
    assert stored.factors == ("PC1", "PC2", "PC3")
    assert len(stored.securities) == 431  # every stock; the cash return is not a security
    for ticker in ("AAPL", "XOM"):
        assert stored.total_variance(ticker) == pytest.approx(expected.total_variance(ticker))
    # Principal components come largest first: the market factor dominates.
    assert stored.covariance[0][0] > stored.covariance[1][1] > stored.covariance[2][2] > 0


def test_loading_goes_through_the_sources_mappings(env: dict[str, str]) -> None:
    # The file's name matches northbank's pattern, so northbank's mapping reads it; the
    # canonical reader would not even know its kind.
    result = CliRunner().invoke(
        app,
        ["feeds", "load", str(EXAMPLES / "NB_PRICES_20250602.csv"), "--mappings", str(EXAMPLES)],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "NB_PRICES_20250602.csv: loaded (prices," in result.output
    canonical = CliRunner().invoke(
        app, ["feeds", "load", str(EXAMPLES / "NB_PRICES_20250602.csv")], env=env
    )
    assert canonical.exit_code == 2
    assert "rejected (kind unknown" in canonical.output


def test_an_unknown_source_or_a_missing_file_is_not_found(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    prices = str(EXAMPLES / "NB_PRICES_20250602.csv")
    unknown = runner.invoke(
        app, ["feeds", "load", prices, "--mappings", str(EXAMPLES), "--source", "nope"], env=env
    )
    assert unknown.exit_code == 3
    assert "error: --source: nope: no mapping of that name; known: alpenbank, northbank" in (
        unknown.output
    )
    missing = runner.invoke(app, ["feeds", "load", str(tmp_path / "gone.csv")], env=env)
    assert missing.exit_code == 3
    assert f"error: {tmp_path / 'gone.csv'}: no such file" in missing.output


def test_applying_an_unknown_corporate_action_names_it_and_exits_3(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    actions = tmp_path / "corporate_actions.csv"
    actions.write_text("action_id,kind,security,effective,ratio\nCA-1,split,XYZ,2025-06-02,2\n")
    assert runner.invoke(app, ["feeds", "load", str(actions)], env=env).exit_code == 0

    unknown = runner.invoke(app, ["corporate-actions", "apply", "NO-SUCH-ID"], env=env)
    assert unknown.exit_code == 3, unknown.output
    assert "error: NO-SUCH-ID: no corporate action with this id" in unknown.output
    assert "No pending" not in unknown.output

    # Nothing was applied by the refused request: CA-1 is still pending, and applies.
    applied = runner.invoke(app, ["corporate-actions", "apply", "CA-1"], env=env)
    assert applied.exit_code == 0, applied.output
    line = applied.output.splitlines()[0]
    assert line.startswith("CA-1: ")
    assert "models: " in line
    assert "equivalence sets: " in line
    assert "[" not in line
    assert "()" not in line

    again = runner.invoke(app, ["corporate-actions", "apply", "CA-1"], env=env)
    assert again.exit_code == 4
    assert "error: CA-1: already applied" in again.output
