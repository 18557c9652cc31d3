"""Ports and values of the review queue: the night's proposals and the decisions on them.

Problem: a proposal is an account's trades for one run, waiting for a person (or traded
on its own); every decision on it (approve, edit, reject) is kept with who, when, why and
the trades before and after. The trades themselves are the engine's (`engine.result.Trade`
with its `LotPick`s): the same frozen values whatever stored them, never loose dicts.

Rule: the store implements `ProposalRepository` (`trimtab.store.review_repository`), the
unit of work exposes it as `uow.proposals`. States and actions are `StrEnum`s whose values
are the strings stored in the database. A proposal's trades are stored as the engine's
Result JSON (`trade_to_dict` writes exactly what `Trade.as_dict` did for the engine's
trades; an edited trade, re-checked, has no reason or effects and none are written), and
read back with `trade_from_dict`.

    >>> t = trade_from_dict({"security": "VOO", "side": "sell", "quantity": 2.0, "value": 1000.0,
    ...     "lots": [{"lot": "L7", "quantity": 2.0, "realized_gain": 80.0, "term": "long"}]})
    >>> t.lots[0].lot, trade_to_dict(t)["lots"][0]["realized_gain"], "reason" in trade_to_dict(t)
    ('L7', 80.0, False)
    >>> DecisionAction.REJECT.leaves
    <ProposalState.REJECTED: 'rejected'>
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from trimtab.domain.principal import Scope
from trimtab.engine.result import LotPick, Trade
from trimtab.services.audit import AuditUnitOfWork
from trimtab.services.run_ports import RunLookup
from trimtab.services.workflow_ports import AccountSelection, SavedFilterRepository

__all__ = [
    "TRADED",
    "AccountOutcome",
    "DecisionAction",
    "DecisionRecord",
    "ProposalRepository",
    "ProposalState",
    "ProposalView",
    "ReviewUnitOfWork",
    "SelectingReviewUnitOfWork",
    "pick_from_dict",
    "pick_to_dict",
    "trade_from_dict",
    "trade_to_dict",
]


class ProposalState(StrEnum):
    PENDING = "pending"  # routed to review, no decision yet (or edited, not yet approved)
    APPROVED = "approved"
    REJECTED = "rejected"
    AUTO = "auto"  # auto-traded: the policy let it trade without review


TRADED = frozenset({ProposalState.APPROVED, ProposalState.AUTO})  # these become orders


class DecisionAction(StrEnum):
    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"

    @property
    def leaves(self) -> ProposalState:
        """The state a proposal is in after this decision: an edit waits for approval."""
        return {
            DecisionAction.APPROVE: ProposalState.APPROVED,
            DecisionAction.EDIT: ProposalState.PENDING,
            DecisionAction.REJECT: ProposalState.REJECTED,
        }[self]


@dataclass(frozen=True)
class ProposalView:
    run_id: str
    account: str
    as_of: dt.date
    state: ProposalState
    value: Decimal
    trades: tuple[Trade, ...]
    estimated_tax: Decimal
    turnover: Decimal
    rule: str
    edited: bool = False
    decided_by: str | None = None
    decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """One decision; `actor` is the principal as recorded (`cli:ana`, `cli:ana for user:bo`).

    For an edit, `after` are the re-checked trades and `estimated_tax`/`turnover` theirs."""

    run_id: str
    account: str
    action: DecisionAction
    actor: str
    at: dt.datetime
    reason: str
    before: tuple[Trade, ...]
    after: tuple[Trade, ...]
    estimated_tax: Decimal = Decimal(0)
    turnover: Decimal = Decimal(0)


@dataclass(frozen=True)
class AccountOutcome:
    """What a run decided for one account and why, proposal or not: the routing outcome
    (`auto_trade`, `review`, `suspended`, `no_trade`), the filter or built-in rule that
    decided it, its flags (`compliance_no_ips`, `should_have_traded`), the analysis status
    and failure, and the data errors found for the account that day."""

    run_id: str
    account: str
    outcome: str
    rule: str
    flags: tuple[str, ...] = ()
    status: str = ""
    failure: str | None = None
    data_errors: tuple[str, ...] = ()


def pick_from_dict(d: Mapping[str, Any]) -> LotPick:
    """A sale's lot pick from its JSON (`{"lot", "quantity", "realized_gain", "term"}`)."""
    return LotPick(
        str(d["lot"]),
        float(d["quantity"]),
        float(d.get("realized_gain") or 0.0),
        str(d.get("term") or ""),
    )


