"""A small demo firm after one night, for the reports' tests and audit scenarios."""

from __future__ import annotations

from tests.builders import DEMO_AS_OF, DEMO_NOW, TESTER, load_small_firm
from trimtab.bootstrap import Database
from trimtab.services.nightly_run import (
    Chunk,
    Here,
    RunRequest,
    analyze_chunk,
    finish_run,
    night_context,
    start_run,
)

__all__ = ["one_night"]


def one_night(db: Database, *, accounts: int = 16) -> str:
    """Load the small demo firm into a migrated database, run one night in this process
    (the demo routing policy: some auto-trade, some wait for review); the run's id."""
    load_small_firm(db, accounts)
    here = Here.this_process()
    start, problems = start_run(
        db.unit_of_work,
        RunRequest(DEMO_AS_OF),
        principal=TESTER,
        here=here,
        today=DEMO_AS_OF,
        now=DEMO_NOW,
    )
    assert start is not None, problems
    context = night_context(db.unit_of_work, DEMO_AS_OF, start.policy, start.filters)
    analyze_chunk(
        db.unit_of_work, Chunk(start.run.id, DEMO_AS_OF, 1, start.todo), context, principal=TESTER
    )
    assert finish_run(
        db.unit_of_work, start.run.id, principal=TESTER, here=here, seconds=1, now=DEMO_NOW
    ).finished
    return start.run.id
