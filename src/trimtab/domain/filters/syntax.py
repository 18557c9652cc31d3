"""The filter language's syntax tree: what a parsed filter *is*, independent of any database.

A filter is a boolean expression over named account fields. The parser turns text into
these frozen nodes; the checker validates them against the field registry; the store
compiles them to SQL and `evaluate` runs them in memory. Positions are kept for error
messages but do not take part in equality, so two spellings of one filter compare equal.

    >>> from decimal import Decimal
    >>> e = And((Comparison(FieldRef("tier"), Comparator.EQ, Literal("Gold")),
    ...          Not(Flag(FieldRef("data_errors")))))
    >>> to_text(e)
    'tier = "Gold" and not data_errors'
    >>> to_text(Comparison(FieldRef("value"), Comparator.LT, Literal(Decimal("250000"))))
    'value < 250000'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "And",
    "Comparator",
    "Comparison",
    "Constant",
    "Expr",
    "FieldRef",
    "Flag",
    "Literal",
    "Membership",
    "Not",
    "Or",
    "Position",
    "Scalar",
    "to_text",
]

Scalar = str | Decimal | bool


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line and column of a token in the filter text."""

    line: int = 1
    column: int = 1


class Comparator(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field name as written: `tier`, or `field.paperwork` for a firm-defined field."""

    name: str
    at: Position = field(default=Position(), compare=False)


@dataclass(frozen=True, slots=True)
class Literal:
    value: Scalar
    at: Position = field(default=Position(), compare=False)


@dataclass(frozen=True, slots=True)
class Comparison:
    field: FieldRef
    op: Comparator
    value: Literal


@dataclass(frozen=True, slots=True)
class Membership:
    """`field in (a, b)`, or `field not in (a, b)` when `negated`."""

    field: FieldRef
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Flag:
    """A bare name used as a condition: `mandate`, `data_errors` (meaning: more than 0)."""

    field: FieldRef


@dataclass(frozen=True, slots=True)
class Constant:
    """`true` or `false` on its own: `true` selects every account."""

    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Comparison | Membership | Flag | Constant | Not | And | Or


def _literal_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _operand_text(expr: Expr, parent: type) -> str:
    text = to_text(expr)
    # `or` binds looser than `and`, which binds looser than `not`: parenthesize only then.
    needs_parens = (isinstance(expr, Or) and parent in (And, Not)) or (
        isinstance(expr, And) and parent is Not
    )
    return f"({text})" if needs_parens else text


def to_text(expr: Expr) -> str:
    """The canonical spelling of a filter; parsing it gives back an equal tree."""
    match expr:
        case Comparison(field=f, op=op, value=v):
            return f"{f.name} {op.value} {_literal_text(v.value)}"
        case Membership(field=f, values=values, negated=negated):
            items = ", ".join(_literal_text(v.value) for v in values)
            return f"{f.name} {'not in' if negated else 'in'} ({items})"
        case Flag(field=f):
            return f.name
        case Constant(value=value):
            return "true" if value else "false"
        case Not(operand=operand):
            return f"not {_operand_text(operand, Not)}"
        case And(operands=operands):
            return " and ".join(_operand_text(o, And) for o in operands)
        case Or(operands=operands):
            return " or ".join(_operand_text(o, Or) for o in operands)
    raise AssertionError(f"unknown filter node {expr!r}")  # pragma: no cover
