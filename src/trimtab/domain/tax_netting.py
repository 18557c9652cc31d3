"""Capital gains netting for one tax year: what a year's realized gains and losses cost.

Problem: a harvested loss is worth the tax it saves, and that depends on what else the
client realized that year. A short-term loss against a short-term gain saves the
short-term (ordinary) rate; against a long-term gain only the long-term rate; with no
gain at all, $3,000 of it offsets ordinary income and the rest carries forward to later
years. A report that values every loss at the top rate overstates what harvesting is
worth; this module states the rule once so the taxes-saved report can be honest.

Rule (IRS Schedule D, individual filer, one tax year):
1. Net each term on its own: net short-term = short-term gains − short-term losses, net
   long-term likewise (both inputs here are already those signed nets, plus any loss
   carried in from earlier years, which keeps its term).
2. A net loss of one term offsets a net gain of the other: a short-term loss first
   reduces the long-term gain, a long-term loss the short-term gain.
3. What remains is either taxed (short-term at the ordinary rate, long-term at the
   long-term rate), or, if the year nets to a loss, up to `ORDINARY_OFFSET_LIMIT`
   ($3,000) offsets ordinary income — short-term loss used first — and the rest is
   carried forward, keeping its term.

`tax_of` prices a netting: gains at their rates, minus the ordinary offset at the
ordinary (short-term) rate, minus the carryforward's worth — valued at the long-term
rate a year later, discounted at `discount_rate` (an assumption the report states: a
carried loss is only worth something when a later gain uses it).

Worked example: $5,000 of short-term losses against $2,000 of long-term gains leaves a
$3,000 net short-term loss, all of it offsetting ordinary income; nothing carries.

    >>> n = net_capital_gains(Decimal(-5000), Decimal(2000))
    >>> n.short_term, n.long_term, n.ordinary_offset, n.carryforward
    (Decimal('0'), Decimal('0'), Decimal('3000'), Decimal('0'))
    >>> tax_of(n, short_term_rate=Decimal("0.40"), long_term_rate=Decimal("0.20"))
    Decimal('-1200.00')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.money import round_cents

__all__ = ["ORDINARY_OFFSET_LIMIT", "Netting", "net_capital_gains", "tax_of"]

ORDINARY_OFFSET_LIMIT = Decimal(3000)
"""Net capital loss deductible against ordinary income in one year (married filing
separately: $1,500; the report uses the single/joint figure and says so)."""

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Netting:
    """A year's capital gains after netting: what is taxed, offset and carried.

    Every amount is >= 0: `short_term` and `long_term` are the gains taxed at each
    rate; `ordinary_offset` the loss deducted from ordinary income; the carryforward the
    loss left for later years, by term.
    """

    short_term: Decimal
    long_term: Decimal
    ordinary_offset: Decimal
    carryforward_short: Decimal
    carryforward_long: Decimal

    def __post_init__(self) -> None:
        for name in (
            "short_term",
            "long_term",
            "ordinary_offset",
            "carryforward_short",
            "carryforward_long",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} of a netting cannot be negative: {getattr(self, name)}")
        if self.ordinary_offset > ORDINARY_OFFSET_LIMIT:
            raise ValueError(f"ordinary offset above {ORDINARY_OFFSET_LIMIT}")

    @property
    def carryforward(self) -> Decimal:
        return self.carryforward_short + self.carryforward_long


def net_capital_gains(
    short_term: Decimal,
    long_term: Decimal,
    *,
    ordinary_limit: Decimal = ORDINARY_OFFSET_LIMIT,
) -> Netting:
    """Net a year's signed short- and long-term results (gains positive, losses
    negative) by the rule in the module docstring.

    >>> net_capital_gains(Decimal(1000), Decimal(-400))  # LT loss reduces the ST gain
    Netting(short_term=Decimal('600'), long_term=Decimal('0'), ordinary_offset=Decimal('0'), \
carryforward_short=Decimal('0'), carryforward_long=Decimal('0'))
    """
    st, lt = short_term, long_term
    if st < 0 < lt:
        lt, st = max(_ZERO, lt + st), min(_ZERO, lt + st)
    elif lt < 0 < st:
        st, lt = max(_ZERO, st + lt), min(_ZERO, st + lt)
    if st >= 0 and lt >= 0:
        return Netting(st, lt, _ZERO, _ZERO, _ZERO)
    # A net loss year: what is left of each term is a loss (<= 0) or nothing.
    short_loss, long_loss = -min(st, _ZERO), -min(lt, _ZERO)
    from_short = min(short_loss, ordinary_limit)  # the short-term loss is used first
    from_long = min(long_loss, ordinary_limit - from_short)
    return Netting(
        _ZERO,
        _ZERO,
        from_short + from_long,
        short_loss - from_short,
        long_loss - from_long,
    )


def tax_of(
    netting: Netting,
    *,
    short_term_rate: Decimal,
    long_term_rate: Decimal,
    discount_rate: Decimal = Decimal("0.05"),
) -> Decimal:
    """The year's tax on its capital gains, in dollars (negative: the losses save tax).

    The ordinary offset saves the ordinary rate, which for an individual is the
    short-term rate; a carryforward is worth the long-term rate on it one year later,
    discounted: `carryforward × long_term_rate / (1 + discount_rate)`.

    >>> tax_of(net_capital_gains(Decimal(-10000), Decimal(0)), short_term_rate=Decimal("0.4"),
    ...        long_term_rate=Decimal("0.2"), discount_rate=Decimal("0.05"))
    Decimal('-2533.33')
    """
    owed = netting.short_term * short_term_rate + netting.long_term * long_term_rate
    saved_now = netting.ordinary_offset * short_term_rate
    saved_later = netting.carryforward * long_term_rate / (1 + discount_rate)
    return round_cents(owed - saved_now - saved_later)
