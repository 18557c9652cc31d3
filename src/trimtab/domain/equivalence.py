"""Equivalence sets: acceptable substitutes that count together toward a target.

Problem: a client holds IVV, the firm's model says VOO. Selling IVV to buy VOO realizes
a gain and changes nothing that matters; but new money should still go to the firm's
preferred product, unless that product cannot be bought today (restricted, or blocked by
a recent loss sale in its wash group).

Rule: an `EquivalenceSet` has a preferred member and ranked alternates. Holding any member
counts toward the set's target (the engine sees one target group with all members), so
no member is sold just to swap into another. Buys go to the first member, in rank order,
that is not blocked; if all are blocked the group buys nothing. Equivalence is not
wash-sale identity: members may sit in different wash groups, which is what lets a
harvest move money from one member to another.

    >>> s = EquivalenceSet("SP500", "S&P 500", "VOO", ("IVV", "SPLG"))
    >>> s.buy_member(frozenset())
    'VOO'
    >>> s.buy_member(frozenset({"VOO"}))
    'IVV'
    >>> s.buy_member(frozenset({"VOO", "IVV", "SPLG"})) is None
    True
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from trimtab.domain.problems import Problem

__all__ = ["EquivalenceSet", "index_members", "validate_equivalence_sets"]


@dataclass(frozen=True, slots=True)
class EquivalenceSet:
    id: str
    name: str
    preferred: str
    alternates: tuple[str, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        """Preferred first, then alternates in rank order."""
        return (self.preferred, *self.alternates)

    def buy_member(self, blocked: Collection[str]) -> str | None:
        return next((m for m in self.members if m not in blocked), None)


def validate_equivalence_sets(
    sets: Iterable[EquivalenceSet], known: Collection[str]
) -> list[Problem]:
    """Unknown members, repeats inside a set, and a security claimed by two sets."""
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for s in sets:
        seen: set[str] = set()
        for rank, member in enumerate(s.members):
            path = f"equivalence_sets.{s.id}.members[{rank}]"
            if member not in known:
                problems.append(Problem(path, f"unknown security {member}"))
            if member in seen:
                problems.append(Problem(path, f"{member} is listed twice in {s.id}"))
                continue
            seen.add(member)
            if member in owner and owner[member] != s.id:
                problems.append(
                    Problem(
                        path,
                        f"{member} is already in set {owner[member]}; a security counts "
                        f"toward one target group only",
                    )
                )
            owner.setdefault(member, s.id)
    return problems


def index_members(sets: Iterable[EquivalenceSet]) -> dict[str, EquivalenceSet]:
    """Security → the set it belongs to (the first set wins; validation reports repeats)."""
    index: dict[str, EquivalenceSet] = {}
    for s in sets:
        for member in s.members:
            index.setdefault(member, s)
    return index
