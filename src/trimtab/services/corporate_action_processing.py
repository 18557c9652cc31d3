"""Applying corporate actions: one event, every lot, model, list and set, one transaction.

Problem: once the corporate-actions feed has recorded "XYZ splits 2-for-1", the firm's
books must change everywhere at once — a model still weighting the old ticker, or a
restriction on a ticker that no longer trades, is a silent error the next night.

Rule: `apply_corporate_actions` applies each recorded, not yet applied event in its own
transaction (so one bad event does not block the others), in effective-date order:

1. the successor security: a rename creates the new ticker with the old one's
   classification; a spin-off child or merger acquirer the master does not know is
   added as an unknown security, and its holders are held until it is classified;
2. every holder's lots, by the ledger rules (`corporate_action_events.restate_lots`);
   a merger's cash part is recorded as a sale with its realized gain;
3. every model in force holding the security gets a new version (weight moved or
   split), as do equivalence sets naming it; restriction lists are restated;
4. the event is marked applied, with who and when. Applying again changes nothing.

Each event's transaction is one write with one audit entry (`corporate_actions.apply`):
targets the accounts whose lots were restated, then `action:<id>`, the securities
(`security:<ticker>`: the event's and its successors) and the models and sets restated
(`model:<id>`, `set:<id>`). So a call applying three events leaves three entries, one
with each committed transaction, and a call with nothing pending leaves none.

    >>> # results = apply_corporate_actions(db.unit_of_work, principal=ops, now=now)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from trimtab.domain.corporate_action_events import (
    ActionKind,
    CorporateActionEvent,
    restate_equivalence_set,
    restate_lots,
    restate_model,
    restate_restrictions,
)
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.feed_records import ReportedLot
from trimtab.domain.models import Model
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.securities import Security
from trimtab.domain.trade_history import TradeRecord, TradeSide
from trimtab.domain.versions import next_version
from trimtab.services.audit import record, write_service
from trimtab.services.feed_ports import AccountHold, DataUnitOfWork
from trimtab.services.model_book import load_catalog

__all__ = ["AppliedAction", "apply_corporate_actions", "apply_requested_actions"]

NewUnitOfWork = Callable[[], DataUnitOfWork]


@dataclass(frozen=True)
class AppliedAction:
    action: str
    accounts: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    equivalence_sets: tuple[str, ...] = ()
    restrictions: int = 0
    notes: tuple[str, ...] = ()


@write_service("corporate_actions.apply")
def apply_corporate_actions(
    new_uow: NewUnitOfWork,
    ids: Collection[str] | None = None,
    *,
    principal: Principal,
    now: dt.datetime,
) -> list[AppliedAction]:
    """Apply the recorded events not yet applied (only `ids`, if given); see module doc."""
    with new_uow() as uow:
        pending = [
            s.event
            for s in uow.feed_data.actions()
            if s.applied_at is None and (ids is None or s.event.id in ids)
        ]
    results: list[AppliedAction] = []
    for event in pending:
        with new_uow() as uow:
            applied = _apply(uow, event, author=principal.recorded_as, now=now)
            uow.feed_data.mark_applied(event.id, at=now, actor=principal.recorded_as)
            record(
                uow,
                principal,
                "corporate_actions.apply",
                targets=[
                    *applied.accounts,
                    f"action:{event.id}",
                    *(f"security:{t}" for t in (event.security, *event.successors)),
                    *(f"model:{m}" for m in applied.models),
                    *(f"set:{e}" for e in applied.equivalence_sets),
                ],
                summary={
                    "kind": event.kind,
                    "security": event.security,
                    "effective": event.effective,
                    "accounts": len(applied.accounts),
                    "restrictions": applied.restrictions,
                    "notes": list(applied.notes),
                },
                at=now,
            )
            uow.commit()
            results.append(applied)
    return results


def apply_requested_actions(
    new_uow: NewUnitOfWork,
    ids: Collection[str] | None = None,
    *,
    principal: Principal,
    now: dt.datetime,
) -> tuple[list[AppliedAction], list[Problem]]:
    """`apply_corporate_actions` for ids a person typed: an id never recorded is
    not_found, one already applied a conflict (naming when and by whom), and either
    refuses the whole request before anything is applied. No ids: every pending one.

    >>> # apply_requested_actions(db.unit_of_work, ["CA-NOPE"], principal=p, now=now)
    >>> # ([], [Problem("CA-NOPE", "no corporate action with this id", NOT_FOUND)])
    """
    if ids:
        with new_uow() as uow:
            recorded = {s.event.id: s for s in uow.feed_data.actions()}
        problems: list[Problem] = []
        for action in dict.fromkeys(ids):
            status = recorded.get(action)
            if status is None:
                problems.append(
                    Problem(action, "no corporate action with this id", ProblemKind.NOT_FOUND)
                )
            elif status.applied_at is not None:
                when = f"{status.applied_at:%Y-%m-%d %H:%M} UTC by {status.applied_by or '?'}"
                problems.append(Problem(action, f"already applied {when}", ProblemKind.CONFLICT))
        if problems:
            return [], problems
    return apply_corporate_actions(new_uow, ids or None, principal=principal, now=now), []


def _apply(
    uow: DataUnitOfWork, event: CorporateActionEvent, *, author: str, now: dt.datetime
) -> AppliedAction:
    notes: list[str] = []
    holders = uow.feed_data.holders(event.security)
    notes += _successor(uow, event, holders, now=now)
    accounts: list[str] = []
    for account in holders:
        lots = uow.lots.for_account(account)
        mine = [lot for lot in lots if lot.security == event.security]
        if not mine:
            continue
        unknown_basis = uow.feed_data.unknown_basis(account)
        restated = restate_lots(mine, event)
        for lot in mine:
            uow.lots.remove(lot.id)
        uow.feed_data.add_lots(
            [
                ReportedLot(lot, basis_known=lot.id.split("/")[0] not in unknown_basis)
                for lot in restated.lots
            ]
        )
        for sale in restated.disposals:
            lot = sale.lot
            if lot.quantity > 0 and sale.proceeds > 0:
                uow.trades.add(
                    TradeRecord(
                        lot.account,
                        lot.security,
                        event.effective,
                        TradeSide.SELL,
                        lot.quantity,
                        sale.proceeds / lot.quantity,
                        realized_gain=sale.gain,
                    )
                )
        accounts.append(account)
    models, sets = _restate_book(uow, event, author=author, now=now)
    before = uow.feed_data.all_restrictions()
    after = restate_restrictions(before, event)
    touched = {event.security, *event.successors}
    if after != before:
        uow.feed_data.replace_restrictions_of(
            event.security, [r for r in after if r.security in touched]
        )
    changed = len(set(after) - set(before)) + len(set(before) - set(after))
    return AppliedAction(event.id, tuple(accounts), models, sets, changed, tuple(notes))


def _successor(
    uow: DataUnitOfWork, event: CorporateActionEvent, holders: list[str], *, now: dt.datetime
) -> list[str]:
    new = event.new_security
    if new is None or uow.securities.get(new) is not None:
        return []
    old = uow.securities.get(event.security) or Security(event.security)
    if event.kind is ActionKind.RENAME:
        # The old ticker keeps its CUSIP in history; a CUSIP is unique, so the new
        # security takes the announced one or none.
        uow.feed_data.upsert_securities([replace(old, ticker=new, cusip=event.new_cusip)])
        return [f"{new} added to the master as the new ticker of {event.security}"]
    uow.feed_data.upsert_securities(
        [Security(new, cusip=event.new_cusip, name=f"unclassified (from {event.id})")]
    )
    uow.holds.note_unknown(new, first_seen=now.date(), source=f"corporate action {event.id}")
    reason = f"receives {new} from {event.id}, which the security master does not know"
    for account in holders:
        uow.holds.hold(AccountHold(account, "unknown_security", new, reason, now))
    return [f"{new} is unknown: added unclassified, {len(holders)} accounts held"]


def _restate_book(
    uow: DataUnitOfWork, event: CorporateActionEvent, *, author: str, now: dt.datetime
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    catalog = load_catalog(uow, event.effective)
    reason = f"corporate action {event.id}: {event.kind} of {event.security}"
    models: list[str] = []
    for model in catalog.models.values():
        restated = restate_model(model, event)
        if restated != model and _record(uow, "model", restated, author, now, reason, event):
            models.append(model.id)
    sets: list[str] = []
    for eq_set in catalog.equivalence_sets.values():
        new_set = restate_equivalence_set(eq_set, event)
        if (
            new_set is not None
            and new_set != eq_set
            and _record(uow, "equivalence_set", new_set, author, now, reason, event)
        ):
            sets.append(eq_set.id)
    return tuple(models), tuple(sets)


def _record(
    uow: DataUnitOfWork,
    kind: str,
    value: Model | EquivalenceSet,
    author: str,
    now: dt.datetime,
    reason: str,
    event: CorporateActionEvent,
) -> bool:
    history = uow.model_book.history(kind, value.id)
    version, _ = next_version(
        history, value, author=author, recorded_at=now, reason=reason, effective=event.effective
    )
    if version is None:
        return False
    uow.model_book.record(version)
    return True
