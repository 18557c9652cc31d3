"""The review queue: list, open, approve, edit or reject proposals, each decision recorded.

Problem: the proposals routing sent to review wait for a person. Whatever that person
decides must be recorded with who, when and why (a regulator asks), and an edit must
never let through trades the engine would have refused.

Rule: each decision is one use case, one transaction, one `review_decisions` row with
the principal (keyword-only), the time, the reason (required) and the trades before and
after, and one audit entry (`review.approve`, `review.edit`, `review.reject`; targets the
account and `run:<id>`). `approve` and `reject` act on a pending proposal; `edit`
changes quantities (`{("sell", "VOO"): 10}`; 0 removes the trade) and sale lots
(`{"L7": 5}`), re-checks every hard rule on the night's recorded case (the engine's
`decision_check.check_decision`), and saves nothing when any rule breaks. An edited
proposal stays pending until approved. The queue is the latest (not voided) run's
pending proposals. A decision on a proposal that is no longer pending is refused
(a conflict), so deciding twice records nothing the second time.

    >>> # items = review_queue(db.unit_of_work, sort="value")
    >>> # problems = approve(db.unit_of_work, "A0000042", principal=Principal.cli("ops"),
    >>> #                    reason="looks right")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trimtab.domain.money import round_cents, to_decimal
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.engine import Case, parse_case
from trimtab.engine.decision_check import CheckedTrade, DecidedTrade, check_decision
from trimtab.engine.decision_check import LotPick as DecidedLot
from trimtab.engine.result import LotPick, Trade
from trimtab.services.audit import record, write_service
from trimtab.services.review_ports import (
    DecisionAction,
    DecisionRecord,
    ProposalState,
    ProposalView,
    ReviewUnitOfWork,
)

__all__ = [
    "SORTS",
    "Edit",
    "ProposalDetail",
    "approve",
    "edit",
    "open_proposal",
    "reject",
    "requested",
    "review_queue",
]

NewUnitOfWork = Callable[[], ReviewUnitOfWork]
SORTS = {
    "value": lambda p: (-p.value, p.account),
    "tax": lambda p: (-p.estimated_tax, p.account),
    "turnover": lambda p: (-p.turnover, p.account),
    "account": lambda p: (p.account,),
}
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class ProposalDetail:
    proposal: ProposalView
    record: dict[str, Any]
    decisions: tuple[DecisionRecord, ...]


@dataclass(frozen=True)
class Edit:
    """An edit's outcome once every rule holds: the new trades and their tax and turnover."""

    trades: tuple[Trade, ...]
    estimated_tax: Decimal
    turnover: Decimal


def _no_proposal(account: str) -> Problem:
    return Problem("account", f"{account} has no proposal in the latest run", ProblemKind.NOT_FOUND)


def _latest_proposal(uow: ReviewUnitOfWork, account: str) -> ProposalView | None:
    run = uow.runs.latest_run()
    return uow.proposals.proposal(run.id, account) if run else None


def review_queue(new_uow: NewUnitOfWork, *, sort: str = "value") -> list[ProposalView]:
    """The latest run's pending proposals, largest first by `sort`."""
    with new_uow() as uow:
        run = uow.runs.latest_run()
        items = uow.proposals.proposals(run.id, states=[ProposalState.PENDING]) if run else []
    return sorted(items, key=SORTS.get(sort, SORTS["value"]))


def open_proposal(
    new_uow: NewUnitOfWork, account: str
) -> tuple[ProposalDetail | None, list[Problem]]:
    with new_uow() as uow:
        proposal = _latest_proposal(uow, account)
        if proposal is None:
            return None, [_no_proposal(account)]
        record_ = uow.proposals.record_of(proposal.run_id, account) or {}
        decisions = tuple(uow.proposals.decisions(proposal.run_id, account))
    return ProposalDetail(proposal, record_, decisions), []


Change = Callable[[ProposalView, dict[str, Any]], tuple[Edit | None, list[Problem]]]


