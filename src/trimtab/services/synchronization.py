"""The synchronization check: suspend accounts whose feeds disagree about a corporate action.

Problem: the corporate-actions, prices and holdings feeds each learn of an event at their
own pace; an account analyzed while they disagree gets nonsense trades (see
`domain.synchronization`). Such accounts must stop, say why, and start again by
themselves once the feeds catch up — nobody should have to remember to release them.

Rule: `check_synchronization` looks at every applied event effective on or before the
day. For each it takes the prices feed's view (closes around the date) and each holder's
custodian view (its positions against its lots), holds every account whose sources
disagree (cause `corporate_action`, the event's id, the reason) with an alert, and
releases the event's holds on every other holder. Run it after each load; it is
idempotent. Each check is one transaction with one audit entry (`feeds.check_sync`),
even when it changes nothing (the trail then shows the check ran): targets the accounts
suspended or released, then each event checked (`action:<id>`).

    >>> # report = check_synchronization(db.unit_of_work, day=today, principal=SCHEDULER,
    >>> #                                now=now)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from trimtab.domain.money import ZERO
from trimtab.domain.principal import Principal
from trimtab.domain.synchronization import disagreements, holdings_show, prices_show
from trimtab.services.audit import record, write_service
from trimtab.services.feed_ports import AccountHold, Alert, DataUnitOfWork

__all__ = ["SyncReport", "check_synchronization"]

NewUnitOfWork = Callable[[], DataUnitOfWork]
LOOKBACK = dt.timedelta(days=10)


@dataclass(frozen=True)
class SyncReport:
    suspended: tuple[tuple[str, str, str], ...] = ()  # (account, action, reason)
    released: tuple[tuple[str, str], ...] = ()  # (account, action)


@write_service("feeds.check_sync")
def check_synchronization(
    new_uow: NewUnitOfWork, *, day: dt.date, principal: Principal, now: dt.datetime
) -> SyncReport:
    suspended: list[tuple[str, str, str]] = []
    released: list[tuple[str, str]] = []
    checked: list[str] = []
    with new_uow() as uow:
        for status in uow.feed_data.actions():
            event = status.event
            if status.applied_at is None or event.effective > day:
                continue
            checked.append(event.id)
            closes = uow.prices.history(event.security, event.effective - LOOKBACK, day)
            if event.new_security:
                closes += uow.prices.history(event.new_security, event.effective - LOOKBACK, day)
            price_view = prices_show(event, closes)
            holders = set(uow.feed_data.holders(event.security))
            if event.new_security:
                holders |= set(uow.feed_data.holders(event.new_security))
            views: dict[str, bool | None] = {}
            for account in sorted(holders):
                custodian = uow.feed_data.positions(account)
                if custodian is None:
                    views[account] = None
                    continue
                held = sum(
                    (
                        lot.quantity
                        for lot in uow.lots.for_account(account)
                        if lot.security == event.security
                    ),
                    ZERO,
                )
                views[account] = holdings_show(event, lots_quantity=held, custodian=custodian)
            found = disagreements(event, price_view, views)
            for d in found:
                if uow.holds.hold(
                    AccountHold(d.account, "corporate_action", event.id, d.reason, now)
                ):
                    suspended.append((d.account, event.id, d.reason))
            if found:
                uow.feed_loads.raise_alert(
                    Alert(
                        day,
                        "desynchronized",
                        event.id,
                        f"{len(found)} accounts suspended: {found[0].reason}",
                        now,
                    )
                )
            agreeing = holders - {d.account for d in found}
            for account in uow.holds.release(
                "corporate_action", event.id, at=now, accounts=agreeing
            ):
                released.append((account, event.id))
        changed = [*(a for a, _, _ in suspended), *(a for a, _ in released)]
        record(
            uow,
            principal,
            "feeds.check_sync",
            targets=[*dict.fromkeys(changed), *(f"action:{e}" for e in checked)],
            summary={"day": day, "suspended": len(suspended), "released": len(released)},
            at=now,
        )
        uow.commit()
    return SyncReport(tuple(suspended), tuple(released))
