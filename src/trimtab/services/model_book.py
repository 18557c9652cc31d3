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

    >>> # result = record_definitions(db.unit_of_work, [new_parent], actor="ipc",
    >>> #                             reason="overweight mid cap", now=now)
    >>> # result.saved, [i.target for i in result.impacts]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from trimtab.domain.allocations import AssetAllocation, AssetClassTree, validate_allocation
from trimtab.domain.equivalence import EquivalenceSet, validate_equivalence_sets
from trimtab.domain.limits import ChildImpact, check_limits, impact_of_change
from trimtab.domain.models import Model, validate_model
from trimtab.domain.problems import Problem
from trimtab.domain.resolution import (
    Catalog,
    ResolvedTarget,
    Resolver,
    catalog_as_of,
)
from trimtab.domain.restrictions import Kind, effective_restrictions
from trimtab.domain.targets import Target
from trimtab.domain.versions import Version, next_version
from trimtab.services.model_ports import Definition, ModelUnitOfWork, kind_of

__all__ = [
    "KINDS",
    "ChangeResult",
    "Preview",
    "assign_target",
    "definitions",
    "history",
    "load_catalog",
    "preview_customization",
    "record_definitions",
    "resolve_account",
]

KINDS = ("allocation", "model", "equivalence_set", "target")
WASH_WINDOW_DAYS = 30
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
    histories: dict[str, list[Version[Definition]]], cls: type[D]
) -> dict[str, list[Version[D]]]:
    typed: dict[str, list[Version[D]]] = {}
    for key, versions in histories.items():
        typed[key] = [v for v in versions if isinstance(v.value, cls)]  # type: ignore[misc]
    return typed


def load_catalog(uow: ModelUnitOfWork, as_of: dt.date) -> Catalog:
    """The model book in force on `as_of`, read inside an open unit of work."""
    return catalog_as_of(
        as_of,
        asset_classes=AssetClassTree(uow.asset_classes.list()),
        securities={s.ticker: s for s in uow.securities.list()},
        allocations=_typed(uow.model_book.histories("allocation"), AssetAllocation),
        models=_typed(uow.model_book.histories("model"), Model),
        equivalence_sets=_typed(uow.model_book.histories("equivalence_set"), EquivalenceSet),
        targets=_typed(uow.model_book.histories("target"), Target),
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


def record_definitions(
    new_uow: NewUnitOfWork,
    definitions: Sequence[Definition],
    *,
    actor: str,
    reason: str,
    now: dt.datetime,
    effective: dt.date | None = None,
    confirm_impact: bool = False,
) -> ChangeResult:
    """Validate and save new versions of `definitions`, all or nothing (see module doc)."""
    when = effective or now.date()
    with new_uow() as uow:
        current = load_catalog(uow, when)
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
                history, d, author=actor, recorded_at=now, reason=reason, effective=when
            )
            if version is None:
                return ChangeResult(False, problems=tuple(version_problems))
            uow.model_book.record(version)
            versions.append(version)
        uow.commit()
    return ChangeResult(True, versions=tuple(versions), impacts=impacts)


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
            return None, [Problem("account", f"unknown account {account_id}")]
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
        since = as_of - dt.timedelta(days=WASH_WINDOW_DAYS)
        trades = uow.trades.in_household_since(account.household, since)
    no_buy = {t for t, k in kinds.items() if Kind.NO_BUY in k or Kind.MUST_SELL in k}
    groups_sold_at_loss = {
        catalog.securities[t.security].effective_wash_group
        if t.security in catalog.securities
        else t.security
        for t in trades
        if t.is_loss_sale and t.date <= as_of
    }
    wash_blocked = {
        s.ticker
        for s in catalog.securities.values()
        if s.effective_wash_group in groups_sold_at_loss
    }
    return Resolver(catalog).resolve(target_id, no_buy=no_buy, wash_blocked=wash_blocked)


def assign_target(
    new_uow: NewUnitOfWork, account_id: str, target_id: str, *, actor: str, as_of: dt.date
) -> list[Problem]:
    """Make an account follow a target (the target must resolve)."""
    del actor  # recorded by the audit log once it exists (issue 7); kept for the signature
    with new_uow() as uow:
        if uow.accounts.get(account_id) is None:
            return [Problem("account", f"unknown account {account_id}")]
        resolved, problems = Resolver(load_catalog(uow, as_of)).resolve(target_id)
        if resolved is None:
            return problems
        uow.model_book.assign(account_id, target_id)
        uow.commit()
    return []


def history(new_uow: NewUnitOfWork, kind: str, key: str) -> list[Version[Definition]]:
    with new_uow() as uow:
        return uow.model_book.history(kind, key)


def definitions(new_uow: NewUnitOfWork, as_of: dt.date) -> Catalog:
    """Everything in force on `as_of`, for listing."""
    with new_uow() as uow:
        return load_catalog(uow, as_of)
