"""`FakeOrderRepository`: a run's orders, their fills and the books they leave, in memory.

Follows `store/order_repository.py`: order ids already stored are skipped, an order with
a fill is filled, and a `Booking` closes, changes and opens lots, sets cash and the
custodian positions of accounts the custodian reports on, and keeps the trades.

>>> import datetime as dt
>>> from decimal import Decimal
>>> repo = FakeOrderRepository(closes={"VOO": [(dt.date(2025, 6, 27), Decimal("500"))]})
>>> repo.closes_on(dt.date(2025, 6, 30), {"VOO", "VTI"})
{'VOO': Decimal('500')}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal

from trimtab.domain.executions import Fill
from trimtab.domain.holdings import TaxLot
from trimtab.domain.trade_history import TradeRecord
from trimtab.services.order_ports import Booking, OrderLine

__all__ = ["FakeOrderRepository"]

PRICE_LOOKBACK = dt.timedelta(days=21)


class FakeOrderRepository:
    def __init__(
        self,
        *,
        lots: Iterable[TaxLot] = (),
        cash: Mapping[str, Decimal] | None = None,
        closes: Mapping[str, Sequence[tuple[dt.date, Decimal]]] | None = None,
        positions: Mapping[tuple[str, str], Decimal] | None = None,
    ) -> None:
        self.by_id: dict[str, OrderLine] = {}
        self.lots: dict[str, TaxLot] = {lot.id: lot for lot in lots}
        self.cash: dict[str, Decimal] = dict(cash or {})
        self.closes: dict[str, list[tuple[dt.date, Decimal]]] = {
            s: sorted(points) for s, points in (closes or {}).items()
        }
        self.positions: dict[tuple[str, str], Decimal] = dict(positions or {})
        self.fills: dict[str, Fill] = {}
        self.trades: list[TradeRecord] = []
        self.realized: dict[str, tuple[Decimal, Decimal]] = {}
        self.bookings: list[Booking] = []

    def add_orders(self, orders: Sequence[OrderLine]) -> list[OrderLine]:
        new = [o for o in orders if o.id not in self.by_id]
        for o in new:
            self.by_id[o.id] = o
        return new

    def orders(self, run_id: str) -> list[OrderLine]:
        return sorted(
            (o for o in self.by_id.values() if o.run_id == run_id),
            key=lambda o: (o.security, o.side, o.account),
        )

    def unfilled_orders(self, run_id: str) -> list[OrderLine]:
        return [o for o in self.orders(run_id) if o.id not in self.fills]

    def books(self, accounts: Sequence[str]) -> dict[str, tuple[list[TaxLot], Decimal]]:
        return {
            a: (
                sorted((x for x in self.lots.values() if x.account == a), key=lambda x: x.id),
                self.cash.get(a, Decimal(0)),
            )
            for a in accounts
        }

    def closes_on(self, day: dt.date, securities: Collection[str]) -> dict[str, Decimal]:
        out = {}
        for security in securities:
            points = [
                close
                for date, close in self.closes.get(security, ())
                if day - PRICE_LOOKBACK <= date <= day
            ]
            if points:
                out[security] = points[-1]
        return out

    def book(self, booking: Booking) -> None:
        self.bookings.append(booking)
        for lot_id in booking.closed:
            self.lots.pop(lot_id, None)
        for lot in (*booking.changed, *booking.new):
            self.lots[lot.id] = lot
        self.cash.update(booking.cash)
        reported = {a for a, _s in self.positions}
        for (account, security), quantity in booking.positions.items():
            if quantity <= 0:
                self.positions.pop((account, security), None)
            elif account in reported:
                self.positions[(account, security)] = quantity
        self.trades += booking.trades
        for account, (short, long) in booking.realized.items():
            old_short, old_long = self.realized.get(account, (Decimal(0), Decimal(0)))
            self.realized[account] = (old_short + short, old_long + long)
        for fill in booking.fills:
            self.fills[fill.order] = fill
