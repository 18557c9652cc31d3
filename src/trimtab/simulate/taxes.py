"""The tax model of a shadow run: a year's realized gains in, the tax it costs out.

Problem: tax alpha is the difference in what investors keep, so the study must say
exactly how realized gains and losses turn into tax, and let a firm change it. A harvested
loss is worth what it offsets, so the model must also say what else the investor realizes:
a client with no other gains uses $3,000 of loss a year; one with large gains elsewhere
uses every loss at once.

Rule: one model, with stated parameters — the rates, the ordinary offset, and the
investor's **outside gains**: net gains realized each year outside the portfolio
(`outside_gains` dollars a year, `outside_short_share` of them short-term). Each year the
portfolio's short- and long-term nets, the outside gains and the loss carried in are
netted by Schedule D (`trimtab.domain.tax_netting`, the one statement of the rule:
carried loss joins its term, the terms offset each other, up to $3,000 of net loss
offsets ordinary income at `ordinary_rate`, the rest carries forward keeping its term).
The portfolio's tax is that year's tax minus the tax the outside gains would cost
alone, so a loss absorbed by an outside gain saves that gain's rate. Two named presets
(`loss_use`) keep the study's former models:
- `carryforward` (the law alone): no outside gains; $3,000 offset, the rest carries;
- `immediate`: outside long-term gains absorb every loss ("outside long-term gains absorb
  every loss, valued at 23.8%", the assumption behind most published tax-alpha figures'
  upper end): unlimited outside long-term gains (`UNLIMITED` dollars), nothing carries.
An explicit `outside_gains` replaces the preset's amount. The same model gives the
engine its tax picture on a scan day (`TaxModel.picture`): what was realized so far
this year, the year's outside gains, the carryforward in, with `carryforward_discount`
pricing loss that can only be carried forward.
Dividends are inside the total returns (reinvested, untaxed until a sale) and interest
on cash is not taxed: the same for every profile and the benchmark, so they cancel in
tax alpha but flatter every after-tax return a little.

Worked example (defaults, 40.8% / 23.8%): a year with a $10,000 short-term loss and a
$4,000 long-term gain nets to a $6,000 short-term loss; $3,000 offsets other income
(saving $1,224), $3,000 short-term loss carries forward:

    >>> tax, carry = TaxModel().year_tax(-10_000.0, 4_000.0, Carryforward())
    >>> round(tax, 2), carry
    (-1224.0, Carryforward(short_term=3000.0, long_term=0.0))

With $50,000 a year of outside gains, 30% of them short-term, the same year's loss is
used at once: $10,000 short-term loss against $15,000 short-term outside gain (40.8%),
and the $4,000 long-term gain is taxed (23.8%):

    >>> tax, carry = TaxModel(outside_gains=50_000.0, outside_short_share=0.3).year_tax(
    ...     -10_000.0, 4_000.0, Carryforward())
    >>> round(tax, 2), carry
    (-3128.0, Carryforward(short_term=0.0, long_term=0.0))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.holdings import Term
from trimtab.domain.ledger import RealizedGain
from trimtab.domain.tax_netting import ORDINARY_OFFSET_LIMIT, Netting, net_capital_gains
from trimtab.domain.tax_picture import TaxPicture
from trimtab.engine.case import TaxRates

__all__ = [
    "UNLIMITED",
    "Carryforward",
    "LossUse",
    "ScanDayTax",
    "TaxModel",
    "net_gains_by_year",
    "taxes_by_year",
]

UNLIMITED = 10.0**12
"""Outside gains that absorb any loss a portfolio can realize (the `immediate` preset): a
finite amount so the netting stays exact arithmetic, $1 trillion a year."""


class LossUse(StrEnum):
    """The named presets of the model's outside gains."""

    CARRYFORWARD = "carryforward"
    IMMEDIATE = "immediate"


@dataclass(frozen=True, slots=True)
class Carryforward:
    """Unused net capital losses (positive dollars) by character."""

    short_term: float = 0.0
    long_term: float = 0.0

    @property
    def total(self) -> float:
        return self.short_term + self.long_term


