"""The nightly data-quality check: every account's named data errors, recorded.

Problem: before the nightly analysis, each account's inputs must be checked (stale or
missing prices, unexplained price jumps, lots that disagree with the custodian,
negative cash, missing cost basis: `domain.data_quality`), and the findings kept where
workflow filters ("no data errors") and people can see them.

Rule: `check_data_quality` gathers each account's lots, custodian positions, cash, the
last two closes of each held security on or before the day and the corporate actions
effective since the earlier close, runs `check_account`, and replaces the previous
data errors with the day's, in one transaction. Business days come from the exchange
calendar, so Monday's check does not call Friday's close stale. The check leaves one
audit entry (`feeds.check_quality`): targets the accounts whose errors it recorded or
cleared (those with errors now, then those whose earlier errors are gone); the summary
counts the day's errors by code.

    >>> # errors = check_data_quality(db.unit_of_work, day=today, principal=SCHEDULER)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from trimtab.domain.data_quality import (
    AccountInputs,
    DataError,
    PricePoint,
    QualityRules,
    check_account,
)
from trimtab.domain.file_transfers import BusinessCalendar
from trimtab.domain.principal import Principal
from trimtab.services.audit import record, write_service
from trimtab.services.feed_ports import DataUnitOfWork

__all__ = ["check_data_quality"]

NewUnitOfWork = Callable[[], DataUnitOfWork]
LOOKBACK = dt.timedelta(days=21)


@write_service("feeds.check_quality")
def check_data_quality(
    new_uow: NewUnitOfWork,
    *,
    day: dt.date,
    principal: Principal,
    rules: QualityRules = QualityRules(),
    calendar: BusinessCalendar = BusinessCalendar(),
) -> list[DataError]:
    errors: list[DataError] = []
    closes: dict[str, tuple[PricePoint, ...]] = {}
    with new_uow() as uow:
        actions = [s.event for s in uow.feed_data.actions() if s.event.effective <= day]
        for account in sorted(uow.feed_data.account_ids()):
            lots = tuple(uow.lots.for_account(account))
            for security in {lot.security for lot in lots} - set(closes):
                history = uow.prices.history(security, day - LOOKBACK, day)
                closes[security] = tuple(PricePoint(p.date, p.close) for p in history[-2:])
            held = {lot.security for lot in lots}
            explained = frozenset(
                a.security
                for a in actions
                if a.security in held
                and closes.get(a.security)
                and a.effective > closes[a.security][0].date
            )
            cash = uow.cash.get(account)
            inputs = AccountInputs(
                account,
                lots=lots,
                positions=uow.feed_data.positions(account),
                cash=cash.amount if cash else None,
                closes={s: closes[s] for s in held},
                unknown_basis=frozenset(uow.feed_data.unknown_basis(account)),
                actions=explained,
            )
            errors += check_account(
                inputs, day=day, rules=rules, business_days_between=calendar.days_between
            )
        flagged = dict.fromkeys(e.account for e in errors)
        cleared = sorted({e.account for e in uow.feed_data.data_errors()} - set(flagged))
        uow.feed_data.replace_data_errors(day, errors)
        record(
            uow,
            principal,
            "feeds.check_quality",
            targets=[*flagged, *cleared],
            summary={"day": day, "errors": dict(Counter(e.code.value for e in errors))},
        )
        uow.commit()
    return errors
