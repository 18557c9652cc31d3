"""Scenarios: a reviewer approves, edits and rejects proposals (every decision recorded,
every edit re-checked against the hard rules); approved and auto-traded proposals become
block orders whose allocations add up, exported as CSV and FIX that parse back."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.builders import DEMO_NOW as NOW
from trimtab.bootstrap import Database
from trimtab.cli import app
from trimtab.domain.principal import Principal
from trimtab.engine import parse_case
from trimtab.engine.decision_check import DecidedTrade, LotPick, check_decision
from trimtab.feeds.orders_export import read_fix, write_csv, write_fix
from trimtab.services.orders import block_orders, create_orders, run_orders
from trimtab.services.review import approve, edit, open_proposal, reject, review_queue
from trimtab.services.review_ports import DecisionAction, ProposalState, trade_to_dict
from trimtab.store.nightly_tables import OrderRow, ProposalRow, ReviewDecisionRow

OPS, ANA, BO = Principal.cli("ops"), Principal.cli("ops-ana"), Principal.cli("ops-bo")


def test_review_decisions_are_recorded_and_edits_must_keep_every_rule(
    night: tuple[str, Database, str],
) -> None:
    _url, db, _run = night
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
        asked = [
            DecidedTrade(
                t.security, t.side, t.quantity, tuple(LotPick(x.lot, x.quantity) for x in t.lots)
            )
            for t in detail.proposal.trades
        ]
        assert check_decision(case, asked).breaches == (), p.account

    assert approve(db.unit_of_work, first.account, principal=ANA, reason="", now=NOW)
    assert approve(db.unit_of_work, first.account, principal=ANA, reason="in policy", now=NOW) == []
    assert (
        reject(db.unit_of_work, second.account, principal=BO, reason="client call", now=NOW) == []
    )
    assert approve(db.unit_of_work, second.account, principal=BO, reason="again", now=NOW)

    detail, _ = open_proposal(db.unit_of_work, third.account)
    assert detail is not None
    held = {lot["id"]: lot for lot in detail.record["case"]["lots"]}
    too_much = {lot["id"]: lot["quantity"] + 5 for lot in list(held.values())[:1]}
    problems = edit(
        db.unit_of_work, third.account, lots=too_much, principal=OPS, reason="more", now=NOW
    )
    assert any("rule 3" in str(p) for p in problems)
    not_buyable = {("buy", next(iter(held.values()))["security"]): 1.0}
    buyable = {g["buy"] for g in detail.record["case"]["groups"] if g["buy"]}
    if next(iter(not_buyable))[1] not in buyable:
        problems = edit(
            db.unit_of_work,
            third.account,
            quantities=not_buyable,
            principal=OPS,
            reason="buy more",
            now=NOW,
        )
        assert any("rule 1" in str(p) for p in problems)
    same = {(t.side, t.security): t.quantity for t in third.trades[:1]}
    assert (
        edit(db.unit_of_work, third.account, quantities=same, principal=OPS, reason="ok", now=NOW)
        == []
    )

    after, _ = open_proposal(db.unit_of_work, third.account)
    assert after is not None
    assert after.proposal.edited
    assert after.proposal.state is ProposalState.PENDING
    assert [d.action for d in after.decisions] == [DecisionAction.EDIT]  # refused: no trace
    decided = {a: open_proposal(db.unit_of_work, a)[0] for a in (first.account, second.account)}
    assert decided[first.account].proposal.state is ProposalState.APPROVED  # type: ignore[union-attr]
    assert [(d.action, d.actor, d.reason) for d in decided[second.account].decisions] == [  # type: ignore[union-attr]
        (DecisionAction.REJECT, "cli:ops-bo", "client call")
    ]
    # One audit entry per decision made, none for a refused one, in the same database.
    with db.unit_of_work() as uow:
        entries = uow.audit.entries(action="review")
    assert sorted((e.action, e.principal, e.targets[0]) for e in entries) == sorted(
        [
            ("review.approve", "cli:ops-ana", first.account),
            ("review.reject", "cli:ops-bo", second.account),
            ("review.edit", "cli:ops", third.account),
        ]
    )


def test_block_orders_add_up_to_their_allocations_and_export_idempotently(
    night: tuple[str, Database, str], tmp_path: Path
) -> None:
    _url, db, _run = night
    pending = review_queue(db.unit_of_work)
    approve(db.unit_of_work, pending[0].account, principal=OPS, reason="fine", now=NOW)
    run_id, added, problems = create_orders(db.unit_of_work, principal=OPS, now=NOW)
    assert run_id
    assert added
    assert problems == []
    assert create_orders(db.unit_of_work, principal=OPS, now=NOW)[1] == 0  # nothing twice
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


def test_typed_trades_leave_the_stored_json_as_it_was(night: tuple[str, Database, str]) -> None:
    """The store converts at its boundary: the engine's trades read back as typed values
    and written again (a decision's `before`, an order's lots) are the same JSON."""
    _url, db, run_id = night
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(ProposalRow).where(ProposalRow.run_id == run_id))
        stored = {r.account_id: r.trades for r in rows}
        views = {p.account: p for p in uow.proposals.proposals(run_id)}
    assert stored
    for account, trades in stored.items():
        assert [trade_to_dict(t) for t in views[account].trades] == trades, account
    first = review_queue(db.unit_of_work)[0]
    approve(db.unit_of_work, first.account, principal=OPS, reason="fine", now=NOW)
    create_orders(db.unit_of_work, principal=OPS, now=NOW)
    with db.unit_of_work() as uow:
        [(before, after)] = uow.session.execute(
            select(ReviewDecisionRow.before, ReviewDecisionRow.after)
        ).all()
        orders = uow.session.scalars(select(OrderRow).where(OrderRow.account_id == first.account))
        lots = {(o.security, o.side): o.lots for o in orders}
    assert before == after == stored[first.account]
    assert lots == {(t["security"], t["side"]): t["lots"] for t in stored[first.account]}


def test_review_and_routing_on_the_command_line_answer_with_the_problems_kind(
    night: tuple[str, Database, str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the services are tested on both databases; one is enough for the CLI")
    url, db, _run = night
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    runner = CliRunner()
    account = review_queue(db.unit_of_work)[0].account

    unknown = runner.invoke(app, ["review", "approve", "NOPE", "--reason", "x"])
    assert unknown.exit_code == 3, unknown.output  # not found
    approved = runner.invoke(app, ["review", "approve", account, "--reason", "in policy"])
    assert approved.exit_code == 0, approved.output
    twice = runner.invoke(app, ["review", "reject", account, "--reason", "oops"])
    assert twice.exit_code == 4, twice.output  # a conflict: no longer pending
    shown = runner.invoke(app, ["review", "show", account, "--json"])
    assert json.loads(shown.output)["decisions"][0]["actor"].startswith("cli:")

    typo = runner.invoke(app, ["routing", "set", "-", "--reason", "x"], input="review nope\n")
    assert typo.exit_code == 2
    assert "nope" in typo.output
    with db.unit_of_work() as uow:
        assert [e.action for e in uow.audit.entries(action="review")] == ["review.approve"]
        assert uow.audit.entries(action="routing.set") == []
