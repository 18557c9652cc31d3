"""Executions in from the order management system: FIX 4.4 ExecutionReports and a CSV layout.

Problem: the desk's OMS answers the exported block orders with execution reports —
partial fills, fills, cancels — as FIX messages or, from simpler systems, a CSV file.
Both must become the same `Execution` values, and a message trimtab cannot read must be
named (file, message, tag), never skipped silently or guessed at.

Rule:
- A `.fix` file holds FIX messages (SOH-delimited, checksums verified by simplefix; a
  newline between messages is allowed, as `orders export` writes them). Messages other
  than ExecutionReport (35=8) are ignored (heartbeats, acknowledgements of other
  sessions). Tags read: ExecID 17, ClOrdID 11 (OrigClOrdID 41 when present: a cancel
  names the original order there), ExecType 150, OrdStatus 39, Symbol 55, Side 54 (1 buy,
  2 sell), LastQty 32, LastPx 31 (both required on a trade: ExecType 1, 2 or F),
  TradeDate 75 (YYYYMMDD) else the day of TransactTime 60.
- A `.csv` file has the header `exec_id,client_order_id,exec_type,order_status,security,
  side,last_quantity,last_price,trade_date` (side `buy`/`sell` or `1`/`2`; trade_date
  YYYY-MM-DD; quantity and price may be empty on a report that is not a trade).
- Every report that cannot be read is a problem naming the file and the message (or
  row); the readable ones are returned alongside.

    >>> # executions, problems = read_executions(Path("inbox/fills/exec-2025-06-30.fix"))
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import simplefix

from trimtab.domain.executions import TRADE_TYPES, Execution
from trimtab.domain.problems import Problem
from trimtab.domain.trade_history import TradeSide

__all__ = ["CSV_COLUMNS", "EXECUTION_SUFFIXES", "read_executions", "write_execution_fix"]

CSV_COLUMNS = (
    "exec_id",
    "client_order_id",
    "exec_type",
    "order_status",
    "security",
    "side",
    "last_quantity",
    "last_price",
    "trade_date",
)
EXECUTION_SUFFIXES = (".fix", ".csv")
SIDES = {"1": TradeSide.BUY, "2": TradeSide.SELL, "buy": TradeSide.BUY, "sell": TradeSide.SELL}


def read_executions(path: Path) -> tuple[list[Execution], list[Problem]]:
    """The execution reports in a `.fix` or `.csv` file, and what could not be read."""
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    return _read_fix(path)


def _decimal(text: str | None) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _execution(
    where: str,
    fields: dict[str, str | None],
) -> tuple[Execution | None, list[Problem]]:
    missing = [
        name
        for name in ("exec_id", "client_order_id", "exec_type", "order_status", "security", "side")
        if not (fields.get(name) or "").strip()
    ]
    if missing:
        return None, [Problem(where, f"missing {', '.join(missing)}")]
    side = SIDES.get((fields["side"] or "").strip().lower())
    if side is None:
        return None, [Problem(where, f"side {fields['side']!r}: expected 1/2 or buy/sell")]
    exec_type = (fields["exec_type"] or "").strip().upper()
    quantity = _decimal(fields.get("last_quantity"))
    price = _decimal(fields.get("last_price"))
    if exec_type in TRADE_TYPES and (quantity is None or price is None or quantity < 0):
        return None, [Problem(where, "a trade needs its LastQty (32) and LastPx (31)")]
    return Execution(
        (fields["exec_id"] or "").strip(),
        (fields["client_order_id"] or "").strip(),
        exec_type,
        (fields["order_status"] or "").strip().upper(),
        (fields["security"] or "").strip(),
        side,
        quantity or Decimal(0),
        price or Decimal(0),
        _date(fields.get("trade_date")),
    ), []


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    text = text.strip()
    for layout in ("%Y%m%d", "%Y-%m-%d", "%Y%m%d-%H:%M:%S", "%Y%m%d-%H:%M:%S.%f"):
        try:
            return dt.datetime.strptime(text, layout).replace(tzinfo=dt.UTC).date()
        except ValueError:
            continue
    return None


def _text(message: simplefix.FixMessage, tag: int) -> str | None:
    value = message.get(tag)
    return None if value is None else bytes(value).decode("utf-8", "replace")


def _read_fix(path: Path) -> tuple[list[Execution], list[Problem]]:
    parser = simplefix.FixParser()
    parser.append_buffer(path.read_bytes().replace(b"\r\n", b"").replace(b"\n", b""))
    found: list[Execution] = []
    problems: list[Problem] = []
    n = 0
    while True:
        try:
            message = parser.get_message()
        except Exception as error:  # simplefix raises its own errors on a broken message
            problems.append(Problem(f"{path.name}: message {n + 1}", f"unreadable: {error}"))
            break
        if message is None:
            break
        n += 1
        if _text(message, 35) != "8":
            continue
        original = _text(message, 41)
        fields = {
            "exec_id": _text(message, 17),
            "client_order_id": original or _text(message, 11),
            "exec_type": _text(message, 150),
            "order_status": _text(message, 39),
            "security": _text(message, 55),
            "side": _text(message, 54),
            "last_quantity": _text(message, 32),
            "last_price": _text(message, 31),
            "trade_date": _text(message, 75) or _text(message, 60),
        }
        execution, wrong = _execution(f"{path.name}: message {n}", fields)
        problems += wrong
        if execution is not None:
            found.append(execution)
    return found, problems


def _read_csv(path: Path) -> tuple[list[Execution], list[Problem]]:
    found: list[Execution] = []
    problems: list[Problem] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        absent = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            return [], [Problem(path.name, f"missing columns {', '.join(absent)}")]
        for row_number, row in enumerate(reader, start=2):
            execution, wrong = _execution(f"{path.name}: row {row_number}", dict(row))
            problems += wrong
            if execution is not None:
                found.append(execution)
    return found, problems


def write_execution_fix(
    reports: list[Execution],
    path: Path,
    *,
    sender: str = "OMS",
    target: str = "TRIMTAB",
    at: dt.datetime | None = None,
) -> Path:
    """Write execution reports as FIX 4.4 messages (what an OMS sends; tests and demos)."""
    when = (at or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H:%M:%S.000")
    with path.open("wb") as f:
        for seq, e in enumerate(reports, start=1):
            m = simplefix.FixMessage()
            m.append_pair(8, "FIX.4.4", header=True)
            m.append_pair(35, "8", header=True)
            m.append_pair(49, sender, header=True)
            m.append_pair(56, target, header=True)
            m.append_pair(34, seq, header=True)
            m.append_pair(52, when, header=True)
            m.append_pair(37, f"OMS-{e.client_order_id}")
            m.append_pair(11, e.client_order_id)
            m.append_pair(17, e.exec_id)
            m.append_pair(150, e.exec_type)
            m.append_pair(39, e.order_status)
            m.append_pair(55, e.security)
            m.append_pair(54, "1" if e.side is TradeSide.BUY else "2")
            if e.is_trade:
                m.append_pair(32, format(e.last_quantity, "f"))
                m.append_pair(31, format(e.last_price, "f"))
            if e.trade_date is not None:
                m.append_pair(75, e.trade_date.strftime("%Y%m%d"))
            m.append_pair(60, when)
            f.write(m.encode() + b"\n")
    return path
