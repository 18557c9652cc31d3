"""Trading restrictions: no-buy, no-sell and must-sell, set at four levels.

A restriction can come from the firm ("do not buy IBM"), a program (an ESG screen), a
household or one account, always with a reason. For one account they combine by union:
any level's no-buy blocks the buy. Must-sell wins over no-sell at the same or a lower
level only when it is set more specifically (an account-level must-sell overrides a firm
no-sell); the resolution lives in `effective_restrictions`.

    >>> r = [Restriction(Level.FIRM, "firm", "IBM", Kind.NO_BUY, "firm watch list")]
    >>> effective_restrictions(r, firm="firm", program=None, household="H", account="A")
    {'IBM': frozenset({<Kind.NO_BUY: 'no_buy'>})}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = ["Kind", "Level", "Restriction", "effective_restrictions"]


class Kind(StrEnum):
    NO_BUY = "no_buy"
    NO_SELL = "no_sell"
    MUST_SELL = "must_sell"


class Level(IntEnum):
    """Ordered from general to specific: a higher value is more specific."""

    FIRM = 0
    PROGRAM = 1
    HOUSEHOLD = 2
    ACCOUNT = 3


@dataclass(frozen=True, slots=True)
class Restriction:
    level: Level
    scope: str  # the id of the firm, program, household or account it applies to
    security: str
    kind: Kind
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError(f"restriction on {self.security} needs a reason")


def effective_restrictions(
    restrictions: Iterable[Restriction],
    *,
    firm: str,
    program: str | None,
    household: str,
    account: str,
) -> dict[str, frozenset[Kind]]:
    """The restriction kinds in force on one account, by security.

    No-sell and must-sell contradict each other; the more specific level wins, and at
    the same level must-sell wins (a sale someone asked for explicitly is a mandate).
    """
    scope_of = {
        Level.FIRM: firm,
        Level.PROGRAM: program,
        Level.HOUSEHOLD: household,
        Level.ACCOUNT: account,
    }
    found: dict[str, dict[Kind, Level]] = {}
    for r in restrictions:
        if scope_of[r.level] != r.scope:
            continue
        kinds = found.setdefault(r.security, {})
        kinds[r.kind] = max(kinds.get(r.kind, r.level), r.level)
    result: dict[str, frozenset[Kind]] = {}
    for security, kinds in found.items():
        if Kind.NO_SELL in kinds and Kind.MUST_SELL in kinds:
            loser = Kind.MUST_SELL if kinds[Kind.NO_SELL] > kinds[Kind.MUST_SELL] else Kind.NO_SELL
            del kinds[loser]
        result[security] = frozenset(kinds)
    return result