@dataclass(frozen=True, slots=True)
class TaxModel:
    short_term_rate: float = 0.408
    long_term_rate: float = 0.238
    ordinary_rate: float = 0.408
    ordinary_offset: float = float(ORDINARY_OFFSET_LIMIT)
    loss_use: LossUse = LossUse.CARRYFORWARD
    outside_gains: float | None = None  # dollars a year; None: the preset's (0 or UNLIMITED)
    outside_short_share: float = 0.0
    carryforward_discount: float = 0.05

    def __post_init__(self) -> None:
        if self.outside_gains is not None and not 0 <= self.outside_gains <= UNLIMITED:
            raise ValueError(f"outside gains must be ≥ 0 dollars a year, got {self.outside_gains}")
        if not 0 <= self.outside_short_share <= 1:
            raise ValueError(
                f"outside_short_share must be between 0 and 1, got {self.outside_short_share}"
            )

    @property
    def outside(self) -> tuple[Decimal, Decimal]:
        """The year's outside net gains, (short-term, long-term)."""
        if self.outside_gains is None:
            total = UNLIMITED if self.loss_use is LossUse.IMMEDIATE else 0.0
            short = 0.0  # the presets: no outside gains, or long-term ones only
        else:
            total = self.outside_gains
            short = total * self.outside_short_share
        return _dec(short), _dec(total - short)

    def year_tax(
        self, short_net: float, long_net: float, carry: Carryforward
    ) -> tuple[float, Carryforward]:
        """(tax for the year, negative when losses save tax; carryforward to next year)."""
        outside_short, outside_long = self.outside
        netting = self._net(
            _dec(short_net) - _dec(carry.short_term) + outside_short,
            _dec(long_net) - _dec(carry.long_term) + outside_long,
        )
        alone = self._net(outside_short, outside_long)
        tax = self._price(netting) - self._price(alone)
        carried = Carryforward(float(netting.carryforward_short), float(netting.carryforward_long))
        return float(tax), carried

    def picture(
        self, ytd_short: float, ytd_long: float, carry_short: float, carry_long: float
    ) -> TaxPicture:
        """The investor's tax year on a scan day, for the engine: realized so far this year
        (deductible, signed), the year's outside gains, the loss carried in."""
        outside_short, outside_long = self.outside
        return TaxPicture(
            _dec(self.short_term_rate),
            _dec(self.long_term_rate),
            realized_short=_dec(ytd_short),
            realized_long=_dec(ytd_long),
            outside_short=outside_short,
            outside_long=outside_long,
            carryforward_short=_dec(carry_short),
            carryforward_long=_dec(carry_long),
            ordinary_rate=_dec(self.ordinary_rate),
            carryforward_discount=_dec(self.carryforward_discount),
            ordinary_limit=_dec(self.ordinary_offset),
        )

    def case_tax(
        self, ytd_short: float, ytd_long: float, carry_short: float, carry_long: float
    ) -> TaxRates:
        """The engine case's `tax` on a scan day: the rates and `picture(...)`."""
        return TaxRates(
            self.short_term_rate,
            self.long_term_rate,
            self.picture(ytd_short, ytd_long, carry_short, carry_long),
        )

    def describe(self) -> str:
        outside_short, outside_long = self.outside
        if self.outside_gains is None and self.loss_use is LossUse.IMMEDIATE:
            losses = (
                "outside long-term gains absorb every net loss the same year "
                f"(preset immediate), valued at {self.long_term_rate:.1%}"
            )
        else:
            preset = " (preset carryforward)" if self.outside_gains is None else ""
            outside = (
                "no outside gains"
                if outside_short + outside_long == 0
                else f"outside gains of ${float(outside_short + outside_long):,.0f} a year "
                f"({self.outside_short_share:.0%} short-term) absorb losses first"
            )
            losses = (
                f"{outside}{preset}; net losses offset up to ${self.ordinary_offset:,.0f} of "
                f"other income a year at {self.ordinary_rate:.1%}, the rest carries forward"
            )
        return (
            f"short-term gains taxed at {self.short_term_rate:.1%}, long-term at "
            f"{self.long_term_rate:.1%}; {losses}; the engine values a carried loss at the "
            f"long-term rate discounted {self.carryforward_discount:.0%} a year"
        )

    def _net(self, short: Decimal, long: Decimal) -> Netting:
        return net_capital_gains(short, long, ordinary_limit=_dec(self.ordinary_offset))

    def _price(self, netting: Netting) -> Decimal:
        """The year's tax now: gains at their rates, the ordinary offset saved; a carried
        loss is worth nothing this year (it is used, or not, in a later one)."""
        return (
            netting.short_term * _dec(self.short_term_rate)
            + netting.long_term * _dec(self.long_term_rate)
            - netting.ordinary_offset * _dec(self.ordinary_rate)
        )


