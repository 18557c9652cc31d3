"""Scenarios: `trimtab models hub upload` when the new weights hurt customized children.

A provider's new version of a model that a child target uses in place of a fund may
push that child outside its customization limits (here: the bond model starts holding
a large-cap fund, so the child's swap leaves its class). The upload says so, lists each
child affected and the limit it breaks, saves nothing and exits 2; `--confirm` saves it
anyway, and the audit entry keeps the children it was confirmed over. File lines are
numbered as a spreadsheet shows them (the header is line 1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import (
    BALANCED,
    CLASSES,
    DIRECT_INDEX,
    FIRM_TARGET,
    SECURITIES,
    SP500,
    child,
)
from trimtab.bootstrap import open_database
from trimtab.cli import app
from trimtab.domain import Account, Firm, Household, TaxStatus
from trimtab.domain.model_hub import ModelProvider
from trimtab.domain.principal import Principal
from trimtab.domain.targets import Product, ReplaceProduct
from trimtab.services.model_book import history, record_definitions
from trimtab.services.model_hub import add_provider, upload_model

NOW = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
IPC, OPS = Principal.cli("ipc"), Principal.cli("ops")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A firm whose child A1-UMA fills US bonds with PIM's bond model (BND and EMB)."""
    url = f"sqlite:///{tmp_path}/trimtab.db"
    db = open_database(url)
    db.upgrade()
    with db.unit_of_work() as uow:
        uow.organization.add_firm(Firm("FIRM", "Demo Wealth"))
        for c in CLASSES.classes.values():
            uow.asset_classes.add(c)
        uow.commit()
    with db.unit_of_work() as uow:
        for s in SECURITIES.values():
            uow.securities.add(s)
        uow.households.add(Household("H1"))
        uow.commit()
    with db.unit_of_work() as uow:
        uow.accounts.add(Account("A1", "H1", TaxStatus.TAXABLE))
        uow.commit()
    assert record_definitions(
        db.unit_of_work,
        [BALANCED, DIRECT_INDEX, SP500, FIRM_TARGET],
        principal=IPC,
        reason="r",
        now=NOW,
    ).saved
    add_provider(db.unit_of_work, ModelProvider("PIM", "Pacific Income", D(25)), principal=OPS)
    bonds = [("BND", D("0.7")), ("EMB", D("0.3"))]
    first = upload_model(
        db.unit_of_work,
        "PIM",
        "PIM-BOND",
        bonds,
        principal=OPS,
        now=NOW,
        source="b.csv",
        asset_class="US_BOND",
    )
    assert first.change.saved, first.problems
    uma = child("A1-UMA", ReplaceProduct("US_BOND", Product.model("PIM-BOND")))
    assert record_definitions(db.unit_of_work, [uma], principal=IPC, reason="r", now=NOW).saved
    db.close()
    return {"TRIMTAB_DATABASE_URL": url}


def versions(env: dict[str, str]) -> int:
    db = open_database(env["TRIMTAB_DATABASE_URL"])
    found = len(history(db.unit_of_work, "model", "PIM-BOND"))
    db.close()
    return found


def test_an_upload_that_breaks_a_child_s_limits_says_which_and_why(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bond.csv"
    path.write_text("security,weight\nBND,0.5\nVOO,0.5\n")  # no class declared
    runner = CliRunner()
    refused = runner.invoke(
        app, ["models", "hub", "upload", "PIM", str(path), "--model", "PIM-BOND"], env=env
    )
    assert refused.exit_code == 2, refused.output
    assert "A1-UMA" in refused.output
    assert "US_BOND" in refused.output  # the limit it breaks: the swap leaves its class
    assert "--confirm" in refused.output
    assert versions(env) == 1

    confirmed = runner.invoke(
        app,
        ["models", "hub", "upload", "PIM", str(path), "--model", "PIM-BOND", "--confirm"],
        env=env,
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert "A1-UMA" in confirmed.output  # still told whom it affects
    assert versions(env) == 2
    audit = runner.invoke(app, ["audit", "list", "--json"], env=env)
    assert "A1-UMA" in audit.output


def test_lines_are_numbered_as_a_spreadsheet_shows_them(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bond.csv"
    path.write_text("security,weight\nBND,0.5\nBND,0.5\n")
    result = CliRunner().invoke(
        app, ["models", "hub", "upload", "PIM", str(path), "--model", "PIM-BOND"], env=env
    )
    assert result.exit_code == 2, result.output
    assert "bond.csv line 3" in result.output
    assert "first on line 2" in result.output
    assert "line 0" not in result.output
