"""The engine case of a nightly analysis, built typed: no JSON round trip, no second parse.

Problem: the run keeps every account's case as the contract's JSON (the analysis
record, re-runnable with `trimtab optimize`), and used to hand that JSON to
`engine.parse_case`, which reads untrusted input and keeps a JSON path for every field
it checks so it can report every mistake at once. That bookkeeping cost about a seventh
of the nightly run, spent on cases the run had just built from checked store values.

Rule: the analysis builds the engine's typed inputs (`SecurityInput`, `LotInput`,
`RecentTrade`...) in the same pass as the JSON, and `build_case` assembles the `Case`
after checking the invariants the engine relies on — positive finite prices and
quantities, known securities, unique ids, dates not after `as_of`, groups whose members
exist and belong to one group, targets in [0, 1] summing to at most 1, settings the
calibration accepts — without paths. If one fails it returns None and the caller asks
`parse_case` about the JSON, so a bad case is reported exactly as before. For a good
case the `Case` equals `parse_case(json)`'s (the doctest below; tests/integration/nightly
re-runs stored cases to the stored results).

    >>> import datetime as dt
    >>> from trimtab.engine import parse_case
    >>> day, voo = dt.date(2025, 6, 30), SecurityInput("VOO", 500.0)
    >>> group = {"id": "EQ", "members": ["VOO"], "buy": "VOO", "target": 0.9}
    >>> case = build_case(as_of=day, account=AccountInput("A", "taxable", 100.0),
    ...     tax=TaxRates(0.4, 0.2), securities=[voo], groups=[group], lots=[], recent=[],
    ...     settings={})
    >>> case == parse_case({"as_of": "2025-06-30",
    ...     "account": {"id": "A", "tax_status": "taxable", "cash": 100.0},
    ...     "tax": {"short_term_rate": 0.4, "long_term_rate": 0.2},
    ...     "securities": [{"id": "VOO", "price": 500.0}], "groups": [group]})[0]
    True
    >>> build_case(as_of=day, account=AccountInput("A", "taxable", 100.0),
    ...     tax=TaxRates(0.4, 0.2), securities=[SecurityInput("VOO", 0.0)], groups=[],
    ...     lots=[], recent=[], settings={}) is None
    True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from trimtab.domain.calibration import resolve_parameters
from trimtab.engine.case import (
    TARGET_SUM_TOLERANCE,
    TAX_STATUSES,
    AccountInput,
    Case,
    GroupInput,
    LotInput,
    RecentTrade,
    SecurityInput,
    TaxRates,
)

__all__ = ["build_case"]

_INF = math.inf
# parse_case's rounding tolerance (a float sum a hair above it falls back to parse_case).
_TARGET_SUM_TOLERANCE = float(TARGET_SUM_TOLERANCE)


def _fraction(x: object) -> bool:
    return isinstance(x, float | int) and not isinstance(x, bool) and 0 <= x <= 1


def build_case(
    *,
    as_of: dt.date,
    account: AccountInput,
    tax: TaxRates,
    securities: Sequence[SecurityInput],
    groups: Sequence[Mapping[str, object]],
    lots: Sequence[LotInput],
    recent: Sequence[RecentTrade],
    settings: Mapping[str, object],
) -> Case | None:
    """The engine's `Case`, or None if an invariant is broken (see module doc)."""
    # Comparisons against _INF reject NaN and infinities in one step.
    if not (
        account.tax_status in TAX_STATUSES
        and account.id
        and -_INF < account.cash < _INF
        and 0 <= tax.short_term_rate <= 1
        and 0 <= tax.long_term_rate <= 1
        and all(s.id and 0 < s.price < _INF and 0 <= s.cost_rate <= 0.999 for s in securities)
    ):
        return None
    known = {s.id: s.price for s in securities}
    if len(known) != len(securities):
        return None
    if not all(
        lot.security in known
        and 0 < lot.quantity < _INF
        and 0 <= lot.cost_basis < _INF
        and lot.acquired <= as_of
        and (lot.holding_period_start is None or lot.holding_period_start <= as_of)
        for lot in lots
    ) or len({lot.id for lot in lots}) != len(lots):
        return None
    if not all(
        t.side in ("buy", "sell")
        and t.date <= as_of
        and 0 <= (t.quantity or 0.0) < _INF
        and (t.realized_gain is None or -_INF < t.realized_gain < _INF)
        for t in recent
    ):
        return None
    typed = _groups(groups, known)
    if typed is None:
        return None
    value = account.cash + sum(lot.quantity * known[lot.security] for lot in lots)
    parameters, problems = resolve_parameters(
        settings, {}, account_value=value, tax_status=account.tax_status
    )
    if problems:
        return None
    return Case(
        as_of=as_of,
        account=account,
        tax=tax,
        securities=tuple(securities),
        groups=typed,
        lots=tuple(lots),
        recent_trades=tuple(recent),
        parameters=parameters,
        settings=MappingProxyType(dict(settings)),
        explicit_parameters=MappingProxyType({}),
    )


def _groups(
    groups: Sequence[Mapping[str, object]], known: Mapping[str, float]
) -> tuple[GroupInput, ...] | None:
    out: list[GroupInput] = []
    seen: set[str] = set()  # group ids
    member_of: set[str] = set()  # a security is in one group at most
    total = 0.0
    for g in groups:
        ident, members, buy = g.get("id"), g.get("members"), g.get("buy")
        target, band = g.get("target"), g.get("band")
        if not (isinstance(ident, str) and ident and ident not in seen):
            return None
        if not (isinstance(members, list | tuple) and members):
            return None
        distinct = set(members)
        if len(distinct) != len(members) or distinct - known.keys() or distinct & member_of:
            return None
        if not (buy is None or buy in members) or not _fraction(target):
            return None
        if band is not None and not _fraction(band):
            return None
        seen.add(ident)
        member_of |= distinct
        total += float(target)  # type: ignore[arg-type]
        out.append(
            GroupInput(
                ident,
                tuple(members),
                buy if isinstance(buy, str) else None,
                float(target),  # type: ignore[arg-type]
                None if band is None else float(band),  # type: ignore[arg-type]
            )
        )
    return tuple(out) if total <= 1 + _TARGET_SUM_TOLERANCE else None
