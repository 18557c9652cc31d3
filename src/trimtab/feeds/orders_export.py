"""Orders out to a trading desk: block orders as CSV and as FIX 4.4 NewOrderSingle.

Problem: an order management system takes either a CSV or FIX messages; both must carry
the block (one order per security and side) and its allocation back to each account,
and writing the same orders twice must give the same bytes, so a receiver (or a diff)
sees a re-export as the same orders, never new ones.

Rule: files are named by run (`blocks-<run>.csv`, `allocations-<run>.csv`,
`orders-<run>.fix`) and written whole; every time in them is the orders' creation time
(not the export time); FIX messages (simplefix) carry BeginString FIX.4.4, MsgType D,
ClOrdID (11) = the block's deterministic id, HandlInst 1, Symbol, Side (1 buy, 2 sell),
TransactTime, OrderQty, OrdType 1 (market), TimeInForce 0 (day), and the pre-trade
allocation group NoAllocs (78) with AllocAccount (79), IndividualAllocID (467) and
AllocQty (80) per account; MsgSeqNum counts from 1 in each file.

    >>> # paths = write_csv(blocks, Path("out"), run_id="2025-06-30.1")
    >>> # messages = read_fix(Path("out/orders-2025-06-30.1.fix").read_bytes())
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import simplefix

from trimtab.services.orders import BlockOrder, client_order_id
from trimtab.services.review_ports import pick_to_dict

__all__ = ["read_fix", "write_csv", "write_fix"]

SIDE = {"buy": "1", "sell": "2"}
FIX_TIME = "%Y%m%d-%H:%M:%S.000"


def _qty(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def write_csv(blocks: Sequence[BlockOrder], out: Path, *, run_id: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    blocks_path = out / f"blocks-{run_id}.csv"
    allocations_path = out / f"allocations-{run_id}.csv"
    with blocks_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["client_order_id", "run", "security", "side", "quantity", "accounts"])
        for b in blocks:
            w.writerow([b.id, b.run_id, b.security, b.side, _qty(b.quantity), len(b.allocations)])
    with allocations_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "client_order_id",
                "allocation_id",
                "account",
                "security",
                "side",
                "quantity",
                "reference_price",
                "lots",
            ]
        )
        for b in blocks:
            for a in b.allocations:
                w.writerow(
                    [
                        b.id,
                        client_order_id(a.id),
                        a.account,
                        a.security,
                        a.side,
                        _qty(a.quantity),
                        _qty(a.price),
                        json.dumps([pick_to_dict(x) for x in a.lots], sort_keys=True),
                    ]
                )
    return [blocks_path, allocations_path]


def write_fix(
    blocks: Sequence[BlockOrder],
    out: Path,
    *,
    run_id: str,
    sender: str = "TRIMTAB",
    target: str = "OMS",
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"orders-{run_id}.fix"
    with path.open("wb") as f:
        for seq, b in enumerate(blocks, start=1):
            when = b.created_at.strftime(FIX_TIME)
            m = simplefix.FixMessage()
            m.append_pair(8, "FIX.4.4", header=True)
            m.append_pair(35, "D", header=True)
            m.append_pair(49, sender, header=True)
            m.append_pair(56, target, header=True)
            m.append_pair(34, seq, header=True)
            m.append_pair(52, when, header=True)
            m.append_pair(11, b.id)
            m.append_pair(21, "1")
            m.append_pair(55, b.security)
            m.append_pair(54, SIDE[b.side])
            m.append_pair(60, when)
            m.append_pair(38, _qty(b.quantity))
            m.append_pair(40, "1")
            m.append_pair(59, "0")
            m.append_pair(78, len(b.allocations))
            for a in b.allocations:
                m.append_pair(79, a.account)
                m.append_pair(467, client_order_id(a.id))
                m.append_pair(80, _qty(a.quantity))
            f.write(m.encode() + b"\n")
    return path


def read_fix(data: bytes) -> list[simplefix.FixMessage]:
    """Parse a file written by `write_fix` back into messages (checksums verified)."""
    parser = simplefix.FixParser()
    parser.append_buffer(data.replace(b"\n", b""))
    messages = []
    while (message := parser.get_message()) is not None:
        messages.append(message)
    return messages
