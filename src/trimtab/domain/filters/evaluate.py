"""Running a checked filter in memory, with exactly the database's answer.

The store compiles filters to SQL; this module gives the same answer for one account's
fields held in a mapping, for in-memory fakes and for tests that compare the two. It
follows SQL's three-valued logic, because that is what the database does: a comparison
with an absent value (an account never analyzed, no tier) is *unknown*; `not unknown` is
unknown; `unknown and false` is false; `unknown or true` is true; only true matches.

    >>> from trimtab.domain.filters.checker import read_filter
    >>> f, _ = read_filter('not mandate or value > 100k')
    >>> matches(f, {"mandate": True, "value": 250_000}), matches(f, {"mandate": None})
    (True, False)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from trimtab.domain.filters.checker import Filter
from trimtab.domain.filters.fields import FieldType, lookup
from trimtab.domain.filters.syntax import (
    And,
    Comparator,
    Comparison,
    Constant,
    Expr,
    Flag,
    Membership,
    Not,
    Or,
)

__all__ = ["evaluate", "matches"]

Truth = bool | None  # None is SQL's UNKNOWN


def matches(f: Filter, record: Mapping[str, object]) -> bool:
    """True when the filter selects the record (keys: canonical names and `field.<x>`)."""
    return evaluate(f.expr, record) is True


def evaluate(expr: Expr, record: Mapping[str, object]) -> Truth:
    match expr:
        case Constant(value=value):
            return value
        case Flag(field=ref):
            spec = lookup(ref.name)
            current = _value(record, ref.name)
            if current is None or spec is None:
                return None
            if spec.type is FieldType.COUNT:
                return _number(current) > 0
            return bool(current)
        case Comparison(field=ref, op=op, value=literal):
            current = _value(record, ref.name)
            if current is None:
                return None
            return _compare(current, op, literal.value)
        case Membership(field=ref, values=values, negated=negated):
            current = _value(record, ref.name)
            if current is None:
                return None
            found = any(_compare(current, Comparator.EQ, v.value) for v in values)
            return not found if negated else found
        case Not(operand=operand):
            inner = evaluate(operand, record)
            return None if inner is None else not inner
        case And(operands=operands):
            results = [evaluate(o, record) for o in operands]
            if False in results:
                return False
            return None if None in results else True
        case Or(operands=operands):
            results = [evaluate(o, record) for o in operands]
            if True in results:
                return True
            return None if None in results else False
    raise AssertionError(f"unknown filter node {expr!r}")  # pragma: no cover


def _value(record: Mapping[str, object], name: str) -> object:
    spec = lookup(name)
    return record.get(spec.name if spec else name)


def _number(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    raise TypeError(f"not a number: {value!r}")


def _compare(current: object, op: Comparator, wanted: object) -> bool:
    if isinstance(wanted, bool) or isinstance(current, bool):
        same = bool(current) == wanted
        return same if op is Comparator.EQ else not same
    if isinstance(wanted, Decimal):
        return bool(_OPERATORS[op](_number(current), wanted))
    return bool(_OPERATORS[op](str(current), str(wanted)))


_OPERATORS: dict[Comparator, Callable[[Any, Any], Any]] = {
    Comparator.EQ: operator.eq,
    Comparator.NE: operator.ne,
    Comparator.LT: operator.lt,
    Comparator.LE: operator.le,
    Comparator.GT: operator.gt,
    Comparator.GE: operator.ge,
}
