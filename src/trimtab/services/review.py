"""The review queue: list, open, approve, edit or reject proposals, each decision recorded.

Problem: the proposals routing sent to review wait for a person. Whatever that person
decides must be recorded with who, when and why (a regulator asks), and an edit must
never let through trades the engine would have refused. A person working the queue also
has to see why an account has no proposal, fix an edit the rules refuse without guessing,
and approve a hundred routine proposals without a hundred commands.

Rule: each decision is one use case, one transaction, one `review_decisions` row per
account with the principal (keyword-only), the time, the reason (required) and the
trades before and after, and one audit entry (`review.approve`, `review.edit`,
`review.reject`; targets the account and `run:<id>`). `approve` and `reject` act on a
pending proposal; `edit` changes quantities (`{("sell", "VOO"): 10}`; 0 removes the
trade) and sale lots (`{"L7": 5}`), re-checks every hard rule on the night's recorded
case (the engine's `decision_check.check_decision`), and saves nothing when any rule
breaks. An edit keeps the trades it did not change exactly as the engine explained them
(reason, effects). An edit refused for its cash (rule 4) says which other trade to change
and by how much; with `rebalance_rest` the edited securities are pinned at the edit and
the engine re-optimizes the rest of the account around them (`_case_around`). An edited
proposal stays pending until approved.

The queue is a run's pending proposals: the latest (not voided) run's, or the one named
by `run`; a voided run is refused (a conflict), an unknown one is not found.
`approve_matching` approves every pending proposal of the run whose account a filter
selects (filter text, or a saved filter's name) in one transaction: one decision row per
account and ONE audit entry, `review.bulk_approve`, whose targets list every account
approved (so `audit list --account A-1` finds it), then `run:<id>`. A decision on a
proposal that is no longer pending is refused (a conflict), so deciding twice records
nothing the second time.

Reads take the `viewer` (None: the firm, as at the command line) and see only the
accounts in its effective scope — an admin acting for an advisor sees that advisor's
queue, not the firm's. The scope is part of the store's query (`advisors=`), so the
queue, its count and a filter's matches agree; an account outside it is not found.
Approving by filter selects inside the acting principal's scope the same way.

`account_review` explains an account whatever the night decided: its routing outcome,
the filter that decided it, flags, data errors and the engine's reasons, with the
proposal when there is one; an account the firm does not have is not found.

    >>> # items = review_queue(db.unit_of_work, sort="value")
    >>> # problems = approve(db.unit_of_work, "A0000042", principal=Principal.cli("ops"),
    >>> #                    reason="looks right")
    >>> # approved, problems = approve_matching(db.unit_of_work, "value < 250k",
    >>> #                                       principal=ops, reason="routine")
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trimtab.domain.filters import Filter, read_filter, validate_filter_name
from trimtab.domain.money import round_cents, round_stored, to_decimal
from trimtab.domain.principal import Principal, Scope
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.engine import Case, parse_case, rebalance
from trimtab.engine.case import LotInput, RecentTrade
from trimtab.engine.decision_check import (
    CheckedDecision,
    CheckedTrade,
    DecidedTrade,
    check_decision,
)
from trimtab.engine.decision_check import LotPick as DecidedLot
from trimtab.engine.result import LotPick, Trade
from trimtab.services.audit import record, write_service
from trimtab.services.filters import SAVED_PREFIX, filter_owner
from trimtab.services.review_ports import (
    AccountOutcome,
    DecisionAction,
    DecisionRecord,
    ProposalState,
    ProposalView,
    ReviewUnitOfWork,
    SelectingReviewUnitOfWork,
)
from trimtab.services.run_ports import RunRecord, RunState

__all__ = [
    "SORTS",
    "AccountReview",
    "Edit",
    "Matching",
    "ProposalDetail",
    "Queue",
    "account_review",
    "approve",
    "approve_matching",
    "edit",
    "open_proposal",
    "pending",
    "pending_matching",
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


@dataclass(frozen=True)
class ProposalDetail:
    proposal: ProposalView
    record: dict[str, Any]
    decisions: tuple[DecisionRecord, ...]
    outcome: AccountOutcome | None = None


@dataclass(frozen=True)
class AccountReview:
    """One account in one run: what routing decided and why, and its proposal if any.

    `reasons` are the analysis record's (data errors, holds, unpriced targets, failures:
    "MSFX: unpriced target security, not bought tonight"); `record` is the whole record
    (case, versions, settings, result)."""

    run: RunRecord
    outcome: AccountOutcome
    proposal: ProposalView | None
    record: dict[str, Any]
    decisions: tuple[DecisionRecord, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(str(r) for r in self.record.get("reasons") or ())


@dataclass(frozen=True)
class Queue:
    run: RunRecord
    items: tuple[ProposalView, ...]


@dataclass(frozen=True)
class Matching:
    """The pending proposals of `run` whose accounts `filter` selects."""

    run: RunRecord
    filter: str  # the expression as checked (a saved filter's, when one was named)
    saved: str | None  # the saved filter's name, if one was named
    proposals: tuple[ProposalView, ...]

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(p.account for p in self.proposals)


@dataclass(frozen=True)
class Edit:
    """An edit's outcome once every rule holds: the new trades and their tax and turnover."""

    trades: tuple[Trade, ...]
    estimated_tax: Decimal
    turnover: Decimal


