"""Use cases for settings: show an account's effective settings, set one, change many at
once with exemptions, list the history, revert a change.

Each write is one unit of work (one transaction) recording who, when and why, and one
audit entry naming the accounts (or the household, program or firm) it reached; invalid
input (a value outside the vocabulary, a bad filter, an exemption for an unknown account,
a revert of a change that does not exist) comes back as problems and changes nothing.
The acting principal is always the keyword-only `principal` (its `recorded_as` goes in
the change's `actor` column), so the web app calls the same code.

    >>> # plan, problems = bulk_change(db.unit_of_work, BulkChangeRequest(
    >>> #     "commission_schedule", "B", 'tier = "Platinum"', "2026 pricing"),
    >>> #     principal=Principal.cli("ops"))
    >>> # plan.plan.counts() -> {'affected': 412, 'exempted': 3, 'overridden': 0, ...}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trimtab.domain.bulk_changes import (
    BulkChangeRequest,
    BulkPlan,
    Exemption,
    Outcome,
    plan_bulk_change,
)
from trimtab.domain.filters import Filter
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import SettingValue, check_restriction_security
from trimtab.domain.settings_levels import (
    ChangeRequest,
    Effective,
    Scope,
    SettingChange,
    SettingsBook,
    plan_revert,
    validate_request,
)
from trimtab.services.audit import record, write_service
from trimtab.services.filters import resolve_filter_text
from trimtab.services.workflow_ports import WorkflowUnitOfWork

__all__ = [
    "BulkResult",
    "bulk_change",
    "revert_change",
    "set_setting",
    "settings_history",
    "show_settings",
]

UnitOfWorkFactory = Callable[[], WorkflowUnitOfWork]


@dataclass(frozen=True, slots=True)
class BulkResult:
    plan: BulkPlan
    bulk_id: int | None  # None: a preview, nothing recorded


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _target(scope: Scope) -> str:
    """An audit target: an account by its id, any other scope as `level:id`."""
    if scope.level is Level.ACCOUNT:
        return scope.id
    return f"{scope.level.name.lower()}:{scope.id}"


def show_settings(
    unit_of_work: UnitOfWorkFactory,
    account: str,
    *,
    as_of: dt.datetime | None = None,
) -> tuple[list[Effective] | None, list[Problem]]:
    """Every setting in force for one account (as of a past moment if given), with lineage."""
    with unit_of_work() as uow:
        placements = uow.selection.placements([account])
        if not placements:
            return None, [Problem("account", f"no account {account!r}", ProblemKind.NOT_FOUND)]
        book = SettingsBook(uow.settings.history())
    return list(book.resolve(placements[0], as_of=as_of).values()), []


def _scope_problems(uow: WorkflowUnitOfWork, scope: Scope) -> list[Problem]:
    exists = True
    match scope.level:
        case Level.ACCOUNT:
            exists = bool(uow.selection.existing([scope.id]))
        case Level.HOUSEHOLD:
            exists = uow.households.get(scope.id) is not None
        case Level.PROGRAM:
            exists = scope.id in {p.id for p in uow.organization.programs()}
        case Level.FIRM:
            firms = {f.id for f in uow.organization.firms()}
            exists = not firms or scope.id in firms
    if exists:
        return []
    return [Problem("scope", f"there is no {scope.level.name.lower()} {scope.id!r}")]


@write_service("settings.set")
def set_setting(
    unit_of_work: UnitOfWorkFactory,
    *,
    principal: Principal,
    setting: str,
    scope: Scope,
    value: SettingValue | None,
    reason: str,
    now: dt.datetime | None = None,
) -> tuple[SettingChange | None, list[Problem]]:
    """Record one setting at one scope (value None clears that scope's value)."""
    request = ChangeRequest(setting, scope, value, reason)
    problems = validate_request(request)
    if problems:
        return None, problems
    with unit_of_work() as uow:
        problems = _scope_problems(uow, scope) + check_restriction_security(
            setting, lambda ticker: uow.securities.get(ticker) is not None
        )
        if problems:
            return None, problems
        change = uow.settings.record(request, actor=principal.recorded_as, at=_now(now))
        record(
            uow,
            principal,
            "settings.set",
            targets=[_target(scope)],
            reason=reason,
            summary={"setting": setting, "value": change.value, "change": change.id},
            at=change.at,
        )
        uow.commit()
    return change, []


@write_service("settings.bulk_change")
def bulk_change(
    unit_of_work: UnitOfWorkFactory,
    request: BulkChangeRequest,
    *,
    principal: Principal,
    apply: bool = False,
    now: dt.datetime | None = None,
) -> tuple[BulkResult | None, list[Problem]]:
    """Preview a bulk change, or (`apply`) record it and its exemptions in one transaction.

    A preview writes nothing, so it leaves no audit entry. An applied change leaves one:
    its targets are the accounts whose setting changed (those the plan calls affected),
    then the bulk change as `bulk:<id>`; the summary keeps the counts of every outcome.
    Saved filters (`@name`) are looked up as the principal sees them.
    """
    at = _now(now)
    with unit_of_work() as uow:
        target, problems = resolve_filter_text(uow, request.target, viewer=principal, path="target")
        exempt_filter = None
        if request.exempt_filter:
            exempt_filter, more = resolve_filter_text(
                uow, request.exempt_filter, viewer=principal, path="exempt_filter"
            )
            problems += more
        listed = [e.account for e in request.exempt_accounts]
        unknown = sorted(set(listed) - uow.selection.existing(listed))
        problems += [Problem("exempt_accounts", f"no account {a!r} to exempt") for a in unknown]
        problems += check_restriction_security(
            request.setting, lambda ticker: uow.securities.get(ticker) is not None
        )
        if target is None or problems:
            return None, problems

        matched = set(uow.selection.matching(target))
        exemptions = _exemptions(request, matched, uow, exempt_filter)
        plan, problems = plan_bulk_change(
            request,
            population=uow.selection.placements(),
            matched=matched,
            exemptions={e.account: e.reason for e, _ in exemptions},
            book=SettingsBook(uow.settings.history()),
            at=at,
        )
        if plan is None:
            return None, problems
        if not apply:
            return BulkResult(plan, None), []
        bulk_id = uow.settings.record_bulk(
            request,
            actor=principal.recorded_as,
            at=at,
            counts=plan.counts(),
            exemptions=exemptions,
        )
        for write in plan.writes:
            uow.settings.record(write, actor=principal.recorded_as, at=at, bulk=bulk_id)
        affected = [o.account for o in plan.accounts(Outcome.AFFECTED)]
        record(
            uow,
            principal,
            "settings.bulk_change",
            targets=[*affected, f"bulk:{bulk_id}"],
            reason=request.reason,
            summary={
                "setting": request.setting,
                "value": request.value,
                "level": request.level.name.lower(),
                "filter": request.target,
                "counts": plan.counts(),
                "writes": len(plan.writes),
            },
            at=at,
        )
        uow.commit()
    return BulkResult(plan, bulk_id), []


def _exemptions(
    request: BulkChangeRequest,
    matched: set[str],
    uow: WorkflowUnitOfWork,
    exempt_filter: Filter | None,
) -> list[tuple[Exemption, str]]:
    """Exemptions that apply (to matched accounts), listed ones first; each with its source."""
    found: dict[str, tuple[Exemption, str]] = {
        e.account: (e, "listed") for e in request.exempt_accounts if e.account in matched
    }
    if exempt_filter is not None:
        for account in uow.selection.matching(exempt_filter):
            if account in matched and account not in found:
                found[account] = (Exemption(account, request.exempt_filter_reason), "filter")
    return [found[a] for a in sorted(found)]


def settings_history(
    unit_of_work: UnitOfWorkFactory,
    *,
    account: str | None = None,
    setting: str | None = None,
) -> tuple[list[SettingChange] | None, list[Problem]]:
    """Changes that reached an account (or every change), oldest first; one setting or all."""
    with unit_of_work() as uow:
        book = SettingsBook(uow.settings.history())
        if account is None:
            changes: Sequence[SettingChange] = sorted(book, key=lambda c: (c.at, c.id))
            return [c for c in changes if setting is None or c.setting == setting], []
        placements = uow.selection.placements([account])
        if not placements:
            return None, [Problem("account", f"no account {account!r}", ProblemKind.NOT_FOUND)]
    return book.history(placements[0], setting=setting), []


@write_service("settings.revert")
def revert_change(
    unit_of_work: UnitOfWorkFactory,
    change_id: int,
    *,
    principal: Principal,
    reason: str,
    now: dt.datetime | None = None,
) -> tuple[SettingChange | None, list[Problem]]:
    """Undo change `change_id` with a new change that restores the value it replaced."""
    with unit_of_work() as uow:
        request, problems = plan_revert(
            SettingsBook(uow.settings.history()), change_id, reason=reason
        )
        if request is None:
            return None, problems
        change = uow.settings.record(request, actor=principal.recorded_as, at=_now(now))
        record(
            uow,
            principal,
            "settings.revert",
            targets=[_target(change.scope), f"change:{change_id}"],
            reason=reason,
            summary={
                "setting": change.setting,
                "reverts": change_id,
                "value": change.value,
                "change": change.id,
            },
            at=change.at,
        )
        uow.commit()
    return change, []
