"""Scenario: every shipped example feed file loads on the demo firm, as a user loads it.

examples/README.md gives the order (the security master and the onboarding files first,
then prices and lots); this test follows it through `trimtab feeds load`, so the examples
and the firm `trimtab demo load` builds cannot drift apart again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import load_small_firm
from trimtab.bootstrap import open_database
from trimtab.cli import app

EXAMPLES = Path(__file__).parents[3] / "examples" / "feeds"
# The order examples/README.md documents.
ORDER = (
    "NB_SECMASTER_20250602.csv",
    "NB_ACCOUNTS_20250602.csv",
    "depots_20250602.csv",
    "NB_PRICES_20250602.csv",
    "kurse_20250602.csv",
    "NB_TAXLOTS_20250602.csv",
    "steuerlose_20250602.csv",
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/trimtab.db"
    db = open_database(url)
    db.upgrade()
    load_small_firm(db, accounts=6)
    db.close()
    return {"TRIMTAB_DATABASE_URL": url}


def test_the_order_names_every_example_file() -> None:
    shipped = {p.name for p in EXAMPLES.iterdir() if p.suffix == ".csv"}
    assert shipped == set(ORDER)


def test_every_example_file_loads_on_the_demo_firm(env: dict[str, str]) -> None:
    paths = [str(EXAMPLES / name) for name in ORDER]
    result = CliRunner().invoke(
        app, ["feeds", "load", "--mappings", str(EXAMPLES), *paths], env=env
    )
    assert result.exit_code == 0, result.output
    for name in ORDER:
        assert f"{name}: loaded" in result.output
    db = open_database(env["TRIMTAB_DATABASE_URL"])
    with db.unit_of_work() as uow:
        nb = uow.accounts.get("NB-1001")
        ab = uow.accounts.get("AB-2001")
        lots = uow.lots.for_account("AB-2001")
    db.close()
    assert nb is not None
    assert nb.advisor == "NB-ADV-01"
    assert ab is not None
    assert ab.household == "AB-H-01"
    assert {lot.id for lot in lots} == {"AB-0001", "AB-0002"}


def test_each_example_file_loads_one_after_another(env: dict[str, str]) -> None:
    runner = CliRunner()
    for name in ORDER:
        result = runner.invoke(
            app, ["feeds", "load", "--mappings", str(EXAMPLES), str(EXAMPLES / name)], env=env
        )
        assert result.exit_code == 0, result.output