# -- which run ---------------------------------------------------------------------------


def _run_of(uow: ReviewUnitOfWork, run_id: str | None) -> tuple[RunRecord | None, list[Problem]]:
    """The run a review command acts on: the latest (not voided) one, or the one named.

    A voided run was set aside on purpose (wrong prices, a bad feed): nothing in it may
    be reviewed or traded, so naming one is refused with who voided it and why."""
    if run_id is None:
        run = uow.runs.latest_run()
        if run is None:
            return None, [
                Problem("run", "no run to review: none has run, or every run was voided "
                        "(start one with `trimtab run`)", ProblemKind.NOT_FOUND)
            ]  # fmt: skip
        return run, []
    run = uow.runs.run(run_id)
    if run is None:
        return None, [
            Problem("run", f"no run {run_id!r} (see `trimtab run status`)", ProblemKind.NOT_FOUND)
        ]
    if run.state is RunState.VOIDED:
        when = f" on {run.voided_at:%Y-%m-%d}" if run.voided_at else ""
        why = f": {run.void_reason}" if run.void_reason else ""
        return None, [
            Problem(
                "run",
                f"run {run.id} was voided by {run.voided_by or 'someone'}{when}{why}; "
                "its proposals cannot be reviewed (choose another --run)",
                ProblemKind.CONFLICT,
            )
        ]
    return run, []


def _unknown_account(account: str) -> Problem:
    return Problem("account", f"{account} is not an account of the firm", ProblemKind.NOT_FOUND)


def _no_proposal(outcome: AccountOutcome | None, account: str, run: RunRecord) -> Problem:
    """Why an account has no proposal to decide on: the night's outcome, in a sentence."""
    if outcome is None:
        return Problem(
            "account", f"{account} was not analyzed in run {run.id}", ProblemKind.NOT_FOUND
        )
    flags = f" (flags: {', '.join(outcome.flags)})" if outcome.flags else ""
    return Problem(
        "account",
        f"{account} has no proposal in run {run.id}: routed {outcome.outcome} by "
        f"{outcome.rule}{flags}; see `trimtab review show {account}`",
        ProblemKind.NOT_FOUND,
    )


