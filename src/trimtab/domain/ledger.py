"""The lot ledger: a household's transactions in, open tax lots and realized gains out.

Problem: to know what a sale costs in tax, trimtab needs every open lot of every account
with its basis and holding period, and every gain already realized, rebuilt from the
transactions a custodian reports. `replay` does that, applying in one pass:

- lot relief (`lot_relief`): FIFO, LIFO, HIFO or specific lots, per sell;
- realized gains: one `RealizedGain` per lot a sale (or a merger's cash) relieves,
  short-term when the lot was held one year or less (`holdings.is_long_term`);
- the wash-sale rule across the household (`wash_sales`);
- corporate actions (`corporate_actions`).

Transactions are replayed in date order, and in the order given on the same date. A rule
finding is a `Problem` naming the transaction (`transactions[3].quantity`): a sell of more
shares than the account holds that day, specific lots that do not exist, an account
nobody declared. The offending transaction is skipped and the replay goes on, so one run
reports every problem; a caller must not use a ledger that came with problems.

Output order is deterministic: lots by account, security, acquisition date, then creation
order (a lot created by dividing another one — a wash-sale match — comes after it);
realized gains in the order they happened.

    >>> import datetime as dt
    >>> from trimtab.domain.accounts import Account, TaxStatus
    >>> from trimtab.domain.transactions import Buy, ReliefMethod, Sell
    >>> t1 = Account("T1", household="H1", tax_status=TaxStatus.TAXABLE)
    >>> ledger, problems = replay(History(ReliefMethod.FIFO, (t1,), transactions=(
    ...     Buy(dt.date(2025, 1, 2), "T1", "X", Decimal(100), Decimal(10)),
    ...     Sell(dt.date(2025, 6, 2), "T1", "X", Decimal(100), Decimal("7.5")),
    ...     Buy(dt.date(2025, 6, 20), "T1", "X", Decimal(100), Decimal(8)),
    ... )))
    >>> lot, = ledger.lots
    >>> lot.cost_basis, lot.holding_period_start
    (Decimal('1050.0'), datetime.date(2025, 1, 20))
    >>> ledger.realized[0].gain, ledger.realized[0].wash_sale_disallowed
    (Decimal('-250.0'), Decimal('250.0'))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from trimtab.domain.accounts import Account
from trimtab.domain.corporate_actions import (
    Disposal,
    merge_lot,
    rename_lot,
    spin_off_lot,
    split_lot,
)
from trimtab.domain.holdings import TaxLot, Term
from trimtab.domain.lot_relief import divide, relief_order
from trimtab.domain.money import ZERO
from trimtab.domain.problems import Problem
from trimtab.domain.transactions import (
    Buy,
    Merger,
    ReliefMethod,
    Rename,
    Sell,
    SpinOff,
    Split,
    Transaction,
)
from trimtab.domain.wash_sales import WASH_SALE_WINDOW, PendingLoss, WashScope, disallow

__all__ = ["History", "Ledger", "LedgerBook", "RealizedGain", "replay"]


@dataclass(frozen=True, slots=True)
class History:
    """What to replay: the household's accounts and their transactions in file order."""

    method: ReliefMethod
    accounts: tuple[Account, ...]
    wash_groups: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    transactions: tuple[Transaction, ...] = ()


@dataclass(frozen=True, slots=True)
class RealizedGain:
    """Shares of one lot leaving the ledger for cash, and the gain or loss that made.

    `gain` is before any wash-sale disallowance; the deductible part is `deductible_gain`.
    """

    date: dt.date
    account: str
    security: str
    quantity: Decimal
    proceeds: Decimal
    cost_basis: Decimal
    acquired: dt.date
    term: Term
    transaction: int  # position of the transaction in the history
    wash_sale_disallowed: Decimal = ZERO

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.cost_basis

    @property
    def deductible_gain(self) -> Decimal:
        return self.gain + self.wash_sale_disallowed


@dataclass(frozen=True, slots=True)
class Ledger:
    lots: tuple[TaxLot, ...]
    realized: tuple[RealizedGain, ...]


def replay(history: History) -> tuple[Ledger, tuple[Problem, ...]]:
    book = _Book(history)
    dated = sorted(enumerate(history.transactions), key=lambda pair: pair[1].date)
    for index, transaction in dated:
        book.apply(index, transaction)
    return book.ledger(), tuple(book.problems)


