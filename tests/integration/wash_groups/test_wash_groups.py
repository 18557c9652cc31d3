"""Scenarios: the firm's wash groups, from the service and the command line to the night.

The demo firm's security master gives FOX and FOXA (two share classes of Twenty-First
Century Fox) the issuer id 21CF, so under the default policy they are one wash group,
`issuer:21CF`. The firm adds its own group (two S&P 500 funds of different sponsors),
removes a member, switches the share-class reading off; each change is audited, bad
input changes nothing. The nightly run reads the firm's policy: a household that bought
FOXA ten days ago cannot sell a FOX lot at a loss (rule 5b) — until the firm says share
classes differ. Every scenario runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import DEMO_AS_OF as AS_OF
from tests.builders import DEMO_NOW as NOW
from tests.builders import TESTER, load_small_firm
from tests.integration.snapshots import Snapshots
from tests.integration.wash_groups.audit_scenarios import add_funds
from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.domain import TaxLot, TradeRecord, TradeSide
from trimtab.domain.problems import ProblemKind
from trimtab.domain.securities import Security
from trimtab.feeds.readers import open_feed
from trimtab.services.load_feed import load_feed
from trimtab.services.nightly_analysis import AccountSnapshot, analyze_account
from trimtab.services.nightly_run import night_context
from trimtab.services.security_lookup import show_security
from trimtab.services.wash_groups import (
    list_wash_groups,
    remove_from_wash_group,
    set_share_class_policy,
    set_wash_group,
    wash_group_policy,
)


def _firm_with_two_sp500_funds(url: str, db: Database) -> None:
    load_small_firm(db)
    add_funds(db, "VOO", "IVV")


@pytest.fixture
def demo(
    database_url: str, snapshots: Snapshots, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """The 40-account demo firm and two S&P 500 funds, named by TRIMTAB_DATABASE_URL
    (built once per test process, copied for each test: tests/integration/snapshots.py)."""
    snapshots.restore(database_url, _firm_with_two_sp500_funds)
    db = open_database(database_url)
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", database_url)
    yield db
    db.close()


def _entries(db: Database) -> int:
    with db.unit_of_work() as uow:
        return len(uow.audit.entries())


def _groups(db: Database) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {g.id: (g.source, g.members) for g in list_wash_groups(db.unit_of_work).groups}


def test_share_classes_of_one_issuer_are_one_wash_group_by_default(demo: Database) -> None:
    view, _ = show_security(demo.unit_of_work, "FOXA")
    assert view is not None
    assert (view.issuer_id, view.wash_group) == ("21CF", "issuer:21CF")
    groups = _groups(demo)
    assert groups["issuer:21CF"] == ("share classes", ("FOX", "FOXA"))
    # the demo's index-fund share classes keep their explicit group from the master
    assert groups["TTLC-INDEX-FUND"] == ("security master", ("TTLCAX", "TTLCIX"))


def test_the_firm_adds_a_group_removes_a_member_and_switches_share_classes_off(
    demo: Database,
) -> None:
    change = set_wash_group(demo.unit_of_work, "sp500", ["voo", "IVV"], principal=TESTER, now=NOW)
    assert change.problems == ()
    assert change.tickers == ("IVV", "VOO")
    assert _groups(demo)["sp500"] == ("firm", ("IVV", "VOO"))
    assert wash_group_policy(demo.unit_of_work).group_of("IVV") == "sp500"

    remove_from_wash_group(demo.unit_of_work, ["IVV"], principal=TESTER, now=NOW)
    assert _groups(demo)["sp500"] == ("firm", ("VOO",))  # still shown: the firm set it
    assert wash_group_policy(demo.unit_of_work).group_of("IVV") == "IVV"

    view = set_share_class_policy(
        demo.unit_of_work, share_classes_identical=False, principal=TESTER, now=NOW
    )
    assert not view.share_classes_identical
    assert "issuer:21CF" not in {g.id for g in view.groups}
    fox, _ = show_security(demo.unit_of_work, "FOX")
    assert fox is not None
    assert fox.wash_group == "FOX"


@pytest.mark.parametrize(
    ("group", "tickers", "path", "kind"),
    [
        ("SP500", ["VOO", "NOPE"], "tickers.NOPE", ProblemKind.NOT_FOUND),
        ("issuer:ME", ["VOO"], "group", ProblemKind.INVALID),
        ("", ["VOO"], "group", ProblemKind.INVALID),
        ("X" * 41, ["VOO"], "group", ProblemKind.INVALID),
        ("SP500", [], "tickers", ProblemKind.INVALID),
        # AAPL alone is the wash group "AAPL": a firm group of that name would join it
        ("AAPL", ["VOO"], "group", ProblemKind.INVALID),
        # an explicit group in the security master would win: refused, not ignored
        ("OTHER", ["TTLCIX"], "tickers.TTLCIX", ProblemKind.CONFLICT),
    ],
)
def test_bad_input_names_what_is_wrong_and_changes_nothing(
    demo: Database, group: str, tickers: list[str], path: str, kind: ProblemKind
) -> None:
    before, entries = _groups(demo), _entries(demo)
    change = set_wash_group(demo.unit_of_work, group, tickers, principal=TESTER, now=NOW)
    assert [(p.path, p.kind) for p in change.problems] == [(path, kind)]
    assert _groups(demo) == before
    assert _entries(demo) == entries


def test_removing_a_ticker_in_no_firm_group_is_not_found(demo: Database) -> None:
    change = remove_from_wash_group(demo.unit_of_work, ["FOX"], principal=TESTER, now=NOW)
    assert [(p.path, p.kind) for p in change.problems] == [("tickers.FOX", ProblemKind.NOT_FOUND)]


# -- the night ----------------------------------------------------------------------------


def _snapshot(db: Database) -> AccountSnapshot:
    """A taxable demo account following the growth direct index, $40,000 of it in one FOX
    lot bought at twice today's price, and 10 FOXA it bought ten days ago."""
    with db.unit_of_work() as uow:
        account = next(
            a
            for a in (uow.accounts.get(f"A{n:07d}") for n in range(1, 41))
            if a is not None and a.is_taxable
        )
        fox = uow.prices.latest(["FOX"], AS_OF)["FOX"].close
    shares = (D(40_000) / fox).quantize(D(1))
    lot = TaxLot("L-FOX", account.id, "FOX", shares, shares * fox * 2, AS_OF - dt.timedelta(90))
    ten_days_ago = AS_OF - dt.timedelta(10)
    foxa = TaxLot("L-FOXA", account.id, "FOXA", D(10), D(300), ten_days_ago)
    bought = TradeRecord(account.id, "FOXA", ten_days_ago, TradeSide.BUY, D(10), D(30))
    return AccountSnapshot(
        account=account,
        target="GROWTH-DI",
        lots=(lot, foxa),
        cash=D(60_000),
        household_trades=(bought,),
    )


