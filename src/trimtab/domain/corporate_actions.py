"""Corporate actions on tax lots: splits, spin-offs, mergers and renames.

A corporate action changes what a lot *is* without the holder trading. The rules (the
lot ledger section of OPTIMIZER.md), each lot by itself:

- Split r:1 (reverse split: r < 1): quantity × r, the same total basis (so basis per
  share ÷ r), the same acquisition date and holding period.
- Spin-off: the parent lot stays; a child lot of `ratio` child shares per parent share
  appears with the same dates, carrying `basis_allocation` of the parent's basis (and the
  same share of any wash-sale adjustment). Total basis is unchanged.
- Merger: the stock part converts at `ratio` and carries its fraction of the basis and
  the dates; the cash part is a sale: proceeds `cash_per_share` × shares against the rest
  of the basis, a realized gain or loss. A cash merger is all cash part, a stock merger
  all stock part.
- Rename (ticker/CUSIP change): only the security changes.

Worked example (a mixed merger): 100 shares of Q with $3,000 basis; each Q share becomes
0.5 S plus $10, and S trades at $40, so the stock part is worth 0.5 × 40 = $20 of every
$30 and carries 2/3 of the basis: 50 S shares with $2,000 basis. The cash part is a sale
of 100 × 1/3 shares' worth of basis, $1,000, for $1,000 of proceeds — no gain.

    >>> import datetime as dt
    >>> from trimtab.domain.transactions import Merger
    >>> lot = TaxLot("L1", "T1", "Q", Decimal(100), Decimal(3000), dt.date(2020, 1, 2))
    >>> deal = Merger(dt.date(2025, 9, 1), "T1", "Q", "S", ratio=Decimal("0.5"),
    ...               cash_per_share=Decimal(10), new_security_price=Decimal(40))
    >>> stock, cash = merge_lot(lot, deal, new_id="L2", cash_id="L1c")
    >>> stock.security, stock.quantity, round(stock.cost_basis, 2)
    ('S', Decimal('50.0'), Decimal('2000.00'))
    >>> round(cash.lot.cost_basis, 2), cash.proceeds
    (Decimal('1000.00'), Decimal('1000'))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from trimtab.domain.holdings import TaxLot
from trimtab.domain.transactions import Merger, SpinOff

__all__ = ["Disposal", "merge_lot", "rename_lot", "spin_off_lot", "split_lot"]


@dataclass(frozen=True, slots=True)
class Disposal:
    """A piece of a lot that left the ledger for cash: the ledger realizes its gain."""

    lot: TaxLot
    proceeds: Decimal

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.lot.cost_basis


def split_lot(lot: TaxLot, ratio: Decimal) -> TaxLot:
    return replace(lot, quantity=lot.quantity * ratio)


def rename_lot(lot: TaxLot, new_security: str) -> TaxLot:
    return replace(lot, security=new_security)


def spin_off_lot(lot: TaxLot, action: SpinOff, *, child_id: str) -> tuple[TaxLot, TaxLot]:
    """(the parent lot with its remaining basis, the child lot)."""
    child_basis = lot.cost_basis * action.basis_allocation
    child_adjustment = lot.wash_sale_adjustment * action.basis_allocation
    parent = replace(
        lot,
        cost_basis=lot.cost_basis - child_basis,
        wash_sale_adjustment=lot.wash_sale_adjustment - child_adjustment,
    )
    child = replace(
        lot,
        id=child_id,
        security=action.new_security,
        quantity=lot.quantity * action.ratio,
        cost_basis=child_basis,
        wash_sale_adjustment=child_adjustment,
    )
    return parent, child


def merge_lot(
    lot: TaxLot, action: Merger, *, new_id: str, cash_id: str
) -> tuple[TaxLot | None, Disposal | None]:
    """(the acquirer lot or None for a cash deal, the cash sale or None for a stock deal).

    The cash sale's lot has `quantity` × cash fraction shares, so a half-cash deal on 100
    shares reports 50 shares sold; the caller has checked `stock_basis_fraction` is known.
    """
    fraction = action.stock_basis_fraction
    if fraction is None:
        raise ValueError("a mixed merger needs basis_allocation or new_security_price")
    stock: TaxLot | None = None
    cash: Disposal | None = None
    stock_basis = lot.cost_basis * fraction
    stock_adjustment = lot.wash_sale_adjustment * fraction
    if action.ratio > 0 and action.new_security is not None:
        stock = replace(
            lot,
            id=new_id,
            security=action.new_security,
            quantity=lot.quantity * action.ratio,
            cost_basis=stock_basis,
            wash_sale_adjustment=stock_adjustment,
        )
    if action.cash_per_share > 0:
        sold = replace(
            lot,
            id=cash_id,
            quantity=lot.quantity * (1 - fraction),
            cost_basis=lot.cost_basis - stock_basis,
            wash_sale_adjustment=lot.wash_sale_adjustment - stock_adjustment,
        )
        cash = Disposal(sold, lot.quantity * action.cash_per_share)
    return stock, cash
