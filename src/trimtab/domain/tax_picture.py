"""A client's tax picture for the year, and what the next dollar of gain or loss is worth.

Problem: a harvested loss saves the tax it will actually offset, and that depends on
everything else in the client's year. A short-term loss beside short-term gains saves the
short-term (ordinary) rate; beside long-term gains only, the long-term rate; with no gain
at all, $3,000 of it offsets ordinary income and the rest only carries forward, worth
something only when a later year's gain uses it. Valuing every loss at its own term's
rate (the engine without a picture) overstates some harvests and understates others.

Rule: the picture holds the year so far and what is expected — realized gains this year
(short, long, signed), expected net gains outside the managed accounts for the year
(short, long, signed), loss carried in from earlier years (short, long, positive), the
ordinary-income offset limit ($3,000), the rates (federal short-term/ordinary and
long-term, plus a state rate added to both) and a discount rate for value that can only
be carried forward. Its year nets by Schedule D (`trimtab.domain.tax_netting`, the one
statement of netting: carried losses join their own term, then the terms offset each
other, then the ordinary offset, then carryforward). The **marginal rates** are what
the next dollar is worth, read from that netting:

- a short-term loss first reduces the short-term gain still taxed (the short-term rate),
  then the long-term gain (the long-term rate), then the ordinary offset while it has
  room (the ordinary rate), then only carries forward (`carryforward_rate`: the
  long-term rate a year later, discounted: r_l / (1 + discount));
- a long-term loss likewise, long-term gain first, then short-term gain;
- a gain costs the rate of what it uses up: a carryforward (`carryforward_rate`), the
  ordinary offset (ordinary rate), a loss of the other term that was offsetting the
  other term's gain (that term's rate), else its own term's rate.

The rates are one-sided derivatives at the current picture: a loss or gain larger than
the room left in the current step is still valued at that step's rate. The engine's
objective is linear, so it uses exactly these four numbers (docs/engine.md, "Tax
picture"): a $10,000 harvest in a year with no gains is valued at the ordinary rate in
full although only $3,000 of it offsets ordinary income; the next night's picture, with
the harvest in the year's realized losses, values the next harvest at the carryforward
rate. That is the price of a linear objective, stated rather than hidden.

Worked example (federal 37% / 20%, no state, $3,000 limit): $10,000 of short-term gains
realized so far, nothing else. The next short-term loss dollar saves 37¢; a long-term
loss dollar too (a net long-term loss offsets the short-term gain); the next long-term
gain dollar costs 20¢.

    >>> p = TaxPicture(Decimal("0.37"), Decimal("0.20"), realized_short=Decimal(10000))
    >>> m = p.marginal()
    >>> m.short_loss, m.long_loss, m.short_gain, m.long_gain
    (Decimal('0.37'), Decimal('0.37'), Decimal('0.37'), Decimal('0.20'))

With nothing realized, the first $3,000 of loss offsets ordinary income; a picture
already past the offset values the next loss dollar at 20% a year later, at 5%:

    >>> TaxPicture(Decimal("0.37"), Decimal("0.20")).marginal().short_loss
    Decimal('0.37')
    >>> late = TaxPicture(Decimal("0.37"), Decimal("0.20"), realized_long=Decimal(-5000))
    >>> late.marginal().long_loss.quantize(Decimal("0.0001"))
    Decimal('0.1905')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.tax_netting import ORDINARY_OFFSET_LIMIT, Netting, net_capital_gains

__all__ = ["DEFAULT_CARRYFORWARD_DISCOUNT", "MarginalRates", "TaxPicture"]

DEFAULT_CARRYFORWARD_DISCOUNT = Decimal("0.05")
"""A carried loss is used a year later at the earliest: its value is discounted a year at
this rate (the taxes-saved report's assumption, `tax_netting.tax_of`)."""

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class MarginalRates:
    """What the next dollar is worth, as a fraction of the dollar: a loss's tax saved, a
    gain's tax owed, by term."""

    short_loss: Decimal
    long_loss: Decimal
    short_gain: Decimal
    long_gain: Decimal


@dataclass(frozen=True, slots=True)
class TaxPicture:
    """One household's tax year as known today (see the module docstring).

    Amounts are dollars: `realized_*` and `outside_*` signed (a net loss is negative),
    `carryforward_*` the positive loss carried in. Rates are fractions; `state_rate` is
    added to both the short- and long-term rate and to the ordinary rate;
    `ordinary_rate` (federal) None means the short-term rate (ordinary income and
    short-term gains are taxed alike).
    """

    short_term_rate: Decimal
    long_term_rate: Decimal
    realized_short: Decimal = _ZERO
    realized_long: Decimal = _ZERO
    outside_short: Decimal = _ZERO
    outside_long: Decimal = _ZERO
    carryforward_short: Decimal = _ZERO
    carryforward_long: Decimal = _ZERO
    state_rate: Decimal = _ZERO
    ordinary_rate: Decimal | None = None
    carryforward_discount: Decimal = DEFAULT_CARRYFORWARD_DISCOUNT
    ordinary_limit: Decimal = ORDINARY_OFFSET_LIMIT

    def __post_init__(self) -> None:
        rates = {
            "short_term_rate": self.short_term_rate,
            "long_term_rate": self.long_term_rate,
            "state_rate": self.state_rate,
            "ordinary_rate": self.ordinary_rate,
        }
        for name, rate in rates.items():
            if rate is not None and not _ZERO <= rate < 1:
                raise ValueError(f"{name} of a tax picture must be in [0, 1), got {rate}")
        if self.short_rate >= 1 or self.long_rate >= 1 or self.ordinary >= 1:
            raise ValueError(
                f"federal + state rates must stay below 1: short {self.short_rate}, "
                f"long {self.long_rate}, ordinary {self.ordinary}"
            )
        for name in ("carryforward_short", "carryforward_long", "ordinary_limit"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} is a positive amount, got {getattr(self, name)}")
        if self.carryforward_discount < 0:
            raise ValueError(
                f"carryforward_discount is a rate ≥ 0, got {self.carryforward_discount}"
            )

    @property
    def short_rate(self) -> Decimal:
        """Short-term gains' rate, federal + state."""
        return self.short_term_rate + self.state_rate

    @property
    def long_rate(self) -> Decimal:
        """Long-term gains' rate, federal + state."""
        return self.long_term_rate + self.state_rate

    @property
    def ordinary(self) -> Decimal:
        """The rate the ordinary-income offset saves."""
        if self.ordinary_rate is None:
            return self.short_rate
        return self.ordinary_rate + self.state_rate

    @property
    def carryforward_rate(self) -> Decimal:
        """A carried dollar: the long-term rate a year later, discounted a year."""
        return self.long_rate / (1 + self.carryforward_discount)

    @property
    def net_short(self) -> Decimal:
        """The year's signed short-term net: realized + outside − carried in."""
        return self.realized_short + self.outside_short - self.carryforward_short

    @property
    def net_long(self) -> Decimal:
        return self.realized_long + self.outside_long - self.carryforward_long

    def netting(self) -> Netting:
        """The year as it nets today (Schedule D)."""
        return net_capital_gains(self.net_short, self.net_long, ordinary_limit=self.ordinary_limit)

    def marginal(self) -> MarginalRates:
        """The next dollar's worth by term and sign (the rule in the module docstring).

        >>> p = TaxPicture(Decimal("0.4"), Decimal("0.2"), realized_long=Decimal(5000))
        >>> p.marginal()  # only long-term gains: a short-term loss saves 20%
        MarginalRates(short_loss=Decimal('0.2'), long_loss=Decimal('0.2'), \
short_gain=Decimal('0.4'), long_gain=Decimal('0.2'))
        """
        n = self.netting()
        short, long = self.short_rate, self.long_rate
        return MarginalRates(
            short_loss=self._loss_rate(n, (n.short_term, short), (n.long_term, long)),
            long_loss=self._loss_rate(n, (n.long_term, long), (n.short_term, short)),
            short_gain=self._gain_rate(n, self.net_short, short, long),
            long_gain=self._gain_rate(n, self.net_long, long, short),
        )

    def _loss_rate(
        self, n: Netting, own: tuple[Decimal, Decimal], other: tuple[Decimal, Decimal]
    ) -> Decimal:
        """`own`/`other`: (the gain of that term still taxed after netting, its rate)."""
        (own_taxed, own_rate), (other_taxed, other_rate) = own, other
        if own_taxed > 0:  # a gain of its own term still taxed: offset that first
            return own_rate
        if other_taxed > 0:
            return other_rate
        if n.ordinary_offset < self.ordinary_limit:
            return self.ordinary
        return self.carryforward_rate

    def _gain_rate(
        self, n: Netting, own_net: Decimal, own_rate: Decimal, other_rate: Decimal
    ) -> Decimal:
        if n.carryforward > 0:  # the gain uses up loss that would have carried forward
            return self.carryforward_rate
        if n.ordinary_offset > 0:  # ... or loss that was offsetting ordinary income
            return self.ordinary
        if own_net < 0:  # its term's loss was offsetting the other term's gain
            return other_rate
        return own_rate
