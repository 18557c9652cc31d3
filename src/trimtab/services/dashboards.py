"""What each role opens first: the figures of the seven dashboards (ROLES.md).

Problem: each desk starts its day from a different question — the overlay manager "what
did last night decide, and what waits for me?", management "is the program healthy?",
compliance "which accounts are outside their settings?", the data desk "which files,
securities and actions block accounts?". The answers are counts and short lists over
the whole firm (or over an advisor's own households): reading accounts one by one would
take minutes on 100,000 accounts, and a count computed apart from its list would drift.

Rule:
- Every figure is one query of the store (`DashboardReads`, implemented in
  `trimtab.store.dashboard_reads`), with the viewer's scope (advisor ids, None for the
  firm) inside that query, so an advisor's counts and lists agree and never include
  another advisor's accounts. Figures of "tonight" are those of the latest run that was
  not voided (`latest_run`); an account outside it does not count.
- Management's taxes saved to date are the taxes-saved report's, for the firm from
  January 1 to the latest night, as last kept (`record_taxes_saved_to_date`, after each
  night's counterfactuals): the report reads every analysis of the year, minutes at
  100,000 accounts, so the page shows the kept total with the night and time it was
  computed, and says when none is kept yet.
- The review backlog's age is counted in whole days from the proposal's analysis day to
  today, bucketed 0–1, 2–3, 4–7 and 8+ days.
- Existing read services are reused, not repeated: file monitoring (`feed_status`), the
  unknown securities (`unknown_securities`), the users and tokens (`list_users`,
  `list_tokens`) and the run status (`run_status`).

Worked example: a firm whose latest run `2025-06-30.1` routed 3 accounts to auto-trade
($600,000), 2 to review ($250,000) and 1 to suspended, with the review queue holding
proposals of 2025-06-30 and 2025-06-25, as seen on 2025-07-01:

    >>> # overlay_dashboard(db.unit_of_work, viewer=ops).outcomes
    >>> # (OutcomeTotal('auto_trade', 3, Decimal('600000')), OutcomeTotal('review', 2, ...), ...)
    >>> backlog_buckets([(dt.date(2025, 6, 30), 1), (dt.date(2025, 6, 25), 1)],
    ...                 today=dt.date(2025, 7, 1))
    (('0–1 days', 1), ('2–3 days', 0), ('4–7 days', 1), ('8+ days', 0))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from trimtab.domain.principal import Principal, Scope
from trimtab.domain.users import SystemToken, User
from trimtab.services.account_ports import AccountLine
from trimtab.services.feed_ports import AccountHold, ActionStatus, Alert, UnknownSecurity
from trimtab.services.file_monitoring import DayStatus, feed_status
from trimtab.services.nightly_run import Here, RunStatus, run_status
from trimtab.services.report_ports import TaxesSavedTotal
from trimtab.services.security_master import unknown_securities
from trimtab.services.users import list_tokens, list_users

__all__ = [
    "BACKLOG_BUCKETS",
    "OUTCOMES",
    "AccountHistory",
    "AdminDashboard",
    "AdvisorDashboard",
    "AnalysisLine",
    "BookLine",
    "ComplianceDashboard",
    "DashboardReads",
    "DataDashboard",
    "DecisionLine",
    "FlaggedAccount",
    "ManagementDashboard",
    "OverlayDashboard",
    "PendingProposal",
    "RunHeadline",
    "admin_dashboard",
    "advisor_dashboard",
    "backlog_buckets",
    "committee_dashboard",
    "compliance_dashboard",
    "data_dashboard",
    "management_dashboard",
    "overlay_dashboard",
]

OUTCOMES = ("auto_trade", "review", "suspended", "no_trade")
SHOULD_HAVE_TRADED = "should_have_traded"
# (label, the fewest days a proposal must have waited to fall in the bucket)
BACKLOG_BUCKETS: tuple[tuple[str, int], ...] = (
    ("0–1 days", 0),
    ("2–3 days", 2),
    ("4–7 days", 4),
    ("8+ days", 8),
)


@dataclass(frozen=True, slots=True)
class RunHeadline:
    id: str
    as_of: dt.date
    state: str
    accounts: int


@dataclass(frozen=True, slots=True)
class OutcomeTotal:
    outcome: str
    accounts: int
    value: Decimal  # the accounts' value at the run's analysis


@dataclass(frozen=True, slots=True)
class PendingProposal:
    run: str
    account: str
    as_of: dt.date
    value: Decimal
    trades: int
    estimated_tax: Decimal


@dataclass(frozen=True, slots=True)
class FlaggedAccount:
    """An account the latest run found outside its settings, and in what way."""

    account: str
    advisor: str | None
    outcome: str
    rule: str
    status: str  # optimal, or why the analysis did not decide (bad_data, failed, held)
    flags: tuple[str, ...]
    drift: Decimal | None  # the largest drift beyond its band (0: inside every band)
    data_errors: int
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class BookLine:
    kind: str  # allocation, model, equivalence_set, target
    key: str
    version: int
    effective: dt.date
    author: str
    recorded_at: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class AnalysisLine:
    """One run's analysis of one account: what it found and what was decided."""

    run: str
    as_of: dt.date
    outcome: str | None  # None: the run wrote the analysis but no outcome (never seen)
    status: str
    value: Decimal | None
    drift: Decimal | None
    trades: int
    estimated_tax: Decimal | None