def _proposal_in(
    uow: ReviewUnitOfWork, account: str, run_id: str | None
) -> tuple[ProposalView | None, list[Problem]]:
    run, problems = _run_of(uow, run_id)
    if run is None:
        return None, problems
    proposal = uow.proposals.proposal(run.id, account)
    if proposal is not None:
        return proposal, []
    if not uow.proposals.is_account(account):
        return None, [_unknown_account(account)]
    return None, [_no_proposal(uow.proposals.outcome_of(run.id, account), account, run)]


# -- reading -----------------------------------------------------------------------------


def _scope_of(viewer: Principal | None) -> Scope | None:
    """The scope a read applies: None for the firm (no viewer, or a firm-wide one)."""
    if viewer is None:
        return None
    scope = viewer.effective_scope
    return None if scope.firm_wide else scope


def pending(
    new_uow: NewUnitOfWork,
    *,
    sort: str = "value",
    run: str | None = None,
    viewer: Principal | None = None,
) -> tuple[Queue | None, list[Problem]]:
    """A run's pending proposals (the latest run's unless `run` names one) of the accounts
    the viewer may see, by `sort`."""
    with new_uow() as uow:
        found, problems = _run_of(uow, run)
        if found is None:
            return None, problems
        items = uow.proposals.proposals(
            found.id, states=[ProposalState.PENDING], advisors=_scope_of(viewer)
        )
    return Queue(found, tuple(sorted(items, key=SORTS.get(sort, SORTS["value"])))), []


def review_queue(
    new_uow: NewUnitOfWork, *, sort: str = "value", viewer: Principal | None = None
) -> list[ProposalView]:
    """The latest run's pending proposals, largest first by `sort` (none without a run)."""
    queue, _problems = pending(new_uow, sort=sort, viewer=viewer)
    return list(queue.items) if queue is not None else []


def account_review(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    run: str | None = None,
    viewer: Principal | None = None,
) -> tuple[AccountReview | None, list[Problem]]:
    """What the run decided for an account and why, with its proposal when it has one.

    Example: a suspended account (its IPS is missing) has no proposal; its review says
    `suspended` by `compliance_no_ips`, flags `("compliance_no_ips",)` and the record's
    reasons. An id the firm does not have is not found (exit 3 at the command line), and
    so is an account outside the viewer's scope."""
    with new_uow() as uow:
        found, problems = _run_of(uow, run)
        if found is None:
            return None, problems
        scope = _scope_of(viewer)
        if scope is not None and not uow.proposals.is_account(account, advisors=scope):
            return None, [_unknown_account(account)]
        proposal = uow.proposals.proposal(found.id, account)
        outcome = uow.proposals.outcome_of(found.id, account)
        if proposal is None and outcome is None:
            if not uow.proposals.is_account(account):
                return None, [_unknown_account(account)]
            return None, [_no_proposal(None, account, found)]
        if outcome is None:  # a proposal always has an outcome; keep the view whole anyway
            assert proposal is not None
            outcome = AccountOutcome(found.id, account, "review", proposal.rule)
        record_ = uow.proposals.record_of(found.id, account) or {}
        decisions = tuple(uow.proposals.decisions(found.id, account))
    return AccountReview(found, outcome, proposal, record_, decisions), []


def open_proposal(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    run: str | None = None,
    viewer: Principal | None = None,
) -> tuple[ProposalDetail | None, list[Problem]]:
    """An account's proposal with its record and decisions; when it has none, why not."""
    review, problems = account_review(new_uow, account, run=run, viewer=viewer)
    if review is None:
        return None, problems
    if review.proposal is None:
        return None, [_no_proposal(review.outcome, account, review.run)]
    return ProposalDetail(review.proposal, review.record, review.decisions, review.outcome), []


# -- deciding ----------------------------------------------------------------------------

Change = Callable[[ProposalView, dict[str, Any]], tuple[Edit | None, list[Problem]]]


