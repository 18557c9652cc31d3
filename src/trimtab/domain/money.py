"""Money and quantities: the one module that owns rounding.

Ledger arithmetic is exact `Decimal`; rounding happens only where a number leaves the
ledger (a report, a JSON answer), and always through the helpers here, so every place
that shows dollars rounds them the same way.

    >>> to_decimal(0.1) + to_decimal(0.2)
    Decimal('0.3')
    >>> round_cents(Decimal("2.675"))
    Decimal('2.68')
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

__all__ = [
    "CENT",
    "ZERO",
    "as_float",
    "round_cents",
    "round_shares",
    "to_decimal",
]

ZERO = Decimal(0)
CENT = Decimal("0.01")
# Fractional shares are carried to a millionth: custodians report at most 6 places.
SHARE_QUANTUM = Decimal("0.000001")


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    """Convert a JSON number to Decimal through its shortest repr, so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_cents(amount: Decimal) -> Decimal:
    """Dollars to cents, half away from zero as on a brokerage statement."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_shares(quantity: Decimal) -> Decimal:
    """Shares to the custodians' precision; banker's rounding keeps splits unbiased."""
    return quantity.quantize(SHARE_QUANTUM, rounding=ROUND_HALF_EVEN)


def as_float(amount: Decimal, *, places: int = 6) -> float:
    """A Decimal as a JSON-friendly float, rounded to `places` to drop binary noise."""
    return float(round(amount, places))
