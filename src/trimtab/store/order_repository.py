"""SQL for orders and fills: a run's orders, and the books filled orders leave.

Orders are created in bulk with deterministic ids (`run:account:security:side`), so the
insert skips ids already stored. A batch of fills is booked in one transaction: lots
closed, changed and opened, cash, transactions (for the wash-sale lookback), custodian
positions, the households' realized gains this year, and one fill row per order, which
is also what marks the order filled.

    >>> # with db.unit_of_work() as uow: uow.orders.unfilled_orders(run_id)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from trimtab.domain import TaxLot, TradeRecord, TradeSide
from trimtab.domain.principal import Scope
from trimtab.domain.records import RecordDraft, RecordKind
from trimtab.services.order_ports import Booking, OrderLine
from trimtab.services.review_ports import pick_from_dict, pick_to_dict
from trimtab.store import mapping as m
from trimtab.store.data_tables import CustodianPositionRow, LotBasisUnknownRow
from trimtab.store.nightly_tables import FillRow, OrderRow
from trimtab.store.record_repository import SqlRecords
from trimtab.store.scope_sql import account_ids_condition, as_scope
from trimtab.store.tables import (
    AccountRow,
    CashBalanceRow,
    PriceRow,
    TaxLotRow,
    TaxProfileRow,
    TransactionRow,
)

__all__ = ["SqlOrderRepository"]

_IN = 500  # ids per IN (...) list: well under SQLite's parameter limit
PRICE_LOOKBACK = dt.timedelta(days=21)  # a close older than three weeks is no close to fill at


def _slices(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _IN):
        yield ids[start : start + _IN]


def _order_record(o: OrderLine) -> RecordDraft:
    """The order as a chained record (store/record_tables.py); amounts as exact strings."""
    content = {
        "id": o.id,
        "security": o.security,
        "side": o.side.value,
        "quantity": str(o.quantity),
        "price": str(o.price),
        "lots": [pick_to_dict(x) for x in o.lots],
        "created_by": o.created_by,
    }
    return RecordDraft(RecordKind.ORDER, o.run_id, o.account, None, o.created_at, content)


def _fill_record(b: Booking, f: Any, t: TradeRecord) -> RecordDraft:
    gain = None if t.realized_gain is None else str(t.realized_gain)
    content = {
        "id": f.order,
        "trade_date": f.date.isoformat(),
        "quantity": str(f.quantity),
        "price": str(f.price),
        "realized_gain": gain,
        "source": b.source,
        "filled_by": b.actor,
    }
    return RecordDraft(RecordKind.FILL, b.run_id, f.account, f.date, b.at, content)


class SqlOrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_orders(self, orders: Sequence[OrderLine]) -> list[OrderLine]:
        """Insert the orders not created yet (ids are deterministic); the new ones."""
        if not orders:
            return []
        existing: set[str] = set()
        for part in _slices([o.id for o in orders]):
            existing.update(self.session.scalars(select(OrderRow.id).where(OrderRow.id.in_(part))))
        new = [o for o in orders if o.id not in existing]
        if new:
            self.session.execute(
                insert(OrderRow),
                [
                    {
                        "id": o.id,
                        "run_id": o.run_id,
                        "account_id": o.account,
                        "security": o.security,
                        "side": o.side.value,
                        "quantity": o.quantity,
                        "price": o.price,
                        "lots": [pick_to_dict(x) for x in o.lots],
                        "created_by": o.created_by,
                        "created_at": o.created_at,
                    }
                    for o in new
                ],
            )
            SqlRecords(self.session).append([_order_record(o) for o in new])
        return new

    def orders(self, run_id: str, *, advisors: Scope | None = None) -> list[OrderLine]:
        # `advisors`: only the orders of accounts in that scope (the web app's reads for
        # an admin acting for an advisor), a condition of the statement itself.
        rows = self.session.scalars(
            select(OrderRow)
            .where(
                OrderRow.run_id == run_id,
                account_ids_condition(as_scope(advisors), OrderRow.account_id),
            )
            .order_by(OrderRow.security, OrderRow.side, OrderRow.account_id)
        )
        return [
            OrderLine(
                r.id,
                r.run_id,
                r.account_id,
                r.security,
                TradeSide(r.side),
                r.quantity,
                r.price,
                tuple(pick_from_dict(x) for x in r.lots),
                r.created_by,
                m.as_utc(r.created_at),
            )
            for r in rows
        ]

    def unfilled_orders(self, run_id: str, *, advisors: Scope | None = None) -> list[OrderLine]:
        filled = set(self.session.scalars(select(FillRow.order_id).where(FillRow.run_id == run_id)))
        return [o for o in self.orders(run_id, advisors=advisors) if o.id not in filled]

    def books(self, accounts: Sequence[str]) -> dict[str, tuple[list[TaxLot], Decimal]]:
        """Each account's open lots (in id order) and cash, read in bulk."""
        out: dict[str, tuple[list[TaxLot], Decimal]] = {a: ([], Decimal(0)) for a in accounts}
        for part in _slices(list(accounts)):
            for row in self.session.scalars(
                select(TaxLotRow).where(TaxLotRow.account_id.in_(part)).order_by(TaxLotRow.id)
            ):
                out[row.account_id][0].append(m.lot_from_row(row))
            for account, amount in self.session.execute(
                select(CashBalanceRow.account_id, CashBalanceRow.amount).where(
                    CashBalanceRow.account_id.in_(part)
                )
            ):
                out[account] = (out[account][0], amount)
        return out

    def closes_on(self, day: dt.date, securities: Collection[str]) -> dict[str, Decimal]:
        """Each security's latest close on or before `day` (within three weeks)."""
        wanted = sorted(set(securities))
        found: dict[str, Decimal] = {}
        for part in _slices(wanted):
            latest = (
                select(PriceRow.security, func.max(PriceRow.date).label("date"))
                .where(
                    PriceRow.security.in_(part),
                    PriceRow.date <= day,
                    PriceRow.date >= day - PRICE_LOOKBACK,
                )
                .group_by(PriceRow.security)
                .subquery()
            )
            found.update(
                self.session.execute(
                    select(PriceRow.security, PriceRow.close).join(
                        latest,
                        (PriceRow.security == latest.c.security) & (PriceRow.date == latest.c.date),
                    )
                ).all()
            )
        return found

    def book(self, booking: Booking) -> None:
        """Write a batch of fills and the books they leave; the caller commits."""
        s = self.session
        b = booking
        for part in _slices(list(b.closed)):
            s.execute(delete(LotBasisUnknownRow).where(LotBasisUnknownRow.lot_id.in_(part)))
            s.execute(delete(TaxLotRow).where(TaxLotRow.id.in_(part)))
        if b.changed:
            s.execute(
                update(TaxLotRow),
                [
                    {
                        "id": lot.id,
                        "quantity": lot.quantity,
                        "cost_basis": lot.cost_basis,
                        "wash_sale_adjustment": lot.wash_sale_adjustment,
                    }
                    for lot in b.changed
                ],
            )
        if b.new:
            s.execute(insert(TaxLotRow), [m.lot_to_row(lot) for lot in b.new])
        self._book_cash(b)
        self._book_positions(b)
        if b.trades:
            s.execute(
                insert(TransactionRow),
                [
                    {
                        "account_id": t.account,
                        "security": t.security,
                        "trade_date": t.date,
                        "side": t.side.value,
                        "quantity": t.quantity,
                        "price": t.price,
                        "realized_gain": t.realized_gain,
                    }
                    for t in b.trades
                ],
            )
        self._book_realized(b)
        if b.fills:
            s.execute(
                insert(FillRow),
                [
                    {
                        "order_id": f.order,
                        "run_id": b.run_id,
                        "account_id": f.account,
                        "trade_date": f.date,
                        "quantity": f.quantity,
                        "price": f.price,
                        "realized_gain": t.realized_gain,
                        "source": b.source,
                        "filled_by": b.actor,
                        "filled_at": b.at,
                    }
                    for f, t in zip(b.fills, b.trades, strict=True)
                ],
            )
            SqlRecords(s).append(
                [_fill_record(b, f, t) for f, t in zip(b.fills, b.trades, strict=True)]
            )

    def _book_cash(self, b: Booking) -> None:
        if not b.cash:
            return
        day = max(f.date for f in b.fills)
        have: set[str] = set()
        for part in _slices(list(b.cash)):
            have.update(
                self.session.scalars(
                    select(CashBalanceRow.account_id).where(CashBalanceRow.account_id.in_(part))
                )
            )
        rows = [{"account_id": a, "amount": v, "as_of": day} for a, v in b.cash.items()]
        if old := [r for r in rows if r["account_id"] in have]:
            self.session.execute(update(CashBalanceRow), old)
        if fresh := [r for r in rows if r["account_id"] not in have]:
            self.session.execute(insert(CashBalanceRow), fresh)

    def _book_positions(self, b: Booking) -> None:
        """The custodian's positions follow the fills, for accounts it reports on."""
        accounts = sorted({a for a, _ in b.positions})
        existing: set[tuple[str, str]] = set()
        reported: set[str] = set()
        for part in _slices(accounts):
            for account, security in self.session.execute(
                select(CustodianPositionRow.account_id, CustodianPositionRow.security).where(
                    CustodianPositionRow.account_id.in_(part)
                )
            ):
                existing.add((account, security))
                reported.add(account)
        day = max((f.date for f in b.fills), default=None)
        changed: list[dict[str, Any]] = []
        added: list[dict[str, Any]] = []
        gone: list[dict[str, Any]] = []
        for (account, security), quantity in sorted(b.positions.items()):
            row = {"account_id": account, "security": security, "quantity": quantity, "as_of": day}
            if (account, security) in existing:
                (changed if quantity > 0 else gone).append(row)
            elif account in reported and quantity > 0:
                added.append(row)
        if changed:
            self.session.execute(update(CustodianPositionRow), changed)
        if added:
            self.session.execute(insert(CustodianPositionRow), added)
        for row in gone:
            self.session.execute(
                delete(CustodianPositionRow).where(
                    CustodianPositionRow.account_id == row["account_id"],
                    CustodianPositionRow.security == row["security"],
                )
            )

    def _book_realized(self, b: Booking) -> None:
        """Realized gains this year, per household's tax profile."""
        if not b.realized:
            return
        households: dict[str, str] = {}
        for part in _slices(list(b.realized)):
            households.update(
                self.session.execute(
                    select(AccountRow.id, AccountRow.household_id).where(AccountRow.id.in_(part))
                ).all()
            )
        by_household: defaultdict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
        for account, (short, long) in b.realized.items():
            totals = by_household[households[account]]
            totals[0] += short
            totals[1] += long
        for household, (short, long) in by_household.items():
            self.session.execute(
                update(TaxProfileRow)
                .where(TaxProfileRow.household_id == household)
                .values(
                    realized_short_ytd=TaxProfileRow.realized_short_ytd + short,
                    realized_long_ytd=TaxProfileRow.realized_long_ytd + long,
                )
            )
