"""Metrics arithmetic on a hand-made three-day record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import MappingProxyType

import numpy as np
import pytest

from trimtab.domain.holdings import TaxLot, Term
from trimtab.domain.ledger import RealizedGain
from trimtab.simulate.metrics import annualized, measure
from trimtab.simulate.shadow_run import RunRecord
from trimtab.simulate.taxes import TaxModel

DATES = (dt.date(2021, 12, 30), dt.date(2021, 12, 31), dt.date(2022, 1, 3))
MODEL = TaxModel(short_term_rate=0.4, long_term_rate=0.2)


def record(value: list[float], flow: list[float], realized=(), lots=()) -> RunRecord:
    zeros = np.zeros(3)
    return RunRecord(
        "r",
        "",
        DATES,
        np.array(value),
        np.array(flow),
        zeros,
        zeros,
        zeros,
        zeros,
        tuple(realized),
        tuple(lots),
        MappingProxyType({"X": 120.0}),
        (),
        None,
        0.0,
    )


def test_a_contribution_is_not_a_return() -> None:
    m = measure(record([100.0, 110.0, 160.0], [0.0, 0.0, 50.0]), MODEL, np.zeros(3))
    # 10% on the first day, 0% on the second (the 50 came from outside)
    assert m.years[0].pre_tax_return == pytest.approx(0.10)
    assert m.years[1].pre_tax_return == pytest.approx(0.0)


def test_tax_owed_at_the_year_end_is_an_after_tax_loss_that_year() -> None:
    gain = RealizedGain(
        DATES[1],
        "SIM",
        "X",
        Decimal(1),
        Decimal(110),
        Decimal(100),
        dt.date(2021, 1, 1),
        Term.SHORT,
        0,
    )
    m = measure(record([100.0, 110.0, 110.0], [0.0, 0.0, 0.0], [gain]), MODEL, np.zeros(3))
    assert m.years[0].tax == pytest.approx(4.0)  # 10 × 40%
    assert m.years[0].after_tax_return == pytest.approx(0.06)  # (110 − 4) / 100 − 1
    assert m.years[1].after_tax_return == pytest.approx(0.0)


def test_liquidation_taxes_the_open_lots_at_the_last_close() -> None:
    lot = TaxLot("L1", "SIM", "X", Decimal(1), Decimal(100), dt.date(2020, 1, 2))
    m = measure(record([120.0, 120.0, 120.0], [0.0, 0.0, 0.0], lots=[lot]), MODEL, np.zeros(3))
    assert m.liquidation_tax == pytest.approx(20.0 * 0.2)  # long-term
    assert m.after_tax_liquidated_value == pytest.approx(116.0)


def test_annualizing_one_year_of_ten_percent() -> None:
    assert annualized(np.array([0.10]), 365) == pytest.approx(1.1 ** (365.25 / 365) - 1)