def _dec(number: float) -> Decimal:
    return Decimal(repr(float(number)))


class ScanDayTax:
    """The engine's `tax` on each scan day of one shadow run: the model's picture of the
    year so far (`TaxModel.case_tax`).

    Called every scan day, so it reads the ledger's realized gains incrementally: they
    are appended in date order, and a sale more than `SETTLED` days old can no longer be
    washed by a later purchase, so its deductible gain is final and summed once; only the
    newer ones are read again each day. The carryforward into a year is computed once, on
    its first scan day, from the years before it (a January purchase that washes a
    December loss is seen by the year-end tax, not by that year's carry-in: a small lag).

        >>> days = ScanDayTax(TaxModel(0.4, 0.2, 0.4))
        >>> import datetime as dt
        >>> days.case_tax((), dt.date(2008, 3, 3)).picture.marginal().short_loss
        Decimal('0.4')
    """

    SETTLED = dt.timedelta(days=31)

    def __init__(self, model: TaxModel) -> None:
        self.model = model
        self._carry: dict[int, Carryforward] = {}
        self._year = 0
        self._read = 0  # realized[:_read] are final and summed (this year's) below
        self._settled = (0.0, 0.0)

    def case_tax(self, realized: Sequence[RealizedGain], day: dt.date) -> TaxRates:
        year = day.year
        carry = self._carry.get(year)
        if carry is None:
            nets = net_gains_by_year(g for g in realized if g.date.year < year)
            carry = Carryforward()
            if nets:
                carry = taxes_by_year(self.model, nets, range(min(nets), year))[year - 1][1]
            self._carry[year] = carry
        if year != self._year:
            self._year, self._settled = year, (0.0, 0.0)
        final = day - self.SETTLED
        short, long = self._settled
        while self._read < len(realized) and realized[self._read].date < final:
            gain = realized[self._read]
            self._read += 1
            if gain.date.year == year:
                short, long = _add(short, long, gain)
        self._settled = (short, long)
        for gain in realized[self._read :]:
            if gain.date.year == year and gain.date <= day:
                short, long = _add(short, long, gain)
        return self.model.case_tax(short, long, carry.short_term, carry.long_term)


def _add(short: float, long: float, gain: RealizedGain) -> tuple[float, float]:
    amount = float(gain.deductible_gain)
    return (short + amount, long) if gain.term is Term.SHORT else (short, long + amount)


def net_gains_by_year(realized: Iterable[RealizedGain]) -> dict[int, tuple[float, float]]:
    """{year: (net short-term, net long-term)} of deductible gains (wash sales added back)."""
    out: dict[int, tuple[float, float]] = {}
    for gain in realized:
        short, long = out.get(gain.date.year, (0.0, 0.0))
        amount = float(gain.deductible_gain)
        if gain.term is Term.SHORT:
            short += amount
        else:
            long += amount
        out[gain.date.year] = (short, long)
    return out


def taxes_by_year(
    model: TaxModel, nets: Mapping[int, tuple[float, float]], years: Iterable[int]
) -> dict[int, tuple[float, Carryforward]]:
    """{year: (tax, carryforward after it)} for consecutive `years`, carrying losses over."""
    carry = Carryforward()
    out: dict[int, tuple[float, Carryforward]] = {}
    for year in years:
        short, long = nets.get(year, (0.0, 0.0))
        tax, carry = model.year_tax(short, long, carry)
        out[year] = (tax, carry)
    return out
