"""Use cases of model management: change definitions, customize, resolve, look back.

Problem: every change to the model book (an allocation, a model, an equivalence set, a
firm target or a client's customization) must be checked against everything that
depends on it, saved as a new version with who/when/why, and never half-saved. A parent
change that would push existing children outside their limits must be seen before it
is saved.

Rule: `record_definitions` validates the proposed book as a whole (weights, unknown
classes and securities, cycles, limits of the changed targets), computes the impact on
every existing child (`limits.impact_of_change`) and saves all the new versions in one
transaction, or nothing: with problems nothing is saved; with an impact nothing is saved
unless the caller confirms it. `preview_customization` resolves a proposed child
without saving, so an advisor sees the effect first. `resolve_account` resolves the
target an account follows as of a date, with its restrictions and wash-sale blocks.

Each save leaves one audit entry (`models.record`: targets `allocation:<id>`,
`model:<id>`, `set:<id>`, `target:<id>` of the versions saved; `models.assign`: the
account, then `target:<id>`); a version's author is the principal's `recorded_as`.

    >>> # result = record_definitions(db.unit_of_work, [new_parent], principal=ipc,
    >>> #                             reason="overweight mid cap", now=now)
    >>> # result.saved, [i.target for i in result.impacts]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from trimtab.domain.allocations import AssetAllocation, AssetClassTree, validate_allocation
from trimtab.domain.equivalence import EquivalenceSet, validate_equivalence_sets
from trimtab.domain.limits import ChildImpact, check_limits, impact_of_change
from trimtab.domain.models import Model, validate_model
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.resolution import (
    Catalog,
    ResolvedTarget,
    Resolver,
    catalog_as_of,
)
from trimtab.domain.restrictions import Kind, effective_restrictions
from trimtab.domain.securities import Security
from trimtab.domain.targets import Target
from trimtab.domain.versions import Version, in_force, next_version
from trimtab.domain.wash_sales import WASH_SALE_WINDOW
from trimtab.services.audit import record, write_service
from trimtab.services.model_ports import Definition, ModelUnitOfWork, kind_of

__all__ = [
    "KINDS",
    "ChangeResult",
    "Preview",
    "assign_target",
    "audit_target",
    "change_summary",
    "definitions",
    "history",
    "load_catalog",
    "preview_customization",
    "record_definitions",
    "resolve_account",
    "stage_definitions",
]

KINDS = ("allocation", "model", "equivalence_set", "target")
# How an audit target names a definition of each kind (`set:EQ-US-LARGE`).
TARGET_PREFIX = {"allocation": "allocation", "model": "model", "equivalence_set": "set"}
D = TypeVar("D", AssetAllocation, Model, EquivalenceSet, Target)

NewUnitOfWork = Callable[[], ModelUnitOfWork]


@dataclass(frozen=True)
class ChangeResult:
    saved: bool
    versions: tuple[Version[Definition], ...] = ()
    problems: tuple[Problem, ...] = ()
    impacts: tuple[ChildImpact, ...] = ()


@dataclass(frozen=True)
class Preview:
    resolved: ResolvedTarget | None
    problems: tuple[Problem, ...] = ()
    versions: tuple[str, ...] = field(default_factory=tuple)


def _typed(
    histories: Mapping[str, Sequence[Version[Definition]]], cls: type[D]
) -> dict[str, list[Version[D]]]:
    typed: dict[str, list[Version[D]]] = {}
    for key, versions in histories.items():
        typed[key] = [v for v in versions if isinstance(v.value, cls)]  # type: ignore[misc]
    return typed


def load_catalog(uow: ModelUnitOfWork, as_of: dt.date) -> Catalog:
    """The model book in force on `as_of`, read inside an open unit of work."""
    return _catalog(uow, as_of, _typed(uow.model_book.histories("target"), Target))


def load_catalog_for(
    uow: ModelUnitOfWork,
    as_of: dt.date,
    target_ids: Sequence[str],
    securities: Mapping[str, Security] | None = None,
) -> Catalog:
    """The model book in force on `as_of` with, of the targets, only `target_ids` and their
    ancestors: what resolving those targets reads.

    The book holds a target of its own for every customized account (100,000 at a large
    firm): deciding all of them to show one account cost its page ≈ 120 ms. A caller that
    has read the security master already passes it (`securities`).
    """
    histories = uow.model_book.histories("target")
    chain: dict[str, list[Version[Target]]] = {}
    pending = list(target_ids)
    while pending:
        key = pending.pop()
        if key in chain or key not in histories:
            continue  # an unknown target is the resolver's problem to name
        chain[key] = _typed({key: histories[key]}, Target)[key]
        current = in_force(chain[key], as_of)
        if current is not None and current.value.parent is not None:
            pending.append(current.value.parent)
    return _catalog(uow, as_of, chain, securities)


def _catalog(
    uow: ModelUnitOfWork,
    as_of: dt.date,
    targets: Mapping[str, Sequence[Version[Target]]],
    securities: Mapping[str, Security] | None = None,
) -> Catalog:
    """The book in force on `as_of` over these targets' histories (all, or one chain)."""
    if securities is None:
        securities = {s.ticker: s for s in uow.securities.list()}
    return catalog_as_of(
        as_of,
        asset_classes=AssetClassTree(uow.asset_classes.list()),
        securities=securities,
        allocations=_typed(uow.model_book.histories("allocation"), AssetAllocation),
        models=_typed(uow.model_book.histories("model"), Model),
        equivalence_sets=_typed(uow.model_book.histories("equivalence_set"), EquivalenceSet),
        targets=targets,
    )


