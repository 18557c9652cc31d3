"""A small demo firm after one night, one approval and the fills: records of every kind.
`two_nights` adds the next business day's night, on prices moved by 1%.

Both are built once per test process and database kind and copied into each test's own
database (`tests/integration/snapshots.py`): the tests alter and delete records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from tests.builders import DEMO_AS_OF, TESTER, load_small_firm
from tests.integration.snapshots import Snapshots
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database, open_database
from trimtab.services.executions import fill_at_close
from trimtab.services.review import approve
from trimtab.services.review_ports import ProposalState
from trimtab.store.tables import PriceRow

NEXT_DAY = DEMO_AS_OF + dt.timedelta(days=1)  # 2025-07-01, a Tuesday


def one_night(url: str, db: Database) -> str:
    """24 accounts analyzed, one review approved, orders filled; the run's id."""
    load_small_firm(db, accounts=24)
    summary = run_nightly(url, as_of=DEMO_AS_OF, principal=TESTER, workers=1)
    with db.unit_of_work() as uow:
        pending = uow.proposals.proposals(summary.run_id, states=[ProposalState.PENDING])
    if pending:
        approve(db.unit_of_work, pending[0].account, principal=TESTER, reason="checked")
    fill_at_close(db.unit_of_work, principal=TESTER)
    return summary.run_id


def next_night(url: str, db: Database) -> tuple[str, str]:
    """`one_night`, then the night after its fills; the two runs' ids."""
    first = one_night(url, db)
    with db.unit_of_work() as uow:
        closes = uow.session.execute(
            select(PriceRow.security, PriceRow.close).where(PriceRow.date == DEMO_AS_OF)
        ).all()
        uow.session.execute(
            insert(PriceRow),
            [
                {"security": s, "date": NEXT_DAY, "close": close * Decimal("1.01")}
                for s, close in closes
            ],
        )
        uow.commit()
    second = run_nightly(url, as_of=NEXT_DAY, principal=TESTER, workers=1)
    return first, second.run_id


@pytest.fixture
def night(database_url: str, snapshots: Snapshots) -> Iterator[tuple[str, Database, str]]:
    """(url, database, run id) of `one_night`."""
    run_id = snapshots.restore(database_url, one_night)
    db = open_database(database_url)
    yield database_url, db, run_id
    db.close()


@pytest.fixture
def two_nights(database_url: str, snapshots: Snapshots) -> Iterator[tuple[str, Database, str, str]]:
    """(url, database, night 1's run id, night 2's) of `next_night`."""
    first, second = snapshots.restore(database_url, next_night)
    db = open_database(database_url)
    yield database_url, db, first, second
    db.close()
