"""What goes in and out of the JSON API: one pydantic model per answer and per request.

Problem: a system calling `/api/v1` (an OMS, a scheduler, the firm's own scripts) reads
the schema at `/api/v1/openapi.json` and nothing else; an answer that differs from it, or
an error the schema does not mention, breaks the caller's generated client (and the
schemathesis run in `make test`). The services answer frozen dataclasses that carry
domain objects (a `TaxLot`, an `Account`, an enum), which say nothing to OpenAPI.

Rule:
- Every route sets `response_model` (or returns one of these), so the schema describes
  every answer; each model has an `of(...)` that builds it from the service's value, so
  a route is: check, call the service, `Model.of(value)`.
- Money and share quantities are decimal strings (exact, as the ledger keeps them);
  weights, drift and bands are fractions (0.02 is 2%); dates ISO 8601.
- Every error is `ErrorBody` (`{kind, message, details}`, `trimtab.web.errors`), and
  each route lists the statuses it can answer with `errors(...)`: 401 (no or revoked
  token), 403 (the permission, named), 422 (bad input, each problem at its field) and
  503 (database gone) always, plus 404 / 409 where the route can meet them and 400 for
  a route taking a body (one that is not JSON at all).

    >>> errors(404)[404]["model"].__name__
    'ErrorBody'
    >>> sorted(errors(404))
    [401, 403, 404, 422, 503]
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from trimtab.domain.audit import AuditEntry
    from trimtab.domain.filters import SavedFilter
    from trimtab.domain.settings_levels import Effective, SettingChange
    from trimtab.engine.result import Trade
    from trimtab.services.account_ports import AccountLine
    from trimtab.services.accounts import AccountView, SettingView
    from trimtab.services.feed_ports import ActionStatus
    from trimtab.services.nightly_run import RunStatus
    from trimtab.services.order_ports import OrderLine
    from trimtab.services.review import ProposalDetail
    from trimtab.services.review_ports import DecisionRecord, ProposalView
    from trimtab.services.security_lookup import SecurityView

__all__ = [
    "AccountDetail",
    "AccountId",
    "AccountPage",
    "AccountRow",
    "AuditEntryOut",
    "AuditPage",
    "AuditVerificationOut",
    "CorporateActionOut",
    "DecisionIn",
    "DecisionOut",
    "EditIn",
    "EffectiveSettingOut",
    "ErrorBody",
    "FilterErrorOut",
    "FilterIn",
    "FilterOut",
    "FilterTestIn",
    "FilterTestOut",
    "OrderOut",
    "OrdersCreated",
    "ProposalDetailOut",
    "ProposalOut",
    "QueueOut",
    "RunId",
    "RunOut",
    "SecurityOut",
    "SettingChangeOut",
    "SettingIn",
    "TradeOut",
    "VoidIn",
    "errors",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _In(BaseModel):
    # Unknown fields are refused (a typo in a field name must not be silently ignored).
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- path parameters (the examples are the demo firm's: `make demo` and the tests) -------

AccountId = Annotated[
    str, Path(min_length=1, max_length=100, description="an account id", examples=["A0000002"])
]
RunId = Annotated[
    str, Path(min_length=1, max_length=100, description="a run id", examples=["2025-06-30.1"])
]

# -- errors ------------------------------------------------------------------------------


class ErrorBody(_Out):
    """Every error: the problem kind, a sentence saying what to do, and its particulars."""

    kind: str = Field(
        description="invalid, not_found, conflict, forbidden, unavailable, unauthenticated "
        "or internal",
        examples=["not_found"],
    )
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


_ERROR_TEXT = {
    400: "The body is not JSON (or not UTF-8).",
    401: "No token or session, or the token is unknown or revoked.",
    403: "The principal's roles do not grant the permission (named in `details`).",
    404: "Not found, or outside the principal's scope (the two are not told apart).",
    409: "In conflict with the current state (already decided, voided, in progress).",
    422: "The request is not valid; each problem names its field in `details.problems`.",
    503: "The database is unavailable; try again shortly.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: 401, 403, 422 and 503 always, plus `statuses`."""
    every = sorted({401, 403, 422, 503, *statuses})
    return {s: {"model": ErrorBody, "description": _ERROR_TEXT[s]} for s in every}


