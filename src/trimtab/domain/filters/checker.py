"""Type-checking a parsed filter against the field registry, and the checked `Filter` value.

A filter that parses can still be meaningless: an unknown field, text compared with `<`,
a number where a string belongs, a status no account can have. The checker finds every
such problem at once (not only the first), each with its position and the fix, so the
database only ever sees filters that mean something.

    >>> f, errors = read_filter('tier = "Gold" and value > 1m')
    >>> errors, sorted(f.fields)
    ([], ['tier', 'value'])
    >>> _, errors = read_filter('status = "opne" or valeu > 5')
    >>> for e in errors: print(e)
    line 1, column 10: status is one of open, closed or suspended, not "opne" (did you mean open?)
    line 1, column 20: unknown field 'valeu' (did you mean value?)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.echo import quote_input
from trimtab.domain.filters.errors import FilterError
from trimtab.domain.filters.fields import FieldSource, FieldSpec, FieldType, closest_names, lookup
from trimtab.domain.filters.parser import parse_filter
from trimtab.domain.filters.syntax import (
    And,
    Comparator,
    Comparison,
    Constant,
    Expr,
    FieldRef,
    Flag,
    Literal,
    Membership,
    Not,
    Or,
    Scalar,
    to_text,
)

__all__ = ["Filter", "check_filter", "read_filter"]

_ORDERED = frozenset({Comparator.LT, Comparator.LE, Comparator.GT, Comparator.GE})


@dataclass(frozen=True, slots=True)
class Filter:
    """A filter that parsed and type-checked: safe to compile and run."""

    expr: Expr
    fields: frozenset[str]  # canonical field names it reads (aliases resolved)

    @property
    def text(self) -> str:
        return to_text(self.expr)

    @property
    def reads_analysis(self) -> bool:
        return any(
            (spec := lookup(n)) is not None and spec.source is FieldSource.ANALYSIS
            for n in self.fields
        )


def read_filter(text: str) -> tuple[Filter | None, list[FilterError]]:
    """Parse and check filter text: a `Filter`, or every problem found with its fix."""
    expr, errors = parse_filter(text)
    if expr is None:
        return None, errors
    errors = check_filter(expr)
    if errors:
        return None, errors
    return Filter(expr, frozenset(_canonical_fields(expr))), []


def check_filter(expr: Expr) -> list[FilterError]:
    errors: list[FilterError] = []
    _check(expr, errors)
    return errors


def _canonical_fields(expr: Expr) -> set[str]:
    match expr:
        case Comparison(field=f) | Membership(field=f) | Flag(field=f):
            spec = lookup(f.name)
            return {spec.name} if spec else set()
        case Not(operand=operand):
            return _canonical_fields(operand)
        case And(operands=operands) | Or(operands=operands):
            return set().union(*(_canonical_fields(o) for o in operands))
    return set()


def _check(expr: Expr, errors: list[FilterError]) -> None:
    match expr:
        case Comparison(field=ref, op=op, value=value):
            spec = _resolve(ref, errors)
            if spec is not None:
                _check_comparison(spec, op, value, errors)
        case Membership(field=ref, values=values):
            spec = _resolve(ref, errors)
            if spec is not None:
                if spec.type is FieldType.FLAG:
                    errors.append(_at(ref, f"{ref.name} is yes/no: write {ref.name} or not ..."))
                for value in values:
                    _check_value(spec, value, errors)
        case Flag(field=ref):
            spec = _resolve(ref, errors)
            if spec is not None and spec.type not in (FieldType.FLAG, FieldType.COUNT):
                example = (
                    f'{ref.name} = "..."' if spec.type is FieldType.TEXT else f"{ref.name} > 0"
                )
                errors.append(
                    _at(
                        ref,
                        f"{ref.name} is {_a(spec.type)}, not yes/no: compare it, e.g. {example}",
                    )
                )
        case Not(operand=operand):
            _check(operand, errors)
        case And(operands=operands) | Or(operands=operands):
            for operand in operands:
                _check(operand, errors)
        case Constant():
            pass


def _resolve(ref: FieldRef, errors: list[FilterError]) -> FieldSpec | None:
    spec = lookup(ref.name)
    if spec is None:
        errors.append(
            _at(
                ref,
                f"unknown field {quote_input(ref.name)}",
                suggestions=tuple(closest_names(ref.name)),
            )
        )
    return spec


def _check_comparison(
    spec: FieldSpec, op: Comparator, value: Literal, errors: list[FilterError]
) -> None:
    if op in _ORDERED and spec.type in (FieldType.TEXT, FieldType.FLAG):
        errors.append(
            FilterError(
                value.at.line,
                value.at.column,
                f"{spec.name} is {_a(spec.type)}: it can be compared only with = or !=",
            )
        )
        return
    _check_value(spec, value, errors)


def _check_value(spec: FieldSpec, value: Literal, errors: list[FilterError]) -> None:
    expected = _expected_kind(spec.type)
    if not isinstance(value.value, expected):
        errors.append(
            FilterError(
                value.at.line,
                value.at.column,
                f"{spec.name} is {_a(spec.type)}, so compare it with {_example(spec)}",
                expected=(_example(spec),),
            )
        )
        return
    if spec.choices and isinstance(value.value, str) and value.value not in spec.choices:
        choices = ", ".join(spec.choices[:-1]) + " or " + spec.choices[-1]
        near = difflib.get_close_matches(value.value, spec.choices, n=2, cutoff=0.5)
        errors.append(
            FilterError(
                value.at.line,
                value.at.column,
                f"{spec.name} is one of {choices}, not {quote_input(value.value, quote=_DQ)}",
                suggestions=tuple(near),
            )
        )


_DQ = '"'  # a filter's strings are in double quotes, so its messages quote them so too


def _expected_kind(kind: FieldType) -> type[Scalar] | tuple[type, ...]:
    # bool is a subclass of int, not of Decimal, so a number check never accepts true.
    if kind is FieldType.TEXT:
        return str
    if kind is FieldType.FLAG:
        return bool
    return Decimal


def _example(spec: FieldSpec) -> str:
    if spec.type is FieldType.TEXT:
        return f'a string in double quotes, e.g. "{spec.choices[0] if spec.choices else "..."}"'
    if spec.type is FieldType.FLAG:
        return "true or false"
    return "a number, e.g. 250,000 or 2%"


def _a(kind: FieldType) -> str:
    return {
        FieldType.TEXT: "text",
        FieldType.NUMBER: "a number",
        FieldType.FLAG: "a yes/no flag",
        FieldType.COUNT: "a count",
    }[kind]


def _at(ref: FieldRef, message: str, *, suggestions: tuple[str, ...] = ()) -> FilterError:
    return FilterError(ref.at.line, ref.at.column, message, suggestions=suggestions)