@dataclass(frozen=True, slots=True)
class DecisionLine:
    run: str
    action: str  # approve, edit, reject
    actor: str  # as recorded: `user:lee`, `cli:alice for user:bob`
    at: dt.datetime
    reason: str


Scopes = Scope | Collection[str] | None  # None: the firm; advisor ids: their accounts


class DashboardReads(Protocol):
    """The store's answers for the dashboards; `advisors` None is the whole firm."""

    def latest_run(self) -> RunHeadline | None:
        """The newest run not voided."""
        ...

    def outcomes(self, run: str, *, advisors: Scopes) -> list[OutcomeTotal]:
        """Accounts and their value per outcome of the run."""
        ...

    def pending(self, *, advisors: Scopes, limit: int | None) -> list[PendingProposal]:
        """Pending proposals of runs not voided, largest value first."""
        ...

    def pending_count(self, *, advisors: Scopes) -> int: ...

    def pending_days(self, *, advisors: Scopes) -> list[tuple[dt.date, int]]:
        """How many pending proposals were analysed on each day."""
        ...

    def orders(self, run: str) -> int:
        """Orders written for the run (approved and auto-traded proposals)."""
        ...

    def flagged(
        self,
        run: str,
        *,
        advisors: Scopes,
        flag: str | None = None,
        limit: int | None = None,
    ) -> list[FlaggedAccount]:
        """The run's accounts with a flag, an undecided analysis, data errors or drift
        beyond a band (only those carrying `flag` if given), largest drift first."""
        ...

    def flagged_count(self, run: str, *, advisors: Scopes, flag: str | None = None) -> int: ...

    def flag_counts(self, run: str, *, advisors: Scopes) -> list[tuple[str, int]]:
        """Each flag the run's accounts carry and how many carry it, by flag name."""
        ...

    def suspensions(self, run: str, *, advisors: Scopes) -> list[tuple[str, int]]:
        """Suspended accounts of the run by the rule that suspended them, most first."""
        ...

    def analyses(self, account: str, *, limit: int) -> list[AnalysisLine]:
        """The account's analyses of runs not voided, newest first."""
        ...

    def decisions(self, account: str, *, limit: int) -> list[DecisionLine]:
        """Review decisions on the account's proposals, newest first."""
        ...

    def book_counts(self) -> list[tuple[str, int, int]]:
        """(kind, definitions, versions) of the model book."""
        ...

    def book_latest(self, limit: int) -> list[BookLine]:
        """The latest versions recorded, newest first."""
        ...


class DashboardUnitOfWork(Protocol):
    @property
    def dashboards(self) -> DashboardReads: ...

    def __enter__(self) -> Any: ...
    def __exit__(self, *args: object) -> None: ...


NewUnitOfWork = Callable[[], DashboardUnitOfWork]


def _scope(viewer: Principal) -> Scope | None:
    # None is the firm; otherwise advisors and their teams' households (store/scope_sql)
    scope = viewer.effective_scope
    return None if scope.firm_wide else scope


def backlog_buckets(
    days: Sequence[tuple[dt.date, int]], *, today: dt.date
) -> tuple[tuple[str, int], ...]:
    """Count pending proposals, given per analysis day, into the age buckets."""
    counts = [0] * len(BACKLOG_BUCKETS)
    for day, n in days:
        age = (today - day).days
        index = max([0] + [i for i, (_, low) in enumerate(BACKLOG_BUCKETS) if age >= low])
        counts[index] += n
    return tuple((label, n) for (label, _), n in zip(BACKLOG_BUCKETS, counts, strict=True))