# -- accounts ----------------------------------------------------------------------------


class AccountRow(_Out):
    """One account as the list shows it (numbers from the latest analysis)."""

    id: str
    household: str
    advisor: str | None
    program: str | None
    value: Decimal | None
    cash: Decimal | None
    drift: Decimal | None = Field(description="largest out-of-band drift, a fraction")
    outcome: str | None
    run: str | None
    as_of: dt.date | None

    @classmethod
    def of(cls, line: AccountLine) -> AccountRow:
        return cls(
            id=line.account,
            household=line.household,
            advisor=line.advisor,
            program=line.program,
            value=line.value,
            cash=line.cash,
            drift=line.drift,
            outcome=line.outcome,
            run=line.run,
            as_of=line.as_of,
        )


class AccountPage(_Out):
    accounts: list[AccountRow]
    count: int = Field(description="accounts the filter matches in scope (all pages)")
    offset: int
    limit: int
    filter: str | None = Field(description="the filter as checked; null for every account")


class HoldingOut(_Out):
    security: str
    name: str
    asset_class: str | None
    quantity: Decimal
    price: Decimal | None
    price_date: dt.date | None
    value: Decimal | None
    cost_basis: Decimal
    unrealized_gain: Decimal | None


class LotOut(_Out):
    id: str
    security: str
    acquired: dt.date
    quantity: Decimal
    cost_basis: Decimal
    value: Decimal | None
    unrealized_gain: Decimal | None
    term: str = Field(description="short or long, if sold on the day shown")


class GroupOut(_Out):
    id: str
    asset_classes: list[str]
    members: list[str]
    target: float
    current: float
    drift: float
    band: float
    outside_band: float


class SettingOut(_Out):
    setting: str
    value: str
    level: str = Field(description="firm, program, household, account or default")
    scope: str | None
    change: int | None
    bulk: int | None
    meaning: str

    @classmethod
    def of(cls, s: SettingView) -> SettingOut:
        return cls(
            setting=s.setting,
            value=s.value,
            level=s.level,
            scope=s.scope,
            change=s.change,
            bulk=s.bulk,
            meaning=s.meaning,
        )


class LotPickOut(_Out):
    lot: str
    quantity: float
    realized_gain: float
    term: str


class TradeOut(_Out):
    security: str
    side: str
    quantity: float
    value: float
    lots: list[LotPickOut]
    reason: str
    mandated: bool

    @classmethod
    def of(cls, t: Trade) -> TradeOut:
        return cls(
            security=t.security,
            side=t.side,
            quantity=t.quantity,
            value=t.value,
            lots=[
                LotPickOut(
                    lot=p.lot, quantity=p.quantity, realized_gain=p.realized_gain, term=p.term
                )
                for p in t.lots
            ],
            reason=t.reason,
            mandated=t.mandated,
        )


class AnalysisOut(_Out):
    run: str
    as_of: dt.date
    outcome: str
    rule: str
    status: str
    failure: str | None
    flags: list[str]
    estimated_tax: Decimal | None
    trades: list[TradeOut]
    reasons: list[str]
    proposal: str | None = Field(description="the proposal's state in review, if any")
    edited: bool