def _with(catalog: Catalog, definition: Definition) -> Catalog:
    if isinstance(definition, AssetAllocation):
        return catalog.with_allocation(definition)
    if isinstance(definition, Model):
        return catalog.with_model(definition)
    if isinstance(definition, EquivalenceSet):
        sets = {**catalog.equivalence_sets, definition.id: definition}
        return Catalog(
            catalog.asset_classes,
            catalog.securities,
            catalog.allocations,
            catalog.models,
            sets,
            catalog.targets,
            catalog.versions,
        )
    return catalog.with_target(definition)


def _validate(definition: Definition, proposed: Catalog, resolver: Resolver) -> list[Problem]:
    if isinstance(definition, AssetAllocation):
        return validate_allocation(definition, proposed.asset_classes)
    if isinstance(definition, Model):
        return validate_model(definition, proposed.securities)
    if isinstance(definition, EquivalenceSet):
        return validate_equivalence_sets(proposed.equivalence_sets.values(), proposed.securities)
    return check_limits(definition.id, proposed, resolver)


def _record_order(definitions: Sequence[Definition]) -> list[Definition]:
    """Definitions before the targets using them; parents before children."""
    targets = {d.id: d for d in definitions if isinstance(d, Target)}

    def depth(t: Target) -> int:
        n, node, seen = 0, t.parent, {t.id}
        while node in targets and node not in seen:
            seen.add(node)
            n, node = n + 1, targets[node].parent
        return n

    others = [d for d in definitions if not isinstance(d, Target)]
    return [*others, *sorted(targets.values(), key=lambda t: (depth(t), t.id))]


def audit_target(definition: Definition) -> str:
    """The audit trail's name for a definition: `model:PIM-CORE`, `target:GROWTH-ETF`."""
    kind = kind_of(definition)
    return f"{TARGET_PREFIX.get(kind, kind)}:{definition.id}"


@write_service("models.record")
def record_definitions(
    new_uow: NewUnitOfWork,
    definitions: Sequence[Definition],
    *,
    principal: Principal,
    reason: str,
    now: dt.datetime,
    effective: dt.date | None = None,
    confirm_impact: bool = False,
) -> ChangeResult:
    """Validate and save new versions of `definitions`, all or nothing (see module doc)."""
    when = effective or now.date()
    with new_uow() as uow:
        result = stage_definitions(
            uow,
            definitions,
            author=principal.recorded_as,
            reason=reason,
            now=now,
            effective=when,
            confirm_impact=confirm_impact,
        )
        if not result.saved:
            return result  # leaving without commit() drops the staged versions
        record(
            uow,
            principal,
            "models.record",
            targets=[audit_target(v.value) for v in result.versions],
            reason=reason,
            summary=change_summary(result),
            at=now,
        )
        uow.commit()
    return result