def _decision(
    proposal: ProposalView,
    action: DecisionAction,
    principal: Principal,
    at: dt.datetime,
    reason: str,
    after: Edit,
) -> DecisionRecord:
    return DecisionRecord(
        proposal.run_id,
        proposal.account,
        action,
        principal.recorded_as,
        at,
        reason,
        proposal.trades,
        after.trades,
        round_stored(after.estimated_tax),
        round_stored(after.turnover),
    )


def _decide(
    new_uow: NewUnitOfWork,
    account: str,
    action: DecisionAction,
    *,
    principal: Principal,
    reason: str,
    now: dt.datetime | None,
    run: str | None = None,
    change: Change | None = None,
) -> list[Problem]:
    if not reason.strip():
        return [Problem("reason", "say why: every review decision records a reason")]
    with new_uow() as uow:
        # A decision reaches no further than its reads: outside the scope of the principal
        # (or of the user an admin acts for) the account does not exist.
        scope = _scope_of(principal)
        if scope is not None and not uow.proposals.is_account(account, advisors=scope):
            return [_unknown_account(account)]
        proposal, problems = _proposal_in(uow, account, run)
        if proposal is None:
            return problems
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
        decision = _decision(proposal, action, principal, at, reason.strip(), after)
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
    run: str | None = None,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Approve a pending proposal: its trades become orders at the next export."""
    return _decide(
        new_uow,
        account,
        DecisionAction.APPROVE,
        principal=principal,
        reason=reason,
        now=now,
        run=run,
    )


@write_service("review.reject")
def reject(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    principal: Principal,
    reason: str,
    run: str | None = None,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Reject a pending proposal: nothing trades."""
    return _decide(
        new_uow,
        account,
        DecisionAction.REJECT,
        principal=principal,
        reason=reason,
        now=now,
        run=run,
    )


# -- approving by filter -----------------------------------------------------------------


def _matching(
    uow: SelectingReviewUnitOfWork, text: str, run_id: str | None, viewer: Principal
) -> tuple[Matching | None, list[Problem]]:
    """The run's pending proposals whose accounts the filter selects.

    `text` is filter text (`value < 250k and not mandate`), `@name`, or the bare name of
    a saved filter (the viewer's own, else the firm's): a name wins over text that
    happens to parse the same, since saved names are what people type."""
    run, problems = _run_of(uow, run_id)
    if run is None:
        return None, problems
    f, saved, problems = _selection(uow, text, viewer)
    if f is None:
        return None, problems
    proposals = _pending_of(uow, run, f, _scope_of(viewer))
    return Matching(run, f.text, saved, proposals), []


def _selection(
    uow: SelectingReviewUnitOfWork, text: str, viewer: Principal
) -> tuple[Filter | None, str | None, list[Problem]]:
    """The checked filter `text` names (and the saved filter's name, if one was named)."""
    name = text.removeprefix(SAVED_PREFIX).strip()
    looks_like_a_name = not validate_filter_name(name)  # filter text never is one
    saved = uow.filters.get(name, user=filter_owner(viewer)) if looks_like_a_name else None
    if saved is None and text.startswith(SAVED_PREFIX):
        return None, None, [
            Problem("filter", f"no saved filter named {name!r} (see `trimtab filters list`)",
                    ProblemKind.NOT_FOUND)
        ]  # fmt: skip
    expression = saved.expression if saved is not None else text
    f, errors = read_filter(expression)
    if f is None or errors:
        return None, None, [Problem("filter", e.render(expression)) for e in errors]
    return f, saved.name if saved else None, []


def _pending_of(
    uow: SelectingReviewUnitOfWork, run: RunRecord, f: Filter, scope: Scope | None
) -> tuple[ProposalView, ...]:
    selected = set(uow.selection.matching(f))
    return tuple(
        p
        for p in uow.proposals.proposals(run.id, states=[ProposalState.PENDING], advisors=scope)
        if p.account in selected
    )


