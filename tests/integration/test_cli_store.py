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


def test_upgrade_then_load_then_refuse_then_replace(runner: CliRunner, tmp_path: Path) -> None:
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 6
    assert "no database at" in current.output

    load_too_early = runner.invoke(app, ["demo", "load", "--accounts", "5", "--days", "20"])
    assert load_too_early.exit_code == 6
    assert "trimtab db upgrade" in load_too_early.output
    assert not (tmp_path / "cli.db").exists()

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


READING_COMMANDS = [
    ["db", "current"],
    ["models", "list"],
    ["filters", "list"],
    ["settings", "history"],
    ["feeds", "status"],
    ["securities", "unknown"],
    ["corporate-actions", "apply", "CA-1"],
]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_a_command_run_from_another_folder_creates_no_database(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default URL is relative (sqlite:///trimtab.db): run from a folder holding no
    # database, a command used to create an empty one there and then complain about
    # its schema. It must say which database it tried and how to choose one instead.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRIMTAB_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 6, result.output
    assert list(tmp_path.iterdir()) == []
    assert f"no database at sqlite:///trimtab.db ({tmp_path / 'trimtab.db'})" in result.output
    assert "TRIMTAB_DATABASE_URL" in result.output
    assert "trimtab db upgrade" in result.output
    assert "Traceback" not in result.output


def test_a_database_behind_the_newest_schema_is_unavailable(
    runner: CliRunner, tmp_path: Path
) -> None:
    # An empty file (no schema) exists: it is not created again, and it is refused with
    # the fix, as unavailable (exit 6) rather than as bad input.
    (tmp_path / "cli.db").touch()
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 6
    assert "is not at the newest schema" in result.output
    assert "run `trimtab db upgrade`" in result.output
