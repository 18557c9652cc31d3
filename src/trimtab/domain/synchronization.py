"""Synchronization check: do the feeds agree that a corporate action has happened?

Problem: a corporate action reaches trimtab through several feeds that move at their own
pace. The corporate-actions feed announces a 2-for-1 split of XYZ effective Monday; the
prices feed halves XYZ's close on Monday; the custodian's positions still show the old
share count until Tuesday. Rebalancing an account in between would see half its XYZ
"missing" and buy it back. The same happens with a ticker change when prices carry the
new ticker and holdings the old one.

Rule: each source gives its view of an event: applied (True), not applied (False) or
cannot tell (None: no data on or after the effective date yet).

- The corporate-actions feed: applied once the event is recorded.
- Prices (`prices_show`): a rename or a stock merger is applied when the new ticker is
  priced on or after the effective date and the old one is not; a split when the first
  close on or after the date is the last close before it divided by the ratio (within
  `SPLIT_TOLERANCE`), not applied when it is about the same; a spin-off when the child
  is priced.
- Holdings (`holdings_show`, per account): the custodian's positions on or after the
  date name the new security (rename, merger, spin-off child), or show the split share
  count — the lots after the split — rather than the count before it.

Sources disagree when one says applied and another not applied; `disagreements` then
names every affected account: all holders when prices lag or lead, the lagging account
when one custodian position does. Those accounts are suspended with the reason, and
released when a later check finds the sources agree (or cannot tell).

    >>> import datetime as dt
    >>> from trimtab.domain.corporate_action_events import ActionKind, CorporateActionEvent
    >>> from trimtab.domain.securities import Price
    >>> ev = CorporateActionEvent("CA-1", ActionKind.SPLIT, "XYZ", dt.date(2025, 6, 2),
    ...                           ratio=Decimal(2))
    >>> closes = [Price("XYZ", dt.date(2025, 5, 30), Decimal(100)),
    ...           Price("XYZ", dt.date(2025, 6, 2), Decimal("50.4"))]
    >>> prices_show(ev, closes)
    True
    >>> holdings_show(ev, lots_quantity=Decimal(200), custodian={"XYZ": Decimal(100)})
    False
    >>> [d.account for d in disagreements(ev, True, {"A-1": False, "A-2": True})]
    ['A-1']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.corporate_action_events import ActionKind, CorporateActionEvent
from trimtab.domain.money import ZERO
from trimtab.domain.securities import Price

__all__ = [
    "SPLIT_TOLERANCE",
    "Disagreement",
    "disagreements",
    "holdings_show",
    "prices_show",
]

# A day's move is far smaller than the gap between "halved" and "unchanged".
SPLIT_TOLERANCE = Decimal("0.15")


@dataclass(frozen=True, slots=True)
class Disagreement:
    event: str
    account: str
    reason: str


def prices_show(event: CorporateActionEvent, closes: Iterable[Price]) -> bool | None:
    """The prices feed's view of `event`, from closes of its securities around the date."""
    closes = sorted(closes, key=lambda p: p.date)
    before = [p for p in closes if p.ticker == event.security and p.date < event.effective]
    after_old = [p for p in closes if p.ticker == event.security and p.date >= event.effective]
    after_new = [p for p in closes if p.ticker == event.new_security and p.date >= event.effective]
    if event.kind is ActionKind.SPLIT:
        if not before or not after_old:
            return None
        move = after_old[0].close / before[-1].close
        if abs(move * event.ratio - 1) <= SPLIT_TOLERANCE:
            return True
        if abs(move - 1) <= SPLIT_TOLERANCE:
            return False
        return None
    if event.kind is ActionKind.SPIN_OFF:
        return True if after_new else (False if after_old else None)
    if not event.new_security or (event.ratio <= 0 and event.kind is ActionKind.MERGER):
        return None  # a cash deal leaves nothing new to price
    if after_new and not after_old:
        return True
    if after_old and not after_new:
        return False
    return None


def holdings_show(
    event: CorporateActionEvent, *, lots_quantity: Decimal, custodian: Mapping[str, Decimal]
) -> bool | None:
    """One account's custodian view, given its lots of the security after the event.

    `custodian` maps security → the custodian's quantity on or after the effective date
    (absent: not reported); `lots_quantity` is what the ledger holds after applying the
    event (for a split, the new share count).
    """
    if event.kind is ActionKind.SPLIT:
        reported = custodian.get(event.security)
        if reported is None:
            return None
        if reported == lots_quantity:
            return True
        if event.ratio > 0 and reported == lots_quantity / event.ratio:
            return False
        return None
    old = custodian.get(event.security, ZERO) > 0
    new = event.new_security is not None and custodian.get(event.new_security, ZERO) > 0
    if event.kind is ActionKind.SPIN_OFF:
        return True if new else (False if old else None)
    if new and not old:
        return True
    if old and not new:
        return False
    return None


def disagreements(
    event: CorporateActionEvent,
    prices: bool | None,
    holdings: Mapping[str, bool | None],
) -> list[Disagreement]:
    """Accounts whose sources disagree about `event` (the feed that announced it says yes).

    `holdings` maps every account holding the security to its custodian's view.
    """
    what = f"{event.kind.replace('_', '-')} of {event.security} effective {event.effective}"
    found: list[Disagreement] = []
    for account, view in sorted(holdings.items()):
        if prices is False:
            reason = f"the prices feed does not show the {what}; the corporate-actions feed does"
        elif view is False:
            reason = f"the holdings feed does not show the {what}; the corporate-actions feed"
            reason += " and prices do" if prices else " does"
        else:
            continue
        found.append(Disagreement(event.id, account, reason))
    return found