def pending_matching(
    new_uow: Callable[[], SelectingReviewUnitOfWork],
    text: str,
    *,
    viewer: Principal,
    run: str | None = None,
) -> tuple[Matching | None, list[Problem]]:
    """What `approve_matching` would approve now (a dry run: nothing is written)."""
    with new_uow() as uow:
        return _matching(uow, text, run, viewer)


@write_service("review.bulk_approve")
def approve_matching(
    new_uow: Callable[[], SelectingReviewUnitOfWork],
    text: str,
    *,
    principal: Principal,
    reason: str,
    run: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Matching | None, list[Problem]]:
    """Approve every pending proposal of the run whose account the filter selects.

    One transaction: every proposal approved (one decision row each) or none. One audit
    entry, `review.bulk_approve`, targets each account approved then `run:<id>` (and
    `filter:<name>` for a saved filter); its summary keeps the filter and the count.
    Nothing pending matching: nothing is written, and the answer says 0 were approved.

    Example: with A-1 ($5,000) and A-2 ($10,000) pending, `approve_matching(uow,
    "value < 8000", ...)` approves A-1 only, and leaves one entry targeting A-1."""
    if not reason.strip():
        return None, [Problem("reason", "say why: every review decision records a reason")]
    with new_uow() as uow:
        matching, problems = _matching(uow, text, run, principal)
        if matching is None or not matching.proposals:
            return matching, problems
        at = now or dt.datetime.now(dt.UTC)
        for proposal in matching.proposals:
            same = Edit(proposal.trades, proposal.estimated_tax, proposal.turnover)
            uow.proposals.decide(
                _decision(proposal, DecisionAction.APPROVE, principal, at, reason.strip(), same)
            )
        record(
            uow,
            principal,
            "review.bulk_approve",
            targets=[
                *matching.accounts,
                f"run:{matching.run.id}",
                *([f"filter:{matching.saved}"] if matching.saved else []),
            ],
            reason=reason.strip(),
            summary={
                "filter": matching.filter,
                "saved_filter": matching.saved,
                "approved": len(matching.proposals),
                "trades": sum(len(p.trades) for p in matching.proposals),
                "estimated_tax": sum((p.estimated_tax for p in matching.proposals), Decimal(0)),
            },
            at=at,
        )
        uow.commit()
    return matching, []


# -- editing -----------------------------------------------------------------------------


@write_service("review.edit")
def edit(
    new_uow: NewUnitOfWork,
    account: str,
    *,
    quantities: Mapping[tuple[str, str], float] | None = None,
    lots: Mapping[str, float] | None = None,
    rebalance_rest: bool = False,
    principal: Principal,
    reason: str,
    run: str | None = None,
    now: dt.datetime | None = None,
) -> list[Problem]:
    """Change quantities and sale lots, re-check every hard rule, save only if all hold.

    With `rebalance_rest`, only the edited securities keep the reviewer's trades; every
    other trade is the engine's answer to the night's case with those pinned (so an edit
    that frees or uses cash is balanced by the rest of the account, within every rule).
    Example: trimming a buy of BND from 10 to 5 shares leaves $500 more cash; alone that
    can break the cash band (rule 4, with a fix named: "buy $... more of VOO"); with
    `rebalance_rest` the engine places the $500 elsewhere."""
    quantities, lots = quantities or {}, lots or {}

    def change(
        proposal: ProposalView, record_: dict[str, Any]
    ) -> tuple[Edit | None, list[Problem]]:
        case, _problems = parse_case(record_.get("case"))
        if case is None:
            return None, [Problem("case", "the analysis has no usable case to check against")]
        asked = requested(proposal.trades, case, quantities, lots)
        explained: dict[tuple[str, str], Trade] = {}
        if rebalance_rest:
            pinned = _edited_securities(case, quantities, lots)
            asked = [t for t in asked if t.security in pinned]
            # The edit itself must hold on its own (lots, shares, no-sell, whole shares)
            # before the rest is built around it: a pinned sale of 500 of 21.7 held
            # shares has no rest to optimize.
            own = [b for b in check_decision(case, asked).breaches if b.rule in _OWN_RULES]
            if own:
                return None, [b.as_problem() for b in own]
            rest, problems = _rest_around(case, asked, pinned)
            if problems:
                return None, problems
            asked += [_decided(t) for t in rest]
            explained = {(t.side, t.security): t for t in rest}
        checked = check_decision(case, asked)
        if not checked.ok:
            return None, _explain_breaches(case, checked, asked, quantities, lots)
        if not rebalance_rest:
            explained = _unchanged(proposal.trades, checked)
        return Edit(
            tuple(_kept_or_checked(t, explained) for t in checked.trades),
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
        run=run,
        change=change,
    )


