"""Corporate-action events: one announcement, restated across lots, models, lists and sets.

Problem: a custodian reports a corporate action account by account (the ledger's
`Split`, `SpinOff`, `Merger`, `Rename`), but the firm receives it once, as an event:
"XYZ splits 2-for-1 effective 2025-06-02". That one event must change every account's
lots (by the ledger rules in `corporate_actions.py`, never re-implemented here), every
model holding XYZ, every restriction list naming it and every equivalence set it is in,
all in the same transaction (OPTIMIZER.md, "Corporate actions").

Rule, per kind of event:

- split (ratio r; r < 1 is a reverse split): lots by `split_lot`; models, restrictions and
  equivalence sets are unchanged (a weight is a fraction of value, not a share count).
- rename (ticker/CUSIP change): lots by `rename_lot`; the weight, the restrictions and the
  set membership move to the new ticker.
- spin-off (ratio child shares per share, basis allocation a): lots by `spin_off_lot`; a
  model's weight w splits into w × (1 − a) on the parent and w × a on the child, because
  the published basis allocation is the children's share of market value; a restriction
  on the parent is copied to the child (a screen that excludes the company excludes the
  piece spun out of it) and sets are unchanged.
- merger (stock, cash or mixed): lots by `merge_lot`; the weight moves to the acquirer
  (added to its weight if the model already holds it); an all-cash deal has no new
  security, so the weight is spread pro rata over the rest of the model; restrictions and
  set membership move to the acquirer (are dropped in a cash deal).

Worked example, a 2-for-1 split of XYZ: a lot of 100 XYZ with $5,000 basis becomes 200 XYZ
with $5,000 basis; a model 60 % XYZ / 40 % BND is unchanged.

    >>> import datetime as dt
    >>> from trimtab.domain.models import Model
    >>> split = CorporateActionEvent("CA-1", ActionKind.SPLIT, "XYZ", dt.date(2025, 6, 2),
    ...                              ratio=Decimal(2))
    >>> lot = TaxLot("L1", "A-1", "XYZ", Decimal(100), Decimal(5000), dt.date(2020, 1, 2))
    >>> [(x.quantity, x.cost_basis) for x in restate_lots([lot], split).lots]
    [(Decimal('200'), Decimal('5000'))]
    >>> rename = CorporateActionEvent("CA-2", ActionKind.RENAME, "FB", dt.date(2022, 6, 9),
    ...                               new_security="META")
    >>> dict(restate_model(Model("M", "Core", {"FB": Decimal("0.6"), "BND": Decimal("0.4")}),
    ...                    rename).weights)
    {'META': Decimal('0.6'), 'BND': Decimal('0.4')}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.corporate_actions import (
    Disposal,
    merge_lot,
    rename_lot,
    spin_off_lot,
    split_lot,
)
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.holdings import TaxLot
from trimtab.domain.models import Model
from trimtab.domain.money import ZERO
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Restriction
from trimtab.domain.transactions import CorporateAction, Merger, Rename, SpinOff, Split

__all__ = [
    "ActionKind",
    "CorporateActionEvent",
    "LotRestatement",
    "restate_equivalence_set",
    "restate_lots",
    "restate_model",
    "restate_restrictions",
    "validate_event",
]


class ActionKind(StrEnum):
    SPLIT = "split"  # reverse splits too: ratio < 1
    SPIN_OFF = "spin_off"
    MERGER = "merger"  # stock, cash or mixed
    RENAME = "rename"  # ticker or CUSIP change


@dataclass(frozen=True, slots=True)
class CorporateActionEvent:
    id: str
    kind: ActionKind
    security: str
    effective: dt.date
    new_security: str | None = None
    ratio: Decimal = ZERO
    cash_per_share: Decimal = ZERO
    basis_allocation: Decimal | None = None
    new_security_price: Decimal | None = None
    new_cusip: str | None = None

    @property
    def successors(self) -> tuple[str, ...]:
        """Securities the event creates holdings in (none for a split or a cash deal)."""
        return (self.new_security,) if self.new_security else ()

    def for_account(self, account: str) -> CorporateAction:
        """The ledger's per-account transaction for this event."""
        match self.kind:
            case ActionKind.SPLIT:
                return Split(self.effective, account, self.security, self.ratio)
            case ActionKind.SPIN_OFF:
                return SpinOff(
                    self.effective,
                    account,
                    self.security,
                    self.new_security or "",
                    self.ratio,
                    self.basis_allocation or ZERO,
                )
            case ActionKind.MERGER:
                return _merger(self, account=account)
            case ActionKind.RENAME:
                return Rename(self.effective, account, self.security, self.new_security or "")


def _merger(event: CorporateActionEvent, *, account: str) -> Merger:
    return Merger(
        event.effective,
        account,
        event.security,
        event.new_security,
        ratio=event.ratio,
        cash_per_share=event.cash_per_share,
        basis_allocation=event.basis_allocation,
        new_security_price=event.new_security_price,
    )


