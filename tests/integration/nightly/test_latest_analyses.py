"""Scenarios: each account's kept latest analysis (`latest_analyses`) always says what
ranking every analysis would say — newest `as_of`, then highest id, voided runs left out
— after a run, a later day's run, a re-run of the day, an earlier day run late, each
void, and with no analysis at all; on SQLite and PostgreSQL. The filters, the account
list and an account's last outcome read it, so they are checked against the rule too.
The migration's backfill follows the same rule."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import select

from tests.builders import DEMO_AS_OF, DEMO_NOW, OPS, load_workflow_firm, workflow_firm
from trimtab.batch.chunks import ChunkTask, analyze_chunk
from trimtab.bootstrap import Database, open_database
from trimtab.services.nightly_run import Here, void_run
from trimtab.services.run_ports import RunRecord, RunState
from trimtab.store import migrate
from trimtab.store.filter_sql import latest_analyses
from trimtab.store.nightly_tables import RunRow
from trimtab.store.workflow_tables import AnalysisRow, LatestAnalysisRow

Latest = dict[str, tuple[int, dt.date, str]]  # account -> (analysis id, as_of, run)

EARLIER, DAY, LATER = (
    DEMO_AS_OF - dt.timedelta(days=6),
    DEMO_AS_OF - dt.timedelta(days=3),
    DEMO_AS_OF,
)


def _by_the_rule(db: Database) -> Latest:
    """The answer by definition: every analysis of a run not voided, ranked in Python."""
    with db.unit_of_work() as uow:
        voided = set(uow.session.scalars(select(RunRow.id).where(RunRow.state == "voided")))
        rows = uow.session.execute(
            select(AnalysisRow.account_id, AnalysisRow.id, AnalysisRow.as_of, AnalysisRow.run_id)
        ).all()
    latest: Latest = {}
    for account, analysis, as_of, run in rows:
        if run in voided:
            continue
        best = latest.get(account)
        if best is None or (as_of, analysis) > (best[1], best[0]):
            latest[account] = (analysis, as_of, run)
    return latest


def _kept(db: Database) -> Latest:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(LatestAnalysisRow)).all()
        return {r.account_id: (r.analysis_id, r.as_of, r.run_id) for r in rows}


def _assert_kept_by_the_rule(db: Database) -> Latest:
    """The pointers, and what each reader sees through them, agree with the rule."""
    expected = _by_the_rule(db)
    assert _kept(db) == expected
    with db.unit_of_work() as uow:
        latest = latest_analyses()  # what every filter on an analysis field joins
        columns = (latest.c.account_id, latest.c.id, latest.c.as_of, latest.c.run_id)
        filters = {a: (i, d, r) for a, i, d, r in uow.session.execute(select(*columns))}
        lines = uow.account_reads.lines(None)  # the account list
        outcomes = {  # an account's page
            line.account: last.run
            for line in lines
            if (last := uow.account_reads.last_outcome(line.account)) is not None
        }
    assert filters == expected
    listed = {line.account: (line.as_of, line.run) for line in lines if line.run is not None}
    assert listed == {a: (as_of, run) for a, (_, as_of, run) in expected.items()}
    assert outcomes == {a: run for a, (_, _, run) in expected.items()}
    return expected


def _run(url: str, db: Database, run_id: str, as_of: dt.date, accounts: tuple[str, ...]) -> None:
    """One run of `accounts` on `as_of`, written by the nightly run's own chunk path."""
    with db.unit_of_work() as uow:
        uow.runs.start_run(
            RunRecord(run_id, as_of, RunState.RUNNING, DEMO_NOW, None, "test", "local", 0, None)
        )
        uow.commit()
    done = analyze_chunk(ChunkTask(url, run_id, as_of, 0, accounts, started_by=OPS))
    assert (done.accounts, done.skipped) == (len(accounts), 0)


def _void(db: Database, run_id: str) -> None:
    problems = void_run(
        db.unit_of_work, run_id, principal=OPS, reason="test", here=Here.this_process()
    )
    assert problems == []


def test_the_kept_latest_analysis_follows_every_run_and_void(firm: tuple[str, Database]) -> None:
    url, db = firm
    with db.unit_of_work() as uow:
        a = tuple(uow.runs.population()[:4])
    assert _assert_kept_by_the_rule(db) == {}  # no analyses: no pointers

    _run(url, db, "day.1", DAY, a)
    assert {run for _, _, run in _assert_kept_by_the_rule(db).values()} == {"day.1"}

    _run(url, db, "later.1", LATER, a[:3])
    kept = _assert_kept_by_the_rule(db)
    assert [kept[x][2] for x in a] == ["later.1", "later.1", "later.1", "day.1"]

    _run(url, db, "later.2", LATER, a[:2])  # a re-run of the same day: the higher id
    kept = _assert_kept_by_the_rule(db)
    assert [kept[x][2] for x in a] == ["later.2", "later.2", "later.1", "day.1"]

    _run(url, db, "earlier.1", EARLIER, a[:1])  # an earlier day run late: moves nothing
    assert _assert_kept_by_the_rule(db) == kept

    _void(db, "later.2")  # back to the day's first run
    kept = _assert_kept_by_the_rule(db)
    assert [kept[x][2] for x in a] == ["later.1", "later.1", "later.1", "day.1"]

    _void(db, "later.1")
    kept = _assert_kept_by_the_rule(db)
    assert [kept[x][2] for x in a] == ["day.1"] * 4

    _void(db, "day.1")  # one account falls back to the earlier day, the rest to none
    kept = _assert_kept_by_the_rule(db)
    assert {x: kept[x][2] for x in kept} == {a[0]: "earlier.1"}


def test_the_migration_fills_the_pointers_by_the_same_rule(database_url: str) -> None:
    db = open_database(database_url)
    db.upgrade()
    load_workflow_firm(db, workflow_firm())  # analyses of one or two days, no runs
    with db.unit_of_work() as uow:
        day = dt.date(2026, 3, 2)
        uow.runs.start_run(
            RunRecord(f"run-{day}", day, RunState.RUNNING, DEMO_NOW, None, "test", "local", 0, None)
        )
        uow.runs.void_run(f"run-{day}", by="test", at=DEMO_NOW, reason="test")
        uow.commit()
    before = _by_the_rule(db)
    assert {run for _, _, run in before.values()} == {"run-2026-03-01"}
    assert _kept(db) == before
    config = migrate.alembic_config(db.engine)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0020")  # drops the table
    db.upgrade()  # 0021 again: fills it from the analyses stored
    assert _kept(db) == before
    db.close()
