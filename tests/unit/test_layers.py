"""The import contracts catch what they promise to catch, indirect imports included.

`make test` runs `lint-imports` on the real tree; a contract that was too loose (indirect
imports allowed, a layer missing, `trimtab.cli` not matching the command modules) would
pass there and check nothing. So each test here copies the package, plants one
deliberate violation *through a third module*, and runs `lint-imports` with the
contracts of the real `pyproject.toml` on the copy: the contract named must break,
naming the planted chain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# (contract id, module planted, what it imports, the violation reported)
PROBES = [
    (
        "layers",
        "trimtab.domain._probe",
        "trimtab.cli",
        "trimtab.domain is not allowed to import trimtab.cli",
    ),
    (
        "layers",
        "trimtab.engine._probe",
        "trimtab.services",
        "trimtab.engine is not allowed to import trimtab.services",
    ),
    (
        "layers",
        "trimtab.batch._probe",
        "trimtab.cli",
        "trimtab.batch is not allowed to import trimtab.cli",
    ),
    (
        "adapters",
        "trimtab.services._probe",
        "trimtab.store.unit_of_work",
        "trimtab.services is not allowed to import trimtab.store",
    ),
    (
        "pure-core",
        "trimtab.simulate._probe",
        "sqlalchemy",
        "trimtab.simulate is not allowed to import sqlalchemy",
    ),
]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "src" / "trimtab",
        root / "src" / "trimtab",
        ignore=shutil.ignore_patterns("__pycache__", "data", "*.pyc"),
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def _lint(root: Path, contract: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", contract, str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("contract", "module", "target", "reported"), PROBES, ids=[p[1] for p in PROBES]
)
def test_a_planted_indirect_violation_breaks_the_contract(
    copy: Path, contract: str, module: str, target: str, reported: str
) -> None:
    # The planted module reaches its target through a relay outside every contract, so
    # only a contract that forbids indirect imports can see it.
    src = copy / "src"
    relay = f"_relay_{module.split('.')[1]}"
    planted = src / Path(*module.split(".")).with_suffix(".py")
    (src / "trimtab" / f"{relay}.py").write_text(f"import {target}\n")
    planted.write_text(f"import trimtab.{relay}\n")
    try:
        result = _lint(copy, contract)
    finally:
        planted.unlink()
        (src / "trimtab" / f"{relay}.py").unlink()
    output = " ".join(result.stdout.split())  # lint-imports wraps long lines
    assert result.returncode == 1, output
    assert reported in output
    assert f"{module} -> trimtab.{relay}" in output
