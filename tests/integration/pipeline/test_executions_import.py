"""Scenarios: execution reports from the OMS, read, matched, allocated and booked — or alerted.

FIX 4.4 ExecutionReports (35=8) with partial fills and cancels are read into executions;
a block is booked once its status is final, allocated pro rata in whole shares; a report
naming an order trimtab never exported, or more shares than the block ordered, raises an
alert and books nothing; a file imported twice books nothing twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import simplefix
from sqlalchemy import select

from tests.builders import load_small_firm
from tests.integration.pipeline.firm_day import DAY, FakeClock, exported_blocks, firm_folder
from trimtab.batch.pipeline import Scheduler, StageWork
from trimtab.bootstrap import Database
from trimtab.domain.executions import Execution, allocate_block, block_fill
from trimtab.domain.principal import SCHEDULER
from trimtab.domain.trade_history import TradeSide
from trimtab.feeds.fix_executions import read_executions, write_execution_fix
from trimtab.services.alerts import AlertQuery, list_alerts
from trimtab.services.fills_import import import_fills, open_blocks
from trimtab.services.pipeline import read_config
from trimtab.store.nightly_tables import FillRow

# -- reading -------------------------------------------------------------------------------


def _report(**tags: str) -> bytes:
    m = simplefix.FixMessage()
    m.append_pair(8, "FIX.4.4", header=True)
    m.append_pair(35, tags.pop("35", "8"), header=True)
    m.append_pair(49, "OMS", header=True)
    m.append_pair(56, "TRIMTAB", header=True)
    for tag, value in tags.items():
        m.append_pair(int(tag.lstrip("t")), value)
    return bytes(m.encode())


def test_fix_partial_fills_and_a_cancel_are_read_as_executions(tmp_path: Path) -> None:
    path = tmp_path / "exec.fix"
    path.write_bytes(
        _report(t11="TTA", t17="E1", t150="F", t39="1", t55="XYZ", t54="1", t32="60",
                t31="100.5", t75="20250630")
        + b"\n"
        + _report(**{"35": "0"})  # a heartbeat: not an execution, ignored
        + _report(t11="TTA", t17="E2", t150="F", t39="1", t55="XYZ", t54="1", t32="15",
                  t31="101", t75="20250630")
        + _report(t11="CXL-1", t41="TTA", t17="E3", t150="4", t39="4", t55="XYZ", t54="1")
    )  # fmt: skip

    reports, problems = read_executions(path)

    assert problems == []
    assert [(e.exec_id, e.client_order_id, e.is_trade, e.is_final) for e in reports] == [
        ("E1", "TTA", True, False),
        ("E2", "TTA", True, False),
        ("E3", "TTA", False, True),  # the cancel names the block in OrigClOrdID (41)
    ]
    fill, wrong = block_fill("TTA", D(100), reports)
    assert wrong == []
    assert (fill.filled, fill.price, fill.final, fill.trade_date) == (
        D(75),
        D("100.600000"),
        True,
        DAY,
    )


def test_a_trade_without_its_quantity_is_named_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "exec.fix"
    path.write_bytes(_report(t11="TTA", t17="E1", t150="F", t39="2", t55="XYZ", t54="1"))
    reports, problems = read_executions(path)
    assert reports == []
    assert [str(p) for p in problems] == [
        "exec.fix: message 1: a trade needs its LastQty (32) and LastPx (31)"
    ]


def test_the_csv_layout_reads_the_same_executions(tmp_path: Path) -> None:
    path = tmp_path / "exec.csv"
    path.write_text(
        "exec_id,client_order_id,exec_type,order_status,security,side,last_quantity,"
        "last_price,trade_date\n"
        "E1,TTA,F,2,XYZ,buy,10,100,2025-06-30\n"
        "E2,TTB,4,4,ABC,sell,,,\n",
        encoding="utf-8",
    )
    reports, problems = read_executions(path)
    assert problems == []
    assert reports == [
        Execution("E1", "TTA", "F", "2", "XYZ", TradeSide.BUY, D(10), D(100), DAY),
        Execution("E2", "TTB", "4", "4", "ABC", TradeSide.SELL, D(0), D(0), None),
    ]


def test_a_partly_filled_block_is_shared_pro_rata_in_whole_shares() -> None:
    # 7 of 10: pro rata 4.2 and 2.8 → 4 and 2; the share left goes to the larger
    # fraction (.8): A-2.
    assert allocate_block(D(7), [("A-1", D(6)), ("A-2", D(4))]) == {"A-1": D(4), "A-2": D(3)}
    # a full fill gives each account what it ordered, fractions included
    assert allocate_block(D("10.5"), [("A-1", D("6.5")), ("A-2", D(4))]) == {
        "A-1": D("6.5"),
        "A-2": D(4),
    }
    parts = allocate_block(D(13), [(f"A-{n}", D(5)) for n in range(1, 6)])
    assert sum(parts.values()) == 13
    assert max(parts.values()) - min(parts.values()) <= 1


# -- matching and booking on the firm's day ----------------------------------------------------


def _exported_day(db: Database, url: str, tmp_path: Path) -> Scheduler:
    import tomllib

    toml = firm_folder(tmp_path)
    config, problems = read_config(tomllib.loads(toml.read_text()), base=tmp_path)
    assert config is not None, problems
    load_small_firm(db, accounts=6)
    scheduler = Scheduler(StageWork(db, url, config, clock=FakeClock(DAY_START).at(6)))
    assert scheduler.start() == []
    while scheduler.tick():
        pass
    return scheduler


DAY_START = dt.datetime(2025, 6, 30, tzinfo=dt.UTC)
NOW = dt.datetime(2025, 6, 30, 21, tzinfo=dt.UTC)


def _causes(scheduler: Scheduler) -> set[str]:
    return {a.cause for a in list_alerts(scheduler.new_uow, AlertQuery()) if a.is_open}


def test_unmatched_and_overfilled_executions_raise_alerts_and_book_nothing(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    scheduler = _exported_day(database, database_url, tmp_path)
    (clordid, security, side, quantity), *_ = exported_blocks(tmp_path / "outbox")
    reports = [
        Execution("X1", "TTNOSUCHORDER", "F", "2", security, side, D(5), D(10), DAY),
        Execution("X2", clordid, "F", "1", security, side, quantity, D(10), DAY),
        Execution("X3", clordid, "F", "2", security, side, D(1), D(10), DAY),  # one too many
    ]

    result = import_fills(scheduler.new_uow, "exec.fix", reports, principal=SCHEDULER, now=NOW)

    assert result.unmatched == ("X1",)
    assert result.refused == (clordid,)
    assert result.booked_orders == 0
    assert {"execution.unmatched:X1", f"execution.refused:{clordid}"} <= _causes(scheduler)
    with database.unit_of_work() as uow:
        assert uow.session.execute(select(FillRow.order_id)).all() == []
    with scheduler.new_uow() as uow:
        assert clordid not in open_blocks(uow), "refused: a person books it, not a retry"


def test_a_block_books_when_final_and_a_second_import_books_nothing(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    scheduler = _exported_day(database, database_url, tmp_path)
    (clordid, security, side, quantity), *_ = exported_blocks(tmp_path / "outbox")
    partial = Execution("P1", clordid, "F", "1", security, side, D(1), D(10), DAY)
    first = import_fills(scheduler.new_uow, "a.fix", [partial], principal=SCHEDULER, now=NOW)
    assert (first.waiting, first.booked_orders) == ((clordid,), 0)  # not final: wait

    cancel = Execution("P2", clordid, "4", "4", security, side, D(0), D(0), DAY)
    path = write_execution_fix([partial, cancel], tmp_path / "b.fix")
    reports, problems = read_executions(path)
    assert problems == []
    second = import_fills(scheduler.new_uow, "b.fix", reports, principal=SCHEDULER, now=NOW)
    assert second.new == 1  # P1 was known already
    assert second.booked_blocks == (clordid,)
    with database.unit_of_work() as uow:
        filled = uow.session.execute(select(FillRow.quantity, FillRow.price)).all()
    assert filled == [(D(1), D(10))]  # one share, to the account first in the remainder order

    again = import_fills(scheduler.new_uow, "b.fix", reports, principal=SCHEDULER, now=NOW)
    assert (again.new, again.booked_orders, again.unmatched) == (0, 0, ())
    with database.unit_of_work() as uow:
        assert len(uow.session.execute(select(FillRow.order_id)).all()) == 1
    assert quantity >= 1