def stage_definitions(
    uow: ModelUnitOfWork,
    definitions: Sequence[Definition],
    *,
    author: str,
    reason: str,
    now: dt.datetime,
    effective: dt.date,
    confirm_impact: bool = False,
) -> ChangeResult:
    """Validate `definitions` and record their new versions inside an open unit of work,
    without committing: the caller (`record_definitions`, a hub upload) adds its audit
    entry and commits, or leaves without commit when the result is not `saved`."""
    current = load_catalog(uow, effective)
    proposed = current
    for d in definitions:
        proposed = _with(proposed, d)
    resolver = Resolver(proposed)
    problems = [p for d in definitions for p in _validate(d, proposed, resolver)]
    if problems:
        return ChangeResult(False, problems=tuple(dict.fromkeys(problems)))
    changed = {d.id for d in definitions if isinstance(d, Target)}
    impacts = tuple(i for i in impact_of_change(current, proposed) if i.target not in changed)
    if impacts and not confirm_impact:
        return ChangeResult(False, impacts=impacts)
    versions: list[Version[Definition]] = []
    for d in _record_order(definitions):
        history = uow.model_book.history(kind_of(d), d.id)
        version, version_problems = next_version(
            history, d, author=author, recorded_at=now, reason=reason, effective=effective
        )
        if version is None:
            return ChangeResult(False, problems=tuple(version_problems))
        uow.model_book.record(version)
        versions.append(version)
    return ChangeResult(True, versions=tuple(versions), impacts=impacts)


def change_summary(result: ChangeResult) -> dict[str, object]:
    """What an audit entry keeps of a saved change: each version saved, when it takes
    effect, and the children it pushed outside their limits (saved with confirmation)."""
    return {
        "versions": {audit_target(v.value): v.number for v in result.versions},
        "effective": result.versions[0].effective.isoformat() if result.versions else None,
        "children_outside_limits": [i.target for i in result.impacts],
    }


def preview_customization(new_uow: NewUnitOfWork, target: Target, as_of: dt.date) -> Preview:
    """The resolved target a proposed customization would give, and its limit problems."""
    with new_uow() as uow:
        proposed = load_catalog(uow, as_of).with_target(target)
    resolver = Resolver(proposed)
    problems = check_limits(target.id, proposed, resolver)
    resolved, _ = resolver.resolve(target.id)
    return Preview(resolved, tuple(problems), resolved.versions if resolved else ())


def resolve_account(
    new_uow: NewUnitOfWork, account_id: str, as_of: dt.date
) -> tuple[ResolvedTarget | None, list[Problem]]:
    """The account's target as of `as_of`, with today's no-buy and wash-sale blocks."""
    with new_uow() as uow:
        account = uow.accounts.get(account_id)
        if account is None:
            return None, [
                Problem("account", f"unknown account {account_id}", ProblemKind.NOT_FOUND)
            ]
        target_id = uow.model_book.target_of(account_id)
        if target_id is None:
            return None, [Problem("account", f"account {account_id} follows no target yet")]
        catalog = load_catalog(uow, as_of)
        firms = uow.organization.firms()
        kinds = effective_restrictions(
            uow.restrictions.applicable(account, firm=firms[0].id if firms else ""),
            firm=firms[0].id if firms else "",
            program=account.program,
            household=account.household,
            account=account.id,
        )
        since = as_of - WASH_SALE_WINDOW
        trades = uow.trades.in_household_since(account.household, since)
        wash_group = uow.wash_groups.policy().groups(catalog.securities.values())
    no_buy = {t for t, k in kinds.items() if Kind.NO_BUY in k or Kind.MUST_SELL in k}
    groups_sold_at_loss = {
        wash_group.get(t.security, t.security) for t in trades if t.is_loss_sale and t.date <= as_of
    }
    wash_blocked = {t for t, group in wash_group.items() if group in groups_sold_at_loss}
    return Resolver(catalog).resolve(target_id, no_buy=no_buy, wash_blocked=wash_blocked)


@write_service("models.assign")
def assign_target(
    new_uow: NewUnitOfWork,
    account_id: str,
    target_id: str,
    *,
    principal: Principal,
    as_of: dt.date,
    reason: str = "",
) -> list[Problem]:
    """Make an account follow a target (the target must resolve)."""
    with new_uow() as uow:
        if uow.accounts.get(account_id) is None:
            return [Problem("account", f"unknown account {account_id}", ProblemKind.NOT_FOUND)]
        resolved, problems = Resolver(load_catalog(uow, as_of)).resolve(target_id)
        if resolved is None:
            return problems
        previous = uow.model_book.target_of(account_id)
        uow.model_book.assign(account_id, target_id)
        record(
            uow,
            principal,
            "models.assign",
            targets=[account_id, f"target:{target_id}"],
            reason=reason,
            summary={"target": target_id, "previous": previous, "as_of": as_of.isoformat()},
        )
        uow.commit()
    return []


def history(new_uow: NewUnitOfWork, kind: str, key: str) -> list[Version[Definition]]:
    with new_uow() as uow:
        return uow.model_book.history(kind, key)


def definitions(new_uow: NewUnitOfWork, as_of: dt.date) -> Catalog:
    """Everything in force on `as_of`, for listing."""
    with new_uow() as uow:
        return load_catalog(uow, as_of)
