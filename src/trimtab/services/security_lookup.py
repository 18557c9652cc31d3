"""Looking things up in the security master and the corporate actions recorded.

Problem: the data desk asks "what do we know about NEWCO, what did it last close at,
who holds it?" and "which corporate actions are still to apply?". The answers are in
the store (the master, prices, holdings, the actions the feeds recorded), but only the
nightly run and the apply command read them.

Rule: reads only, each in one unit of work over the data ports. A security's price is
its last close on or before the day asked (default today), with that close's date, so a
stale price shows as stale; its wash group is the effective one under the firm's policy
(`domain.wash_sales.WashGroupPolicy`: explicit, else the firm's group, else its issuer's
share classes, else its own ticker), and its issuer id is shown. A ticker not in the
master is not found (exit 3 at the command line). Corporate actions are listed by
effective date, then id; pending ones are those not yet applied.

    >>> # view, problems = show_security(db.unit_of_work, "VOO")
    >>> # view.price, view.price_date, view.holders
    >>> # (Decimal('512.300000'), datetime.date(2025, 6, 30), 1204)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.securities import Security
from trimtab.domain.wash_sales import WashGroupPolicy
from trimtab.services.feed_ports import ActionStatus, DataUnitOfWork, UnknownSecurity

__all__ = [
    "SecurityView",
    "corporate_actions",
    "list_securities",
    "show_security",
    "unknown_securities",
]

NewUnitOfWork = Callable[[], DataUnitOfWork]


@dataclass(frozen=True, slots=True)
class SecurityView:
    ticker: str
    name: str
    type: str
    cusip: str | None
    asset_class: str | None
    asset_class_name: str | None
    sector: str | None
    wash_group: str  # the effective one (`WashGroupPolicy`): explicit, firm's, issuer's, own
    price: Decimal | None  # last close on or before the day asked
    price_date: dt.date | None
    holders: tuple[str, ...] = ()  # accounts holding it (`show` only)
    issuer_id: str | None = None  # share classes of one company share it


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _view(
    security: Security,
    classes: dict[str, str],
    price: object,
    policy: WashGroupPolicy,
    holders: tuple[str, ...] = (),
) -> SecurityView:
    return SecurityView(
        ticker=security.ticker,
        name=security.name,
        type=security.type.value,
        cusip=security.cusip,
        asset_class=security.asset_class,
        asset_class_name=classes.get(security.asset_class or ""),
        sector=security.sector,
        wash_group=policy.group_of_security(security),
        price=getattr(price, "close", None),
        price_date=getattr(price, "date", None),
        holders=holders,
        issuer_id=security.issuer_id,
    )


def list_securities(new_uow: NewUnitOfWork, *, as_of: dt.date | None = None) -> list[SecurityView]:
    """Every security of the master, by ticker, with its last close on or before the day."""
    day = as_of or _today()
    with new_uow() as uow:
        securities = sorted(uow.securities.list(), key=lambda s: s.ticker)
        classes = {c.id: c.name for c in uow.asset_classes.list()}
        prices = uow.prices.latest([s.ticker for s in securities], day)
        policy = uow.wash_groups.policy()
    return [_view(s, classes, prices.get(s.ticker), policy) for s in securities]


def unknown_securities(new_uow: NewUnitOfWork) -> list[UnknownSecurity]:
    """Securities seen in holdings or models but never classified, with their holders."""
    with new_uow() as uow:
        return uow.holds.unknown()


def show_security(
    new_uow: NewUnitOfWork, ticker: str, *, as_of: dt.date | None = None
) -> tuple[SecurityView | None, list[Problem]]:
    """One security of the master, its last close on or before the day, who holds it."""
    day = as_of or _today()
    with new_uow() as uow:
        security = uow.securities.get(ticker) or uow.securities.get(ticker.upper())
        if security is None:
            message = f"no security {ticker!r} in the security master"
            return None, [Problem("ticker", message, ProblemKind.NOT_FOUND)]
        classes = {c.id: c.name for c in uow.asset_classes.list()}
        price = uow.prices.latest([security.ticker], day).get(security.ticker)
        holders = tuple(sorted(uow.feed_data.holders(security.ticker)))
        policy = uow.wash_groups.policy()
    return _view(security, classes, price, policy, holders), []


def corporate_actions(new_uow: NewUnitOfWork, *, pending: bool = False) -> list[ActionStatus]:
    """The corporate actions the feeds recorded (only those not yet applied if `pending`),
    by effective date, then id."""
    with new_uow() as uow:
        found = uow.feed_data.actions()
    if pending:
        found = [a for a in found if a.applied_at is None]
    return sorted(found, key=lambda a: (a.event.effective, a.event.id))
