"""Scenario: night 1 proposes trades, the desk's orders are filled (simulated at the
close), and the books — lots, cash, recent trades, custodian positions, realized gains —
are what the trades left; so the next run on the same prices has nothing left to do."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.builders import DEMO_AS_OF, DEMO_NOW, OPS, TESTER
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database
from trimtab.cli import app
from trimtab.domain.executions import lot_id
from trimtab.services.executions import fill_at_close
from trimtab.services.review import approve, review_queue
from trimtab.services.review_ports import TRADED
from trimtab.store.data_tables import CustodianPositionRow
from trimtab.store.tables import TransactionRow


def _holdings(db: Database, accounts: list[str]) -> dict[str, tuple[dict[str, Decimal], Decimal]]:
    with db.unit_of_work() as uow:
        books = uow.orders.books(accounts)
    out = {}
    for account, (lots, cash) in books.items():
        shares: defaultdict[str, Decimal] = defaultdict(Decimal)
        for lot in lots:
            shares[lot.security] += lot.quantity
        out[account] = (dict(shares), cash)
    return out


def test_filled_orders_are_booked_and_the_next_run_has_nothing_left_to_trade(
    night: tuple[str, Database, str],
) -> None:
    url, db, night1 = night  # a finished night
    reviewed = review_queue(db.unit_of_work)[0]
    approve(db.unit_of_work, reviewed.account, principal=OPS, reason="fine", now=DEMO_NOW)
    with db.unit_of_work() as uow:
        traded = {p.account: p for p in uow.proposals.proposals(night1, states=TRADED)}
    assert reviewed.account in traded
    assert len(traded) >= 3
    before = _holdings(db, sorted(traded))
    with db.unit_of_work() as uow:
        known = set(uow.session.scalars(select(TransactionRow.id)))
    with db.unit_of_work() as uow:
        night1_lots = {
            a: {x.id: x for x in v[0]} for a, v in uow.orders.books(sorted(traded)).items()
        }

    summary = fill_at_close(db.unit_of_work, principal=OPS, now=DEMO_NOW)

    assert summary.problems == ()
    assert summary.trade_date == DEMO_AS_OF
    assert summary.accounts == len(traded)
    assert summary.filled == sum(len(p.trades) for p in traded.values())
    after = _holdings(db, sorted(traded))
    with db.unit_of_work() as uow:
        lots = uow.orders.books(sorted(traded))
        orders = {o.id: o for o in uow.orders.orders(night1)}
        booked = uow.session.execute(
            select(
                TransactionRow.trade_date, TransactionRow.side, TransactionRow.realized_gain
            ).where(TransactionRow.id.not_in(known))
        ).all()
        positions = {
            (r.account_id, r.security): r.quantity
            for r in uow.session.scalars(select(CustodianPositionRow))
        }
    for account, proposal in traded.items():
        shares, cash = after[account]
        old_shares, old_cash = before[account]
        cash_flow = Decimal(0)
        for t in proposal.trades:
            order = orders[f"{night1}:{account}:{t.security}:{t.side}"]
            sign = 1 if t.side == "buy" else -1
            expected = old_shares.get(t.security, Decimal(0)) + sign * order.quantity
            assert shares.get(t.security, Decimal(0)) == expected, (account, t)
            cash_flow -= sign * (order.quantity * order.price).quantize(Decimal("0.01"))
            if t.side == "buy":  # a new lot, dated the trade day
                lot = next(x for x in lots[account][0] if x.id == lot_id(order.id))
                assert (lot.acquired, lot.quantity) == (DEMO_AS_OF, order.quantity)
            else:  # relieved exactly the proposal's lots
                for pick in t.lots:
                    left = next((x for x in lots[account][0] if x.id == pick.lot), None)
                    held = night1_lots[account][pick.lot]
                    assert (left.quantity if left else 0) == held.quantity - Decimal(
                        str(pick.quantity)
                    )
            if (account, t.security) in positions:  # the custodian's view follows
                assert positions[(account, t.security)] == shares[t.security]
        # Filled at the analysis's own close: the cash moves by the proposal's amounts.
        assert abs(cash - old_cash - cash_flow) <= Decimal("0.01") * len(proposal.trades)
        assert cash >= 0
    assert len(booked) == summary.filled
    assert {t.trade_date for t in booked} == {DEMO_AS_OF}
    assert any(t.realized_gain is not None for t in booked if t.side == "sell")

    # Booking again fills nothing: every order already has its fill.
    again = fill_at_close(db.unit_of_work, principal=OPS, now=DEMO_NOW)
    assert (again.filled, again.accounts) == (0, 0)
    assert _holdings(db, sorted(traded)) == after
    # Each booking transaction left its entry; the repeat left none.
    with db.unit_of_work() as uow:
        fills = uow.audit.entries(action="orders.fill")
        created = uow.audit.entries(action="orders.create")
    assert [e.summary["orders"] for e in fills] == [summary.filled]
    assert len(created) == 1
    assert set(traded) <= set(fills[0].targets)

    # Same prices, books as the trades left them: the filled accounts have (almost) nothing
    # left to do. Almost: the engine's integer rounding may leave a group at its band's
    # edge that a small follow-up trade improves, never a repeat of night 1's trades.
    night2 = run_nightly(url, as_of=DEMO_AS_OF, principal=TESTER, workers=1, chunk_size=40)
    with db.unit_of_work() as uow:
        outcomes = uow.runs.outcomes(night2.run_id)
        again_proposed = {p.account: p for p in uow.proposals.proposals(night2.run_id)}
    quiet = [a for a in traded if outcomes[a][0] == "no_trade"]
    assert len(quiet) >= 0.8 * len(traded)
    for account, proposal in again_proposed.items():
        if account in traded:
            assert proposal.turnover < traded[account].turnover / 2, account


def test_orders_fill_on_the_command_line_is_a_named_simulation_and_books_once(
    firm: tuple[str, Database], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the service is tested on both databases; one is enough for the CLI")
    url, _db = firm
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    runner = CliRunner()
    too_early = runner.invoke(app, ["orders", "fill", "--all-at-close"])
    assert too_early.exit_code == 3  # not found: no finished run yet
    assert "trimtab run" in too_early.output
    run_nightly(url, as_of=DEMO_AS_OF, principal=TESTER, workers=1, chunk_size=40)

    unnamed = runner.invoke(app, ["orders", "fill"])
    assert unnamed.exit_code == 2
    assert "--all-at-close" in unnamed.output

    filled = runner.invoke(app, ["orders", "fill", "--all-at-close"])
    assert filled.exit_code == 0, filled.output
    assert "(simulated)" in filled.output
    assert "filled 0 orders" not in filled.output
    again = runner.invoke(app, ["orders", "fill", "--all-at-close"])
    assert again.exit_code == 0
    assert "filled 0 orders" in again.output
