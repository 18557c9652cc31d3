"""Executions back from the OMS: matched to the exported blocks, allocated, booked once.

Problem: the desk's order management system answers the exported block orders with
execution reports — a block may fill in several parts, be cancelled with part of it
done, or (a mistake on either side) fill more than was ordered or name an order trimtab
never sent. The accounts must end up with exactly what was executed for them, a file
received twice must book nothing twice, and whatever does not add up must reach a person
as an alert, never be booked on a guess.

Rule (`import_fills`, one file's reports, one transaction, one `orders.import_fills`
audit entry):
1. Each report is stored once by its ExecID (`uow.executions.add`): a report seen
   before (the same file again, or a resent message) adds nothing.
2. A report is matched to an exported block by its client order id (ClOrdID, the
   block's `services.orders.client_order_id`) among the blocks with unfilled orders. No
   such block → the report is `unmatched` and raises `execution.unmatched:<ExecID>`.
3. Each block with reports is added up (`domain.executions.block_fill`): over-filled,
   corrected or inconsistent → `refused`, alert `execution.refused:<block>`, nothing
   booked. A block whose status is not final yet (partially filled, still working)
   waits for its next reports.
4. A final block (filled, done for day, cancelled, expired) is allocated back to its
   accounts pro rata to what each ordered, in whole shares
   (`domain.executions.allocate_block`), all at the block's average price, traded on
   the reports' trade date (else the import's day). A partly filled sale relieves the
   proposal's lots in the proposal's order (`lots_for`). The fills are booked by
   `services.executions.book_orders` — the same booking `orders fill --all-at-close`
   uses — with source `oms`; an account whose fills no longer fit its books is not
   booked and raises `execution.unbooked:<block>`. The block's reports are `booked`.
5. The alerts are raised after the commit (`services.alerts.raise_alert`), each once per
   cause until resolved.

Worked example: block TT1 buys 10 XYZ for A-1 (6) and A-2 (4). A file brings E1 (partial
fill, 7 @ $100) and E2 (cancel, OrdStatus 4): the block is final with 7 shares; pro rata
4.2 and 2.8 → 4 and 2, one share left → A-2 (fraction .8 beats .2): A-1 4, A-2 3, both at
$100. The same file imported again: E1 and E2 are known, nothing is booked.

    >>> # result = import_fills(new_uow, "exec-0630.fix", reports, principal=SCHEDULER, now=now)
    >>> # result.booked_orders, result.unmatched, result.refused
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.alerts import Alert, Severity, cause_key
from trimtab.domain.executions import Execution, Fill, allocate_block, block_fill, lots_for
from trimtab.domain.money import round_shares
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.alerts import raise_alert
from trimtab.services.audit import record, write_service
from trimtab.services.executions import book_orders
from trimtab.services.orders import BlockOrder, block_orders
from trimtab.services.pipeline_ports import ExecutionState, PipelineUnitOfWork

__all__ = ["OMS", "FillsImport", "import_fills", "open_blocks"]

OMS = "oms"
NewUnitOfWork = Callable[[], PipelineUnitOfWork]


@dataclass(frozen=True)
class FillsImport:
    file: str
    reports: int  # in the file
    new: int  # not seen before
    booked_blocks: tuple[str, ...] = ()
    booked_orders: int = 0
    accounts: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()  # blocks with reports, not final yet
    unmatched: tuple[str, ...] = ()  # ExecIDs
    refused: tuple[str, ...] = ()  # blocks
    problems: tuple[Problem, ...] = ()
    alerts: tuple[Alert, ...] = ()


def open_blocks(uow: PipelineUnitOfWork) -> dict[str, BlockOrder]:
    """The exported blocks still expecting executions: unfilled, neither booked nor refused."""
    blocks = {b.id: b for b in block_orders(uow.executions.open_orders())}
    settled = uow.executions.settled(blocks)
    return {k: b for k, b in blocks.items() if k not in settled}


def _fills(block: BlockOrder, filled: Decimal, price: Decimal, day: dt.date) -> list[Fill]:
    parts = allocate_block(filled, [(o.account, o.quantity) for o in block.allocations])
    out: list[Fill] = []
    for order in block.allocations:
        quantity = parts[order.account]
        if quantity <= 0:
            continue
        picks = tuple((p.lot, round_shares(Decimal(str(p.quantity)))) for p in order.lots)
        lots = lots_for(tuple((lot, q) for lot, q in picks if q > 0), quantity)
        out.append(
            Fill(order.id, order.account, order.security, order.side, quantity, price, day, lots)
        )
    return out


@write_service("orders.import_fills")
def import_fills(
    new_uow: NewUnitOfWork,
    file: str,
    reports: Sequence[Execution],
    *,
    principal: Principal,
    now: dt.datetime,
) -> FillsImport:
    """Store, match, allocate and book one file's execution reports (see module doc)."""
    alerts: list[Alert] = []
    problems: list[Problem] = []
    booked_blocks: list[str] = []
    waiting: list[str] = []
    refused: list[str] = []
    accounts: set[str] = set()
    booked_orders = 0
    with new_uow() as uow:
        new_ids = set(uow.executions.add(reports, file=file, at=now))
        blocks = open_blocks(uow)
        unmatched = sorted(
            e.exec_id for e in reports if e.exec_id in new_ids and e.client_order_id not in blocks
        )
        if unmatched:
            uow.executions.mark(unmatched, ExecutionState.UNMATCHED, "no exported block order")
            for e in reports:
                if e.exec_id in unmatched:
                    alerts.append(
                        Alert(
                            cause_key("execution.unmatched", e.exec_id),
                            Severity.CRITICAL,
                            f"execution {e.exec_id} ({e.security} {e.side.value} "
                            f"{e.last_quantity}) names order {e.client_order_id}, "
                            "which trimtab did not export or already booked",
                            "check the report with the desk; book it by hand if it is real",
                        )
                    )
        reported = uow.executions.for_blocks(
            {e.client_order_id for e in reports if e.client_order_id in blocks}
        )
        by_run: defaultdict[str, list[Fill]] = defaultdict(list)
        block_of: dict[str, str] = {}
        for block_id, executions in sorted(reported.items()):
            block = blocks[block_id]
            fill, wrong = block_fill(block_id, block.quantity, executions)
            ids = [e.exec_id for e in executions]
            if wrong:
                refused.append(block_id)
                problems += wrong
                uow.executions.mark(
                    ids, ExecutionState.REFUSED, "; ".join(p.message for p in wrong)
                )
                alerts.append(
                    Alert(
                        cause_key("execution.refused", block_id),
                        Severity.CRITICAL,
                        f"block {block_id} ({block.security} {block.side.value} "
                        f"{block.quantity}): {wrong[0].message}",
                        "reconcile the block with the desk and book its fills by hand",
                    )
                )
                continue
            if not fill.final:
                waiting.append(block_id)
                continue
            day = fill.trade_date or now.date()
            fills = _fills(block, fill.filled, fill.price, day)
            by_run[block.run_id] += fills
            block_of.update({f.order: block_id for f in fills})
            uow.executions.mark(ids, ExecutionState.BOOKED)
            booked_blocks.append(block_id)
        for run_id, fills in sorted(by_run.items()):
            booked, why = book_orders(
                uow, run_id, fills, source=OMS, actor=principal.recorded_as, at=now
            )
            booked_orders += len(booked.fills)
            accounts.update(booked.accounts)
            problems += why
            unbooked = sorted(
                {block_of[f.order] for f in fills} - {block_of[f.order] for f in booked.fills}
            )
            for block_id in unbooked:
                alerts.append(
                    Alert(
                        cause_key("execution.unbooked", block_id),
                        Severity.CRITICAL,
                        f"block {block_id}: some accounts' fills no longer fit their lots",
                        "check the accounts' lots against the custodian and book by hand",
                    )
                )
        record(
            uow,
            principal,
            "orders.import_fills",
            targets=[*sorted(accounts), f"file:{file}", *(f"block:{b}" for b in booked_blocks)],
            summary={
                "reports": len(reports),
                "new": len(new_ids),
                "booked_blocks": len(booked_blocks),
                "booked_orders": booked_orders,
                "waiting": len(waiting),
                "unmatched": len(unmatched),
                "refused": len(refused),
            },
            at=now,
        )
        uow.commit()
    for alert in alerts:  # after the commit: only what was recorded is told
        raise_alert(new_uow, alert, principal=principal, at=now)
    return FillsImport(
        file,
        len(reports),
        len(new_ids),
        tuple(booked_blocks),
        booked_orders,
        tuple(sorted(accounts)),
        tuple(waiting),
        tuple(unmatched),
        tuple(refused),
        tuple(problems),
        tuple(alerts),
    )
