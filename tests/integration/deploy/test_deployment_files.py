"""The Dockerfile and compose.yaml parse, and everything they name exists: each trimtab and
dask command line they run parses (`--help` appended exits 0, which it does only when every
option given is known), each TRIMTAB_ variable is a setting trimtab reads, each file the
image copies is in the build context, and the health check's path is a route of the web
app that answers. Where a Docker daemon answers, the image is built and run (slow);
elsewhere that test is skipped with the reason."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.integration.distributed.conftest import BIN
from trimtab.bootstrap import open_database
from trimtab.cli import app
from trimtab.config import Settings
from trimtab.web.app import create_app
from trimtab.web.settings import WebSettings

ROOT = Path(__file__).parents[3]
INSTRUCTIONS = {
    "FROM", "RUN", "COPY", "ENV", "USER", "WORKDIR", "EXPOSE", "HEALTHCHECK",
    "ENTRYPOINT", "CMD", "ARG", "LABEL", "VOLUME",
}  # fmt: skip


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return document


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        pending += raw.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        lines.append(pending)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    parsed = []
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        assert word in INSTRUCTIONS, f"not a Dockerfile instruction: {line!r}"
        parsed.append((word, rest.strip()))
    return parsed


def _trimtab_parses(*args: str) -> None:
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, f"trimtab {shlex.join(args)}: {result.output}"


def _dask_parses(*args: str) -> None:
    done = subprocess.run(
        [str(BIN / "dask"), *args, "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"dask {shlex.join(args)}: {done.stderr}"


def _words(value: object) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value or []]


def test_compose_declares_the_firms_services_and_each_command_it_runs_exists() -> None:
    services = _compose()["services"]
    assert {"postgres", "migrate", "web", "scheduler", "dask-scheduler", "dask-worker"} <= set(
        services
    )
    assert services["postgres"]["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    assert services["dask-worker"]["deploy"]["replicas"] == 2
    ran = set()
    for name, service in services.items():
        if name == "postgres":
            continue
        assert service["image"] == "trimtab:latest", name  # one image: the workers' code
        entrypoint = _words(service.get("entrypoint")) or ["trimtab"]
        command = _words(service.get("command"))
        if entrypoint == ["trimtab"]:
            _trimtab_parses(*command)
        else:
            assert entrypoint == ["dask"], name
            _dask_parses(*command)
        ran.add(" ".join((entrypoint + command)[:2]))
    assert {
        "trimtab db",
        "trimtab serve",
        "trimtab scheduler",
        "dask scheduler",
        "dask worker",
    } <= ran
    worker = _words(services["dask-worker"]["command"])
    assert worker[1] == "tcp://dask-scheduler:8786"
    assert "8786" in _words(services["dask-scheduler"]["command"])


def test_every_trimtab_variable_in_compose_is_a_setting_trimtab_reads() -> None:
    environment = _compose()["services"]["web"]["environment"]
    known = {f"TRIMTAB_{name.upper()}" for name in Settings.model_fields}
    known |= {f"TRIMTAB_WEB_{name.upper()}" for name in WebSettings.model_fields}
    assert set(environment) <= known
    assert environment["TRIMTAB_DATABASE_URL"].startswith("postgresql+psycopg://trimtab:")
    assert "@postgres:5432/trimtab" in environment["TRIMTAB_DATABASE_URL"]


def test_the_dockerfile_builds_a_small_non_root_image_from_the_lock_with_a_health_check() -> None:
    steps = _dockerfile()
    stages = [args for word, args in steps if word == "FROM"]
    assert len(stages) == 2  # a build stage, and the runtime that keeps only the venv
    assert all(s.startswith("python:3.11-slim") for s in stages)
    runtime = steps[[i for i, (w, _) in enumerate(steps) if w == "FROM"][-1] :]
    users = [args for word, args in runtime if word == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert any("--constraint requirements.lock" in args for word, args in steps if word == "RUN")

    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for word, args in steps:
        if word == "COPY" and not args.startswith("--from"):
            *sources, _target = args.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                # .dockerignore excludes everything (`*`) but what it names with `!`
                assert f"!{source.rstrip('/')}/" in ignored or f"!{source}" in ignored, source

    entrypoint = json.loads(next(a for w, a in runtime if w == "ENTRYPOINT"))
    command = json.loads(next(a for w, a in runtime if w == "CMD"))
    assert entrypoint == ["trimtab"]
    _trimtab_parses(*command)
    check = next(a for w, a in runtime if w == "HEALTHCHECK")
    assert "http://127.0.0.1:8000/healthz" in check
    assert "--port 8000" in " ".join(command)
    db = open_database("sqlite://")
    try:
        assert TestClient(create_app(db)).get("/healthz").status_code == 200
    finally:
        db.close()


def _docker_usable() -> str | None:
    """Why the image cannot be built here, or None when it can."""
    if shutil.which("docker") is None:
        return "docker is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0 or "Server Version" not in info.stdout:
        said = (info.stderr.strip().splitlines() or ["no answer"])[-1]
        return f"the Docker daemon does not answer: {said}"
    return None


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_image_builds_and_runs_trimtab_as_a_non_root_user() -> None:
    if (reason := _docker_usable()) is not None:
        pytest.skip(reason)
    tag = "trimtab:ci"
    built = subprocess.run(
        ["docker", "build", "--tag", tag, str(ROOT)], capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stderr[-4000:]
    ran = subprocess.run(
        ["docker", "run", "--rm", tag, "db", "--help"], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert "backup" in ran.stdout
    uid = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert uid.stdout.strip() not in ("", "0")
    tools = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "pg_dump", tag, "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tools.returncode == 0, tools.stderr  # `trimtab db backup` works in the container


def test_the_example_firm_file_compose_mounts_is_a_valid_pipeline_and_alerts_config() -> None:
    # compose.yaml's comment tells the operator to copy examples/firm.toml: it must read.
    import tomllib

    from trimtab.notify import channels_from_file
    from trimtab.services.pipeline import read_config

    path = ROOT / "examples" / "firm.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))

    config, problems = read_config(document, base=path.parent)
    channels, channel_problems = channels_from_file(
        path, {"TRIMTAB_ALERTS_SMTP_PASSWORD": "not a real secret"}
    )

    assert config is not None, problems
    assert problems == []
    assert channel_problems == []
    assert [c.name for c in channels] == ["desk-mail"]
    assert "examples/firm.toml" in (ROOT / "compose.yaml").read_text(encoding="utf-8")
