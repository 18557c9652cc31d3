"""A small demo firm after one night, one approval and the fills: records of every kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.builders import DEMO_AS_OF, TESTER, load_small_firm
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database, open_database
from trimtab.services.executions import fill_at_close
from trimtab.services.review import approve
from trimtab.services.review_ports import ProposalState


@pytest.fixture
def night(database_url: str) -> Iterator[tuple[str, Database, str]]:
    """(url, database, run id): 24 accounts analyzed, one review approved, orders filled."""
    db = open_database(database_url)
    db.upgrade()
    load_small_firm(db, accounts=24)
    summary = run_nightly(database_url, as_of=DEMO_AS_OF, principal=TESTER, workers=1)
    with db.unit_of_work() as uow:
        pending = uow.proposals.proposals(summary.run_id, states=[ProposalState.PENDING])
    if pending:
        approve(db.unit_of_work, pending[0].account, principal=TESTER, reason="checked")
    fill_at_close(db.unit_of_work, principal=TESTER)
    yield database_url, db, summary.run_id
    db.close()