# Rules a trade breaks by itself, whatever the rest of the decision: which lots and how
# many shares (3, ""), no-buy/no-sell (1, 2) and whole shares (7).
_OWN_RULES = frozenset({"", "1", "2", "3", "7"})


def _dollars(amount: float) -> float:
    return float(round_cents(to_decimal(amount)))


def _decided(t: Trade) -> DecidedTrade:
    return DecidedTrade(
        t.security, t.side, t.quantity, tuple(DecidedLot(x.lot, x.quantity) for x in t.lots)
    )


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


def _unchanged(trades: Sequence[Trade], checked: CheckedDecision) -> dict[tuple[str, str], Trade]:
    """The proposal's trades the edit left as they were (same shares from the same lots):
    they keep the engine's explanation."""
    now = {(t.side, t.security): t for t in checked.trades}
    out = {}
    for t in trades:
        c = now.get((t.side, t.security))
        if (
            c is not None
            and c.quantity == t.quantity
            and [(x.lot, x.quantity) for x in c.lots] == [(x.lot, x.quantity) for x in t.lots]
        ):
            out[(t.side, t.security)] = t
    return out


def _kept_or_checked(t: CheckedTrade, explained: Mapping[tuple[str, str], Trade]) -> Trade:
    """The trade as the engine explained it when the engine made it (as the night did, or
    as the re-optimized rest did), else as the reviewer set it, with no reason."""
    own = explained.get((t.side, t.security))
    if own is None:
        return _as_trade(t)
    if own.quantity == t.quantity:
        return own
    return dataclasses.replace(
        _as_trade(t), reason=own.reason, effects=own.effects, mandated=own.mandated
    )


def _edited_securities(
    case: Case, quantities: Mapping[tuple[str, str], float], lots: Mapping[str, float]
) -> set[str]:
    lot_security = {lot.id: lot.security for lot in case.lots}
    return {ticker for _side, ticker in quantities} | {
        lot_security.get(lot_id, lot_id) for lot_id in lots
    }


def _rest_around(
    case: Case, pinned: Sequence[DecidedTrade], securities: Collection[str]
) -> tuple[list[Trade], list[Problem]]:
    """The engine's trades for everything but `securities`, with `pinned` already made."""
    result = rebalance(_case_around(case, pinned, securities))
    if result.status != "optimal":
        why = f": {result.reason}" if result.reason else ""
        return [], [
            Problem(
                "rebalance_rest",
                f"the rest of the account cannot be rebalanced around this edit "
                f"(the engine answered {result.status}{why}); change the edit",
            )
        ]
    return list(result.trades), []