def validate_event(event: CorporateActionEvent, path: str = "") -> list[Problem]:
    """What an event lacks before it can be applied, each problem naming the field."""
    at = f"{path}." if path else ""
    problems: list[Problem] = []
    needs_new = event.kind in (ActionKind.SPIN_OFF, ActionKind.RENAME) or (
        event.kind is ActionKind.MERGER and event.ratio > 0
    )
    if needs_new and not event.new_security:
        problems.append(Problem(f"{at}new_security", f"a {event.kind} needs the new security"))
    if event.new_security == event.security:
        problems.append(Problem(f"{at}new_security", "must differ from the security"))
    if event.kind in (ActionKind.SPLIT, ActionKind.SPIN_OFF) and event.ratio <= 0:
        problems.append(Problem(f"{at}ratio", f"a {event.kind} needs a ratio above 0"))
    if event.kind is ActionKind.SPIN_OFF and not (
        event.basis_allocation is not None and ZERO <= event.basis_allocation <= 1
    ):
        problems.append(
            Problem(f"{at}basis_allocation", "a spin-off needs the published allocation, 0–1")
        )
    if event.kind is ActionKind.MERGER:
        if event.ratio <= 0 and event.cash_per_share <= 0:
            problems.append(Problem(f"{at}ratio", "a merger pays stock (ratio), cash, or both"))
        elif _merger(event, account="").stock_basis_fraction is None:
            problems.append(
                Problem(
                    f"{at}basis_allocation",
                    "a mixed merger needs basis_allocation or new_security_price",
                )
            )
    return problems


@dataclass(frozen=True, slots=True)
class LotRestatement:
    """Lots after the event, and the cash parts of a merger (sales the ledger realizes)."""

    lots: tuple[TaxLot, ...]
    disposals: tuple[Disposal, ...] = ()


def restate_lots(lots: Iterable[TaxLot], event: CorporateActionEvent) -> LotRestatement:
    """Apply the event to every lot of its security; other lots pass through unchanged.

    New lots are named after the lot they come from and the event (`L1/CA-1`), so
    applying the same event's output again is visibly a different lot, never a collision.
    """
    out: list[TaxLot] = []
    cash: list[Disposal] = []
    for lot in lots:
        if lot.security != event.security:
            out.append(lot)
            continue
        action = event.for_account(lot.account)
        derived = f"{lot.id}/{event.id}"
        match action:
            case Split():
                out.append(split_lot(lot, action.ratio))
            case Rename():
                out.append(rename_lot(lot, action.new_security))
            case SpinOff():
                parent, child = spin_off_lot(lot, action, child_id=derived)
                out += [parent, child]
            case Merger():
                stock, sale = merge_lot(lot, action, new_id=derived, cash_id=f"{derived}/cash")
                if stock is not None:
                    out.append(stock)
                if sale is not None:
                    cash.append(sale)
    return LotRestatement(tuple(out), tuple(cash))


def restate_model(model: Model, event: CorporateActionEvent) -> Model:
    """The model after the event; the same value when it does not hold the security."""
    if event.security not in model.weights or event.kind is ActionKind.SPLIT:
        return model
    moved = model.weights[event.security]
    weights: dict[str, Decimal] = {}

    def add(ticker: str, weight: Decimal) -> None:
        weights[ticker] = weights.get(ticker, ZERO) + weight

    # Rebuilt in the model's own order, the successor taking the old line's place.
    for ticker, weight in model.weights.items():
        if ticker != event.security:
            add(ticker, weight)
        elif event.kind is ActionKind.SPIN_OFF and event.new_security:
            child = moved * (event.basis_allocation or ZERO)
            add(ticker, moved - child)
            add(event.new_security, child)
        elif event.new_security and (event.kind is ActionKind.RENAME or event.ratio > 0):
            add(event.new_security, moved)
    if event.kind is ActionKind.MERGER and event.ratio <= 0:
        # An all-cash deal leaves no successor: the rest of the model grows pro rata.
        rest = sum(weights.values(), ZERO)
        if rest > 0:
            weights = {t: w + moved * w / rest for t, w in weights.items()}
    return replace(model, weights=weights)


def restate_equivalence_set(
    eq_set: EquivalenceSet, event: CorporateActionEvent
) -> EquivalenceSet | None:
    """The set after the event (same value if unaffected); None when no member is left."""
    if event.security not in eq_set.members or event.kind in (
        ActionKind.SPLIT,
        ActionKind.SPIN_OFF,
    ):
        return eq_set
    successor = event.new_security if event.kind is ActionKind.RENAME or event.ratio > 0 else None
    members: list[str] = []
    for m in eq_set.members:
        new = successor if m == event.security else m
        if new is not None and new not in members:
            members.append(new)
    if not members:
        return None
    return replace(eq_set, preferred=members[0], alternates=tuple(members[1:]))


def restate_restrictions(
    restrictions: Iterable[Restriction], event: CorporateActionEvent
) -> list[Restriction]:
    """Every restriction after the event: moved, copied to a spun-off child, or dropped."""
    out: list[Restriction] = []
    for r in restrictions:
        if r.security != event.security or event.kind is ActionKind.SPLIT:
            out.append(r)
        elif event.kind is ActionKind.SPIN_OFF and event.new_security:
            out += [r, replace(r, security=event.new_security)]
        elif event.kind is ActionKind.RENAME or (event.ratio > 0 and event.new_security):
            out.append(replace(r, security=event.new_security or r.security))
    return list(dict.fromkeys(out))
