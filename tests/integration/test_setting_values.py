"""Scenarios: `settings set` and bulk changes refuse values outside the catalog and
restrictions on tickers the security master lacks, record values in the catalog's
spelling, and read a negative number on the command line as a number to refuse by name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.builders import OPS, load_workflow_firm, workflow_firm
from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.domain.bulk_changes import BulkChangeRequest
from trimtab.domain.restrictions import Level
from trimtab.domain.securities import Security
from trimtab.domain.settings_levels import Scope
from trimtab.services.change_settings import bulk_change, set_setting
from trimtab.store.workflow_tables import SettingChangeRow

FIRM = workflow_firm()
AT_FIRM = Scope(Level.FIRM, "F")


@pytest.fixture
def firm_db(database: Database) -> Database:
    load_workflow_firm(database, FIRM)
    with database.unit_of_work() as uow:
        uow.securities.add(Security("IBM", name="International Business Machines"))
        uow.commit()
    return database


def _recorded(db: Database) -> list[tuple[str, object]]:
    with db.engine.connect() as c:
        rows = c.execute(select(SettingChangeRow.setting, SettingChangeRow.value)).all()
    return [(setting, value) for setting, value in rows]


def _set(db: Database, setting: str, value: object) -> list[str]:
    _, problems = set_setting(
        db.unit_of_work,
        principal=OPS,
        setting=setting,
        scope=AT_FIRM,
        value=value,  # type: ignore[arg-type]
        reason="desk request",
        now=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
    )
    return [str(p) for p in problems]


def test_values_outside_the_catalog_and_unknown_tickers_are_refused(firm_db: Database) -> None:
    schedule = _set(firm_db, "commission_schedule", "NOSUCH")
    ticker = _set(firm_db, "restriction.ZZZZ", "no_buy")
    _, bulk = bulk_change(
        firm_db.unit_of_work,
        BulkChangeRequest("restriction.ZZZZ", "no_buy", "true", "desk request"),
        principal=OPS,
        apply=True,
    )

    assert "must be a schedule, one of standard, A, B" in schedule[0]
    assert "ZZZZ is not in the security master" in ticker[0]
    assert any("ZZZZ is not in the security master" in str(p) for p in bulk)
    assert _recorded(firm_db) == []


def test_values_are_recorded_in_the_catalogs_spelling(firm_db: Database) -> None:
    assert _set(firm_db, "tax_sensitivity", "HIGH") == []
    assert _set(firm_db, "commission_schedule", "b") == []
    assert _set(firm_db, "restriction.IBM", "No-Buy") == []

    assert _recorded(firm_db) == [
        ("tax_sensitivity", "high"),
        ("commission_schedule", "B"),
        ("restriction.IBM", "no_buy"),
    ]


def test_a_negative_number_on_the_command_line_is_read_and_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    db = open_database(url)
    db.upgrade()
    load_workflow_firm(db, FIRM)
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    runner = CliRunner()
    where = ["--level", "firm", "--scope", "F", "--reason", "desk request"]

    negative = runner.invoke(app, ["settings", "set", "min_trade", "-100", *where])
    fraction = runner.invoke(app, ["settings", "set", "cash_target", "-0.5", *where])
    typo = runner.invoke(app, ["settings", "set", "min_trade", "100", *where, "--forse"])

    assert negative.exit_code == 2, negative.output
    assert "No such option" not in negative.output
    assert "min_trade" in negative.output
    assert "must be at least $0; got -100" in negative.output
    assert fraction.exit_code == 2, fraction.output
    assert "must be between 0 and 1" in fraction.output
    assert typo.exit_code == 2
    assert "--forse" in typo.output  # a mistyped option is still named, not swallowed
    assert _recorded(db) == []
    db.close()