class AccountDetail(_Out):
    id: str
    name: str
    household: str
    household_name: str
    advisor: str | None
    advisor_name: str | None
    program: str | None
    tax_status: str
    status: str
    discretionary: bool
    approved_for_trading: bool
    target: str | None
    as_of: dt.date
    value: Decimal
    cash: Decimal
    target_cash: float | None
    holdings: list[HoldingOut]
    lots: list[LotOut]
    groups: list[GroupOut]
    flags: list[str]
    settings: list[SettingOut]
    latest_analysis: AnalysisOut | None

    @classmethod
    def of(cls, view: AccountView) -> AccountDetail:
        a = view.account
        last = view.last
        return cls(
            id=a.id,
            name=a.name,
            household=a.household,
            household_name=view.household_name,
            advisor=a.advisor,
            advisor_name=view.advisor_name,
            program=a.program,
            tax_status=a.tax_status.value,
            status=a.status.value,
            discretionary=a.discretionary,
            approved_for_trading=a.approved_for_trading,
            target=view.target,
            as_of=view.as_of,
            value=view.value,
            cash=view.cash,
            target_cash=view.target_cash,
            holdings=[
                HoldingOut(
                    security=h.security,
                    name=h.name,
                    asset_class=h.asset_class,
                    quantity=h.quantity,
                    price=h.price,
                    price_date=h.price_date,
                    value=h.value,
                    cost_basis=h.cost_basis,
                    unrealized_gain=h.unrealized_gain,
                )
                for h in view.holdings
            ],
            lots=[
                LotOut(
                    id=lot.id,
                    security=lot.security,
                    acquired=lot.acquired,
                    quantity=lot.quantity,
                    cost_basis=lot.cost_basis,
                    value=lot.value,
                    unrealized_gain=lot.unrealized_gain,
                    term=lot.term.value,
                )
                for lot in view.lots
            ],
            groups=[
                GroupOut(
                    id=g.id,
                    asset_classes=list(g.asset_classes),
                    members=list(g.members),
                    target=g.target,
                    current=g.current,
                    drift=g.drift,
                    band=g.band,
                    outside_band=g.outside_band,
                )
                for g in view.groups
            ],
            flags=list(view.flags),
            settings=[SettingOut.of(s) for s in view.settings],
            latest_analysis=None
            if last is None
            else AnalysisOut(
                run=last.outcome.run,
                as_of=last.outcome.as_of,
                outcome=last.outcome.outcome,
                rule=last.outcome.rule,
                status=last.outcome.status,
                failure=last.outcome.failure,
                flags=list(last.outcome.flags),
                estimated_tax=last.outcome.estimated_tax,
                trades=[TradeOut.of(t) for t in last.trades],
                reasons=list(last.reasons),
                proposal=last.proposal,
                edited=last.edited,
            ),
        )


# -- proposals ---------------------------------------------------------------------------


class ProposalOut(_Out):
    run: str
    account: str
    as_of: dt.date
    state: str
    value: Decimal
    estimated_tax: Decimal
    turnover: Decimal
    rule: str
    edited: bool
    decided_by: str | None
    decided_at: dt.datetime | None
    trades: list[TradeOut]

    @classmethod
    def of(cls, p: ProposalView) -> ProposalOut:
        return cls(
            run=p.run_id,
            account=p.account,
            as_of=p.as_of,
            state=p.state.value,
            value=p.value,
            estimated_tax=p.estimated_tax,
            turnover=p.turnover,
            rule=p.rule,
            edited=p.edited,
            decided_by=p.decided_by,
            decided_at=p.decided_at,
            trades=[TradeOut.of(t) for t in p.trades],
        )


class QueueOut(_Out):
    run: str
    as_of: dt.date
    proposals: list[ProposalOut] = Field(description="this page, in the sort order")
    count: int = Field(description="pending proposals in your scope (every page)")
    value: Decimal = Field(description="the accounts' value, every page")
    estimated_tax: Decimal = Field(description="the proposals' estimated tax, every page")
    offset: int
    limit: int


class DecisionOut(_Out):
    action: str
    actor: str
    at: dt.datetime
    reason: str
    trades_before: int
    trades_after: int
    estimated_tax: Decimal
    turnover: Decimal

    @classmethod
    def of(cls, d: DecisionRecord) -> DecisionOut:
        return cls(
            action=d.action.value,
            actor=d.actor,
            at=d.at,
            reason=d.reason,
            trades_before=len(d.before),
            trades_after=len(d.after),
            estimated_tax=d.estimated_tax,
            turnover=d.turnover,
        )


class ProposalDetailOut(_Out):
    proposal: ProposalOut
    outcome: str | None
    flags: list[str]
    reasons: list[str]
    decisions: list[DecisionOut]

    @classmethod
    def of(cls, d: ProposalDetail) -> ProposalDetailOut:
        return cls(
            proposal=ProposalOut.of(d.proposal),
            outcome=None if d.outcome is None else d.outcome.outcome,
            flags=[] if d.outcome is None else list(d.outcome.flags),
            reasons=[str(r) for r in d.record.get("reasons") or ()],
            decisions=[DecisionOut.of(x) for x in d.decisions],
        )


