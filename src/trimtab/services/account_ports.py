"""Ports and values of the account views: one line per account, an account's last outcome.

Problem: an operations desk asks "which accounts of advisor Lee drifted, and what did
last night decide for them?" over 100,000 accounts. Reading every account's lots and
resolving its target to answer it would take minutes; the numbers the list shows are the
ones the nightly run already measured and stored (the latest analysis per account, the
run's outcome for it), so one query with the filter's SQL inside answers it.

Rule: the store implements `AccountReads` (`trimtab.store.account_reads`), the unit of
work exposes it as `uow.account_reads`. A list is in account order; the filter is a
checked `Filter` (compiled to bound SQL by the store, never spliced), and a scope of
advisor ids (None: the whole firm) is part of the same query, so the count and the rows
agree. Value and drift are the latest analysis' (`AnalysisRow`: the account's value and
its largest out-of-band drift, as fractions of value), cash the balance held now; an
account never analyzed has None for them.

    >>> line = AccountLine("A-1", "H-1", "Lee", "ESG", Decimal("250000"), Decimal("5000"),
    ...                    Decimal("0.012"), "review", "2025-06-30.1", dt.date(2025, 6, 30))
    >>> line.outcome, line.drift
    ('review', Decimal('0.012'))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from trimtab.domain.filters import Filter
from trimtab.domain.principal import Scope

__all__ = ["AccountLine", "AccountReads", "LastOutcome"]


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One account as the list shows it; analysis numbers are None until one exists."""

    account: str
    household: str
    advisor: str | None  # the advisor's name, as filters compare it
    program: str | None
    value: Decimal | None  # at the latest analysis
    cash: Decimal | None  # the balance held now
    drift: Decimal | None  # largest out-of-band drift at the latest analysis
    outcome: str | None  # auto_trade, review, suspended, no_trade
    run: str | None  # the run of the latest analysis
    as_of: dt.date | None  # its day


@dataclass(frozen=True, slots=True)
class LastOutcome:
    """What the latest (not voided) run decided for one account, and why."""

    run: str
    as_of: dt.date
    outcome: str
    rule: str  # the routing filter (or built-in rule) that decided it
    flags: tuple[str, ...]
    status: str  # the analysis status: optimal, bad_data, failed, held...
    failure: str | None
    trades: int
    estimated_tax: Decimal | None


class AccountReads(Protocol):
    def lines(
        self,
        f: Filter | None,
        *,
        advisors: Scope | Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[AccountLine]:
        """The accounts the filter matches (every account if None), in id order, inside
        the advisors' scope (every advisor if None); `limit` of them after `offset`."""
        ...

    def count(
        self, f: Filter | None, *, advisors: Scope | Collection[str] | None = None
    ) -> int: ...

    def visible(self, account: str, *, advisors: Scope | Collection[str] | None = None) -> bool:
        """Whether `account` exists inside the scope (advisors' accounts and their teams'
        households; None: the firm) — the same condition `lines` applies."""
        ...

    def last_outcome(self, account: str) -> LastOutcome | None:
        """The outcome of the account's latest analysis; None if never analyzed."""
        ...
