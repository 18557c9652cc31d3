"""The tax model of a shadow run: a year's realized gains in, the tax it costs out.

Problem: tax alpha is the difference in what investors keep, so the study must say
exactly how realized gains and losses turn into tax, and let a firm change it.

Rule (US individual, Schedule D), for one calendar year:
1. Net short-term gains with short-term losses, long-term with long-term; a carried-over
   loss keeps its character and joins its side's net.
2. If one side is a net loss and the other a net gain, the loss offsets the gain.
3. A net gain is taxed at its side's rate (`short_term_rate`, `long_term_rate`).
4. A net loss, by `loss_use`:
   - `carryforward` (the law): up to `ordinary_offset` ($3,000) offsets other income,
     taxed at `ordinary_rate` (a negative tax: money the investor keeps), short-term
     loss first; the rest carries forward to next year with its character;
   - `immediate`: the investor has other gains to absorb it all this year, at
     `immediate_rate` (the long-term rate by default) — the assumption behind most
     published tax-alpha figures' upper end; nothing carries forward.
Dividends are inside the total returns (reinvested, untaxed until a sale) and interest
on cash is not taxed: the same for every profile and the benchmark, so they cancel in
tax alpha but flatter every after-tax return a little.

Worked example (defaults, 40.8% / 23.8%): a year with a $10,000 short-term loss and a
$4,000 long-term gain nets to a $6,000 short-term loss; $3,000 offsets other income
(saving $1,224), $3,000 short-term loss carries forward:

    >>> tax, carry = TaxModel().year_tax(-10_000.0, 4_000.0, Carryforward())
    >>> round(tax, 2), carry
    (-1224.0, Carryforward(short_term=3000.0, long_term=0.0))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from trimtab.domain.holdings import Term
from trimtab.domain.ledger import RealizedGain

__all__ = ["Carryforward", "LossUse", "TaxModel", "net_gains_by_year", "taxes_by_year"]


class LossUse(StrEnum):
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
    ordinary_offset: float = 3000.0
    loss_use: LossUse = LossUse.CARRYFORWARD
    immediate_rate: float | None = None  # None: long_term_rate

    def year_tax(
        self, short_net: float, long_net: float, carry: Carryforward
    ) -> tuple[float, Carryforward]:
        """(tax for the year, negative when losses save tax; carryforward to next year)."""
        short = short_net - carry.short_term
        long = long_net - carry.long_term
        if short < 0 <= long:
            long, short = long + short, 0.0
            if long < 0:
                short, long = long, 0.0  # the short-term loss was larger: it keeps its character
        elif long < 0 <= short:
            short, long = short + long, 0.0
            if short < 0:
                long, short = short, 0.0
        tax = max(short, 0.0) * self.short_term_rate + max(long, 0.0) * self.long_term_rate
        loss_short, loss_long = max(-short, 0.0), max(-long, 0.0)
        if loss_short + loss_long == 0:
            return tax, Carryforward()
        if self.loss_use is LossUse.IMMEDIATE:
            rate = self.long_term_rate if self.immediate_rate is None else self.immediate_rate
            return tax - (loss_short + loss_long) * rate, Carryforward()
        offset_short = min(loss_short, self.ordinary_offset)
        offset_long = min(loss_long, self.ordinary_offset - offset_short)
        saved = (offset_short + offset_long) * self.ordinary_rate
        return tax - saved, Carryforward(loss_short - offset_short, loss_long - offset_long)

    def describe(self) -> str:
        if self.loss_use is LossUse.IMMEDIATE:
            rate = self.long_term_rate if self.immediate_rate is None else self.immediate_rate
            losses = f"net losses are used in full the same year against other gains at {rate:.1%}"
        else:
            losses = (
                f"net losses offset up to ${self.ordinary_offset:,.0f} of other income a year at "
                f"{self.ordinary_rate:.1%}, the rest carries forward"
            )
        return (
            f"short-term gains taxed at {self.short_term_rate:.1%}, long-term at "
            f"{self.long_term_rate:.1%}; {losses}"
        )


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
