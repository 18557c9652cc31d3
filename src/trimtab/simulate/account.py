"""The simulated account: the lot ledger, cash and a trade log, living through the days.

Problem: a shadow run must keep the account exactly as a custodian and the tax code
would: every buy a lot, every sale relieving the lots the engine chose, realized gains by
term, wash-sale adjustments. Re-implementing any of that would make the study test a
copy, not trimtab.

Rule: every trade goes through the real lot ledger (`trimtab.domain.ledger.LedgerBook`),
one transaction at a time in date order; the account keeps only what the ledger does not:
cash (which earns the cash return), a share count per stock for fast valuation (always
equal to the ledger's lots; a test checks it) and the log of trades the wash-sale rules
of the next cases read. A sale names its lots by acquisition date (the ledger's specific
identification), so the engine's lot choice is what the ledger relieves.
Trading cost (`cost_rate` × value) comes out of cash; it is not added to the basis.

Worked example: deposit $1,000, buy 5 X at $100 with 10 bp cost: cash $499.50, one lot
of 5 shares with basis $500.

    >>> import datetime as dt
    >>> acct = SimulatedAccount(("X",))
    >>> acct.deposit(1000.0)
    >>> _ = acct.buy(dt.date(2020, 1, 2), 0, 5.0, 100.0, cost_rate=0.001)
    >>> round(acct.cash, 2), [(float(lot.quantity), float(lot.cost_basis)) for lot in acct.lots()]
    (499.5, [(5.0, 500.0)])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from trimtab.domain.accounts import Account, TaxStatus
from trimtab.domain.holdings import TaxLot
from trimtab.domain.ledger import LedgerBook, RealizedGain
from trimtab.domain.lot_relief import relief_order
from trimtab.domain.money import ZERO, round_shares, to_decimal
from trimtab.domain.transactions import Buy, LotPick, ReliefMethod, Sell
from trimtab.simulate.market import Floats

__all__ = ["ACCOUNT_ID", "HOUSEHOLD_ID", "SimulatedAccount", "TradeRecord"]

ACCOUNT_ID = "SIM"
HOUSEHOLD_ID = "HH"


@dataclass(frozen=True, slots=True)
class TradeRecord:
    date: dt.date
    security: str
    side: str  # "buy" or "sell"
    quantity: float
    value: float
    cost: float
    realized_gain: float = 0.0  # sells: the ledger's gain (before any wash-sale disallowance)
    realized_loss: float = 0.0  # sells: the part from lots sold at a loss (≤ 0)
    # What the ledger was given, so the trade log replays through `trimtab lots replay`
    # exactly (simulate/trade_log.py): the price per share and, for a sale, its lots.
    price: float = 0.0
    lots: tuple[LotPick, ...] = ()

    @property
    def is_loss_sale(self) -> bool:
        """Any lot sold at a loss makes it one for the wash-sale rule, whatever the net."""
        return self.side == "sell" and self.realized_loss < 0


class SimulatedAccount:
    """One taxable account of one household; mutable, owned by one run."""

    def __init__(
        self, tickers: Sequence[str], wash_groups: Mapping[str, str] | None = None
    ) -> None:
        self.tickers = tuple(tickers)
        self._index = {t: i for i, t in enumerate(self.tickers)}
        # The wash groups (ticker -> group) the ledger applies: share classes of one issuer
        # in one group, as the engine's case says; None: each security its own.
        account = Account(ACCOUNT_ID, HOUSEHOLD_ID, TaxStatus.TAXABLE)
        self.book = LedgerBook(ReliefMethod.HIFO, (account,), wash_groups)
        self.cash = 0.0
        self.shares: Floats = np.zeros(len(self.tickers))
        self.trades: list[TradeRecord] = []
        self._lots: tuple[TaxLot, ...] | None = ()

    # -- cash ------------------------------------------------------------------------------

    def deposit(self, amount: float) -> None:
        """Cash in (a contribution, a tax refund) or out (negative: a withdrawal, a tax)."""
        self.cash += amount

    def earn_interest(self, rate: float) -> None:
        self.cash *= 1.0 + rate

    def value(self, prices: Floats) -> float:
        return self.cash + float(self.shares @ prices)

    # -- trades ----------------------------------------------------------------------------

    def transfer_in(self, acquired: dt.date, i: int, quantity: float, basis: float) -> None:
        """A lot the account already held when the run starts (no cash moves)."""
        shares = round_shares(to_decimal(quantity))
        self._record(Buy(acquired, ACCOUNT_ID, self.tickers[i], shares, to_decimal(basis)))
        self.shares[i] += float(shares)

    def buy(
        self, day: dt.date, i: int, quantity: float, price: float, *, cost_rate: float
    ) -> TradeRecord:
        shares = round_shares(to_decimal(quantity))
        if shares <= 0:
            raise ValueError(f"buy of {quantity} {self.tickers[i]}: quantity must be positive")
        self._record(Buy(day, ACCOUNT_ID, self.tickers[i], shares, to_decimal(price)))
        value = float(shares) * price
        record = TradeRecord(
            day, self.tickers[i], "buy", float(shares), value, cost_rate * value, price=price
        )
        self.cash -= value + record.cost
        self.shares[i] += float(shares)
        self.trades.append(record)
        return record

    def sell(
        self,
        day: dt.date,
        i: int,
        picks: Sequence[tuple[str, float]],
        price: float,
        *,
        cost_rate: float,
    ) -> TradeRecord:
        """Sell the named lots (lot id, shares); shares are capped at what the lot holds."""
        lots = {lot.id: lot for lot in self.lots()}
        by_date: dict[dt.date, Decimal] = {}
        for lot_id, quantity in picks:
            lot = lots[lot_id]
            shares = min(lot.quantity, round_shares(to_decimal(quantity)))
            by_date[lot.acquired] = by_date.get(lot.acquired, ZERO) + shares
        chosen = tuple(LotPick(d, q) for d, q in sorted(by_date.items()) if q > 0)
        total = sum((p.quantity for p in chosen), ZERO)
        return self._sell(day, i, total, price, chosen, cost_rate=cost_rate)

    def sell_highest_basis(
        self, day: dt.date, i: int, quantity: float, price: float, *, cost_rate: float
    ) -> TradeRecord:
        """Sell `quantity` shares, highest basis first (HIFO), as a simple custodian would."""
        mine = [(lot, lot) for lot in self.lots() if lot.security == self.tickers[i]]
        left = min(round_shares(to_decimal(quantity)), sum((lot.quantity for lot, _ in mine), ZERO))
        by_date: dict[dt.date, Decimal] = {}
        for lot, _ in relief_order(mine, ReliefMethod.HIFO):
            if left <= 0:
                break
            take = min(left, lot.quantity)
            by_date[lot.acquired] = by_date.get(lot.acquired, ZERO) + take
            left -= take
        chosen = tuple(LotPick(d, q) for d, q in sorted(by_date.items()))
        total = sum((p.quantity for p in chosen), ZERO)
        return self._sell(day, i, total, price, chosen, cost_rate=cost_rate)

    def _sell(
        self,
        day: dt.date,
        i: int,
        shares: Decimal,
        price: float,
        picks: tuple[LotPick, ...],
        *,
        cost_rate: float,
    ) -> TradeRecord:
        before = self.book.realized_count
        self._record(Sell(day, ACCOUNT_ID, self.tickers[i], shares, to_decimal(price), picks=picks))
        gains = self.realized()[before:]
        value = float(shares) * price
        record = TradeRecord(
            day,
            self.tickers[i],
            "sell",
            float(shares),
            value,
            cost_rate * value,
            float(sum((g.gain for g in gains), ZERO)),
            float(sum((g.gain for g in gains if g.gain < 0), ZERO)),
            price=price,
            lots=picks,
        )
        self.cash += value - record.cost
        self.shares[i] = max(0.0, self.shares[i] - float(shares))
        self.trades.append(record)
        return record

    def _record(self, transaction: Buy | Sell) -> None:
        problems = self.book.record(transaction)
        if problems:
            # The account only sends what its own lots allow: a problem is a simulator bug.
            raise RuntimeError(f"ledger refused {transaction}: {problems[0]}")
        self._lots = None

    # -- reading ---------------------------------------------------------------------------

    def lots(self) -> tuple[TaxLot, ...]:
        """The open lots (cached until the next trade)."""
        if self._lots is None:
            self._lots = self.book.ledger().lots
        return self._lots

    def realized(self) -> tuple[RealizedGain, ...]:
        return self.book.ledger().realized

    def recent_trades(self, day: dt.date, window_days: int = 30) -> list[TradeRecord]:
        """Trades dated in [day − window, day], newest last."""
        start = day - dt.timedelta(days=window_days)
        out: list[TradeRecord] = []
        for record in reversed(self.trades):
            if record.date < start:
                break
            out.append(record)
        return out[::-1]
