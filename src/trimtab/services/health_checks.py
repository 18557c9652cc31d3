"""Portfolio health checks: each night, each account against its own parameters; each
failure a call to action, and how promptly the firm answered it.

Problem: a firm must show (to its compliance desk, to a regulator) that every account
is kept within the parameters it was promised — drift within its bands, cash within its
range, restrictions honoured, risk near its target, data good enough to act on — and
that when one is not, someone acts, and soon. The nightly analysis already holds every
fact needed; what is missing is the verdict, recorded per account-night, and the answer
to each failure with its delay.

Rule:
- `checks_of` reads one analysis record (the state before trading: the case) and
  returns five checks: `drift` (the largest group distance beyond its band; fails above
  0), `cash` (cash weight against [min_cash, max_cash]), `restrictions` (a must-sell
  security still held), `risk` (ex-ante tracking error against the target weights under
  the case's factor model, against `RISK_LIMIT`; passes with "no risk model" when the
  case has none) and `data` (the analysis could not run on the account's data: status
  bad_data, failed, invalid, error, no_target).
- `record_health_checks(new_uow, run_id, *, principal)` writes the checks of every
  analysis of a run, once (a second call writes nothing), with one audit entry. The
  nightly pipeline calls it after the run.
- A failed check is a call to action. Its answer, the earliest of: `exempted` (a person,
  with a reason: `exempt_call_to_action`), `traded` (the night's proposal auto-traded or
  approved, or a later night's), `reviewed` (the proposal rejected in review),
  `suspended` (the night's routing suspended the account). Until then it is open. The
  delay is the answer's time minus the check's.
- `health_report` lists the checks of the accounts and period asked for, with answers,
  and a summary of how promptly calls were answered, by advisor and by check.

Worked example: account A's EQ-AG group is at 33% against 28% ± 2% — the drift check
fails with 3.0% beyond band; the night's proposal goes to review and is approved 5 hours
later: the call is answered `traded` in 5.0 hours.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trimtab.domain.permissions import Permission, authorize
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.records import RecordEntry
from trimtab.services.audit import record, write_service
from trimtab.services.report_ports import (
    AccountFacts,
    Exemption,
    HealthCheck,
    OutcomeFacts,
    ReportUnitOfWork,
)
from trimtab.services.report_scope import ReportRequest, select_accounts

__all__ = [
    "CHECKS",
    "RISK_LIMIT",
    "Answer",
    "CallToAction",
    "HealthReport",
    "Promptness",
    "answer_of",
    "checks_of",
    "exempt_call_to_action",
    "health_report",
    "record_health_checks",
]

UnitOfWorkFactory = Callable[[], ReportUnitOfWork]

CHECKS = ("drift", "cash", "restrictions", "risk", "data")
RISK_LIMIT = 0.02  # ex-ante tracking error (annualized, per the risk model's units) allowed
_DATA_FAILURES = frozenset({"bad_data", "failed", "invalid", "error", "no_target"})
_TOLERANCE = 1e-9  # weights are computed in floats: a group exactly at its band edge passes


def _weights(case: Mapping[str, Any]) -> tuple[float, dict[str, float], float]:
    """(account value, value by security, cash) before trading."""
    prices = {s["id"]: float(s["price"]) for s in case.get("securities") or ()}
    held: dict[str, float] = defaultdict(float)
    for lot in case.get("lots") or ():
        held[lot["security"]] += float(lot["quantity"]) * prices.get(lot["security"], 0.0)
    cash = float(case["account"]["cash"])
    return cash + sum(held.values()), dict(held), cash


def _check(
    entry: RecordEntry,
    kind: str,
    passed: bool,
    measure: float | None,
    threshold: float | None,
    detail: str,
) -> HealthCheck:
    d = entry.draft
    assert d.as_of is not None
    assert d.run_id is not None
    return HealthCheck(d.run_id, d.account, d.as_of, kind, passed, measure, threshold, detail, d.at)


def _drift(entry: RecordEntry, case: Mapping[str, Any], params: Mapping[str, Any]) -> HealthCheck:
    value, held, _ = _weights(case)
    default_band = float(params.get("default_band") or 0.02)
    worst, out = 0.0, []
    for group in case.get("groups") or ():
        weight = sum(held.get(m, 0.0) for m in group["members"]) / value if value > 0 else 0.0
        target = float(group["target"])
        band = default_band if group.get("band") is None else float(group["band"])
        beyond = abs(weight - target) - band
        if beyond > _TOLERANCE:
            out.append(f"{group['id']} {weight:.1%} vs {target:.1%} ± {band:.1%}")
        worst = max(worst, beyond)
    if out:
        return _check(entry, "drift", False, worst, 0.0, "out of band: " + "; ".join(out))
    return _check(entry, "drift", True, max(worst, 0.0), 0.0, "every group within its band")


def _cash(entry: RecordEntry, case: Mapping[str, Any], params: Mapping[str, Any]) -> HealthCheck:
    value, _, cash = _weights(case)
    weight = cash / value if value > 0 else 0.0
    low, high = float(params.get("min_cash") or 0.0), float(params.get("max_cash") or 1.0)
    passed = low - _TOLERANCE <= weight <= high + _TOLERANCE
    where = "within" if passed else ("below" if weight < low else "above")
    return _check(
        entry,
        "cash",
        passed,
        weight,
        high if weight > high else low,
        f"cash {weight:.2%} {where} its range {low:.2%}–{high:.2%}",
    )


def _restrictions(entry: RecordEntry, case: Mapping[str, Any]) -> HealthCheck:
    _, held, _ = _weights(case)
    must_sell = [s["id"] for s in case.get("securities") or () if s.get("must_sell")]
    still = [s for s in must_sell if held.get(s, 0.0) > 0]
    if still:
        return _check(
            entry,
            "restrictions",
            False,
            float(len(still)),
            0.0,
            "must-sell securities still held: " + ", ".join(still),
        )
    return _check(entry, "restrictions", True, 0.0, 0.0, "no restricted security held")


def _risk(entry: RecordEntry, case: Mapping[str, Any]) -> HealthCheck:
    model = case.get("factor_model")
    if not model:
        return _check(entry, "risk", True, None, None, "not measured: no risk model in the case")
    value, held, _ = _weights(case)
    if value <= 0:
        return _check(entry, "risk", True, None, None, "not measured: the account is empty")
    weight = {s: v / value for s, v in held.items()}
    target: dict[str, float] = defaultdict(float)
    for group in case.get("groups") or ():
        members = list(group["members"])
        inside = sum(weight.get(m, 0.0) for m in members)
        for m in members:  # the target spread over members as they are held (else the buy)
            share = weight.get(m, 0.0) / inside if inside > 0 else float(m == group.get("buy"))
            target[m] += float(group["target"]) * share
    active = {s: weight.get(s, 0.0) - target.get(s, 0.0) for s in set(weight) | set(target)}
    exposures, cov = model["exposures"], model["covariance"]
    factors = len(model["factors"])
    b = [
        sum(a * exposures.get(s, [0.0] * factors)[k] for s, a in active.items())
        for k in range(factors)
    ]
    variance = sum(b[i] * cov[i][j] * b[j] for i in range(factors) for j in range(factors))
    variance += sum(
        a * a * float(model["specific_variance"].get(s, 0.0)) for s, a in active.items()
    )
    te = math.sqrt(max(variance, 0.0))
    return _check(
        entry,
        "risk",
        te <= RISK_LIMIT,
        te,
        RISK_LIMIT,
        f"tracking error {te:.2%} against a limit of {RISK_LIMIT:.0%}",
    )


def checks_of(entry: RecordEntry, analysis: Mapping[str, Any]) -> list[HealthCheck]:
    """The five checks of one analysis record (module doc); only `data` when the analysis
    had no case to read."""
    status = str(entry.draft.content.get("status") or "")
    case, result = analysis.get("case"), analysis.get("result") or {}
    reasons = "; ".join(analysis.get("reasons") or ()) or status
    if status in _DATA_FAILURES or not case:
        return [_check(entry, "data", False, None, None, f"not analyzed: {reasons}")]
    params = result.get("parameters") or case.get("parameters") or {}
    return [
        _drift(entry, case, params),
        _cash(entry, case, params),
        _restrictions(entry, case),
        _risk(entry, case),
        _check(entry, "data", True, None, None, f"analyzed ({status})"),
    ]


@write_service("reports.health_record")
def record_health_checks(
    new_uow: UnitOfWorkFactory, run_id: str, *, principal: Principal
) -> tuple[int, list[Problem]]:
    """Record the health checks of every analysis of `run_id`; (checks written, problems).
    A run already recorded writes nothing and no audit entry (the nightly pipeline may
    call it again after a resume)."""
    with new_uow() as uow:
        store = uow.reports
        if store.run_has_health_checks(run_id):
            return 0, []
        entries = store.run_analyses(run_id)
        if not entries:
            return 0, [
                Problem("run", f"no analysis records of run {run_id!r}", ProblemKind.NOT_FOUND)
            ]
        checks = [c for e in entries for c in checks_of(e, store.analysis(e))]
        store.add_health_checks(checks)
        failed = sum(not c.passed for c in checks)
        record(
            uow,
            principal,
            "reports.health_record",
            targets=[f"run:{run_id}"],
            summary={
                "run": run_id,
                "accounts": len(entries),
                "checks": len(checks),
                "failed": failed,
            },
        )
        uow.commit()
        return len(checks), []


@write_service("reports.health_exempt")
def exempt_call_to_action(
    new_uow: UnitOfWorkFactory,
    run_id: str,
    account: str,
    kind: str,
    *,
    reason: str,
    principal: Principal,
    now: dt.datetime | None = None,
) -> tuple[Exemption | None, list[Problem]]:
    """Exempt one failed check (a call to action) with a reason: the account stays as it
    is on purpose (a client's instruction, a pending transfer...)."""
    if not reason.strip():
        return None, [Problem("reason", "an exemption needs a reason")]
    if kind not in CHECKS:
        return None, [Problem("check", f"unknown check {kind!r}; known: {', '.join(CHECKS)}")]
    allowed = authorize(principal, Permission.CUSTOMIZE_ACCOUNTS)
    if allowed is None:
        return None, [
            Problem(
                "principal",
                f"{principal.id} lacks the permission customize_accounts",
                ProblemKind.FORBIDDEN,
            )
        ]
    with new_uow() as uow:
        store = uow.reports
        scope = allowed.effective_scope
        facts = store.accounts(scope, account=account)
        found = [
            c
            for c in store.health_checks(scope, [account], dt.date.min, dt.date.max)
            if c.run_id == run_id and c.kind == kind
        ]
        if not facts or not found:
            return None, [
                Problem(
                    "check",
                    f"no {kind} check of {account} in run {run_id}",
                    ProblemKind.NOT_FOUND,
                )
            ]
        if found[0].passed:
            return None, [
                Problem(
                    "check",
                    f"the {kind} check of {account} in run {run_id} passed: "
                    "there is nothing to exempt",
                    ProblemKind.CONFLICT,
                )
            ]
        if store.exemption(run_id, account, kind) is not None:
            return None, [
                Problem(
                    "check",
                    f"already exempted: {kind} of {account} in run {run_id}",
                    ProblemKind.CONFLICT,
                )
            ]
        at = now or dt.datetime.now(dt.UTC)
        exemption = Exemption(run_id, account, kind, reason.strip(), principal.recorded_as, at)
        store.add_exemption(exemption)
        record(
            uow,
            principal,
            "reports.health_exempt",
            targets=[account, f"run:{run_id}"],
            reason=reason.strip(),
            summary={"run": run_id, "check": kind},
            at=at,
        )
        uow.commit()
        return exemption, []


# -- answers and the report --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    response: str  # traded, reviewed, suspended, exempted
    at: dt.datetime
    by: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CallToAction:
    check: HealthCheck
    advisor: str | None
    answer: Answer | None

    @property
    def hours(self) -> float | None:
        """Hours from the check to its answer (None while open)."""
        if self.answer is None:
            return None
        return max(0.0, (self.answer.at - self.check.at).total_seconds() / 3600)


def answer_of(
    check: HealthCheck,
    outcomes: Sequence[OutcomeFacts],
    exemption: Exemption | None,
) -> Answer | None:
    """The earliest answer to a failed check (module doc), from the account's nights
    (`outcomes`, any order) and its exemption; None while open."""
    found: list[Answer] = []
    if exemption is not None:
        found.append(Answer("exempted", exemption.at, exemption.actor, exemption.reason))
    for o in outcomes:
        if o.account != check.account or o.as_of < check.as_of:
            continue
        same_night = o.run_id == check.run_id
        if o.proposal_state == "auto":
            found.append(Answer("traded", o.at, "auto-trade policy"))
        elif o.proposal_state == "approved" and o.decided_at is not None:
            found.append(Answer("traded", o.decided_at, o.decided_by or ""))
        elif same_night and o.proposal_state == "rejected" and o.decided_at is not None:
            found.append(Answer("reviewed", o.decided_at, o.decided_by or ""))
        elif same_night and o.outcome == "suspended":
            found.append(Answer("suspended", o.at, "routing policy"))
    found = [a for a in found if a.at >= check.at - dt.timedelta(minutes=5)]
    return min(found, key=lambda a: a.at) if found else None


@dataclass(frozen=True, slots=True)
class Promptness:
    """How promptly calls to action were answered, for one advisor or one check."""

    key: str
    calls: int
    answered: int
    within_day: int  # answered within 24 hours
    median_hours: float | None

    @property
    def open(self) -> int:
        return self.calls - self.answered


def _promptness(key: str, calls: Sequence[CallToAction]) -> Promptness:
    hours = [c.hours for c in calls if c.hours is not None]
    return Promptness(
        key,
        len(calls),
        len(hours),
        sum(h <= 24 for h in hours),
        statistics.median(hours) if hours else None,
    )


@dataclass(frozen=True)
class HealthReport:
    request: ReportRequest
    accounts: tuple[AccountFacts, ...]
    checks: tuple[HealthCheck, ...]
    calls: tuple[CallToAction, ...]

    @property
    def nights(self) -> int:
        return len({c.run_id for c in self.checks})

    def pass_rate(self, kind: str) -> float | None:
        mine = [c for c in self.checks if c.kind == kind]
        return sum(c.passed for c in mine) / len(mine) if mine else None

    def by_advisor(self) -> list[Promptness]:
        groups: dict[str, list[CallToAction]] = defaultdict(list)
        for c in self.calls:
            groups[c.advisor or "(none)"].append(c)
        return [_promptness(k, v) for k, v in sorted(groups.items())]

    def by_check(self) -> list[Promptness]:
        groups: dict[str, list[CallToAction]] = defaultdict(list)
        for c in self.calls:
            groups[c.check.kind].append(c)
        return [_promptness(k, groups[k]) for k in CHECKS if k in groups]

    def worst_drift(self, limit: int) -> list[tuple[str, float]]:
        """The accounts furthest beyond a band (on any night), largest first."""
        worst: dict[str, float] = {}
        for c in self.checks:
            if c.kind == "drift" and not c.passed and c.measure is not None:
                worst[c.account] = max(worst.get(c.account, 0.0), c.measure)
        return sorted(worst.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def drift_series(self) -> tuple[list[dt.date], list[float]]:
        """The worst drift beyond band across the accounts, per night (for a chart)."""
        nights: dict[dt.date, float] = {}
        for c in self.checks:
            if c.kind == "drift" and c.measure is not None:
                nights[c.as_of] = max(nights.get(c.as_of, 0.0), c.measure)
        days = sorted(nights)
        return days, [nights[d] for d in days]


def health_report(
    new_uow: UnitOfWorkFactory, request: ReportRequest, *, viewer: Principal
) -> tuple[HealthReport | None, list[Problem]]:
    """The health checks of the accounts and period asked for, each failure with its
    answer (module doc). Reads only."""
    with new_uow() as uow:
        store = uow.reports
        accounts, scope, problems = select_accounts(
            store, request, viewer, Permission.HEALTH_REPORTS
        )
        if problems or scope is None:
            return None, problems
        ids = [a.id for a in accounts]
        checks = store.health_checks(scope, ids, request.start, request.end)
        outcomes: dict[str, list[OutcomeFacts]] = defaultdict(list)
        for o in store.outcomes(scope, ids, request.start, dt.date.max):
            outcomes[o.account].append(o)
        exemptions = {
            (e.run_id, e.account, e.kind): e
            for e in store.exemptions(scope, ids, request.start, request.end)
        }
        advisor = {a.id: a.advisor_id for a in accounts}
        calls = tuple(
            CallToAction(
                c,
                advisor.get(c.account),
                answer_of(c, outcomes[c.account], exemptions.get((c.run_id, c.account, c.kind))),
            )
            for c in checks
            if not c.passed
        )
        return HealthReport(request, tuple(accounts), tuple(checks), calls), []