def pick_to_dict(pick: LotPick) -> dict[str, Any]:
    return {
        "lot": pick.lot,
        "quantity": pick.quantity,
        "realized_gain": pick.realized_gain,
        "term": pick.term,
    }


def trade_from_dict(d: Mapping[str, Any]) -> Trade:
    """A trade from its Result JSON (the engine's `Trade.as_dict`, or a re-checked edit)."""
    return Trade(
        security=str(d["security"]),
        side=str(d["side"]),
        quantity=float(d["quantity"]),
        value=float(d.get("value") or 0.0),
        lots=tuple(pick_from_dict(x) for x in d.get("lots") or ()),
        reason=str(d.get("reason") or ""),
        effects=MappingProxyType({k: float(v) for k, v in (d.get("effects") or {}).items()}),
        mandated=bool(d.get("mandated", False)),
    )


def trade_to_dict(t: Trade) -> dict[str, Any]:
    """The Result JSON of a trade, as stored: the engine's trades carry their reason,
    effects and mandate; a re-checked edit has none, and none are written for it."""
    out: dict[str, Any] = {
        "security": t.security,
        "side": t.side,
        "quantity": t.quantity,
        "value": t.value,
        "lots": [pick_to_dict(x) for x in t.lots],
    }
    if t.reason or t.effects or t.mandated:
        out.update(reason=t.reason, effects=dict(t.effects), mandated=t.mandated)
    return out


class ProposalRepository(Protocol):
    def proposals(
        self,
        run_id: str,
        *,
        states: Collection[ProposalState] | None = None,
        advisors: Scope | None = None,
    ) -> list[ProposalView]:
        """The run's proposals (in these states) of accounts in scope (None: the firm's),
        in account order."""
        ...

    def proposal(self, run_id: str, account_id: str) -> ProposalView | None: ...

    def record_of(self, run_id: str, account_id: str) -> dict[str, Any] | None:
        """The analysis record behind a proposal: case, versions, settings, result, reasons."""
        ...

    def outcome_of(self, run_id: str, account_id: str) -> AccountOutcome | None:
        """What the run decided for the account (None: not analyzed in that run)."""
        ...

    def is_account(self, account_id: str, *, advisors: Scope | None = None) -> bool:
        """Whether the firm has this account at all (to tell "unknown" from "no proposal"),
        inside the scope when one is given (outside it, an account does not exist)."""
        ...

    def decide(self, decision: DecisionRecord) -> None:
        """Record the decision and move the proposal to `decision.action.leaves`; an edit
        also replaces its trades, estimated tax and turnover with the decision's."""
        ...

    def decisions(self, run_id: str, account_id: str) -> list[DecisionRecord]:
        """Every decision on the proposal, oldest first."""
        ...


class ReviewUnitOfWork(AuditUnitOfWork, Protocol):
    """One transaction over what the review queue reads and writes."""

    @property
    def runs(self) -> RunLookup: ...
    @property
    def proposals(self) -> ProposalRepository: ...
    def commit(self) -> None: ...


class SelectingReviewUnitOfWork(ReviewUnitOfWork, Protocol):
    """The review queue with the firm's filters: what approving by filter reads."""

    @property
    def filters(self) -> SavedFilterRepository: ...
    @property
    def selection(self) -> AccountSelection: ...
