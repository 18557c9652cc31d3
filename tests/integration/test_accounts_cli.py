"""Scenarios: an operations desk sees the firm from the command line (issue 18, item 10).

After a night's run on the demo firm, `trimtab accounts list FILTER` lists exactly the
accounts the filter's SQL selects, with the numbers the run measured; `accounts show`
shows one account whole (lots with gain and term by the domain's rule, target against
current by group, settings with their source and meaning, the last analysis and its
reasons); an unknown account exits 3; `settings show` says what each setting means.
Every scenario runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from tests.builders import DEMO_AS_OF as AS_OF
from tests.builders import DEMO_NOW as NOW
from tests.builders import small_firm_night
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.domain.bulk_changes import BulkChangeRequest
from trimtab.domain.filters import read_filter
from trimtab.domain.principal import Principal, Role, Scope
from trimtab.domain.problems import ProblemKind
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_levels import Scope as SettingScope
from trimtab.services.accounts import list_accounts, show_account
from trimtab.services.change_settings import bulk_change, set_setting
from trimtab.services.filters import save_filter

OPS = Principal.cli("ops")


@pytest.fixture
def night(
    database_url: str, snapshots: Snapshots, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """The 40-account demo firm after one nightly run, named by TRIMTAB_DATABASE_URL
    (built once per test process, copied for each test: tests/integration/snapshots.py)."""
    snapshots.restore(database_url, small_firm_night)
    db = open_database(database_url)
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", database_url)
    yield db
    db.close()


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _json(*args: str) -> object:
    code, output = _invoke(*args, "--json")
    assert code == 0, output
    return json.loads(output)


def test_accounts_list_selects_what_the_filter_selects_with_the_nights_numbers(
    night: Database,
) -> None:
    text = 'tax_status = "taxable" and drift > 0'
    f, errors = read_filter(text)
    assert f is not None
    assert not errors
    with night.unit_of_work() as uow:
        expected = uow.selection.matching(f)
        total = uow.selection.count_all()
    assert 0 < len(expected) < total

    listed = _json("accounts", "list", text, "--limit", "1000")
    assert isinstance(listed, dict)
    assert listed["count"] == len(expected)
    assert [a["account"] for a in listed["accounts"]] == expected
    for line in listed["accounts"]:
        assert Decimal(line["drift"]) > 0
        assert line["run"]
        assert line["as_of"] == AS_OF.isoformat()
        assert line["outcome"] in {"auto_trade", "review", "suspended", "no_trade"}
        assert Decimal(line["value"]) > 0
        assert line["cash"] is not None

    limited = _json("accounts", "list", text, "--limit", "2")
    assert isinstance(limited, dict)
    assert [a["account"] for a in limited["accounts"]] == expected[:2]
    assert limited["count"] == len(expected)

    # A saved filter by name, and the table: every shown account and how many matched.
    assert save_filter(
        night.unit_of_work, principal=OPS, name="drifted", expression=text, shared=True
    )[0]
    code, output = _invoke("accounts", "list", "@drifted", "--limit", "3")
    assert code == 0, output
    assert all(account in output for account in expected[:3])
    assert f"3 of {len(expected)} accounts shown" in output

    code, output = _invoke("accounts", "list", "drift >")
    assert code == 2
    assert "error: filter:" in output


def test_accounts_show_one_account_whole(night: Database) -> None:
    with night.unit_of_work() as uow:
        account = next(
            a
            for a in uow.selection.matching(read_filter("trades > 0")[0])  # type: ignore[arg-type]
            if uow.lots.for_account(a)
        )
        stored = uow.accounts.get(account)
        lots = {lot.id: lot for lot in uow.lots.for_account(account)}
        prices = uow.prices.latest({lot.security for lot in lots.values()}, AS_OF)
    assert stored is not None
    _, problems = set_setting(
        night.unit_of_work,
        principal=OPS,
        setting="tax_sensitivity",
        scope=SettingScope(Level.HOUSEHOLD, stored.household),
        value="high",
        reason="client in the top bracket",
    )
    assert problems == []
    request = BulkChangeRequest("drift_tolerance", "tight", f'id = "{account}"', "IPS review")
    bulk, problems = bulk_change(night.unit_of_work, request, principal=OPS, apply=True, now=NOW)
    assert problems == []
    assert bulk is not None

    view = _json("accounts", "show", account, "--as-of", AS_OF.isoformat())
    assert isinstance(view, dict)
    assert view["account"]["id"] == account
    assert {lot["id"] for lot in view["lots"]} == set(lots)
    for lot in view["lots"]:
        held = lots[lot["id"]]
        # The domain's term rule, on the day shown.
        assert lot["term"] == held.term_on(AS_OF).value
        value = Decimal(lot["value"])
        assert abs(value - held.quantity * prices[held.security].close) <= Decimal("0.005")
        assert Decimal(lot["unrealized_gain"]) == value - held.cost_basis
        assert lot["acquired"] == held.acquired.isoformat()

    groups = view["groups"]
    assert groups
    assert all(g["band"] >= 0 for g in groups)
    for g in groups:
        assert g["outside_band"] == pytest.approx(max(0.0, abs(g["drift"]) - g["band"]))
    # drift_tolerance tight (bulk change) gives groups without their own band 1%.
    assert any(g["band"] == pytest.approx(0.01) for g in groups)
    # The largest group drift outside its band is what the night stored as `drift`.
    listed = _json("accounts", "list", f'id = "{account}"')
    assert isinstance(listed, dict)
    night_drift = float(listed["accounts"][0]["drift"])
    assert max(g["outside_band"] for g in groups) == pytest.approx(night_drift, abs=1e-6)

    settings = {s["setting"]: s for s in view["settings"]}
    tax = settings["tax_sensitivity"]
    assert (tax["value"], tax["level"], tax["scope"]) == ("high", "household", stored.household)
    assert "for each $1 of tax it realizes" in tax["meaning"]
    tolerance = settings["drift_tolerance"]
    assert (tolerance["level"], tolerance["bulk"]) == ("account", bulk.bulk_id)
    assert "more than 1% of the account away from target" in tolerance["meaning"]
    assert settings["min_trade"]["level"] == "default"

    last = view["last"]
    assert last["outcome"]["run"]
    assert last["outcome"]["rule"]
    assert last["outcome"]["outcome"] in {"auto_trade", "review"}
    assert last["trades"]
    assert all(t["reason"] for t in last["trades"])

    code, output = _invoke("accounts", "show", account, "--as-of", AS_OF.isoformat())
    assert code == 0, output
    assert "target vs current" in output
    assert "lots" in output
    assert f"household {stored.household}" in output
    assert "bulk change #" in output
    assert "last analysis: run" in output
    assert last["trades"][0]["reason"].split(".")[0] in output


def test_an_unknown_account_is_not_found(night: Database) -> None:
    code, output = _invoke("accounts", "show", "NO-SUCH-ACCOUNT")
    assert code == ProblemKind.NOT_FOUND.exit_code == 3
    assert "no account 'NO-SUCH-ACCOUNT'" in output
    assert "Traceback" not in output


def test_an_advisor_sees_only_the_accounts_of_their_households(night: Database) -> None:
    with night.unit_of_work() as uow:
        advisors = {a.id for a in uow.organization.advisors()}
        mine = next(iter(sorted(advisors)))
        own = sorted(
            a
            for a in uow.selection.matching(read_filter("true")[0])  # type: ignore[arg-type]
            if (acc := uow.accounts.get(a)) is not None and acc.advisor == mine
        )
    advisor = Principal("user:lee", "Lee", frozenset({Role.ADVISOR}), Scope.advisors(mine))
    found, problems = list_accounts(night.unit_of_work, None, viewer=advisor, limit=None)
    assert problems == []
    assert found is not None
    assert [line.account for line in found.lines] == own
    assert found.count == len(own)

    other = next(
        line.account
        for line in list_accounts(night.unit_of_work, None, viewer=OPS, limit=None)[0].lines  # type: ignore[union-attr]
        if line.account not in own
    )
    view, problems = show_account(night.unit_of_work, other, viewer=advisor, as_of=AS_OF)
    assert view is None
    assert problems[0].kind is ProblemKind.NOT_FOUND


def test_settings_show_says_what_each_setting_means(night: Database) -> None:
    with night.unit_of_work() as uow:
        account = uow.selection.matching(read_filter("true")[0], limit=1)[0]  # type: ignore[arg-type]
    code, output = _invoke("settings", "show", account)
    assert code == 0, output
    assert "tax_sensitivity = medium: built-in default" in output
    assert "means: a rebalancing trade must cut out-of-band drift" in output
    rows = _json("settings", "show", account)
    assert isinstance(rows, list)
    by_name = {r["setting"]: r for r in rows}
    assert by_name["whole_shares"]["meaning"] == "trades are in whole shares."
    assert by_name["commission_schedule"]["meaning"] == ""