def _case_around(case: Case, pinned: Sequence[DecidedTrade], securities: Collection[str]) -> Case:
    """The night's case with the pinned trades already made and their securities frozen.

    The contract has no per-trade bounds, so a trade is pinned by making it: a buy adds
    a lot bought today at the price (and a recent buy, so rules 5(b)/(c) keep loss sales
    of its wash group out of the rest), a sale takes shares from its lots (and is a
    recent sale, at a loss if any lot was, so rule 5(a) keeps buys of its wash group
    out); cash moves by the trades and their cost. The pinned securities are then no-buy
    and no-sell, so the engine trades everything else only. Dollar limits stay what they
    were: the cash band is rescaled to the new value, and the turnover cap and gain
    budget are reduced by what the pinned trades already use.

    Example: pinning "buy 5 BND at $100" in an account of $10,000 with a cash band of
    [0%, 20%]: cash falls by $500, BND gets a 5-share lot and is frozen, and the engine
    re-optimizes VOO and the cash with the band still [$0, $2,000]."""
    p = case.parameters
    price = {s.id: s for s in case.securities}
    lots = {lot.id: lot for lot in case.lots}
    market = sum(lot.quantity * price[lot.security].price for lot in case.lots)
    value = case.account.cash + market - p.withdrawal
    cash, traded, gain = case.account.cash, 0.0, 0.0
    added: list[LotInput] = []
    recent = list(case.recent_trades)
    for t in pinned:
        s = price[t.security]
        amount = t.quantity * s.price
        traded += amount
        wash = s.wash_group or None
        if t.side == "buy":
            cash -= amount * (1 + s.cost_rate)
            added.append(
                LotInput(f"{t.security}:edit", t.security, t.quantity, s.price, case.as_of, True)
            )
            recent.append(RecentTrade(t.security, "buy", case.as_of, t.quantity, None, wash))
            continue
        cash += amount * (1 - s.cost_rate)
        gains = [x.quantity * (s.price - lots[x.lot].cost_basis) for x in t.lots]
        losses = sum(g for g in gains if g < 0)
        gain += sum(gains)
        for x in t.lots:
            lots[x.lot] = dataclasses.replace(
                lots[x.lot], quantity=lots[x.lot].quantity - x.quantity
            )
        recent.append(
            RecentTrade(t.security, "sell", case.as_of, t.quantity, losses or sum(gains), wash)
        )
    kept = [lot for lot in lots.values() if lot.quantity > 1e-9]
    after = cash + sum(lot.quantity * price[lot.security].price for lot in [*kept, *added])
    after -= p.withdrawal
    scale = value / after if after > 0 else 1.0
    parameters = dataclasses.replace(
        p,
        min_cash=p.min_cash * scale,
        max_cash=min(1.0, p.max_cash * scale),
        max_turnover=None
        if p.max_turnover is None or after <= 0
        else max(0.0, p.max_turnover * 2 * value - traded) / (2 * after),
        gain_budget=None if p.gain_budget is None else p.gain_budget - gain,
    )
    return dataclasses.replace(
        case,
        account=dataclasses.replace(case.account, cash=cash),
        securities=tuple(
            dataclasses.replace(s, no_buy=True, no_sell=True, must_sell=False)
            if s.id in securities
            else s
            for s in case.securities
        ),
        lots=(*kept, *added),
        recent_trades=tuple(recent),
        parameters=parameters,
    )


def _explain_breaches(
    case: Case,
    checked: CheckedDecision,
    asked: Sequence[DecidedTrade],
    quantities: Mapping[tuple[str, str], float],
    lots: Mapping[str, float],
) -> list[Problem]:
    """The breaches as problems; a cash breach (rule 4) also names the other trades that
    would bring cash back inside its band, and by how much.

    When a trade is wrong by itself (more shares than held, a lot of another security,
    a no-buy security: `_OWN_RULES`) only those breaches are told: the cash, turnover or
    tax it would cause are consequences, and advice about them would mislead (selling
    500 of 21.7 held shares is fixed by selling at most 21.7, not by buying more)."""
    edited = _edited_securities(case, quantities, lots)
    own = [b for b in checked.breaches if b.rule in _OWN_RULES]
    out = []
    for breach in own or checked.breaches:
        problem = breach.as_problem()
        if breach.rule == "4":
            fixes = _cash_fixes(case, checked.post_trade_cash, asked, edited)
            problem = Problem(problem.path, f"{problem.message}. {fixes}", problem.kind)
        out.append(problem)
    return out