class LedgerBook:
    """`replay` one transaction at a time, for a caller that lives through the days.

    A shadow run (trimtab.simulate) trades every day and needs the lots after each day;
    replaying the whole history each time would cost O(days²). Recording the transactions
    here, in date order, gives exactly what `replay` gives on the same history: the same
    lots (ids included), the same realized gains and wash-sale adjustments.

        >>> import datetime as dt
        >>> from trimtab.domain.accounts import Account, TaxStatus
        >>> from trimtab.domain.transactions import Buy, ReliefMethod, Sell
        >>> book = LedgerBook(ReliefMethod.FIFO, (Account("T1", "H1", TaxStatus.TAXABLE),))
        >>> book.record(Buy(dt.date(2025, 1, 2), "T1", "X", Decimal(100), Decimal(10)))
        ()
        >>> book.record(Sell(dt.date(2025, 6, 2), "T1", "X", Decimal(100), Decimal(8)))
        ()
        >>> book.ledger().realized[0].gain
        Decimal('-200')
    """

    def __init__(
        self,
        method: ReliefMethod,
        accounts: tuple[Account, ...],
        wash_groups: Mapping[str, str] | None = None,
    ) -> None:
        self._book = _Book(History(method, accounts, MappingProxyType(dict(wash_groups or {}))))
        self._count = 0
        self._last: dt.date | None = None

    def record(self, transaction: Transaction) -> tuple[Problem, ...]:
        """Apply one transaction; its problems (paths `transactions[i]...`), if any.

        Raises ValueError for a transaction dated before the last one: replay order is
        date order, so an earlier date would be a caller's bug, not a rule finding.
        """
        if self._last is not None and transaction.date < self._last:
            raise ValueError(
                f"LedgerBook records in date order: {transaction.date} after {self._last}"
            )
        self._last = transaction.date
        before = len(self._book.problems)
        self._book.apply(self._count, transaction)
        self._count += 1
        return tuple(self._book.problems[before:])

    def ledger(self) -> Ledger:
        return self._book.ledger()

    @property
    def realized_count(self) -> int:
        """How many realized gains so far: `ledger().realized[n:]` are the newer ones."""
        return len(self._book.realized)


@dataclass(frozen=True, slots=True)
class _Held:
    """An open lot with the bookkeeping the wash-sale rule needs and a lot does not show."""

    lot: TaxLot
    order: int  # creation order: the last tie-break everywhere
    purchase: int | None  # the buy it came from; None if it arrived by a corporate action
    replaced_a_loss: bool = False  # a share replaces at most one sold share

    @property
    def can_replace(self) -> bool:
        return self.purchase is not None and not self.replaced_a_loss