@dataclass(frozen=True, slots=True)
class AccountHistory:
    analyses: tuple[AnalysisLine, ...]
    decisions: tuple[DecisionLine, ...]


# ----------------------------------------------------------------------------- advisor


@dataclass(frozen=True, slots=True)
class AdvisorDashboard:
    accounts: tuple[AccountLine, ...]  # the first page, in account order
    account_count: int
    households: int
    value: Decimal  # of the accounts shown on this page
    pending: tuple[PendingProposal, ...]
    pending_count: int
    flagged: tuple[FlaggedAccount, ...]
    flagged_count: int
    run: RunHeadline | None


def advisor_dashboard(
    new_uow: Callable[[], Any], *, viewer: Principal, limit: int = 25
) -> AdvisorDashboard:
    """My households and accounts: value, drift, last outcome, pending proposals, flags.

    Each list shows its first `limit` (accounts by id, proposals largest first, flagged
    accounts most drifted first) beside the whole count: a summary to open every
    morning, with the whole book on the accounts page (paged, with a filter).
    """
    advisors = _scope(viewer)
    with new_uow() as uow:
        reads: DashboardReads = uow.dashboards
        lines = uow.account_reads.lines(None, advisors=advisors, limit=limit)
        count = uow.account_reads.count(None, advisors=advisors)
        run = reads.latest_run()
        pending = reads.pending(advisors=advisors, limit=limit)
        pending_count = reads.pending_count(advisors=advisors)
        flagged = reads.flagged(run.id, advisors=advisors, limit=limit) if run else []
        flagged_count = reads.flagged_count(run.id, advisors=advisors) if run else 0
    return AdvisorDashboard(
        tuple(lines),
        count,
        len({line.household for line in lines}),
        sum((line.value or Decimal(0) for line in lines), Decimal(0)),
        tuple(pending),
        pending_count,
        tuple(flagged),
        flagged_count,
        run,
    )


# ----------------------------------------------------------------------------- committee


def committee_dashboard(
    new_uow: Callable[[], Any], *, limit: int = 20
) -> tuple[list[tuple[str, int, int]], list[BookLine]]:
    """The model book: (kind, definitions, versions) and the latest versions recorded."""
    with new_uow() as uow:
        reads: DashboardReads = uow.dashboards
        return reads.book_counts(), reads.book_latest(limit)


# ----------------------------------------------------------------------------- overlay


@dataclass(frozen=True, slots=True)
class OverlayDashboard:
    run: RunHeadline | None
    outcomes: tuple[OutcomeTotal, ...]  # every outcome, in OUTCOMES order, zeros included
    queue: tuple[PendingProposal, ...]  # the review queue's largest, by value
    queue_count: int
    orders: int


def _every_outcome(found: Sequence[OutcomeTotal]) -> tuple[OutcomeTotal, ...]:
    by = {o.outcome: o for o in found}
    known = tuple(by.pop(o, OutcomeTotal(o, 0, Decimal(0))) for o in OUTCOMES)
    return known + tuple(by[o] for o in sorted(by))  # e.g. failed, if a run has it


def overlay_dashboard(
    new_uow: Callable[[], Any], *, viewer: Principal, limit: int = 20
) -> OverlayDashboard:
    """Tonight's outcome, the review queue by value, and the orders written."""
    advisors = _scope(viewer)
    with new_uow() as uow:
        reads: DashboardReads = uow.dashboards
        run = reads.latest_run()
        outcomes = reads.outcomes(run.id, advisors=advisors) if run else []
        queue = reads.pending(advisors=advisors, limit=limit)
        queue_count = reads.pending_count(advisors=advisors)
        orders = reads.orders(run.id) if run else 0
    return OverlayDashboard(run, _every_outcome(outcomes), tuple(queue), queue_count, orders)


# ----------------------------------------------------------------------------- compliance


@dataclass(frozen=True, slots=True)
class ComplianceDashboard:
    run: RunHeadline | None
    outside: tuple[FlaggedAccount, ...]
    outside_count: int
    by_flag: tuple[tuple[str, int], ...]  # each flag of the routing policy, and its count


