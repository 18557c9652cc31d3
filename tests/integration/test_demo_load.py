"""Scenarios: loading the demo firm, on both databases, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.builders import TESTER
from trimtab.bootstrap import Database
from trimtab.domain import Security, TaxStatus
from trimtab.services.demo_firm import DemoFirm, DemoSpec
from trimtab.services.load_demo import load_batches, load_demo_firm
from trimtab.services.ports import Batch
from trimtab.store.tables import AccountRow, HouseholdRow, PriceRow, TaxLotRow

AS_OF = dt.date(2025, 6, 30)
SMALL = DemoSpec(accounts=50, as_of=AS_OF, seed=11, days=60, households_per_chunk=10)


def _snapshot(db: Database) -> dict[str, int]:
    with db.unit_of_work() as uow:
        return uow.bulk.counts()


def test_a_small_demo_firm_loads_with_realistic_invariants(database: Database) -> None:
    result = load_demo_firm(database.unit_of_work, SMALL, principal=TESTER)
    assert result.loaded
    assert result.counts["accounts"] == 50
    assert result.counts["prices"] == 60 * result.counts["securities"]
    with database.unit_of_work() as uow:
        session = uow.session
        per_household = Counter(session.scalars(select(AccountRow.household_id)))
        assert set(per_household.values()) <= {1, 2, 3, 4}
        assert session.scalar(select(func.min(TaxLotRow.quantity))) > 0
        held = set(session.scalars(select(TaxLotRow.security).distinct()))
        priced = set(session.scalars(select(PriceRow.security).where(PriceRow.date == AS_OF)))
        assert held <= priced
        statuses = set(session.scalars(select(AccountRow.tax_status)))
        assert statuses <= {s.value for s in TaxStatus}
        first_account = session.scalars(select(AccountRow.id).order_by(AccountRow.id)).first()
        assert first_account is not None
        account = uow.accounts.get(first_account)
        assert account is not None
        assert account.fields["paperwork"] in {"complete", "incomplete", "pending_signature"}
        assert session.scalar(select(func.count()).select_from(HouseholdRow)) == len(per_household)


def test_the_same_seed_gives_the_same_firm_and_another_seed_a_different_one() -> None:
    def firm(seed: int) -> list[Batch]:
        spec = DemoSpec(accounts=30, as_of=AS_OF, seed=seed, days=40, households_per_chunk=7)
        return [b for b in DemoFirm(spec).batches() if b.accounts]

    assert firm(5) == firm(5)
    assert firm(5) != firm(6)


def test_the_demo_firm_has_wash_sale_relevant_recent_sales() -> None:
    firm = DemoFirm(DemoSpec(accounts=400, as_of=AS_OF, seed=3, days=300))
    sales = [t for b in firm.batches() for t in b.trades if t.is_loss_sale]
    assert sales
    assert all(AS_OF - t.date <= dt.timedelta(days=30) for t in sales)


def test_loading_into_a_populated_database_is_refused_unless_replacing(database: Database) -> None:
    assert load_demo_firm(database.unit_of_work, SMALL, principal=TESTER).loaded
    before = _snapshot(database)
    refused = load_demo_firm(database.unit_of_work, SMALL, principal=TESTER)
    assert not refused.loaded
    assert "--replace" in refused.problems[0].message
    assert _snapshot(database) == before
    other = DemoSpec(accounts=20, as_of=AS_OF, seed=12, days=30)
    replaced = load_demo_firm(database.unit_of_work, other, principal=TESTER, replace=True)
    assert replaced.loaded
    assert replaced.counts["accounts"] == 20


def _good_then_broken(spec: DemoSpec) -> Iterator[Batch]:
    batches = DemoFirm(spec).batches()
    yield next(batches)  # reference data
    yield next(batches)  # some prices
    # A security that already exists: the database refuses it mid-load.
    yield Batch(securities=[Security("AAPL")])


def test_a_load_that_fails_midway_leaves_the_database_exactly_as_before(
    database: Database,
) -> None:
    assert load_demo_firm(database.unit_of_work, SMALL, principal=TESTER).loaded
    before = _snapshot(database)
    with database.unit_of_work() as uow:
        lots_before = uow.lots.for_account("A0000001")
    with pytest.raises(IntegrityError):
        load_batches(
            database.unit_of_work, _good_then_broken(SMALL), principal=TESTER, replace=True
        )
    assert _snapshot(database) == before
    with database.unit_of_work() as uow:
        assert uow.lots.for_account("A0000001") == lots_before


def test_the_value_under_management_is_the_lots_at_todays_prices_plus_cash(
    database: Database,
) -> None:
    result = load_demo_firm(database.unit_of_work, SMALL, principal=TESTER)
    assert result.stats is not None
    with database.unit_of_work() as uow:
        session = uow.session
        lots = session.execute(select(TaxLotRow.security, TaxLotRow.quantity)).all()
        prices = uow.prices.latest({s for s, _ in lots}, AS_OF)
        cash = sum(
            (uow.cash.get(a).amount for a in session.scalars(select(AccountRow.id))),  # type: ignore[union-attr]
            Decimal(0),
        )
    value = sum((q * prices[s].close for s, q in lots), Decimal(0)) + cash
    assert float(value) == pytest.approx(result.stats.value, rel=1e-4)


def _lot_table_estimate(db: Database, table: str = "tax_lots") -> float:
    """PostgreSQL's planner estimate of a table's rows (−1: never analyzed)."""
    with db.unit_of_work() as uow:
        return float(
            uow.session.scalar(
                text(
                    "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace "
                    "WHERE c.relname = :table AND n.nspname = current_schema()"
                ),
                {"table": table},
            )
        )


def test_after_a_load_and_before_a_night_the_planner_knows_the_tables(
    database: Database,
) -> None:
    # Without statistics PostgreSQL plans for empty tables: it scanned all lots per chunk.
    if database.engine.dialect.name == "sqlite":
        pytest.skip("SQLite's planner uses the indexes without statistics")
    assert _lot_table_estimate(database) < 0
    load_demo_firm(database.unit_of_work, SMALL, principal=TESTER)
    with database.unit_of_work() as uow:
        lots = uow.session.scalar(select(func.count()).select_from(TaxLotRow))
    assert _lot_table_estimate(database) == lots
    # A table the load left empty is not analyzed: planned as empty, it would be scanned
    # row by row while the model book's seeding fills it.
    assert _lot_table_estimate(database, "account_targets") < 0

    with database.unit_of_work() as uow:  # the day's feeds add lots the planner has not seen
        uow.session.execute(
            text(
                "INSERT INTO tax_lots SELECT id || '-new', account_id, security, quantity, "
                "cost_basis, acquired, holding_period_start, wash_sale_adjustment FROM tax_lots"
            )
        )
        uow.commit()
    with database.unit_of_work() as uow:
        uow.runs.refresh_statistics()
        uow.commit()
    assert _lot_table_estimate(database) == 2 * lots