class DecisionIn(_In):
    reason: str = Field(
        min_length=1, max_length=2000, description="why (recorded)", examples=["in policy"]
    )
    run: str | None = Field(None, max_length=100, description="default: the latest run")


class TradeChangeIn(_In):
    side: Literal["buy", "sell"]
    security: str = Field(min_length=1, max_length=40)
    quantity: float = Field(ge=0, le=1e12, description="new shares; 0 removes the trade")


class LotChangeIn(_In):
    lot: str = Field(min_length=1, max_length=100)
    quantity: float = Field(ge=0, le=1e12, description="shares to sell from this lot")


class EditIn(DecisionIn):
    trades: list[TradeChangeIn] = Field(default_factory=list, max_length=500)
    lots: list[LotChangeIn] = Field(default_factory=list, max_length=500)
    rebalance_rest: bool = Field(
        False, description="re-optimize every trade not edited around the edited ones"
    )


# -- runs and orders ---------------------------------------------------------------------


class FailureOut(_Out):
    account: str
    status: str
    reason: str


class RunOut(_Out):
    id: str
    as_of: dt.date
    state: str = Field(description="running, interrupted, finished or voided")
    started_at: dt.datetime
    started_by: str
    finished_at: dt.datetime | None
    executor: str
    accounts: int
    done: int
    outcomes: dict[str, int]
    trades: int
    estimated_tax: Decimal
    voided_by: str | None
    void_reason: str | None
    failures: list[FailureOut]
    not_analyzed: int

    @classmethod
    def of(cls, s: RunStatus) -> RunOut:
        r = s.run
        return cls(
            id=r.id,
            as_of=r.as_of,
            state=s.shown,
            started_at=r.started_at,
            started_by=r.actor,
            finished_at=r.finished_at,
            executor=r.executor,
            accounts=r.accounts,
            done=s.done,
            outcomes=dict(s.tally.counts),
            trades=s.tally.trades,
            estimated_tax=s.tally.estimated_tax,
            voided_by=r.voided_by,
            void_reason=r.void_reason,
            failures=[FailureOut(account=a, status=st, reason=w) for a, st, w in s.failures],
            not_analyzed=s.not_analyzed,
        )


class VoidIn(_In):
    reason: str = Field(min_length=1, max_length=2000, description="why (recorded)")


class OrderOut(_Out):
    id: str
    account: str
    security: str
    side: str
    quantity: Decimal
    reference_price: Decimal
    created_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, o: OrderLine) -> OrderOut:
        return cls(
            id=o.id,
            account=o.account,
            security=o.security,
            side=o.side.value,
            quantity=o.quantity,
            reference_price=o.price,
            created_by=o.created_by,
            created_at=o.created_at,
        )


class OrdersCreated(_Out):
    run: str
    added: int = Field(description="orders new this time (0 on a repeat)")
    orders: int
    blocks: int


# -- filters -----------------------------------------------------------------------------


class FilterTestIn(_In):
    expression: str = Field(min_length=1, max_length=10_000, examples=['status = "open"'])


class FilterErrorOut(_Out):
    line: int
    column: int
    message: str
    expected: list[str]
    suggestions: list[str]


class FilterTestOut(_Out):
    filter: str = Field(description="the expression as checked")
    count: int = Field(description="accounts it selects in your scope")
    sample: list[str] = Field(description="the first few of them, by id")


class FilterIn(_In):
    expression: str = Field(min_length=1, max_length=10_000, examples=["drift > 0.02"])
    description: str = Field("", max_length=2000)


class FilterOut(_Out):
    name: str
    expression: str
    description: str
    shared: bool
    created_by: str
    updated_at: dt.datetime | None

    @classmethod
    def of(cls, f: SavedFilter) -> FilterOut:
        return cls(
            name=f.name,
            expression=f.expression,
            description=f.description,
            shared=f.shared,
            created_by=f.created_by,
            updated_at=f.updated_at,
        )


# -- settings ----------------------------------------------------------------------------

SettingValueIn = str | int | float | bool | list[str | int | float]


class SettingIn(_In):
    value: SettingValueIn | None = Field(
        description="the value; null clears this level's", examples=["high"]
    )
    reason: str = Field(
        min_length=1, max_length=2000, description="why (recorded)", examples=["client asked"]
    )


