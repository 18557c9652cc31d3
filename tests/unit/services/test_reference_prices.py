"""Scenarios: every export of a run shows one reference price per security — the close
on the run's as-of day — however each account's trade value was rounded.

Two accounts buying VTI at the close of $194.8125: 3 shares for $584.44 and 6 shares for
$1,168.87 (each value rounded to the cent). Dividing each value by its shares gives
$194.813333 and $194.811667; both orders, both block exports, say $194.8125.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from tests.builders import OPS
from tests.fakes.orders import FakeOrderRepository
from tests.fakes.trading_desk import FakeTradingDesk, finished_run
from trimtab.engine.result import Trade
from trimtab.feeds.orders_export import read_fix, write_csv, write_fix
from trimtab.services.orders import block_orders, create_orders, run_orders
from trimtab.services.review_ports import ProposalState, ProposalView

RUN = "2025-06-30.1"
AS_OF = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC)
CLOSE = Decimal("194.8125")


def _proposal(account: str, *trades: Trade) -> ProposalView:
    return ProposalView(
        RUN, account, AS_OF, ProposalState.APPROVED, Decimal(10000), trades, Decimal(0),
        Decimal("0.1"), "auto_trade",
    )  # fmt: skip


def _desk(closes: dict[str, list[tuple[dt.date, Decimal]]]) -> FakeTradingDesk:
    desk = FakeTradingDesk(orders=FakeOrderRepository(closes=closes))
    desk.runs.add(finished_run(RUN))
    desk.proposals.add(_proposal("A-1", Trade("VTI", "buy", 3.0, 584.44)))
    desk.proposals.add(_proposal("A-2", Trade("VTI", "buy", 6.0, 1168.87)))
    desk.proposals.add(_proposal("A-3", Trade("BND", "buy", 7.0, 500.02)))
    desk.proposals.add(_proposal("A-4", Trade("BND", "buy", 3.0, 214.29)))
    return desk


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text().splitlines()))


def test_each_order_carries_the_close_on_the_as_of_day() -> None:
    desk = _desk({"VTI": [(AS_OF - dt.timedelta(days=1), Decimal(190)), (AS_OF, CLOSE)]})
    create_orders(desk, principal=OPS, now=NOW)

    prices = {(o.account, o.security): o.price for o in run_orders(desk, RUN)}

    assert prices[("A-1", "VTI")] == prices[("A-2", "VTI")] == CLOSE


def test_a_security_without_a_close_still_has_one_price_in_the_run() -> None:
    desk = _desk({})
    create_orders(desk, principal=OPS, now=NOW)

    bnd = {o.price for o in run_orders(desk, RUN) if o.security == "BND"}

    # $714.31 for 10 shares: the run's own average, the same for every account (each
    # account's own division would give $71.431429 and $71.430000).
    assert bnd == {Decimal("71.431000")}


def test_the_csv_and_fix_exports_of_one_run_agree_on_each_price(tmp_path: Path) -> None:
    desk = _desk({"VTI": [(AS_OF, CLOSE)]})
    create_orders(desk, principal=OPS, now=NOW)
    blocks = block_orders(run_orders(desk, RUN))

    _, allocations = write_csv(blocks, tmp_path, run_id=RUN)
    first = {(r["security"], r["reference_price"]) for r in _rows(allocations)}
    again = block_orders(run_orders(desk, RUN))
    _, allocations = write_csv(again, tmp_path / "again", run_id=RUN)
    second = {(r["security"], r["reference_price"]) for r in _rows(allocations)}

    assert first == second == {("VTI", "194.8125"), ("BND", "71.431")}
    assert len(read_fix(write_fix(blocks, tmp_path, run_id=RUN).read_bytes())) == 2
