"""Bulk writes: a whole firm's rows in chunks, inside the caller's transaction.

Loading 100,000 accounts row by row through the ORM would spend its time building
objects and tracking identity. The loader converts each `Batch` of domain values to plain
dicts (`mapping.py`) and hands every table's list to one Core `INSERT` executed with
many parameter sets (SQLAlchemy batches them as executemany / insertmanyvalues), in
foreign-key order; on PostgreSQL, one COPY per table instead. It never commits: the
unit of work around it decides, so a failure in the 40th chunk rolls back the first 39.

    >>> # with uow: uow.bulk.write(Batch(securities=[Security("AAPL")])); uow.commit()
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Table, delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from trimtab.services.ports import Batch
from trimtab.store import mapping as m
from trimtab.store.tables import (
    AccountRow,
    AdvisorRow,
    AllocationWeightRow,
    AssetAllocationRow,
    AssetClassRow,
    Base,
    BranchRow,
    CashBalanceRow,
    FirmRow,
    HouseholdRow,
    ModelRow,
    ModelWeightRow,
    PriceRow,
    ProgramRow,
    RestrictionRow,
    SecurityRow,
    TaxLotRow,
    TaxProfileRow,
    TransactionRow,
)

__all__ = ["SqlBulkLoader", "analyze", "insert_rows"]

Rows = Callable[[Batch], Iterable[dict[str, Any]]]


def _each(field: str, convert: Callable[[Any], dict[str, Any]]) -> Rows:
    return lambda batch: (convert(item) for item in getattr(batch, field))


def _asset_classes_parents_first(batch: Batch) -> Iterable[dict[str, Any]]:
    # A class may name a parent defined later in the same batch; roots go first.
    rows = [m.asset_class_to_row(c) for c in batch.asset_classes]
    ids = {r["id"] for r in rows}
    depth: dict[str, int] = {}

    def level(row_id: str) -> int:
        if row_id not in depth:
            parent = next(r["parent_id"] for r in rows if r["id"] == row_id)
            depth[row_id] = 0 if parent not in ids else 1 + level(parent)
        return depth[row_id]

    return sorted(rows, key=lambda r: level(r["id"]))


# Tables in foreign-key order; each with how its rows come out of a batch.
_PLAN: Sequence[tuple[Table, Rows]] = [
    (FirmRow.__table__, _each("firms", m.firm_to_row)),  # type: ignore[list-item]
    (ProgramRow.__table__, _each("programs", m.program_to_row)),  # type: ignore[list-item]
    (BranchRow.__table__, _each("branches", m.branch_to_row)),  # type: ignore[list-item]
    (AdvisorRow.__table__, _each("advisors", m.advisor_to_row)),  # type: ignore[list-item]
    (AssetClassRow.__table__, _asset_classes_parents_first),  # type: ignore[list-item]
    (SecurityRow.__table__, _each("securities", m.security_to_row)),  # type: ignore[list-item]
    (PriceRow.__table__, _each("prices", m.price_to_row)),  # type: ignore[list-item]
    (
        AssetAllocationRow.__table__,  # type: ignore[list-item]
        lambda b: ({"id": a.id, "name": a.name} for a in b.allocations),
    ),
    (
        AllocationWeightRow.__table__,  # type: ignore[list-item]
        lambda b: (w for a in b.allocations for w in m.allocation_weights_to_rows(a)),
    ),
    (ModelRow.__table__, lambda b: ({"id": x.id, "name": x.name} for x in b.models)),  # type: ignore[list-item]
    (
        ModelWeightRow.__table__,  # type: ignore[list-item]
        lambda b: (w for x in b.models for w in m.model_weights_to_rows(x)),
    ),
    (HouseholdRow.__table__, _each("households", m.household_to_row)),  # type: ignore[list-item]
    (TaxProfileRow.__table__, _each("tax_profiles", m.tax_profile_to_row)),  # type: ignore[list-item]
    (AccountRow.__table__, _each("accounts", m.account_to_row)),  # type: ignore[list-item]
    (TaxLotRow.__table__, _each("lots", m.lot_to_row)),  # type: ignore[list-item]
    (CashBalanceRow.__table__, _each("cash", m.cash_to_row)),  # type: ignore[list-item]
    (RestrictionRow.__table__, _each("restrictions", m.restriction_to_row)),  # type: ignore[list-item]
    (TransactionRow.__table__, _each("trades", m.trade_to_row)),  # type: ignore[list-item]
]

# Large tables go to the database in slices, so one statement's parameters stay small.
CHUNK_ROWS = 20_000


def insert_rows(
    session: Session, target: Table | type[Base], rows: Sequence[dict[str, Any]]
) -> None:
    """Rows (dicts with the same keys) into a table (or a mapped class's), in the
    session's transaction.

    PostgreSQL gets one COPY; other databases one Core INSERT with many parameter sets per
    `CHUNK_ROWS` (not the ORM's bulk path, which costs per row). Either way a constraint
    violation raises SQLAlchemy's IntegrityError, so callers handle one kind of error.
    """
    if not rows:
        return
    table: Table = target if isinstance(target, Table) else target.__table__  # type: ignore[assignment]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(session, table, rows)
        return
    for start in range(0, len(rows), CHUNK_ROWS):
        connection.execute(insert(table), list(rows[start : start + CHUNK_ROWS]))


def analyze(session: Session, tables: Sequence[str]) -> None:
    """PostgreSQL's ANALYZE of these tables: fresh statistics for the planner. SQLite's
    planner prefers the indexes without statistics: nothing to do there."""
    if tables and session.connection().dialect.name == "postgresql":
        names = ", ".join(f'"{name}"' for name in tables)
        session.execute(text(f"ANALYZE {names}"))  # table names from the schema, no input


def _copy(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL's COPY, on the session's own connection and transaction.

    An INSERT per row costs a statement's execution on both ends; COPY streams the rows
    in one command, several times faster for a million prices or a night's analyses.
    Values go as they are (the project's column types pass Decimals through on
    PostgreSQL); JSON columns are serialized here, as the JSON type would.
    """
    columns = list(rows[0])
    as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    connection = session.connection()
    dbapi = connection.dialect.loaded_dbapi
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])
    except dbapi.Error as error:
        # Raise what an INSERT would have raised (IntegrityError, ...).
        raise DBAPIError.instance(statement, None, error, dbapi.Error) from error


class SqlBulkLoader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._written: set[str] = set()

    def is_empty(self) -> bool:
        connection = self.session.connection()
        for row in (SecurityRow, HouseholdRow, AccountRow, AssetClassRow):
            if connection.execute(select(func.count()).select_from(row)).scalar_one():
                return False
        return True

    def clear(self) -> None:
        connection = self.session.connection()
        for table in reversed(Base.metadata.sorted_tables):
            if not table.info.get("append_only"):  # the audit trail outlives a reload
                connection.execute(delete(table))

    def write(self, batch: Batch) -> None:
        for table, rows_of in _PLAN:
            rows = list(rows_of(batch))
            insert_rows(self.session, table, rows)
            if rows:
                self._written.add(table.name)

    def refresh_statistics(self) -> None:
        """ANALYZE, on PostgreSQL, the tables this loader wrote: until autovacuum does, the
        planner would plan for the empty tables it saw before (scans, not indexes).

        Only those: a table analyzed while still empty is then planned as empty while the
        next step fills it row by row (every look-up a scan of a growing table), worse
        than no statistics at all.
        """
        analyze(self.session, sorted(self._written))

    def counts(self) -> dict[str, int]:
        connection = self.session.connection()
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
