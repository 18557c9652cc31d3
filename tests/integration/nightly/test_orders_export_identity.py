"""Scenarios: `trimtab orders export` writes what the firm configured and one price per
security: the FIX messages carry the firm's SenderCompID and its OMS's TargetCompID
(TRIMTAB_FIX_SENDER_COMP_ID / TRIMTAB_FIX_TARGET_COMP_ID), and the CSV and FIX exports of
a run agree with the close each security's analysis used."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import DEMO_NOW, OPS
from trimtab.bootstrap import Database
from trimtab.cli import app
from trimtab.feeds.orders_export import read_fix
from trimtab.services.review import approve, review_queue


@pytest.fixture
def approved_run(night: tuple[str, Database, str], monkeypatch: pytest.MonkeyPatch) -> Database:
    url, db, _run = night
    for p in review_queue(db.unit_of_work)[:3]:
        approve(db.unit_of_work, p.account, principal=OPS, reason="fine", now=DEMO_NOW)
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    return db


def test_fix_orders_carry_the_configured_comp_ids(
    approved_run: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIMTAB_FIX_SENDER_COMP_ID", "NORTHBANK-WM")
    monkeypatch.setenv("TRIMTAB_FIX_TARGET_COMP_ID", "CHARLES-OMS")

    result = CliRunner().invoke(
        app, ["orders", "export", "--format", "fix", "--out", str(tmp_path)]
    )

    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("orders-*.fix")
    messages = read_fix(path.read_bytes())
    assert messages
    assert {(m.get(49), m.get(56)) for m in messages} == {(b"NORTHBANK-WM", b"CHARLES-OMS")}


def test_every_allocation_of_a_security_shows_the_same_reference_price(
    approved_run: Database, tmp_path: Path
) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["orders", "export", "--out", str(tmp_path / "a")])
    again = runner.invoke(app, ["orders", "export", "--out", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output

    prices: dict[str, set[Decimal]] = {}
    for folder in ("a", "b"):
        (path,) = (tmp_path / folder).glob("allocations-*.csv")
        for row in csv.DictReader(path.read_text().splitlines()):
            prices.setdefault(row["security"], set()).add(Decimal(row["reference_price"]))

    assert prices
    assert all(len(seen) == 1 for seen in prices.values()), prices
