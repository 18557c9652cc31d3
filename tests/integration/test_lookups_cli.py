"""Scenarios: the data desk looks things up from the command line (issue 18, item 11).

On the demo firm, `securities list` shows the whole security master with each last
close, `securities show` one security with who holds it (an unknown ticker exits 3),
`securities list --unknown` the securities never classified, and `corporate-actions
list` the actions the feeds recorded, `--pending` those not yet applied. `--json` on
these and on `filters test` and `feeds check` gives every field to a script. Every
scenario runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from tests.builders import DEMO_AS_OF as AS_OF
from tests.builders import DEMO_NOW as NOW
from tests.builders import small_firm
from tests.integration.snapshots import Snapshots
from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.domain.corporate_action_events import ActionKind, CorporateActionEvent
from trimtab.domain.filters import read_filter
from trimtab.domain.problems import ProblemKind
from trimtab.domain.securities import Security


@pytest.fixture
def demo(
    database_url: str, snapshots: Snapshots, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """The 40-account demo firm, named by TRIMTAB_DATABASE_URL (built once per test
    process, copied for each test: tests/integration/snapshots.py)."""
    snapshots.restore(database_url, small_firm)
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


def test_the_security_master_with_last_closes_and_holders(demo: Database) -> None:
    with demo.unit_of_work() as uow:
        master = {s.ticker: s for s in uow.securities.list()}
        closes = uow.prices.latest(list(master), dt.datetime.now(dt.UTC).date())
        lots = uow.lots.for_account(uow.selection.matching(read_filter("true")[0], limit=1)[0])  # type: ignore[arg-type]
        held = lots[0].security
        holders = sorted(set(uow.feed_data.holders(held)))

    listed = _json("securities", "list")
    assert isinstance(listed, list)
    assert [s["ticker"] for s in listed] == sorted(master)
    for s in listed:
        security = master[s["ticker"]]
        assert s["asset_class"] == security.asset_class
        assert s["wash_group"] == security.effective_wash_group
        close = closes.get(s["ticker"])
        if close is None:
            assert s["price"] is None
        else:
            assert Decimal(s["price"]) == close.close
            assert s["price_date"] == close.date.isoformat() == AS_OF.isoformat()

    shown = _json("securities", "show", held)
    assert isinstance(shown, dict)
    assert shown["ticker"] == held
    assert shown["name"] == master[held].name
    assert shown["holders"] == holders
    assert lots[0].account in shown["holders"]

    code, output = _invoke("securities", "show", held)
    assert code == 0, output
    assert f"wash group:  {master[held].effective_wash_group}" in output
    assert f"on {AS_OF.isoformat()}" in output
    assert f"held by:     {len(holders)} accounts" in output

    code, output = _invoke("securities", "show", "NO-SUCH")
    assert code == ProblemKind.NOT_FOUND.exit_code
    assert "no security 'NO-SUCH' in the security master" in output


def test_unknown_securities_are_listed_with_their_holders(demo: Database) -> None:
    assert _json("securities", "list", "--unknown") == []
    with demo.unit_of_work() as uow:
        uow.securities.add(Security("NEWCO", name="placeholder"))  # as a load keeps it
        uow.holds.note_unknown("NEWCO", first_seen=AS_OF, source="custodian")
        uow.commit()
    unknown = _json("securities", "list", "--unknown")
    assert isinstance(unknown, list)
    assert [(u["ticker"], u["source"]) for u in unknown] == [("NEWCO", "custodian")]
    code, output = _invoke("securities", "list", "--unknown")
    assert code == 0, output
    assert "NEWCO" in output
    assert "first seen 2025-06-30 via custodian" in output


def test_corporate_actions_are_listed_applied_or_pending(demo: Database) -> None:
    assert _invoke("corporate-actions", "list")[1].strip() == "No corporate actions."
    split = CorporateActionEvent(
        "CA-1", ActionKind.SPLIT, "AAPL", AS_OF + dt.timedelta(days=1), ratio=Decimal(2)
    )
    rename = CorporateActionEvent(
        "CA-0", ActionKind.RENAME, "ABC", AS_OF - dt.timedelta(days=3), new_security="ABCD"
    )
    with demo.unit_of_work() as uow:
        uow.feed_data.add_actions([split, rename], "custodian")
        uow.feed_data.mark_applied("CA-0", at=NOW, actor="cli:data")
        uow.commit()

    every = _json("corporate-actions", "list")
    assert isinstance(every, list)
    assert [a["event"]["id"] for a in every] == ["CA-0", "CA-1"]  # by effective date
    assert every[0]["applied_by"] == "cli:data"
    assert every[1]["event"]["kind"] == "split"
    assert Decimal(every[1]["event"]["ratio"]) == 2

    pending = _json("corporate-actions", "list", "--pending")
    assert isinstance(pending, list)
    assert [a["event"]["id"] for a in pending] == ["CA-1"]

    code, output = _invoke("corporate-actions", "list")
    assert code == 0, output
    assert "CA-0" in output
    assert "rename ABC -> ABCD" in output
    assert "applied 2025-06-30 by cli:data" in output
    assert "CA-1" in output
    assert "pending" in output


def test_filters_test_and_feeds_check_answer_in_json(demo: Database) -> None:
    f, _ = read_filter('tax_status = "taxable"')
    assert f is not None
    with demo.unit_of_work() as uow:
        expected = uow.selection.matching(f)
        total = uow.selection.count_all()
    tested = _json("filters", "test", 'tax_status = "taxable"', "--sample", "3")
    assert tested == {
        "filter": f.text,
        "count": len(expected),
        "total": total,
        "sample": expected[:3],
    }

    checked = _json("feeds", "check", "--date", AS_OF.isoformat())
    assert isinstance(checked, dict)
    assert checked["day"] == AS_OF.isoformat()
    assert set(checked) == {"day", "suspended", "released", "data_errors"}
    assert isinstance(checked["data_errors"], list)
