"""`trimtab lots replay` as a user runs it: the spec's own example, stdin, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from trimtab.cli import app

SPEC_EXAMPLE = Path(__file__).with_name("spec_example.json")  # verbatim from the spec


def _trimtab(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trimtab", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_specs_example_history_replays() -> None:
    run = _trimtab("lots", "replay", str(SPEC_EXAMPLE))
    assert run.returncode == 0, run.stderr
    body = json.loads(run.stdout)
    assert body["status"] == "ok"
    # Everything of X was sold at a loss with no replacement; P, Q and R were never held.
    assert body["lots"] == []
    (sale,) = body["realized"]
    assert (sale["date"], sale["quantity"], sale["gain"], sale["term"]) == (
        "2025-06-02",
        100,
        -250.0,
        "short",
    )
    assert sale["wash_sale_disallowed"] == 0.0


def test_an_oversell_answers_invalid_json_with_exit_code_2_and_no_traceback() -> None:
    document = json.loads(SPEC_EXAMPLE.read_text())
    document["transactions"][1]["quantity"] = 101
    run = _trimtab("lots", "replay", "-", stdin=json.dumps(document))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    body = json.loads(run.stdout)
    assert body == {
        "status": "invalid",
        "errors": [
            {
                "path": "transactions[1].quantity",
                "index": 1,
                "field": "quantity",
                "message": body["errors"][0]["message"],
            }
        ],
    }


def test_stdin_malformed_json_and_missing_files_are_invalid() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["lots", "replay", "-"], input=SPEC_EXAMPLE.read_text())
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["status"] == "ok"
    for args, stdin in [(["-"], "{oops"), (["/no/such/history.json"], None)]:
        bad = runner.invoke(app, ["lots", "replay", *args], input=stdin)
        assert bad.exit_code == 2
        assert json.loads(bad.stdout)["status"] == "invalid"
