"""Scenarios: operators change settings through the use cases, on SQLite and PostgreSQL.

A bulk change with exemptions writes exactly the right accounts and records why; bad
input is refused and changes nothing; every effective value is explained; a past date
resolves to what was in force then; a revert is a new, reasoned change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.builders import OPS, load_workflow_firm, workflow_firm, workflow_records
from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.domain.bulk_changes import BulkChangeRequest, Exemption, Outcome
from trimtab.domain.filters import read_filter
from trimtab.domain.filters.evaluate import matches
from trimtab.domain.principal import Principal
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_levels import Scope
from trimtab.services.change_settings import (
    bulk_change,
    revert_change,
    set_setting,
    settings_history,
    show_settings,
)
from trimtab.services.filters import list_filters, save_filter, show_filter, try_filter
from trimtab.store.workflow_tables import BulkChangeRow, BulkExemptionRow, SettingChangeRow

FIRM = workflow_firm()
RECORDS = workflow_records(FIRM)
DAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
PLATINUM = 'tier = "Platinum"'
ALICE, BOB = Principal.cli("alice"), Principal.cli("bob")


def _selected(text: str) -> list[str]:
    f, _ = read_filter(text)
    assert f is not None
    return sorted(a for a, r in RECORDS.items() if matches(f, r))


def _written(db: Database) -> tuple[int, int, int]:
    with db.engine.connect() as c:
        return tuple(  # type: ignore[return-value]
            c.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (SettingChangeRow, BulkChangeRow, BulkExemptionRow)
        )


def _effective(db: Database, account: str, setting: str, **kw: object) -> object:
    effective, problems = show_settings(db.unit_of_work, account, **kw)  # type: ignore[arg-type]
    assert problems == []
    assert effective is not None
    return next(e for e in effective if e.setting == setting)


@pytest.fixture
def firm_db(database: Database) -> Database:
    load_workflow_firm(database, FIRM)
    return database


def test_bulk_change_with_exemptions_affects_exactly_the_right_accounts(firm_db: Database) -> None:
    platinum = _selected(PLATINUM)
    listed, by_filter = platinum[0], _selected(PLATINUM + ' and status = "closed"')
    assert len(platinum) >= 4
    assert by_filter
    assert listed not in by_filter
    request = BulkChangeRequest(
        "commission_schedule",
        "B",
        PLATINUM,
        "2026 Platinum pricing",
        exempt_accounts=(Exemption(listed, "contract fixes schedule A until June"),),
        exempt_filter='status = "closed"',
        exempt_filter_reason="closed accounts keep their schedule",
    )

    preview, problems = bulk_change(firm_db.unit_of_work, request, principal=OPS, now=DAY)
    assert problems == []
    assert preview is not None
    assert preview.bulk_id is None
    assert _written(firm_db) == (0, 0, 0)  # a preview records nothing

    result, problems = bulk_change(
        firm_db.unit_of_work, request, principal=OPS, apply=True, now=DAY
    )
    assert problems == []
    assert result is not None
    assert result.bulk_id is not None

    exempt = {listed, *by_filter}
    affected = sorted(set(platinum) - exempt)
    assert [o.account for o in result.plan.accounts(Outcome.AFFECTED)] == affected
    assert sorted(o.account for o in result.plan.accounts(Outcome.EXEMPTED)) == sorted(exempt)
    for account in RECORDS:
        value = _effective(firm_db, account, "commission_schedule").value  # type: ignore[attr-defined]
        assert value == ("B" if account in affected else "standard"), account
    with firm_db.unit_of_work() as uow:
        recorded = uow.settings.bulk(result.bulk_id)
    assert recorded is not None
    assert recorded.actor == "cli:ops"
    assert recorded.counts["affected"] == len(affected)
    reasons = {e.account: e.reason for e in recorded.exemptions}
    assert reasons[listed] == "contract fixes schedule A until June"
    assert {reasons[a] for a in by_filter} == {"closed accounts keep their schedule"}
    lineage = _effective(firm_db, affected[0], "commission_schedule").explain()  # type: ignore[attr-defined]
    assert "2026 Platinum pricing" in lineage
    assert "by cli:ops on 2026-03-02" in lineage


def test_a_household_level_bulk_change_reports_overrides_and_pins_exemptions(
    firm_db: Database,
) -> None:
    households = sorted({r["household"] for r in RECORDS.values()})[:3]
    target = "household in (" + ", ".join(f'"{h}"' for h in households) + ")"
    members = _selected(target)
    overridden, exempt = members[0], members[-1]
    set_setting(
        firm_db.unit_of_work,
        principal=ALICE,
        setting="tax_sensitivity",
        scope=Scope(Level.ACCOUNT, overridden),
        value="none",
        reason="client's own instruction",
        now=DAY,
    )
    request = BulkChangeRequest(
        "tax_sensitivity",
        "high",
        target,
        "bracket review",
        Level.HOUSEHOLD,
        exempt_accounts=(Exemption(exempt, "IRA rollover in progress"),),
    )

    result, problems = bulk_change(
        firm_db.unit_of_work, request, principal=OPS, apply=True, now=DAY + dt.timedelta(hours=1)
    )

    assert problems == []
    assert result is not None
    assert [o.account for o in result.plan.accounts(Outcome.OVERRIDDEN)] == [overridden]
    assert _effective(firm_db, overridden, "tax_sensitivity").value == "none"  # type: ignore[attr-defined]
    assert _effective(firm_db, exempt, "tax_sensitivity").value == "medium"  # type: ignore[attr-defined]
    for account in set(members) - {overridden, exempt}:
        e = _effective(firm_db, account, "tax_sensitivity")
        assert e.value == "high"
        assert e.source.scope.level is Level.HOUSEHOLD


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        (BulkChangeRequest("tax_sensitivity", "hi", PLATINUM, "x"), "must be one of"),
        (BulkChangeRequest("tax_sensitivity", "high", 'tierr = "Platinum"', "x"), "did you mean"),
        (
            BulkChangeRequest(
                "tax_sensitivity", "high", PLATINUM, "x", exempt_accounts=(Exemption("NOPE", "y"),)
            ),
            "no account 'NOPE' to exempt",
        ),
        (
            BulkChangeRequest("tax_sensitivity", "high", PLATINUM, "x", exempt_filter="value <"),
            "exempt_filter",
        ),
        (BulkChangeRequest("tax_sensitivity", "high", "@no-such-filter", "x"), "no saved filter"),
    ],
)
def test_bad_bulk_input_is_refused_and_changes_nothing(
    firm_db: Database, request_: BulkChangeRequest, says: str
) -> None:
    result, problems = bulk_change(firm_db.unit_of_work, request_, principal=OPS, apply=True)

    assert result is None
    assert any(says in str(p) for p in problems), problems
    assert _written(firm_db) == (0, 0, 0)


def test_as_of_resolution_and_revert(firm_db: Database) -> None:
    account = next(iter(RECORDS))
    household = RECORDS[account]["household"]
    first, _ = set_setting(
        firm_db.unit_of_work,
        principal=OPS,
        setting="drift_tolerance",
        scope=Scope(Level.FIRM, "F"),
        value="tight",
        reason="policy",
        now=DAY,
    )
    second, _ = set_setting(
        firm_db.unit_of_work,
        principal=ALICE,
        setting="drift_tolerance",
        scope=Scope(Level.HOUSEHOLD, str(household)),
        value="loose",
        reason="client prefers fewer trades",
        now=DAY + dt.timedelta(days=5),
    )
    assert first is not None
    assert second is not None

    reverted, problems = revert_change(
        firm_db.unit_of_work,
        second.id,
        principal=BOB,
        reason="compliance said no",
        now=DAY + dt.timedelta(days=9),
    )

    assert problems == []
    assert reverted is not None
    assert (reverted.reverts, reverted.value, reverted.actor) == (second.id, None, "cli:bob")

    def on(days: int) -> object:
        moment = DAY + dt.timedelta(days=days)
        return _effective(firm_db, account, "drift_tolerance", as_of=moment).value  # type: ignore[attr-defined]

    assert [on(-1), on(0), on(5), on(9)] == ["normal", "tight", "loose", "tight"]
    history, _ = settings_history(firm_db.unit_of_work, account=account)
    assert [c.id for c in history or []] == [first.id, second.id, reverted.id]
    _, missing = revert_change(firm_db.unit_of_work, 999, principal=BOB, reason="typo")
    assert "no settings change #999" in str(missing[0])
    assert _written(firm_db)[0] == 3


def test_set_refuses_an_unknown_scope_or_value_and_changes_nothing(firm_db: Database) -> None:
    for scope, value in [
        (Scope(Level.ACCOUNT, "NOPE"), "high"),
        (Scope(Level.HOUSEHOLD, "H-99"), "high"),
        (Scope(Level.PROGRAM, "NOPE"), "high"),
        (Scope(Level.FIRM, "F"), "hi"),
    ]:
        change, problems = set_setting(
            firm_db.unit_of_work,
            principal=OPS,
            setting="tax_sensitivity",
            scope=scope,
            value=value,
            reason="x",
        )
        assert change is None
        assert problems
    assert _written(firm_db) == (0, 0, 0)


def test_saved_filters_per_firm_and_per_user(firm_db: Database) -> None:
    uow = firm_db.unit_of_work
    save_filter(uow, principal=OPS, name="ready", expression="not data_errors", shared=True)
    mine, _ = save_filter(uow, principal=ALICE, name="ready", expression='tier = "Gold"')
    _, bad = save_filter(uow, principal=ALICE, name="bad one", expression="value <")

    assert mine is not None
    assert not mine.shared
    assert [p.path for p in bad] == ["name", "expression"]
    alice, _ = show_filter(uow, "ready", viewer=ALICE)
    bob, _ = show_filter(uow, "ready", viewer=BOB)
    assert alice is not None
    assert alice.expression == 'tier = "Gold"'
    assert bob is not None
    assert bob.expression == "not data_errors"
    assert bob.shared
    assert [(f.name, f.owner) for f in list_filters(uow, viewer=ALICE)] == [
        ("ready", "cli:alice"),
        ("ready", None),
    ]
    tried, _ = try_filter(uow, "@ready", viewer=BOB, sample=3)
    assert tried is not None
    assert tried.count == len(_selected("not data_errors"))
    assert list(tried.sample) == _selected("not data_errors")[:3]


def test_cli_filters_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI's wiring is the same on both databases; SQLite is enough here.
    url = f"sqlite:///{tmp_path}/cli.db"
    firm_db = open_database(url)
    firm_db.upgrade()
    load_workflow_firm(firm_db, FIRM)
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    runner = CliRunner()

    tested = runner.invoke(app, ["filters", "test", PLATINUM, "--sample", "2"])
    typo = runner.invoke(app, ["filters", "test", 'tierr = "Gold"'])
    bulk = runner.invoke(
        app,
        ["settings", "bulk", "commission_schedule", "B", "--where", PLATINUM, "--reason", "x"],
    )
    bad = runner.invoke(
        app, ["settings", "set", "tax_sensitivity", "hi", "--level", "firm", "--scope", "F",
              "--reason", "x"],
    )  # fmt: skip

    assert tested.exit_code == 0, tested.output
    assert f"matches {len(_selected(PLATINUM))} of {len(RECORDS)} accounts" in tested.output
    assert typo.exit_code == 2
    assert "did you mean tier?" in typo.output
    assert "Traceback" not in typo.output
    assert bulk.exit_code == 0
    assert "preview only" in bulk.output
    assert bad.exit_code == 2
    assert "must be one of" in bad.output
    assert _written(firm_db) == (0, 0, 0)
    firm_db.close()
