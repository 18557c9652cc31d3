"""Money and quantities: the one module that owns rounding.

Ledger arithmetic is exact `Decimal`; rounding happens only where a number leaves the
ledger (a report, a JSON answer), and always through the helpers here, so every place
that shows dollars rounds them the same way.

    >>> to_decimal(0.1) + to_decimal(0.2)
    Decimal('0.3')
    >>> round_cents(Decimal("2.675"))
    Decimal('2.68')

The engine and the reports compute in float; their figures are rounded for an answer by
`cents` (dollars) and `round_float` (rates, objective terms), never by a bare `round`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

__all__ = [
    "CENT",
    "STORED_QUANTUM",
    "ZERO",
    "as_float",
    "cents",
    "round_cents",
    "round_cents_even",
    "round_float",
    "round_shares",
    "round_stored",
    "to_decimal",
]

ZERO = Decimal(0)
CENT = Decimal("0.01")
# Fractional shares are carried to a millionth: custodians report at most 6 places.
SHARE_QUANTUM = Decimal("0.000001")
# Money, rates and fractions are stored to a millionth (NUMERIC(20, 6) columns).
STORED_QUANTUM = Decimal("0.000001")


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


def round_cents_even(amount: Decimal) -> Decimal:
    """Dollars to cents, ties to even: the totals the store keeps (a run's estimated tax,
    a block's value, a booked fill's amount) have always been rounded this way, and a
    figure already recorded must come out the same when recomputed. What a client reads
    uses `round_cents`.

    >>> round_cents_even(Decimal("2.675")), round_cents_even(Decimal("2.665"))
    (Decimal('2.68'), Decimal('2.66'))
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def round_shares(quantity: Decimal) -> Decimal:
    """Shares to the custodians' precision; banker's rounding keeps splits unbiased."""
    return quantity.quantize(SHARE_QUANTUM, rounding=ROUND_HALF_EVEN)


def as_float(amount: Decimal, *, places: int = 6) -> float:
    """A Decimal as a JSON-friendly float, rounded to `places` to drop binary noise."""
    return float(round(amount, places))


def round_stored(amount: Decimal) -> Decimal:
    """A figure to the store's precision (a millionth), half-even as Decimal's default.

    >>> round_stored(Decimal("1.23456750"))
    Decimal('1.234568')
    """
    return amount.quantize(STORED_QUANTUM, rounding=ROUND_HALF_EVEN)


def round_float(amount: float, places: int) -> float:
    """A float figure for an answer, rounded to `places`; never −0.0 (it would print "-0").

    Rounds the float's binary value half-even, as Python's `round` does.

    >>> round_float(1.23456789, 6), round_float(-0.0000001, 6)
    (1.234568, 0.0)
    """
    return round(amount, places) + 0.0  # + 0.0 turns −0.0 into 0.0


def cents(amount: float) -> float:
    """Float dollars (the engine's, a report's) rounded to cents for an answer.

    >>> cents(1234.5678), cents(-0.001)
    (1234.57, 0.0)
    """
    return round_float(amount, 2)
