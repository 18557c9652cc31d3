"""The review queue: list, open, approve, edit or reject proposals, each decision recorded.

Problem: the proposals routing sent to review wait for a person. Whatever that person
decides must be recorded with who, when and why (a regulator asks), and an edit must
never let through trades the engine would have refused.

Rule: each decision is one use case, one transaction, one `review_decisions` row with
the actor (keyword-only), the time, the reason (required) and the trades before and
after. `approve` and `reject` act on a pending proposal; `edit` changes quantities
(`{("sell", "VOO"): 10}`; 0 removes the trade) and sale lots (`{"L7": 5}`), re-checks
every hard rule on the night's recorded case (`proposal_checks.check_trades`), and saves
nothing when any rule breaks. An edited proposal stays pending until approved. The
queue is the latest run's pending proposals.

    >>> # items = review_queue(db.unit_of_work, sort="value")
    >>> # problems = approve(db.unit_of_work, "A0000042", actor="ops", reason="looks right")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trimtab.domain.problems import Problem
from trimtab.engine import parse_case
from trimtab.services.nightly_ports import DecisionRecord, NightlyUnitOfWork, ProposalView
from trimtab.services.proposal_checks import check_trades

__all__ = ["ProposalDetail", "approve", "edit", "open_proposal", "reject", "review_queue"]

NewUnitOfWork = Callable[[], NightlyUnitOfWork]
SORTS = {
    "value": lambda p: (-p.value, p.account),
    "tax": lambda p: (-p.estimated_tax, p.account),
    "turnover": lambda p: (-p.turnover, p.account),
    "account": lambda p: (p.account,),
}


@dataclass(frozen=True)
class ProposalDetail:
    proposal: ProposalView
    record: dict[str, Any]
    decisions: tuple[DecisionRecord, ...]


def _latest_run(uow: NightlyUnitOfWork) -> str | None:
    runs = uow.nightly.runs(limit=1)
    return runs[0].id if runs else None


def review_queue(new_uow: NewUnitOfWork, *, sort: str = "value") -> list[ProposalView]:
    """The latest run's pending proposals, largest first by `sort`."""
    with new_uow() as uow:
        run = _latest_run(uow)
        items = uow.nightly.proposals(run, states=["pending"]) if run else []
    return sorted(items, key=SORTS.get(sort, SORTS["value"]))


def open_proposal(
    new_uow: NewUnitOfWork, account: str
) -> tuple[ProposalDetail | None, list[Problem]]:
    with new_uow() as uow:
        run = _latest_run(uow)
        proposal = uow.nightly.proposal(run, account) if run else None
        if proposal is None:
            return None, [Problem("account", f"{account} has no proposal in the latest run")]
        record = uow.nightly.record_of(proposal.run_id, account) or {}
        decisions = tuple(uow.nightly.decisions(proposal.run_id, account))
    return ProposalDetail(proposal, record, decisions), []


def _decide(
    new_uow: NewUnitOfWork,
    account: str,
    action: str,
    *,
    actor: str,
    reason: str,
    now: dt.datetime | None,
    change: Callable[[ProposalView, dict[str, Any]], tuple[Any, list[Problem]]] | None = None,
) -> list[Problem]:
    if not reason.strip():
        return [Problem("reason", "say why: every review decision records a reason")]
    with new_uow() as uow:
        run = _latest_run(uow)
        proposal = uow.nightly.proposal(run, account) if run else None
        if proposal is None:
            return [Problem("account", f"{account} has no proposal in the latest run")]
        if proposal.state != "pending":
            return [Problem("account", f"{account}'s proposal is {proposal.state}, not pending")]
        after, tax, turnover, edited = (
            proposal.trades,
            proposal.estimated_tax,
            proposal.turnover,
            False,
        )
        if change is not None:
            checked, problems = change(
                proposal, uow.nightly.record_of(proposal.run_id, account) or {}
            )
            if problems:
                return problems
            after, edited = checked.trades, True
            tax, turnover = Decimal(str(checked.estimated_tax)), Decimal(repr(checked.turnover))
        state = {"approve": "approved", "reject": "rejected", "edit": "pending"}[action]
        decision = DecisionRecord(
            proposal.run_id,
            account,
            action,
            actor,
            now or dt.datetime.now(dt.UTC),
            reason.strip(),
            proposal.trades,
            tuple(after),
            tax.quantize(Decimal("0.000001")),
            turnover.quantize(Decimal("0.000001")),
        )
        uow.nightly.decide(decision, state=state, edited=edited)
        uow.commit()
    return []


