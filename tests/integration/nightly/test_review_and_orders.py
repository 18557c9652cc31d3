"""Scenarios: a reviewer approves, edits and rejects proposals (every decision recorded,
every edit re-checked against the hard rules); approved and auto-traded proposals become
block orders whose allocations add up, exported as CSV and FIX that parse back."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from tests.integration.nightly.conftest import AS_OF, NOW
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database
from trimtab.engine import parse_case
from trimtab.feeds.orders_export import read_fix, write_csv, write_fix
from trimtab.services.orders import block_orders, create_orders, run_orders
from trimtab.services.proposal_checks import check_trades
from trimtab.services.review import approve, edit, open_proposal, reject, review_queue


def test_review_decisions_are_recorded_and_edits_must_keep_every_rule(
    firm: tuple[str, Database],
) -> None:
    url, db = firm
    run_nightly(url, as_of=AS_OF, actor="test", workers=1, chunk_size=40)
    queue = review_queue(db.unit_of_work, sort="value")
    assert len(queue) >= 3
    assert [p.value for p in queue] == sorted((p.value for p in queue), reverse=True)
    first, second, third = queue[:3]

    # The engine's own proposals pass the checker an edit must pass.
    for p in queue:
        detail, _ = open_proposal(db.unit_of_work, p.account)
        assert detail is not None
        case, _ = parse_case(detail.record["case"])
        assert case is not None
        assert check_trades(case, detail.proposal.trades)[1] == [], p.account

    assert approve(db.unit_of_work, first.account, actor="ops-ana", reason="", now=NOW)
    assert (
        approve(db.unit_of_work, first.account, actor="ops-ana", reason="in policy", now=NOW) == []
    )
    assert (
        reject(db.unit_of_work, second.account, actor="ops-bo", reason="client call", now=NOW) == []
    )
    assert approve(db.unit_of_work, second.account, actor="ops-bo", reason="again", now=NOW)

    detail, _ = open_proposal(db.unit_of_work, third.account)
    assert detail is not None
    sale = next((t for t in third.trades if t["side"] == "sell"), None)
    held = {lot["id"]: lot for lot in detail.record["case"]["lots"]}
    too_much = {lot["id"]: lot["quantity"] + 5 for lot in list(held.values())[:1]}
    problems = edit(
        db.unit_of_work, third.account, lots=too_much, actor="ops", reason="more", now=NOW
    )
    assert any("rule 3" in str(p) for p in problems)
    not_buyable = {("buy", next(iter(held.values()))["security"]): 1.0}
    buyable = {g["buy"] for g in detail.record["case"]["groups"] if g["buy"]}
    if next(iter(not_buyable))[1] not in buyable:
        problems = edit(
            db.unit_of_work,
            third.account,
            quantities=not_buyable,
            actor="ops",
            reason="buy more",
            now=NOW,
        )
        assert any("rule 1" in str(p) for p in problems)
    same = {(t["side"], t["security"]): t["quantity"] for t in third.trades[:1]}
    assert (
        edit(db.unit_of_work, third.account, quantities=same, actor="ops", reason="ok", now=NOW)
        == []
    )

    after, _ = open_proposal(db.unit_of_work, third.account)
    assert after is not None
    assert after.proposal.edited
    assert after.proposal.state == "pending"
    assert [d.action for d in after.decisions] == ["edit"]  # refused edits left no trace
    decided = {a: open_proposal(db.unit_of_work, a)[0] for a in (first.account, second.account)}
    assert decided[first.account].proposal.state == "approved"  # type: ignore[union-attr]
    assert [(d.action, d.actor, d.reason) for d in decided[second.account].decisions] == [  # type: ignore[union-attr]
        ("reject", "ops-bo", "client call")
    ]
    del sale


def test_block_orders_add_up_to_their_allocations_and_export_idempotently(
    firm: tuple[str, Database], tmp_path: Path
) -> None:
    url, db = firm
    run_nightly(url, as_of=AS_OF, actor="test", workers=1, chunk_size=40)
    pending = review_queue(db.unit_of_work)
    approve(db.unit_of_work, pending[0].account, actor="ops", reason="fine", now=NOW)
    run_id, added, problems = create_orders(db.unit_of_work, actor="ops", now=NOW)
    assert run_id
    assert added
    assert problems == []
    assert create_orders(db.unit_of_work, actor="ops", now=NOW)[1] == 0  # nothing twice
    orders = run_orders(db.unit_of_work, run_id)
    assert pending[0].account in {o.account for o in orders}
    blocks = block_orders(orders)
    assert len({(b.security, b.side) for b in blocks}) == len(blocks)
    for b in blocks:
        assert b.quantity == sum(a.quantity for a in b.allocations)
        assert {(a.security, a.side) for a in b.allocations} == {(b.security, b.side)}

    fix = write_fix(blocks, tmp_path / "a", run_id=run_id)
    again = write_fix(
        block_orders(run_orders(db.unit_of_work, run_id)), tmp_path / "b", run_id=run_id
    )
    assert fix.read_bytes() == again.read_bytes()
    messages = read_fix(fix.read_bytes())
    assert len(messages) == len(blocks)
    for message, block in zip(messages, blocks, strict=True):
        assert message.get(8) == b"FIX.4.4"
        assert message.get(35) == b"D"
        assert message.get(11).decode() == block.id
        assert message.get(55).decode() == block.security
        assert message.get(54) == (b"1" if block.side == "buy" else b"2")
        assert Decimal(message.get(38).decode()) == block.quantity
        allocated = [
            Decimal(message.get(80, n).decode()) for n in range(1, len(block.allocations) + 1)
        ]
        assert sum(allocated) == block.quantity
        assert int(message.get(78)) == len(block.allocations)

    blocks_csv, allocations_csv = write_csv(blocks, tmp_path / "csv", run_id=run_id)
    per_block: defaultdict[str, Decimal] = defaultdict(Decimal)
    with allocations_csv.open() as f:
        for row in csv.DictReader(f):
            per_block[row["client_order_id"]] += Decimal(row["quantity"])
    with blocks_csv.open() as f:
        assert {
            r["client_order_id"]: Decimal(r["quantity"]) for r in csv.DictReader(f)
        } == per_block
