"""Lot relief: which tax lots a sell takes its shares from, and how a lot divides.

A sell of part of a position must say which shares left, because each lot has its own
basis and holding period. Specific identification names the lots (what trimtab's
optimizer does); imported histories use a convention:

- FIFO: earliest acquired first; LIFO: latest acquired first;
- HIFO: highest basis per share first (the smallest gain / largest loss).

Ties (same date, same basis) go to the lot created first, so relief is deterministic.

A lot divides *proportionally*: the part taken carries `quantity / lot.quantity` of the
basis and of the wash-sale adjustment, and the rest keeps exactly what is left, so no
cent is created or lost by division (the remainder is a subtraction, not a second
division).

    >>> import datetime as dt
    >>> lot = TaxLot("L1", "T1", "X", Decimal(3), Decimal(100), dt.date(2025, 1, 2))
    >>> taken, rest = divide(lot, Decimal(1), taken_id="L1a")
    >>> taken.cost_basis + rest.cost_basis == lot.cost_basis
    True
    >>> rest.quantity, rest.id
    (Decimal('2'), 'L1')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from trimtab.domain.holdings import TaxLot
from trimtab.domain.transactions import ReliefMethod

__all__ = ["divide", "relief_order"]

_L = TypeVar("_L")


def divide(lot: TaxLot, quantity: Decimal, *, taken_id: str) -> tuple[TaxLot, TaxLot | None]:
    """Split `quantity` shares off `lot`: (the part taken, the rest or None if nothing is left).

    The caller guarantees 0 < quantity <= lot.quantity (a larger request is a bug).
    """
    if not 0 < quantity <= lot.quantity:
        raise ValueError(f"cannot take {quantity} shares from lot {lot.id} of {lot.quantity}")
    if quantity == lot.quantity:
        return replace(lot, id=taken_id), None
    share = quantity / lot.quantity
    basis = lot.cost_basis * share
    adjustment = lot.wash_sale_adjustment * share
    taken = replace(
        lot,
        id=taken_id,
        quantity=quantity,
        cost_basis=basis,
        wash_sale_adjustment=adjustment,
    )
    rest = replace(
        lot,
        quantity=lot.quantity - quantity,
        cost_basis=lot.cost_basis - basis,
        wash_sale_adjustment=lot.wash_sale_adjustment - adjustment,
    )
    return taken, rest


def relief_order(
    held: Sequence[tuple[TaxLot, _L]], method: ReliefMethod
) -> list[tuple[TaxLot, _L]]:
    """The lots in the order `method` relieves them.

    `held` is in creation order and pairs each lot with the caller's bookkeeping, which
    rides along untouched; Python's sort is stable, so creation order breaks every tie.
    """
    if method is ReliefMethod.FIFO:
        return sorted(held, key=lambda pair: pair[0].acquired)
    if method is ReliefMethod.LIFO:
        # FIFO backwards, so the later-created lot also wins a same-day tie.
        return sorted(held, key=lambda pair: pair[0].acquired)[::-1]
    return sorted(held, key=lambda pair: (-pair[0].basis_per_share, pair[0].acquired))
