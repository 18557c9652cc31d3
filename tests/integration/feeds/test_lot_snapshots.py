"""Scenarios: what a lots file replaces is declared, previewed, and guarded.

A lots file is a snapshot. Its source's mapping says of what: `snapshot = "accounts"`
(the accounts in the file; the canonical default) or `snapshot = "firm"` (the whole
firm: an account absent from the file loses its lots). `--dry-run` shows what each
account would gain and lose; a file that would remove more than `max_removed_share` of
the firm's lots (20% unless the mapping says otherwise) is refused without `--force`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import FEEDS_NOW as NOW
from tests.builders import load_feeds_firm as build_firm
from trimtab.bootstrap import Database, open_database
from trimtab.cli import app
from trimtab.domain.feed_records import FeedKind, ReportedLot
from trimtab.domain.file_transfers import ArrivalOutcome
from trimtab.domain.holdings import TaxLot
from trimtab.domain.principal import Principal
from trimtab.feeds.mappings import SourceMapping, parse_mapping
from trimtab.feeds.readers import open_feed
from trimtab.feeds.writers import write_feed
from trimtab.services.load_feed import LoadResult, load_feed

OPS = Principal.cli("ops")
BOUGHT = dt.date(2020, 1, 2)


def lots(account: str, count: int, prefix: str | None = None) -> list[ReportedLot]:
    return [
        ReportedLot(TaxLot(f"{prefix or account}-{i:02d}", account, "XYZ", D(10), D(900), BOUGHT))
        for i in range(1, count + 1)
    ]


def mapping(snapshot: str, share: str = "") -> SourceMapping:
    text = f'source = "nb"\n[feeds.lots]\npattern = "NB_LOTS_*.csv"\nsnapshot = "{snapshot}"\n'
    if share:
        text += f'max_removed_share = "{share}"\n'
    found, problems = parse_mapping(text)
    assert found is not None, problems
    return found


def load(
    db: Database, path: Path, source: SourceMapping | None = None, **options: bool
) -> LoadResult:
    feed, problems = open_feed(path, mapping=source)
    assert feed is not None, problems
    return load_feed(db.unit_of_work, feed, principal=OPS, now=NOW, **options)


def held(db: Database) -> dict[str, set[str]]:
    with db.unit_of_work() as uow:
        return {
            a: {lot.id for lot in uow.lots.for_account(a)}
            for a in ("NB-1001", "NB-1002", "AB-2001")
        }


@pytest.fixture
def db(database: Database, tmp_path: Path) -> Database:
    """The feed firm with 13 lots in NB-1001, 20 in NB-1002 and 20 in AB-2001 (53 in all)."""
    build_firm(database)
    path = tmp_path / "lots_start.csv"
    write_feed(path, FeedKind.LOTS, lots("NB-1001", 13) + lots("NB-1002", 20) + lots("AB-2001", 20))
    assert load(database, path).loaded
    return database


def test_one_row_for_an_account_that_held_13_lots_is_refused_with_what_would_go(
    db: Database, tmp_path: Path
) -> None:
    before = held(db)
    path = tmp_path / "lots_one.csv"
    write_feed(path, FeedKind.LOTS, lots("NB-1001", 1, prefix="NEW"))
    result = load(db, path)
    assert result.outcome is ArrivalOutcome.REJECTED
    (problem,) = result.problems
    assert "13 lots of 1 account" in problem.expected
    assert "--force" in problem.expected
    assert held(db) == before


def test_force_loads_it_and_the_note_says_what_each_account_gained_and_lost(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "lots_one.csv"
    write_feed(path, FeedKind.LOTS, lots("NB-1001", 1, prefix="NEW"))
    result = load(db, path, force=True)
    assert result.loaded, [str(p) for p in result.problems]
    assert held(db)["NB-1001"] == {"NEW-01"}
    assert len(held(db)["NB-1002"]) == 20  # snapshot of the accounts in the file only
    (change,) = result.lot_changes
    assert (change.account, len(change.gained), len(change.lost), change.kept) == (
        "NB-1001",
        1,
        13,
        0,
    )
    assert any("snapshot of the accounts in the file" in note for note in result.notes)


def test_a_snapshot_under_the_share_loads_without_force(db: Database, tmp_path: Path) -> None:
    # NB-1001 resent whole but one lot sold: 1 of 53 lots goes (2%).
    path = tmp_path / "lots_resent.csv"
    write_feed(path, FeedKind.LOTS, lots("NB-1001", 12))
    result = load(db, path)
    assert result.loaded, [str(p) for p in result.problems]
    assert held(db)["NB-1001"] == {f"NB-1001-{i:02d}" for i in range(1, 13)}


def test_a_firm_snapshot_takes_the_lots_of_accounts_absent_from_the_file(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "NB_LOTS_20250602.csv"
    firm_wide = mapping("firm", "50%")
    write_feed(path, FeedKind.LOTS, lots("NB-1001", 13) + lots("NB-1002", 20), mapping=firm_wide)
    result = load(db, path, firm_wide)  # 20 of 53 lots go: 38%, under the mapping's 50%
    assert result.loaded, [str(p) for p in result.problems]
    assert held(db)["AB-2001"] == set()
    assert [(c.account, len(c.lost)) for c in result.lot_changes if c.lost] == [("AB-2001", 20)]


def test_the_mapping_s_share_refuses_what_the_default_would_refuse_too(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "NB_LOTS_20250602.csv"
    strict = mapping("firm", "10%")
    write_feed(path, FeedKind.LOTS, lots("NB-1001", 13) + lots("NB-1002", 20), mapping=strict)
    result = load(db, path, strict)
    assert result.outcome is ArrivalOutcome.REJECTED
    assert "20 lots of 1 account" in result.problems[0].expected
    assert "10%" in result.problems[0].expected


def test_a_mapping_with_an_unknown_snapshot_is_refused() -> None:
    found, problems = parse_mapping(
        'source = "nb"\n[feeds.lots]\npattern = "x*.csv"\nsnapshot = "everything"\n'
    )
    assert found is None
    assert any("snapshot" in p.path for p in problems)
    found, problems = parse_mapping(
        'source = "nb"\n[feeds.prices]\npattern = "x*.csv"\nsnapshot = "firm"\n'
    )
    assert found is None  # only lots files are snapshots


def test_a_dry_run_shows_each_account_s_gains_and_losses_and_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    before = held(db)
    with db.unit_of_work() as uow:
        loads_before = uow.bulk.counts()
    path = tmp_path / "lots_one.csv"
    write_feed(path, FeedKind.LOTS, lots("NB-1001", 1, prefix="NEW") + lots("NB-1002", 20))
    result = load(db, path, dry_run=True)
    assert result.dry_run
    changes = {c.account: c for c in result.lot_changes}
    assert [lot.id for lot in changes["NB-1001"].gained] == ["NEW-01"]
    assert len(changes["NB-1001"].lost) == 13
    assert (len(changes["NB-1002"].gained), len(changes["NB-1002"].lost)) == (0, 0)
    assert changes["NB-1002"].kept == 20
    assert held(db) == before
    with db.unit_of_work() as uow:
        assert uow.bulk.counts() == loads_before  # not even a load record


def test_the_cli_dry_run_and_force(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/trimtab.db"
    db = open_database(url)
    db.upgrade()
    build_firm(db)
    start = tmp_path / "lots_start.csv"
    write_feed(start, FeedKind.LOTS, lots("NB-1001", 13) + lots("NB-1002", 2))
    assert load(db, start).loaded
    db.close()
    env = {"TRIMTAB_DATABASE_URL": url}
    one = tmp_path / "lots_one.csv"
    write_feed(one, FeedKind.LOTS, lots("NB-1001", 1, prefix="NEW"))
    runner = CliRunner()

    # A dry run shows each account's changes, and that the file would be refused: its
    # exit code is the load's.
    preview = runner.invoke(app, ["feeds", "load", "--dry-run", str(one)], env=env)
    assert preview.exit_code == 2, preview.output
    assert "dry run" in preview.output
    assert "NB-1001: gains 1 lot (NEW-01 XYZ 10), loses 13 lots" in preview.output
    assert "13 lots of 1 account" in preview.output
    forced_preview = runner.invoke(
        app, ["feeds", "load", "--dry-run", "--force", str(one)], env=env
    )
    assert forced_preview.exit_code == 0, forced_preview.output

    refused = runner.invoke(app, ["feeds", "load", str(one)], env=env)
    assert refused.exit_code == 2, refused.output
    assert "13 lots of 1 account" in refused.output

    forced = runner.invoke(app, ["feeds", "load", "--force", str(one)], env=env)
    assert forced.exit_code == 0, forced.output
