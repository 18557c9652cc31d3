"""Scenarios: `trimtab db upgrade` and `trimtab demo load` end to end on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from trimtab.cli import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    return CliRunner()


def test_upgrade_then_load_then_refuse_then_replace(runner: CliRunner) -> None:
    current = runner.invoke(app, ["db", "current"])
    assert "no schema yet" in current.output

    load_too_early = runner.invoke(app, ["demo", "load", "--accounts", "5", "--days", "20"])
    assert load_too_early.exit_code == 2
    assert "trimtab db upgrade" in load_too_early.output

    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "(newest)" in runner.invoke(app, ["db", "current"]).output

    args = ["demo", "load", "--accounts", "25", "--days", "30", "--as-of", "2025-06-30"]
    loaded = runner.invoke(app, args)
    assert loaded.exit_code == 0, loaded.output
    assert "accounts" in loaded.output
    assert "25" in loaded.output
    assert "re-dated" in loaded.output

    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "--replace" in again.output
    assert "Traceback" not in again.output

    replaced = runner.invoke(app, [*args, "--replace", "--seed", "9"])
    assert replaced.exit_code == 0, replaced.output


def test_a_bad_as_of_date_is_answered_without_a_traceback(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "load", "--as-of", "30/06/2025"])
    assert result.exit_code == 2
    assert "--as-of must be a date" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