def _cash_fixes(
    case: Case, cash: float, asked: Sequence[DecidedTrade], edited: Collection[str]
) -> str:
    """What would bring post-trade cash back inside [min_cash·V, max_cash·V]: each other
    trade changed by just enough (with its trading cost), the largest first, and only
    where the decision so changed keeps every rule.

    Example: post-trade cash $3,000 over a maximum of $2,000, with a buy of 10 BND at
    $100 in the proposal: "To fix it: buy $1,000.00 more of BND (buy:BND=20); or
    re-optimize the other trades around your edit (--rebalance-rest)".
    """
    p = case.parameters
    securities = {s.id: s for s in case.securities}
    held: dict[str, float] = {}
    for lot in case.lots:
        held[lot.security] = held.get(lot.security, 0.0) + lot.quantity
    market = sum(q * securities[s].price for s, q in held.items())
    value = case.account.cash + market - p.withdrawal
    excess = cash - p.max_cash * value  # > 0: cash to invest
    short = p.min_cash * value - cash  # > 0: cash to raise
    options: list[tuple[float, str]] = []

    def shares(dollars: float, price: float) -> float:
        return math.ceil(dollars / price * 1e4 - 1e-6) / 1e4  # up: just enough, to 4 places

    def total(t: DecidedTrade, change: float) -> float | None:
        """The trade's new shares, or None when no quantity of this trade is enough."""
        new = t.quantity + change
        places = 1.0 if p.whole_shares else 1e4  # whole shares, or shares to 4 places
        if change > 0:  # rounded away from the trade's old size: enough, never short
            new = math.ceil(new * places - 1e-6) / places
        else:
            new = math.floor(new * places + 1e-6) / places
        if new < -1e-9:
            return None  # even dropping the trade would not be enough
        if change > 0 and t.side == "sell" and new > held.get(t.security, 0.0) + 1e-9:
            return None  # more than is held
        return max(0.0, new)

    for t in asked:
        s = securities.get(t.security)
        if s is None or t.security in edited:
            continue
        buy = t.side == "buy"
        if excess > 0:  # invest: buy more, or sell less
            n = shares(excess / ((1 + s.cost_rate) if buy else (1 - s.cost_rate)), s.price)
            new = total(t, n if buy else -n)
        else:  # raise: buy less, or sell more
            n = shares(short / ((1 + s.cost_rate) if buy else (1 - s.cost_rate)), s.price)
            new = total(t, -n if buy else n)
        if new is not None and _fixes(case, asked, t, new):
            options.append((t.quantity * s.price, _change(t, new, s.price)))
    named = [text for _size, text in sorted(options, key=lambda o: -o[0])[:3]]
    rest = "re-optimize the other trades around your edit (--rebalance-rest)"
    if not named:
        return f"To fix it: {rest}"
    return f"To fix it: {', or '.join(named)}; or {rest}"


def _fixes(case: Case, asked: Sequence[DecidedTrade], trade: DecidedTrade, new: float) -> bool:
    """Whether the decision with `trade` resized to `new` shares keeps every rule: a hint
    is only given when following it works (lots and whole shares included)."""
    if trade.side == "sell" and new > 0:
        picks = _pick_lots(case, trade.security, new, [x.lot for x in trade.lots])
        resized = DecidedTrade(trade.security, "sell", new, tuple(DecidedLot(*x) for x in picks))
    else:
        resized = dataclasses.replace(trade, quantity=new)
    decision = [resized if t is trade else t for t in asked]
    return check_decision(case, [t for t in decision if t.quantity > 0]).ok


def _change(t: DecidedTrade, new: float, price: float) -> str:
    word = "more" if new > t.quantity else "less"
    return (
        f"{t.side} ${abs(new - t.quantity) * price:,.2f} {word} of {t.security} "
        f"({t.side}:{t.security}={new:g})"
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
