"""A parent change, seen before it is saved: what it cascades to and which limits it breaks.

Problem: the investment committee changes the weights of an allocation or a model that
dozens of firm targets and thousands of customized children inherit. Saving first and
finding out afterwards that forty clients' customizations no longer fit their limits is
the wrong order (ROLES.md: "a parent change shows how many children it cascades to and
which would break their limits, before it is saved").

Rule: `preview_change` runs the save path itself (`model_book.stage_definitions`, the
same validation and the same `limits.impact_of_change` the CLI's `models change` and the
hub upload's `--confirm` flow use) inside a unit of work that is left without commit, so
nothing is kept. Beside its problems and impacts it counts the cascade: the targets that
use the changed definition directly (a root target built on the allocation, a target
whose product or swap is the model), every descendant of those, and the accounts that
follow any of them. Saving stays `model_book.record_definitions` (one transaction, one
audit entry `models.record`, `confirm_impact` required when a child would break a limit).

Worked example: allocation BAL weighted 60/40 has root target BAL-ETF, with product-line
children BAL-ETF-MF and BAL-ETF-DI and 12 clients' children under those; 70 accounts
follow one of them. Previewing BAL at 70/30 says: 15 targets, 70 accounts, and (say)
C-A-17 whose equity tilt of +5 points now puts equity 12 points over BAL: outside its
±10 limit.

    >>> # preview = preview_change(db.unit_of_work, [bal_70_30], viewer=ipc, now=now)
    >>> # preview.cascade_targets, preview.accounts, [i.target for i in preview.impacts]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.limits import ChildImpact
from trimtab.domain.models import Model
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.domain.targets import ProductKind, ReplaceProduct, Target
from trimtab.services.model_book import load_catalog, stage_definitions
from trimtab.services.model_ports import Definition, ModelUnitOfWork

__all__ = ["ChangePreview", "dependent_targets", "preview_change"]

NewUnitOfWork = Callable[[], ModelUnitOfWork]
PREVIEW_REASON = "(preview)"  # a version needs a reason; the preview's is never kept
_CHUNK = 500  # targets per IN (...) list: a firm's thousands of children, in pieces


@dataclass(frozen=True)
class ChangePreview:
    """What saving `definitions` would do, computed and thrown away."""

    problems: tuple[Problem, ...] = ()  # nothing could be saved as it stands
    impacts: tuple[ChildImpact, ...] = ()  # children pushed outside their limits
    cascade_targets: tuple[str, ...] = ()  # every target resolving through the change
    accounts: int = 0  # accounts following one of `cascade_targets`

    @property
    def savable(self) -> bool:
        return not self.problems


def _uses(target: Target, definition: Definition) -> bool:
    """Whether `target` names `definition` itself (not through its parent)."""
    if isinstance(definition, AssetAllocation):
        return target.allocation == definition.id
    if isinstance(definition, Model):
        by_model = (ProductKind.MODEL, ProductKind.DIRECT_INDEX)
        products = [*target.products.values()]
        products += [c.product for c in target.customizations if isinstance(c, ReplaceProduct)]
        return any(p.kind in by_model and p.ref == definition.id for p in products)
    if isinstance(definition, Target):
        return target.id == definition.id
    return False


def dependent_targets(
    targets: Mapping[str, Target], definitions: Sequence[Definition]
) -> list[str]:
    """Every target that resolves through one of `definitions`, in id order: those naming
    it, and all their descendants (one pass over the book, however deep the tree)."""
    children: dict[str, list[str]] = {}
    for t in targets.values():
        if t.parent is not None:
            children.setdefault(t.parent, []).append(t.id)
    found: set[str] = set()
    frontier = [t.id for t in targets.values() if any(_uses(t, d) for d in definitions)]
    while frontier:
        tid = frontier.pop()
        if tid in found:
            continue
        found.add(tid)
        frontier += children.get(tid, [])
    return sorted(found)


def preview_change(
    new_uow: NewUnitOfWork,
    definitions: Sequence[Definition],
    *,
    viewer: Principal,
    now: dt.datetime,
    effective: dt.date | None = None,
    reason: str = "",
) -> ChangePreview:
    """The cascade, the problems and the broken limits of saving `definitions` (nothing
    is saved: the staged versions are dropped with the unit of work)."""
    when = effective or now.date()
    with new_uow() as uow:
        targets = load_catalog(uow, when).targets
        cascade = dependent_targets(targets, definitions)
        accounts = sum(
            len(uow.model_book.accounts_following(cascade[i : i + _CHUNK]))
            for i in range(0, len(cascade), _CHUNK)
        )
        staged = stage_definitions(
            uow,
            definitions,
            author=viewer.recorded_as,
            reason=reason.strip() or PREVIEW_REASON,
            now=now,
            effective=when,
            confirm_impact=True,  # stage through the impact check: the preview shows it
        )
        # Leaving without commit() drops what was staged.
    return ChangePreview(staged.problems, staged.impacts, tuple(cascade), accounts)