def _decide(
    new_uow: NewUnitOfWork,
    account: str,
    action: DecisionAction,
    *,
    principal: Principal,
    reason: str,
    now: dt.datetime | None,
    change: Change | None = None,
) -> list[Problem]:
    if not reason.strip():
        return [Problem("reason", "say why: every review decision records a reason")]
    with new_uow() as uow:
        proposal = _latest_proposal(uow, account)
        if proposal is None:
            return [_no_proposal(account)]
        if proposal.state is not ProposalState.PENDING:
            return [
                Problem(
                    "account",
                    f"{account}'s proposal is {proposal.state}, not pending",
                    ProblemKind.CONFLICT,
                )
            ]
        after = Edit(proposal.trades, proposal.estimated_tax, proposal.turnover)
        if change is not None:
            edited, problems = change(
                proposal, uow.proposals.record_of(proposal.run_id, account) or {}
            )
            if edited is None or problems:
                return problems
            after = edited
        at = now or dt.datetime.now(dt.UTC)
        decision = DecisionRecord(
            proposal.run_id,
            account,
            action,
            principal.recorded_as,
            at,
            reason.strip(),
            proposal.trades,
            after.trades,
            after.estimated_tax.quantize(SIX_PLACES),
            after.turnover.quantize(SIX_PLACES),
        )
        uow.proposals.decide(decision)
        record(
            uow,
            principal,
            f"review.{action.value}",
            targets=[account, f"run:{proposal.run_id}"],
            reason=decision.reason,
            summary=_summary(proposal, decision),
            at=at,
        )
        uow.commit()
    return []


def _summary(proposal: ProposalView, decision: DecisionRecord) -> dict[str, object]:
    """What the decision changed: the state, and for an edit the trades, tax and turnover
    before and after (each changed trade as `side security: before -> after` shares)."""
    out: dict[str, object] = {
        "state": {"from": proposal.state, "to": decision.action.leaves},
        "trades": len(proposal.trades),
        "estimated_tax": proposal.estimated_tax,
    }
    if decision.action is DecisionAction.EDIT:
        before = {(t.side, t.security): t.quantity for t in decision.before}
        now = {(t.side, t.security): t.quantity for t in decision.after}
        out.update(
            trades={"from": len(decision.before), "to": len(decision.after)},
            estimated_tax={"from": proposal.estimated_tax, "to": decision.estimated_tax},
            turnover={"from": proposal.turnover, "to": decision.turnover},
            changed=[
                f"{side} {security}: {before.get((side, security), 0):g} -> "
                f"{now.get((side, security), 0):g}"
                for side, security in sorted(before.keys() | now.keys())
                if before.get((side, security)) != now.get((side, security))
            ],
        )
    return out