def _fox_sold(db: Database) -> tuple[float, dict[str, str]]:
    ctx = night_context(db.unit_of_work, AS_OF, (), ())
    analysis = analyze_account(_snapshot(db), ctx)
    assert analysis.status == "optimal", analysis.reasons
    assert analysis.case is not None
    groups = {s["id"]: s["wash_group"] for s in analysis.case["securities"]}
    groups.update({t["security"]: t["wash_group"] for t in analysis.case["recent_trades"]})
    sold = sum(t["quantity"] for t in analysis.trades if t["security"] == "FOX")
    return sold, groups


def test_a_recent_foxa_buy_keeps_a_fox_loss_lot_in_the_night_until_share_classes_differ(
    demo: Database,
) -> None:
    sold, groups = _fox_sold(demo)
    assert groups["FOX"] == groups["FOXA"] == "issuer:21CF"
    assert sold == 0  # rule 5b: FOXA bought in the window, FOX at a loss stays

    set_share_class_policy(
        demo.unit_of_work, share_classes_identical=False, principal=TESTER, now=NOW
    )
    sold, groups = _fox_sold(demo)
    assert (groups["FOX"], groups["FOXA"]) == ("FOX", "FOXA")
    assert sold > 0  # FOX is 40% of an index where it weighs 0.04%: it goes


# -- the command line ---------------------------------------------------------------------


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_the_command_line_lists_sets_removes_and_switches(demo: Database) -> None:
    code, output = _invoke("wash-groups", "list")
    assert code == 0, output
    assert "Share classes of one issuer: substantially identical." in output
    assert "issuer:21CF" in output
    assert "FOX FOXA" in output

    code, output = _invoke("wash-groups", "set", "SP500", "VOO", "IVV", "--reason", "one index")
    assert (code, output.strip()) == (0, "wash group SP500: IVV VOO")
    code, output = _invoke("wash-groups", "set", "SP500", "NOPE")
    assert code == 3
    assert "NOPE is not in the security master" in output

    code, output = _invoke("wash-groups", "remove", "IVV")
    assert (code, output.strip()) == (0, "removed from their wash group: IVV")

    code, output = _invoke("wash-groups", "policy", "--share-classes-differ")
    assert code == 0, output
    assert "Share classes of one issuer: not grouped." in output
    code, output = _invoke("securities", "show", "FOXA")
    assert "wash group:  FOXA" in output
    assert "issuer:      21CF" in output


def test_the_security_master_feed_carries_the_issuer_id(demo: Database, tmp_path: Path) -> None:
    path = tmp_path / "securities.csv"
    path.write_text(
        "ticker,name,type,asset_class,issuer_id\nNWSA,News Corp A,stock,US_LARGE,NWS-CORP\n"
        "NWS,News Corp B,stock,US_LARGE,NWS-CORP\n",
        encoding="utf-8",
    )
    feed, problems = open_feed(path)
    assert feed is not None, problems
    assert load_feed(demo.unit_of_work, feed, principal=TESTER, now=NOW).loaded
    with demo.unit_of_work() as uow:
        nwsa = uow.securities.get("NWSA")
    assert nwsa == Security(
        "NWSA", name="News Corp A", asset_class="US_LARGE", issuer_id="NWS-CORP"
    )
    assert _groups(demo)["issuer:NWS-CORP"] == ("share classes", ("NWS", "NWSA"))
