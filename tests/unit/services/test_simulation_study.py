"""Scenarios: a simulation study assembled from a request, with the returns file faked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from trimtab.domain.problems import Problem
from trimtab.services.simulation_study import ReadReturns, StudyRequest, prepare_study
from trimtab.simulate.market import MarketHistory


def market() -> MarketHistory:
    rng = np.random.default_rng(7)
    days = tuple(dt.date(2021, 1, 4) + dt.timedelta(days=i) for i in range(40))
    returns = rng.normal(0.0, 0.02, (len(days), 4))
    return MarketHistory(days, ("A", "B", "C", "D"), returns, np.full(len(days), 0.0001))


def reader(asked: list[Path | None]) -> ReadReturns:
    def read(path: Path | None) -> tuple[MarketHistory | None, list[Problem]]:
        asked.append(path)
        return market(), []

    return read


def test_every_problem_of_a_request_is_listed_at_once() -> None:
    request = StudyRequest(
        start="2021-13-01",
        profiles=("x:tax_sensitivity=hi", "tax-max", "tax-max"),
        schedule="hourly",
        contributions=("lots",),
        holdings='{"cash": -1, "lots": [{"security": "A"}]}',
    )
    prepared, problems = prepare_study(request, reader([]))
    assert prepared is None
    paths = {p.path.split(":")[0] for p in problems}
    assert {"--start", "--schedule", "--contribution", "--holdings", "--profile"} <= paths
    assert any("tax_sensitivity" in str(p) for p in problems)


def test_a_request_becomes_a_study_of_the_window_ready_to_run() -> None:
    asked: list[Path | None] = []
    request = StudyRequest(
        start="2021-01-10",
        end="2021-02-05",
        profiles=("tax-aware",),
        sectors=2,
        initial_cash=100_000.0,
        holdings='{"cash": 5000, "lots": [{"security": "B", "quantity": 10, '
        '"cost_basis": 90, "acquired": "2020-06-01"}]}',
    )
    prepared, problems = prepare_study(request, reader(asked))
    assert problems == []
    assert prepared is not None
    assert asked == [None]  # no --returns: the bundled file, chosen by the adapter
    assert prepared.market.dates[0] == dt.date(2021, 1, 10)
    assert prepared.market.dates[-1] == dt.date(2021, 2, 5)
    assert prepared.names == ["buy-and-hold", "tax-aware"]
    assert prepared.config.initial_cash == 5000  # the holdings' cash replaces --initial-cash
    assert [lot.security for lot in prepared.config.initial_lots] == ["B"]


def test_holdings_outside_the_market_or_after_the_start_are_refused() -> None:
    unknown = StudyRequest(
        holdings='{"lots": [{"security": "ZZZ", "quantity": 1, "cost_basis": 1, '
        '"acquired": "2020-01-02"}]}'
    )
    _, problems = prepare_study(unknown, reader([]))
    assert [str(p) for p in problems] == ["--holdings: securities not in the returns file: ZZZ"]
    late = StudyRequest(
        holdings='{"lots": [{"security": "A", "quantity": 1, "cost_basis": 1, '
        '"acquired": "2021-03-01"}]}'
    )
    _, problems = prepare_study(late, reader([]))
    assert [str(p) for p in problems] == ["--holdings: a lot of A is acquired after 2021-01-04"]


def test_outside_gains_become_the_tax_models_parameters() -> None:
    request = StudyRequest(
        profiles=("tax-aware",),
        outside_gains="50,000/yearly",
        outside_short_share=0.3,
        carryforward_discount=0.04,
    )
    prepared, problems = prepare_study(request, reader([]))
    assert problems == []
    assert prepared is not None
    tax = prepared.config.tax
    assert (tax.outside_gains, tax.outside_short_share, tax.carryforward_discount) == (
        50_000.0,
        0.3,
        0.04,
    )
    assert "outside gains of $50,000 a year (30% short-term)" in tax.describe()


def test_bad_outside_gains_are_named_and_nothing_is_prepared() -> None:
    for request, path, words in [
        (StudyRequest(outside_gains="50000/monthly"), "--outside-gains", "50000/yearly"),
        (StudyRequest(outside_gains="-5"), "--outside-gains", "dollars ≥ 0"),
        (
            StudyRequest(outside_gains="5000", loss_use="immediate"),
            "--outside-gains",
            "immediate preset",
        ),
        (StudyRequest(outside_short_share=1.5), "--outside-short-share", "between 0 and 1"),
    ]:
        prepared, problems = prepare_study(request, reader([]))
        assert prepared is None
        assert [p.path for p in problems] == [path], problems
        assert words in problems[0].message
