"""Scenarios: a file repeating content already loaded, through `load` and `watch` alike.

One behaviour, with the reason: both commands print why the file was not loaded (the
file it repeats and when that was loaded); `load` exits 4 (a conflict with what is
already loaded, `ProblemKind.CONFLICT`); `watch` moves it to rejected/, keeps watching,
and its exit code reflects what it rejected: 2 if any file was invalid, else 4 if any
was a duplicate, else 0.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import load_feeds_firm as build_firm
from trimtab.bootstrap import open_database
from trimtab.cli import app
from trimtab.domain.problems import ProblemKind

PRICES = "security,date,close\nXYZ,2025-06-02,100.5\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/trimtab.db"
    db = open_database(url)
    db.upgrade()
    build_firm(db)
    db.close()
    return {"TRIMTAB_DATABASE_URL": url}


def test_load_names_the_file_a_duplicate_repeats_and_exits_with_a_conflict(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = tmp_path / "prices_a.csv"
    first.write_text(PRICES)
    again = tmp_path / "prices_b.csv"
    again.write_text(PRICES)
    runner = CliRunner()
    assert runner.invoke(app, ["feeds", "load", str(first)], env=env).exit_code == 0
    result = runner.invoke(app, ["feeds", "load", str(again)], env=env)
    assert result.exit_code == ProblemKind.CONFLICT.exit_code == 4, result.output
    assert "prices_b.csv: duplicate" in result.output
    assert "the same content as prices_a.csv" in result.output


def test_watch_prints_the_reason_and_its_exit_code_reflects_the_duplicate(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = tmp_path / "prices_a.csv"
    first.write_text(PRICES)
    runner = CliRunner()
    assert runner.invoke(app, ["feeds", "load", str(first)], env=env).exit_code == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(first, inbox / "prices_b.csv")
    result = runner.invoke(app, ["feeds", "watch", str(inbox), "--once"], env=env)
    assert result.exit_code == 4, result.output
    assert "prices_b.csv: duplicate" in result.output
    assert "the same content as prices_a.csv" in result.output
    assert (inbox / "rejected" / "prices_b.csv").exists()


def test_watch_prints_an_invalid_file_s_problems_and_exits_2(
    env: dict[str, str], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "prices_bad.csv").write_text("security,date,close\nXYZ,2025-06-02,abc\n")
    (inbox / "prices_good.csv").write_text(PRICES)
    result = CliRunner().invoke(app, ["feeds", "watch", str(inbox), "--once"], env=env)
    assert result.exit_code == 2, result.output
    assert "prices_bad.csv: rejected" in result.output
    assert "column close: got 'abc'" in result.output
    assert "prices_good.csv: loaded" in result.output
