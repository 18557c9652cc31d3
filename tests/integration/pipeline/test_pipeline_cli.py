"""Scenarios: `trimtab pipeline status | run-now | skip` for people, and the TOML they read.

A person sees each stage of the day, skips one with a reason (on the audit trail, by
them) and makes it due again; a configuration with a mistake is refused with the key
named, never half-read.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from tests.integration.pipeline.firm_day import FIRM_TOML
from trimtab.bootstrap import Database
from trimtab.cli import app
from trimtab.services.pipeline import read_config


def _env(database_url: str, toml: Path) -> dict[str, str]:
    return {"TRIMTAB_DATABASE_URL": database_url, "TRIMTAB_FIRM_CONFIG": str(toml)}


def test_a_person_skips_a_stage_and_runs_it_again(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    toml = tmp_path / "trimtab.toml"
    toml.write_text(FIRM_TOML.format(on_missing="hold"), encoding="utf-8")
    env = _env(database_url, toml)
    run = CliRunner().invoke

    status = run(app, ["pipeline", "status", "--day", "2025-06-30", "--json"], env=env)
    assert status.exit_code == 0, status.output
    body = json.loads(status.output)
    assert [(s["stage"], s["state"]) for s in body["stages"]] == [
        (name, "waiting")
        for name in (
            "files",
            "corporate_actions",
            "synchronization",
            "analysis",
            "export",
            "reports",
            "fills",
        )
    ]

    skipped = run(
        app, ["pipeline", "skip", "files", "--day", "2025-06-30", "--reason", "custodian down"],
        env=env,
    )  # fmt: skip
    assert skipped.exit_code == 0, skipped.output
    again = run(app, ["pipeline", "skip", "files", "--day", "2025-06-30", "--reason", "x"], env=env)
    assert again.exit_code == 4
    assert "already skipped" in again.output

    text = run(app, ["pipeline", "status", "--day", "2025-06-30"], env=env).output
    assert "files skipped attempts 0 skipped: custodian down" in " ".join(text.split())

    rerun = run(app, ["pipeline", "run-now", "files", "--day", "2025-06-30"], env=env)
    assert rerun.exit_code == 0, rerun.output
    with database.unit_of_work() as uow:
        entries = [e for e in uow.audit.in_order() if e.action.startswith("pipeline.")]
    assert [(e.action, e.reason) for e in entries] == [
        ("pipeline.skip", "custodian down"),
        ("pipeline.run_now", ""),
    ]
    assert entries[0].targets == ("pipeline:2025-06-30:files",)


def test_a_configuration_with_mistakes_is_refused_with_each_key_named(tmp_path: Path) -> None:
    text = FIRM_TOML.format(on_missing="later").replace('cutoff = "10:00"', 'cutoff = "ten"')
    text += '\n[pipeline.stages.nightly]\nstart = "01:00"\n'
    config, problems = read_config(tomllib.loads(text), base=tmp_path)
    assert config is None
    assert sorted(p.path for p in problems) == [
        "pipeline.on_missing",
        "pipeline.sources.alpenbank.on_missing",
        "pipeline.sources.northbank.on_missing",
        "pipeline.stages.files.cutoff",
        "pipeline.stages.nightly",
    ]


def test_the_documented_configuration_reads(tmp_path: Path) -> None:
    doc = (Path(__file__).parents[3] / "docs" / "pipeline.md").read_text(encoding="utf-8")
    block = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    config, problems = read_config(tomllib.loads(block), base=tmp_path)
    assert problems == []
    assert config is not None
    assert config.rule("northbank").on_missing == "run"
    assert config.plan.spec("fills").cutoff is not None


def test_the_nightly_run_goes_to_the_configured_dask_scheduler(tmp_path: Path) -> None:
    base = FIRM_TOML.format(on_missing="hold")
    text = base.replace(
        "workers = 1\n", 'workers = 1\nexecutor = "dask"\nscheduler = "tcp://dask-scheduler:8786"\n'
    )
    config, problems = read_config(tomllib.loads(text), base=tmp_path)
    assert problems == []
    assert config is not None
    assert (config.executor, config.scheduler) == ("dask", "tcp://dask-scheduler:8786")

    # A scheduler address for a local pool would be silently ignored: refused instead.
    text = base.replace("workers = 1\n", 'workers = 1\nscheduler = "tcp://dask-scheduler:8786"\n')
    config, problems = read_config(tomllib.loads(text), base=tmp_path)
    assert config is None
    assert [p.path for p in problems] == ["pipeline.scheduler"]
