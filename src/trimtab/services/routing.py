"""Use cases of the routing policy: show it, replace it, and the demo firm's default.

Problem: the firm decides which accounts trade on their own, which wait for a person
and which are held back; that decision must be the firm's editable policy (saved
filters in an order), versioned with who changed it and why, and checked before it is
saved so a typo never reaches the nightly run.

Rule: `set_policy` reads `stage filter` lines (`domain.routing.parse_policy`), checks
that every filter is a saved firm filter whose expression still checks, and records a
new version (append-only) and one audit entry (`routing.set`: the version, the policy's
rules before and after); the run uses the latest. `install_demo_policy` saves the demo
firm's filters (`DEMO_FILTERS`) and its policy (`DEMO_POLICY`) in one transaction, with
one entry (`routing.install_demo`):

    suspend    held, bad_data, closing, large_pending_flow, paperwork_incomplete,
               compliance_hold
    auto_trade auto_trade      (turnover and tax limits that tighten as value rises)
    review     review_not_discretionary, review_large_account, review_high_tax,
               review_high_turnover
    flag       compliance_no_ips, should_have_traded

    >>> # version, problems = set_policy(db.unit_of_work, text, principal=Principal.cli("ops"),
    >>> #                                 reason="...")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from trimtab.domain.filters import SavedFilter, read_filter
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.domain.routing import RoutingPolicy, parse_policy
from trimtab.services.audit import record, write_service
from trimtab.services.routing_ports import RoutingUnitOfWork

__all__ = [
    "DEMO_FILTERS",
    "DEMO_POLICY",
    "install_demo_policy",
    "set_policy",
    "show_policy",
]

NewUnitOfWork = Callable[[], RoutingUnitOfWork]

# (name, expression, what it means)
DEMO_FILTERS: tuple[tuple[str, str, str], ...] = (
    (
        "held",
        'status = "suspended"',
        "held out of trading (unknown security, corporate action, ops)",
    ),
    ("bad_data", "data_errors", "tonight's data-quality check found errors"),
    ("closing", 'field.closing = "yes"', "the client is closing the account"),
    (
        "large_pending_flow",
        'field.pending_flow = "large"',
        "a large deposit or withdrawal is pending",
    ),
    (
        "paperwork_incomplete",
        'field.paperwork in ("incomplete", "pending_signature")',
        "account paperwork is not complete",
    ),
    ("compliance_hold", 'field.compliance_hold = "yes"', "compliance asked to hold trading"),
    (
        "auto_trade",
        "discretionary and approved and (mandate or cost_benefit >= 1 or estimated_tax <= 0) and "
        "((value < 250k and turnover < 0.10 and estimated_tax < 2,500) or "
        "(value >= 250k and value < 1m and turnover < 0.05 and estimated_tax < 5,000) or "
        "(value >= 1m and value < 5m and turnover < 0.02 and estimated_tax < 10,000))",
        "trade without review: worth it, and turnover limits tighten as the account grows",
    ),
    ("review_not_discretionary", "not discretionary or not approved", "the client must approve"),
    ("review_large_account", "value >= 1,000,000", "a large account above its trading limits"),
    ("review_high_tax", "estimated_tax >= 2,500", "the trades realize a large tax"),
    ("review_high_turnover", "turnover >= 0.05", "the trades turn over much of the account"),
    ("compliance_no_ips", 'field.ips_on_file = "no" and trades', "trading with no IPS on file"),
    ("should_have_traded", "drift > 0.05 and not trades", "far off target, yet no trade proposed"),
)

DEMO_POLICY = """\
# stage       filter (a saved firm filter; `trimtab filters show NAME`)
suspend     held
suspend     bad_data
suspend     closing
suspend     large_pending_flow
suspend     paperwork_incomplete
suspend     compliance_hold
auto_trade  auto_trade
review      review_not_discretionary
review      review_large_account
review      review_high_tax
review      review_high_turnover
flag        compliance_no_ips
flag        should_have_traded
"""


def show_policy(new_uow: NewUnitOfWork) -> tuple[RoutingPolicy | None, dict[str, str]]:
    """The policy in force and the expression of each filter it names."""
    with new_uow() as uow:
        policy = uow.routing.policy()
        texts = uow.routing.firm_filters(policy.filters if policy else ())
    return policy, texts


def _checked(uow: RoutingUnitOfWork, text: str) -> tuple[RoutingPolicy | None, list[Problem]]:
    """The policy `text` states, if every filter it names is a firm filter that checks."""
    known = uow.routing.firm_filters()
    policy, problems = parse_policy(text, known_filters=known)
    if policy is None:
        return None, problems
    for name in policy.filters:
        if read_filter(known[name])[0] is None:
            problems.append(Problem(name, "the saved filter no longer checks: fix it first"))
    return (None, problems) if problems else (policy, [])


def _rules(policy: RoutingPolicy | None) -> list[str]:
    return [f"{r.stage.value} {r.filter}" for r in policy.rules] if policy else []


@write_service("routing.set")
def set_policy(
    new_uow: NewUnitOfWork,
    text: str,
    *,
    principal: Principal,
    reason: str,
    now: dt.datetime | None = None,
) -> tuple[int | None, list[Problem]]:
    """Check and record a new version of the policy; its version number, or problems."""
    if not reason.strip():
        return None, [Problem("reason", "say why the routing policy changes")]
    at = now or dt.datetime.now(dt.UTC)
    with new_uow() as uow:
        policy, problems = _checked(uow, text)
        if policy is None:
            return None, problems
        before = uow.routing.policy()
        version = uow.routing.record_policy(
            policy, actor=principal.recorded_as, at=at, reason=reason
        )
        record(
            uow,
            principal,
            "routing.set",
            targets=[f"routing:{version}", *(f"filter:{name}" for name in policy.filters)],
            reason=reason,
            summary={
                "version": {"from": before.version if before else None, "to": version},
                "rules": {"from": _rules(before), "to": _rules(policy)},
            },
            at=at,
        )
        uow.commit()
    return version, []


@write_service("routing.install_demo")
def install_demo_policy(
    new_uow: NewUnitOfWork, *, principal: Principal, now: dt.datetime | None = None
) -> int:
    """Save the demo firm's routing filters and policy (a new policy version)."""
    at = now or dt.datetime.now(dt.UTC)
    saved = []
    for name, expression, description in DEMO_FILTERS:
        f, errors = read_filter(expression)
        if f is None:  # pragma: no cover - the shipped filters are tested
            raise AssertionError(f"demo filter {name}: {errors}")
        saved.append(SavedFilter(name, f.text, description, None, principal.recorded_as, at))
    reason = "the demo firm's default policy"
    with new_uow() as uow:
        uow.routing.save_firm_filters(saved)
        policy, problems = _checked(uow, DEMO_POLICY)
        if policy is None:  # pragma: no cover - the shipped policy is tested
            raise AssertionError(f"demo policy: {problems}")
        version = uow.routing.record_policy(
            policy, actor=principal.recorded_as, at=at, reason=reason
        )
        record(
            uow,
            principal,
            "routing.install_demo",
            targets=[f"routing:{version}", *(f"filter:{name}" for name, _, _ in DEMO_FILTERS)],
            reason=reason,
            summary={"version": version, "filters": len(saved), "rules": _rules(policy)},
            at=at,
        )
        uow.commit()
    return version