class SettingChangeOut(_Out):
    id: int
    setting: str
    level: str
    scope: str
    value: Any
    actor: str
    at: dt.datetime
    reason: str
    bulk: int | None

    @classmethod
    def of(cls, c: SettingChange) -> SettingChangeOut:
        return cls(
            id=c.id,
            setting=c.setting,
            level=c.scope.level.name.lower(),
            scope=c.scope.id,
            value=list(c.value) if isinstance(c.value, tuple) else c.value,
            actor=c.actor,
            at=c.at,
            reason=c.reason,
            bulk=c.bulk,
        )


class EffectiveSettingOut(_Out):
    """A setting in force for one account, the changes that decide it (most specific
    last) and those it overrides."""

    setting: str
    value: Any
    sources: list[SettingChangeOut]
    shadowed: list[SettingChangeOut]

    @classmethod
    def of(cls, e: Effective) -> EffectiveSettingOut:
        return cls(
            setting=e.setting,
            value=list(e.value) if isinstance(e.value, tuple) else e.value,
            sources=[SettingChangeOut.of(c) for c in e.sources],
            shadowed=[SettingChangeOut.of(c) for c in e.shadowed],
        )


# -- audit -------------------------------------------------------------------------------


class AuditEntryOut(_Out):
    seq: int
    at: dt.datetime
    principal: str
    principal_name: str
    on_behalf_of: str | None
    action: str
    targets: list[str]
    reason: str
    summary: dict[str, Any]
    hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(
            seq=e.seq,
            at=e.at,
            principal=e.principal,
            principal_name=e.principal_name,
            on_behalf_of=e.on_behalf_of,
            action=e.action,
            targets=list(e.targets),
            reason=e.reason,
            summary=dict(e.summary),
            hash=e.hash,
        )


class AuditPage(_Out):
    entries: list[AuditEntryOut]


class AuditVerificationOut(_Out):
    intact: bool
    entries: int
    head_seq: int
    head_hash: str
    first_break: str | None = Field(description="the first entry altered, deleted or inserted")


# -- securities, corporate actions, models -----------------------------------------------


class SecurityOut(_Out):
    ticker: str
    name: str
    type: str
    cusip: str | None
    asset_class: str | None
    asset_class_name: str | None
    sector: str | None
    wash_group: str
    issuer_id: str | None = Field(None, description="share classes of one company share it")
    price: Decimal | None
    price_date: dt.date | None
    holders: list[str] | None = Field(None, description="accounts holding it (one security)")

    @classmethod
    def of(cls, s: SecurityView, *, holders: bool = False) -> SecurityOut:
        return cls(
            ticker=s.ticker,
            name=s.name,
            type=s.type,
            cusip=s.cusip,
            asset_class=s.asset_class,
            asset_class_name=s.asset_class_name,
            sector=s.sector,
            wash_group=s.wash_group,
            issuer_id=s.issuer_id,
            price=s.price,
            price_date=s.price_date,
            holders=list(s.holders) if holders else None,
        )


class CorporateActionOut(_Out):
    id: str
    kind: str
    security: str
    effective: dt.date
    new_security: str | None
    ratio: Decimal
    cash_per_share: Decimal
    source: str
    applied_at: dt.datetime | None
    applied_by: str | None

    @classmethod
    def of(cls, a: ActionStatus) -> CorporateActionOut:
        e = a.event
        return cls(
            id=e.id,
            kind=str(e.kind.value),
            security=e.security,
            effective=e.effective,
            new_security=e.new_security,
            ratio=e.ratio,
            cash_per_share=e.cash_per_share,
            source=a.source,
            applied_at=a.applied_at,
            applied_by=a.applied_by,
        )


class DefinitionRef(_Out):
    kind: str = Field(description="allocation, model, equivalence_set or target")
    id: str
    name: str
    version: int | None


class ModelBookOut(_Out):
    as_of: dt.date
    definitions: list[DefinitionRef]


class VersionOut(_Out):
    number: int
    effective: dt.date
    author: str
    recorded_at: dt.datetime
    reason: str


class DefinitionOut(_Out):
    kind: str
    id: str
    as_of: dt.date
    version: int | None
    definition: dict[str, Any] = Field(description="the definition as `models show` prints it")
    history: list[VersionOut]