class _Book:
    """The replay's working state; private, so its mutation never leaks out of `replay`."""

    def __init__(self, history: History) -> None:
        self.method = history.method
        self.scope = WashScope(
            accounts=MappingProxyType({a.id: a for a in history.accounts}),
            wash_groups=MappingProxyType(dict(history.wash_groups)),
        )
        self.held: list[_Held] = []
        self.realized: list[RealizedGain] = []
        self.pending: list[PendingLoss] = []
        self.problems: list[Problem] = []
        self._created = 0

    def ledger(self) -> Ledger:
        ordered = sorted(
            self.held,
            key=lambda h: (h.lot.account, h.lot.security, h.lot.acquired, h.order),
        )
        return Ledger(tuple(h.lot for h in ordered), tuple(self.realized))

    def apply(self, index: int, transaction: Transaction) -> None:
        if transaction.account not in self.scope.accounts:
            self.problems.append(
                Problem(
                    f"transactions[{index}].account",
                    f"unknown account {transaction.account!r}: declare it under accounts",
                )
            )
            return
        match transaction:
            case Buy():
                self._buy(index, transaction)
            case Sell():
                self._sell(index, transaction)
            case Split():
                self._split(transaction)
            case SpinOff():
                self._spin_off(transaction)
            case Merger():
                self._merge(index, transaction)
            case Rename():
                self._rename(transaction)

    # -- trades ---------------------------------------------------------------------------

    def _buy(self, index: int, buy: Buy) -> None:
        order = self._next_order()
        lot = TaxLot(f"L{order}", buy.account, buy.security, buy.quantity, buy.cost, buy.date)
        self._match_later_purchase(_Held(lot, order, purchase=index))

    def _sell(self, index: int, sell: Sell) -> None:
        plan = self._relief_plan(index, sell)
        if plan is None:
            return
        # Every lot leaves before any loss looks for replacements: the shares sold
        # together never replace one another.
        sold: list[tuple[Disposal, int | None]] = []
        proceeds_left = sell.proceeds
        shares_left = sell.quantity
        for held, shares in plan:
            # The last lot takes the exact remaining proceeds, so pieces add up to the sale.
            proceeds = proceeds_left if shares == shares_left else sell.price * shares
            proceeds_left -= proceeds
            shares_left -= shares
            taken, _, _ = self._take(held, shares)
            sold.append((Disposal(taken, proceeds), held.purchase))
        for disposal, purchase in sold:
            self._realize(index, sell.date, disposal, purchase=purchase)

    def _relief_plan(self, index: int, sell: Sell) -> list[tuple[_Held, Decimal]] | None:
        mine = [h for h in self.held if _holds(h, sell.account, sell.security)]
        held_shares = sum((h.lot.quantity for h in mine), ZERO)
        if sell.quantity > held_shares:
            self.problems.append(
                Problem(
                    f"transactions[{index}].quantity",
                    f"sells {sell.quantity} {sell.security} but account {sell.account} holds "
                    f"{held_shares} on {sell.date}: fix the quantity or add the missing buy",
                )
            )
            return None
        if sell.picks:
            return self._specific_lots(index, sell, mine)
        plan: list[tuple[_Held, Decimal]] = []
        left = sell.quantity
        for lot, held in relief_order([(h.lot, h) for h in mine], sell.method or self.method):
            if left == 0:
                break
            shares = min(left, lot.quantity)
            plan.append((held, shares))
            left -= shares
        return plan

    def _specific_lots(
        self, index: int, sell: Sell, mine: list[_Held]
    ) -> list[tuple[_Held, Decimal]] | None:
        where = f"transactions[{index}].lots"
        picked = sum((p.quantity for p in sell.picks), ZERO)
        if picked != sell.quantity:
            self.problems.append(
                Problem(
                    where, f"the lots add up to {picked} shares but the sell is {sell.quantity}"
                )
            )
            return None
        plan: dict[int, tuple[_Held, Decimal]] = {}
        found_all = True
        for k, pick in enumerate(sell.picks):
            same_day = [h for h in mine if h.lot.acquired == pick.acquired]
            if not same_day:
                dates = ", ".join(sorted({h.lot.acquired.isoformat() for h in mine})) or "none"
                self.problems.append(
                    Problem(
                        f"{where}[{k}].acquired",
                        f"no lot of {sell.security} acquired on {pick.acquired} in account "
                        f"{sell.account} (lots acquired: {dates})",
                    )
                )
                found_all = False
                continue
            left = pick.quantity
            for held in same_day:
                already = plan[held.order][1] if held.order in plan else ZERO
                shares = min(left, held.lot.quantity - already)
                if shares > 0:
                    plan[held.order] = (held, already + shares)
                    left -= shares
            if left > 0:
                self.problems.append(
                    Problem(
                        f"{where}[{k}].quantity",
                        f"only {pick.quantity - left} shares of the lots acquired on "
                        f"{pick.acquired} are left to sell, not {pick.quantity}",
                    )
                )
                found_all = False
        return list(plan.values()) if found_all else None

    # -- corporate actions -----------------------------------------------------------------

    def _split(self, action: Split) -> None:
        for i, held in self._positions(action.account, action.security):
            self.held[i] = replace(held, lot=split_lot(held.lot, action.ratio))

    def _spin_off(self, action: SpinOff) -> None:
        for i, held in self._positions(action.account, action.security):
            order = self._next_order()
            parent, child = spin_off_lot(held.lot, action, child_id=f"L{order}")
            self.held[i] = replace(held, lot=parent)
            # Received, not purchased: a child lot never replaces a sold share.
            self.held.append(_Held(child, order, purchase=None))

    def _merge(self, index: int, action: Merger) -> None:
        if action.stock_basis_fraction is None:
            self.problems.append(
                Problem(
                    f"transactions[{index}].basis_allocation",
                    "a merger paying both stock and cash needs basis_allocation (the fraction "
                    "of basis the new stock carries) or new_security_price",
                )
            )
            return
        cash_parts: list[tuple[Disposal, int | None]] = []
        for i, held in reversed(list(self._positions(action.account, action.security))):
            order = self._next_order()
            stock, cash = merge_lot(held.lot, action, new_id=f"L{order}", cash_id=held.lot.id)
            del self.held[i]
            if stock is not None:
                self.held.append(_Held(stock, order, purchase=None))
            if cash is not None:
                cash_parts.append((cash, held.purchase))
        for disposal, purchase in reversed(cash_parts):
            self._realize(index, action.date, disposal, purchase=purchase)

    def _rename(self, action: Rename) -> None:
        for i, held in self._positions(action.account, action.security):
            self.held[i] = replace(held, lot=rename_lot(held.lot, action.new_security))
        self.scope = self.scope.renamed(action.security, action.new_security)

    # -- realized gains and the wash-sale rule --------------------------------------------

    def _realize(self, index: int, date: dt.date, sold: Disposal, *, purchase: int | None) -> None:
        lot = sold.lot
        self.realized.append(
            RealizedGain(
                date=date,
                account=lot.account,
                security=lot.security,
                quantity=lot.quantity,
                proceeds=sold.proceeds,
                cost_basis=lot.cost_basis,
                acquired=lot.acquired,
                term=lot.term_on(date),
                transaction=index,
            )
        )
        if sold.gain >= 0 or not self.scope.is_taxable(lot.account):
            return
        pending = PendingLoss(
            realized=len(self.realized) - 1,
            household=self.scope.household_of(lot.account),
            group=self.scope.group_of(lot.security),
            sold_on=date,
            purchase=purchase,
            sold_period_start=lot.period_start,
            unmatched_quantity=lot.quantity,
            unmatched_loss=-sold.gain,
        )
        self.pending.append(self._match_earlier_purchases(pending))

    def _match_earlier_purchases(self, pending: PendingLoss) -> PendingLoss:
        """Replacements bought in the 30 days before the sale and still held, earliest first."""
        candidates = sorted(
            (h for h in self.held if self._replaces(pending, h)),
            key=lambda h: (h.lot.acquired, h.order),
        )
        for held in candidates:
            if pending.unmatched_quantity == 0:
                break
            pending, _ = self._record_match(pending, held)
        return pending

    def _match_later_purchase(self, bought: _Held) -> None:
        """A new purchase replaces the pending losses of the last 30 days, oldest first."""
        self.pending = [
            p
            for p in self.pending
            if p.unmatched_quantity > 0 and bought.lot.acquired - p.sold_on <= WASH_SALE_WINDOW
        ]
        self.held.append(bought)
        rest: _Held | None = bought
        for n, pending in enumerate(self.pending):
            if rest is None:
                break
            if self._replaces(pending, rest):
                self.pending[n], rest = self._record_match(pending, rest)

    def _replaces(self, pending: PendingLoss, held: _Held) -> bool:
        return held.can_replace and pending.can_be_replaced_by(
            household=self.scope.household_of(held.lot.account),
            group=self.scope.group_of(held.lot.security),
            acquired=held.lot.acquired,
            purchase=held.purchase,
        )

    def _record_match(self, pending: PendingLoss, held: _Held) -> tuple[PendingLoss, _Held | None]:
        """Make as many shares of `held` as the loss still needs its replacement.

        Returns what is left pending and what is left of `held` (None if all of it matched).
        """
        shares = min(pending.unmatched_quantity, held.lot.quantity)
        piece, order, rest = self._take(held, shares)
        disallowed, replacement, left = disallow(
            pending, piece, taxable=self.scope.is_taxable(piece.account)
        )
        self.held.append(_Held(replacement, order, held.purchase, replaced_a_loss=True))
        gain = self.realized[pending.realized]
        self.realized[pending.realized] = replace(
            gain, wash_sale_disallowed=gain.wash_sale_disallowed + disallowed
        )
        return left, rest

    # -- helpers ---------------------------------------------------------------------------

    def _take(self, held: _Held, shares: Decimal) -> tuple[TaxLot, int, _Held | None]:
        """Divide `shares` off a held lot: (the part taken, its creation order, the rest).

        The rest stays held in place under the lot's id and order.
        """
        order = self._next_order()
        taken, rest_lot = divide(held.lot, shares, taken_id=f"L{order}")
        i = self.held.index(held)
        if rest_lot is None:
            del self.held[i]
            return taken, order, None
        rest = replace(held, lot=rest_lot)
        self.held[i] = rest
        return taken, order, rest

    def _positions(self, account: str, security: str) -> Iterator[tuple[int, _Held]]:
        return ((i, h) for i, h in enumerate(list(self.held)) if _holds(h, account, security))

    def _next_order(self) -> int:
        self._created += 1
        return self._created


def _holds(held: _Held, account: str, security: str) -> bool:
    return held.lot.account == account and held.lot.security == security