@write_service("review.approve")
def approve(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    principal: Principal,
    reason: str,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Approve a pending proposal: its trades become orders at the next export."""
    return _decide(
        new_uow, account, DecisionAction.APPROVE, principal=principal, reason=reason, now=now
    )


@write_service("review.reject")
def reject(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    principal: Principal,
    reason: str,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Reject a pending proposal: nothing trades."""
    return _decide(
        new_uow, account, DecisionAction.REJECT, principal=principal, reason=reason, now=now
    )


@write_service("review.edit")
def edit(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    quantities: Mapping[tuple[str, str], float] | None = None,
    lots: Mapping[str, float] | None = None,
    principal: Principal,
    reason: str,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Change quantities and sale lots, re-check every hard rule, save only if all hold."""

    def change(
        proposal: ProposalView, record_: dict[str, Any]
    ) -> tuple[Edit | None, list[Problem]]:
        case, _problems = parse_case(record_.get("case"))
        if case is None:
            return None, [Problem("case", "the analysis has no usable case to check against")]
        checked = check_decision(
            case, requested(proposal.trades, case, quantities or {}, lots or {})
        )
        if not checked.ok:
            return None, [b.as_problem() for b in checked.breaches]
        return Edit(
            tuple(_as_trade(t) for t in checked.trades),
            round_cents(to_decimal(checked.estimated_tax)),
            to_decimal(checked.turnover),
        ), []

    return _decide(
        new_uow,
        account,
        DecisionAction.EDIT,
        principal=principal,
        reason=reason,
        now=now,
        change=change,
    )


def _dollars(amount: float) -> float:
    return float(round_cents(to_decimal(amount)))


def _as_trade(t: CheckedTrade) -> Trade:
    """A checked trade as the proposal keeps it: value and gains in cents, no reason (the
    engine's reasons explained its own trades, not the reviewer's)."""
    return Trade(
        t.security,
        t.side,
        t.quantity,
        _dollars(t.value),
        tuple(LotPick(x.lot, x.quantity, _dollars(x.realized_gain), x.term) for x in t.lots),
    )


def requested(
    trades: Sequence[Trade],
    case: Case,
    quantities: Mapping[tuple[str, str], float],
    lot_quantities: Mapping[str, float],
) -> list[DecidedTrade]:
    """The trades a reviewer asks for: the proposal's, with the edit applied.

    `quantities` sets a trade's shares (`{("sell", "VOO"): 10}`; 0 removes it; a sale
    takes the proposal's own lots first, then the highest cost per share); `lot_quantities`
    sets the shares a sale takes from one lot (`{"L7": 5}`; 0 takes none), and the sale's
    quantity becomes the sum of its lots.

    Example: a proposal selling 4 VOO from lot L1; the reviewer drops the sale and buys
    3 VTI instead: `requested(trades, case, {("sell", "VOO"): 0, ("buy", "VTI"): 3}, {})`
    → `[DecidedTrade("VTI", "buy", 3.0)]`; with `{"L1": 2, "L2": 1}` instead, the sale
    takes 2 from L1 and 1 from L2: `DecidedTrade("VOO", "sell", 3.0, (L1 2, L2 1))`.
    """
    current: dict[tuple[str, str], tuple[float, list[tuple[str, float]]]] = {
        (t.side, t.security): (t.quantity, [(x.lot, x.quantity) for x in t.lots]) for t in trades
    }
    lots_of = {lot.id: lot for lot in case.lots}
    for (side, ticker), quantity in quantities.items():
        if quantity <= 0:
            current.pop((side, ticker), None)
            continue
        picks = current.get((side, ticker), (0.0, []))[1]
        if side == "sell":
            picks = _pick_lots(case, ticker, float(quantity), [lot for lot, _q in picks])
        current[(side, ticker)] = (float(quantity), picks)
    for lot_id, quantity in lot_quantities.items():
        lot = lots_of.get(lot_id)
        ticker = lot.security if lot is not None else lot_id
        picks = [(x, q) for x, q in current.get(("sell", ticker), (0.0, []))[1] if x != lot_id]
        if quantity > 0:
            picks.append((lot_id, float(quantity)))
        if picks:
            current[("sell", ticker)] = (sum(q for _x, q in picks), picks)
        else:
            current.pop(("sell", ticker), None)
    return [
        DecidedTrade(ticker, side, quantity, tuple(DecidedLot(x, q) for x, q in picks))
        for (side, ticker), (quantity, picks) in current.items()
    ]


def _pick_lots(
    case: Case, ticker: str, quantity: float, preferred: list[str]
) -> list[tuple[str, float]]:
    """Lots for a sale: the proposal's own lots first, then highest cost per share first."""
    others = sorted(
        (lot for lot in case.lots if lot.security == ticker and lot.id not in preferred),
        key=lambda lot: (-lot.cost_basis, lot.id),
    )
    by_id = {lot.id: lot for lot in case.lots}
    picks: list[tuple[str, float]] = []
    left = quantity
    for lot in [*(by_id[i] for i in preferred if i in by_id), *others]:
        if left <= 0:
            break
        take = min(left, lot.quantity)
        picks.append((lot.id, take))
        left -= take
    return picks
