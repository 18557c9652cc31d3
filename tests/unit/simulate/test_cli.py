"""`trimtab simulate` end to end on a small file: table, JSON, HTML; bad options listed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from trimtab.cli import app

RUNNER = CliRunner()


def returns_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    lines = ["Date,A,B,C,D,USDOLLAR"]
    for month, day in [(m, d) for m in (1, 2, 3) for d in range(1, 29)]:
        row = rng.normal(0.0, 0.02, 4)
        lines.append(f"2021-{month:02d}-{day:02d}," + ",".join(f"{r:.5f}" for r in row) + ",0.0001")
    path = tmp_path / "returns.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_small_study_writes_its_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = RUNNER.invoke(
        app,
        [
            "simulate",
            "--returns",
            str(returns_file(tmp_path)),
            "--initial-cash",
            "200000",
            "--sectors",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "simulation.json").read_text())
    assert [p["name"] for p in report["profiles"]] == ["tax-naive", "tax-aware"]
    assert report["universe"]["stocks"] == 4
    assert any("Survivorship" in c for c in report["caveats"])
    html = (out / "simulation.html").read_text()
    assert html.count("<svg") == 3
    assert "Chaudhuri" in html


def test_bad_options_are_listed_together_without_a_traceback(tmp_path: Path) -> None:
    result = RUNNER.invoke(
        app,
        [
            "simulate",
            "--returns",
            str(returns_file(tmp_path)),
            "--profile",
            "x:tax_sensitivity=hi",
            "--schedule",
            "hourly",
            "--contribution",
            "lots",
        ],
    )
    assert result.exit_code == 2
    assert "tax_sensitivity" in result.output
    assert "--schedule" in result.output
    assert "--contribution" in result.output
    assert "Traceback" not in result.output