def compliance_dashboard(
    new_uow: Callable[[], Any], *, viewer: Principal, limit: int = 50
) -> ComplianceDashboard:
    """Accounts the latest run found outside their settings, largest drift first."""
    advisors = _scope(viewer)
    with new_uow() as uow:
        reads: DashboardReads = uow.dashboards
        run = reads.latest_run()
        if run is None:
            return ComplianceDashboard(None, (), 0, ())
        outside = reads.flagged(run.id, advisors=advisors, limit=limit)
        count = reads.flagged_count(run.id, advisors=advisors)
        by_flag = tuple(reads.flag_counts(run.id, advisors=advisors))
    return ComplianceDashboard(run, tuple(outside), count, by_flag)


# ----------------------------------------------------------------------------- management


@dataclass(frozen=True, slots=True)
class ManagementDashboard:
    run: RunHeadline | None
    should_have_traded: tuple[FlaggedAccount, ...]
    should_have_traded_count: int
    backlog: tuple[tuple[str, int], ...]
    backlog_count: int
    oldest_pending: dt.date | None
    suspensions: tuple[tuple[str, int], ...]
    # The firm's taxes saved this year to date, as last kept after a night's
    # counterfactuals (services/taxes_saved.py); None until the first is kept.
    taxes_saved: TaxesSavedTotal | None


def management_dashboard(
    new_uow: Callable[[], Any], *, viewer: Principal, today: dt.date, limit: int = 20
) -> ManagementDashboard:
    """Program health: missed trades, the review backlog's age, suspensions, taxes."""
    advisors = _scope(viewer)
    with new_uow() as uow:
        reads: DashboardReads = uow.dashboards
        run = reads.latest_run()
        missed = (
            reads.flagged(run.id, advisors=advisors, flag=SHOULD_HAVE_TRADED, limit=limit)
            if run
            else []
        )
        missed_count = (
            reads.flagged_count(run.id, advisors=advisors, flag=SHOULD_HAVE_TRADED) if run else 0
        )
        days = reads.pending_days(advisors=advisors)
        suspensions = reads.suspensions(run.id, advisors=advisors) if run else []
        saved = uow.reports.latest_taxes_saved_total()
    return ManagementDashboard(
        run,
        tuple(missed),
        missed_count,
        backlog_buckets(days, today=today),
        sum(n for _, n in days),
        min((day for day, _ in days), default=None),
        tuple(suspensions),
        saved,
    )


# ----------------------------------------------------------------------------- data desk


@dataclass(frozen=True, slots=True)
class DataDashboard:
    files: DayStatus  # today's expected files and their state, with today's alerts
    unknown: tuple[UnknownSecurity, ...]  # not yet classified, each with its holders
    actions: tuple[ActionStatus, ...]  # corporate actions not yet applied
    holds: tuple[AccountHold, ...]  # accounts held out of trading, oldest first
    holds_by_cause: tuple[tuple[str, int], ...]
    desynchronized: tuple[Alert, ...]  # today's alerts of a source out of step


def data_dashboard(
    new_uow: Callable[[], Any], *, day: dt.date, now: dt.datetime, limit: int = 50
) -> DataDashboard:
    """Today's files, unknown securities, pending corporate actions and holds.

    File monitoring is `feed_status` itself (it also raises today's alerts of a late or
    missing file, as `trimtab feeds status` does), so the page and the command agree.
    """
    files = feed_status(new_uow, day=day, now=now)
    unknown = unknown_securities(new_uow)
    with new_uow() as uow:
        actions = [a for a in uow.feed_data.actions() if a.applied_at is None]
        holds = sorted(uow.holds.active(), key=lambda h: (h.since, h.account))
    causes: dict[str, int] = {}
    for hold in holds:
        causes[hold.cause] = causes.get(hold.cause, 0) + 1
    return DataDashboard(
        files,
        tuple(unknown),
        tuple(sorted(actions, key=lambda a: (a.event.effective, a.event.id))),
        tuple(holds[:limit]),
        tuple(sorted(causes.items())),
        tuple(a for a in files.alerts if a.kind == "desynchronized"),
    )


# ----------------------------------------------------------------------------- admin


@dataclass(frozen=True, slots=True)
class AdminDashboard:
    users: tuple[User, ...]
    tokens: tuple[SystemToken, ...]
    runs: tuple[RunStatus, ...]  # the latest runs, newest first, as the operator reads them


def admin_dashboard(
    new_uow: Callable[[], Any], *, here: Here, now: dt.datetime, runs: int = 5
) -> AdminDashboard:
    """Users and roles, system tokens, and process health (the latest runs)."""
    return AdminDashboard(
        tuple(list_users(new_uow)),
        tuple(list_tokens(new_uow)),
        tuple(run_status(new_uow, here=here, limit=runs, now=now)),
    )
