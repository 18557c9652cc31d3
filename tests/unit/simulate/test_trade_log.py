"""A shadow run is auditable: its exported history replays through `trimtab lots replay`
to the realized gains, wash sales and final lots the report states; the report's
reconciliation adds up to the cent; every assumption is on the page and in the JSON.

The study: the bundled S&P 500 returns through the 2008 crash (harvests), 20 stocks,
starting from cash plus lots bought in 2006 (long-term gains), quarterly withdrawals
(buy-and-hold sells pro rata), tax-naive and tax-aware under the `immediate` loss use.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import doctest
import importlib
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from trimtab.cli import app
from trimtab.domain.holdings import Term
from trimtab.domain.ledger import replay
from trimtab.domain.money import round_cents
from trimtab.services.ledger_contract import read_history
from trimtab.simulate import DEFAULT_PROFILES, StudyConfig, build_universe, run_study
from trimtab.simulate.market import MarketHistory
from trimtab.simulate.taxes import TaxModel
from trimtab.simulate.trade_log import history_document

RUNNER = CliRunner()
MODULES_WITH_EXAMPLES = ("trimtab.simulate.trade_log", "trimtab.reports.simulation_files")
RUNS = ("buy-and-hold", "tax-naive", "tax-aware")


@pytest.fixture(scope="module")
def study_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("audit")
    holdings = root / "holdings.json"
    holdings.write_text(
        json.dumps(
            {
                "cash": 400_000,
                "lots": [
                    {
                        "security": "MMM",
                        "quantity": 900,
                        "cost_basis": 60.5,
                        "acquired": "2006-03-01",
                    },
                    {
                        "security": "A",
                        "quantity": 700,
                        "cost_basis": 81.25,
                        "acquired": "2006-05-02",
                    },
                    {
                        "security": "ADBE",
                        "quantity": 400,
                        "cost_basis": 120.0,
                        "acquired": "2007-12-03",
                    },
                ],
            }
        )
    )
    out = root / "out"
    result = RUNNER.invoke(
        app,
        [
            "simulate",
            "--start",
            "2008-01-02",
            "--end",
            "2009-06-30",
            "--stocks",
            "20",
            "--sectors",
            "3",
            "--holdings",
            str(holdings),
            "--withdrawal",
            "15000/quarterly",
            "--loss-use",
            "immediate",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _report(out: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((out / "simulation.json").read_text())
    return report


def _runs(out: Path) -> dict[str, dict[str, Any]]:
    report = _report(out)
    return {r["name"]: r for r in [report["benchmark"], *report["profiles"]]}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _replay_command(history: Path) -> dict[str, Any]:
    result = RUNNER.invoke(app, ["lots", "replay", str(history)])
    assert result.exit_code == 0, result.output[:2000]
    answer: dict[str, Any] = json.loads(result.stdout)
    assert answer["status"] == "ok"
    return answer


@pytest.mark.parametrize("name", RUNS)
def test_the_history_replays_to_the_realized_gains_the_study_reports(
    study_out: Path, name: str
) -> None:
    run = _runs(study_out)[name]
    history = study_out / "runs" / name / "history.json"
    answer = _replay_command(history)

    # The real command relieves the same lots for the same gains, entry by entry, in
    # cents (realized.csv is the study's ledger, rounded as the contract rounds).
    exported = _csv(study_out / "runs" / name / "realized.csv")
    assert len(answer["realized"]) == len(exported)
    for replayed, mine in zip(answer["realized"], exported, strict=True):
        assert replayed["date"] == mine["date"]
        assert replayed["security"] == mine["security"]
        assert replayed["term"] == mine["term"]
        assert replayed["acquired"] == mine["acquired"]
        for field in ("quantity", "proceeds", "cost_basis", "gain", "wash_sale_disallowed"):
            assert Decimal(str(replayed[field])) == Decimal(mine[field]), field

    # Totals to the cent: the contract's parser and ledger with the exact decimals (the
    # command's answer rounds each entry, so its sum may drift by half a cent an entry).
    parsed, problems = read_history(json.loads(history.read_text(), parse_float=Decimal))
    assert parsed is not None, problems
    ledger, problems = replay(parsed)
    assert not problems
    nets: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for gain in ledger.realized:
        nets[gain.date.year][0 if gain.term is Term.SHORT else 1] += gain.deductible_gain
    for year in run["years"]:
        short, long = nets[year["year"]]
        assert float(round_cents(short)) == year["realized_short_term"], year["year"]
        assert float(round_cents(long)) == year["realized_long_term"], year["year"]
    total_short = sum((s for s, _ in nets.values()), Decimal(0))
    total_long = sum((lg for _, lg in nets.values()), Decimal(0))
    assert float(round_cents(total_short)) == run["realized_short_term"]
    assert float(round_cents(total_long)) == run["realized_long_term"]

    # The same wash-sale count as the study: none.
    washed = [r for r in answer["realized"] if r["wash_sale_disallowed"] > 0]
    assert len(washed) == run["wash_sale_events"] == 0


def test_the_study_is_not_vacuous(study_out: Path) -> None:
    runs = _runs(study_out)
    assert runs["tax-aware"]["losses_harvested"] > 10_000
    assert any(y["realized_long_term"] != 0 for y in runs["tax-naive"]["years"])
    trades = _csv(study_out / "runs" / "tax-aware" / "trades.csv")
    assert {t["side"] for t in trades} == {"transfer_in", "buy", "sell"}


@pytest.mark.parametrize("name", RUNS)
def test_the_history_replays_to_the_same_final_lots(study_out: Path, name: str) -> None:
    answer = _replay_command(study_out / "runs" / name / "history.json")
    lots = _csv(study_out / "runs" / name / "lots.csv")

    def key(lot: dict[str, Any]) -> tuple[str, str, str, Decimal, Decimal]:
        return (
            lot["security"],
            lot["acquired"],
            lot["holding_period_start"],
            Decimal(str(lot["quantity"])),
            round_cents(Decimal(str(lot["cost_basis"]))),
        )

    assert sorted(key(lot) for lot in answer["lots"]) == sorted(key(lot) for lot in lots)
    assert len(lots) > 0


@pytest.mark.parametrize("table", ["trades", "lots", "realized"])
def test_parquet_holds_the_csv_rows(study_out: Path, table: str) -> None:
    folder = study_out / "runs" / "tax-aware"
    rows = _csv(folder / f"{table}.csv")
    frame = pq.read_table(folder / f"{table}.parquet").to_pylist()
    assert len(frame) == len(rows) > 0
    assert list(frame[0]) == list(rows[0])
    for stored, written in zip(frame, rows, strict=True):
        for column, value in stored.items():
            text = "" if value is None else str(value)
            if isinstance(value, float):
                assert value == float(written[column]), column
            else:
                assert text == written[column], column


def test_the_reconciliation_adds_up_to_the_cent(study_out: Path) -> None:
    runs = _runs(study_out)
    for name, run in runs.items():
        line = run["reconciliation"]
        cents = {k: Decimal(str(v)) for k, v in line.items() if k != "taxes_agree"}
        assert cents["final_value"] - cents["taxes_owed"] == cents["after_tax_value"], name
        after_liquidated = cents["after_tax_value"] - cents["liquidation_tax"]
        assert after_liquidated == cents["after_tax_value_liquidated"], name
        # The figures are the report's own ...
        for key in ("final_value", "after_tax_value", "after_tax_value_liquidated"):
            assert line[key] == run[key], (name, key)
        assert abs(cents["liquidation_tax"] - Decimal(str(run["liquidation_tax"]))) <= Decimal(
            "0.01"
        )
        # ... and the taxes owed are the year table's: the window ends on 2009-06-30, so
        # 2008's tax was paid in April 2009 and 2009's is owed.
        owed_2009 = Decimal(str(run["years"][-1]["tax"]))
        assert abs(cents["taxes_owed"] - owed_2009) <= Decimal("0.01"), name
        assert line["taxes_agree"] is True, name
    assert runs["tax-aware"]["reconciliation"]["taxes_owed"] != 0


def test_every_assumption_is_on_the_page_and_in_the_json(study_out: Path) -> None:
    stated = _report(study_out)["assumptions"]
    html = (study_out / "simulation.html").read_text()
    # The tax model's parameters are read from its fields: a new one appears unedited.
    for field in dataclasses.fields(TaxModel):
        assert field.name in stated["tax_model"]
        assert field.name.replace("_", " ") in html
    assert stated["start"]["cash"] == 400_000
    assert stated["start"]["lots"] == 3
    assert stated["flows"]["withdrawals"] == [{"amount": 15000.0, "frequency": "quarterly"}]
    assert stated["study"]["cost_rate"] == 0.0005
    assert stated["study"]["schedule"] == "daily"
    assert stated["universe"]["stocks"] == 20
    assert stated["universe"]["band_share"] == 0.25
    assert {p["name"]: p["schedule"] for p in stated["profiles"]} == {
        "tax-naive": "daily",
        "tax-aware": "daily",
    }
    for words in ("Reconciliation", "withdrawals", "quarterly", "cost rate", "band share"):
        assert words in html


def test_share_classes_of_one_issuer_are_one_wash_group_in_the_history() -> None:
    rng = np.random.default_rng(7)
    dates = tuple(dt.date(2021, 1, 4) + dt.timedelta(days=i) for i in range(60))
    returns = rng.normal(-0.004, 0.02, (60, 4))
    returns[0] = 0.0
    market = MarketHistory(dates, ("FOX", "FOXA", "X", "Y"), returns, np.zeros(60))
    universe = build_universe(market, n_sectors=2, wash_groups=("21CF", "21CF", "X", "Y"))
    config = StudyConfig(initial_cash=100_000.0, tax=TaxModel())
    study = run_study(market, universe, [DEFAULT_PROFILES["tax-aware"]], config)
    record = study.records[-1]
    document = history_document(record, universe, config)
    groups = document["wash_groups"]
    assert isinstance(groups, dict)
    assert groups["FOX"] == groups["FOXA"] != groups["X"]
    parsed, problems = read_history(json.loads(json.dumps(document), parse_float=Decimal))
    assert parsed is not None, problems
    ledger, problems = replay(parsed)
    assert not problems
    assert [g.deductible_gain for g in ledger.realized] == [
        g.deductible_gain for g in record.realized
    ]
    washed = sum(1 for g in ledger.realized if g.wash_sale_disallowed > 0)
    assert washed == study.runs[-1].wash_sale_events


@pytest.mark.parametrize("name", MODULES_WITH_EXAMPLES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_no_trade_log_writes_only_the_report(tmp_path: Path) -> None:
    lines = ["Date,A,B,C,USDOLLAR"]
    rng = np.random.default_rng(5)
    for day in range(1, 29):
        row = rng.normal(0.0, 0.02, 3)
        lines.append(f"2021-02-{day:02d}," + ",".join(f"{r:.5f}" for r in row) + ",0.0001")
    returns = tmp_path / "returns.csv"
    returns.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = RUNNER.invoke(
        app,
        [
            "simulate",
            "--returns",
            str(returns),
            "--sectors",
            "1",
            "--no-trade-log",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["simulation.html", "simulation.json"]