def approve(
    new_uow: NewUnitOfWork, account: str, *, actor: str, reason: str, now: dt.datetime | None = None
) -> list[Problem]:
    return _decide(new_uow, account, "approve", actor=actor, reason=reason, now=now)


def reject(
    new_uow: NewUnitOfWork, account: str, *, actor: str, reason: str, now: dt.datetime | None = None
) -> list[Problem]:
    return _decide(new_uow, account, "reject", actor=actor, reason=reason, now=now)


def edit(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    quantities: Mapping[tuple[str, str], float] | None = None,
    lots: Mapping[str, float] | None = None,
    actor: str,
    reason: str,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Change quantities and sale lots, re-check every hard rule, save only if all hold."""

    def change(proposal: ProposalView, record: dict[str, Any]) -> tuple[Any, list[Problem]]:
        case, _problems = parse_case(record.get("case"))
        if case is None:
            return None, [Problem("case", "the analysis has no usable case to check against")]
        trades = _edited(proposal.trades, case, quantities or {}, lots or {})
        return check_trades(case, trades)

    return _decide(new_uow, account, "edit", actor=actor, reason=reason, now=now, change=change)


def _edited(
    trades: tuple[dict[str, Any], ...],
    case: Any,
    quantities: Mapping[tuple[str, str], float],
    lot_quantities: Mapping[str, float],
) -> list[dict[str, Any]]:
    current: dict[tuple[str, str], dict[str, Any]] = {
        (t["side"], t["security"]): {
            "security": t["security"],
            "side": t["side"],
            "quantity": float(t["quantity"]),
            "lots": [
                {"lot": x["lot"], "quantity": float(x["quantity"])} for x in t.get("lots", [])
            ],
        }
        for t in trades
    }
    lots_of = {lot.id: lot for lot in case.lots}
    for (side, ticker), quantity in quantities.items():
        if quantity <= 0:
            current.pop((side, ticker), None)
            continue
        trade = current.setdefault(
            (side, ticker), {"security": ticker, "side": side, "quantity": 0.0, "lots": []}
        )
        trade["quantity"] = float(quantity)
        if side == "sell":
            trade["lots"] = _pick_lots(case, ticker, float(quantity), trade["lots"])
    for lot_id, quantity in lot_quantities.items():
        lot = lots_of.get(lot_id)
        ticker = lot.security if lot is not None else lot_id
        trade = current.setdefault(
            ("sell", ticker), {"security": ticker, "side": "sell", "quantity": 0.0, "lots": []}
        )
        picks = [x for x in trade["lots"] if x["lot"] != lot_id]
        if quantity > 0:
            picks.append({"lot": lot_id, "quantity": float(quantity)})
        trade["lots"] = picks
        trade["quantity"] = sum(x["quantity"] for x in picks)
        if not picks:
            current.pop(("sell", ticker))
    return list(current.values())


def _pick_lots(
    case: Any, ticker: str, quantity: float, preferred: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Lots for a sale: the proposal's own lots first, then highest cost per share first."""
    order = [x["lot"] for x in preferred]
    others = sorted(
        (lot for lot in case.lots if lot.security == ticker and lot.id not in order),
        key=lambda lot: (-lot.cost_basis, lot.id),
    )
    by_id = {lot.id: lot for lot in case.lots}
    picks, left = [], quantity
    for lot in [*(by_id[i] for i in order if i in by_id), *others]:
        if left <= 0:
            break
        take = min(left, lot.quantity)
        picks.append({"lot": lot.id, "quantity": take})
        left -= take
    return picks
