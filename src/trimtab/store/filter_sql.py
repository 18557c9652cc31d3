"""Compiling a checked filter to one SQLAlchemy query over accounts.

The problem: a filter is typed by users, so it must never become SQL text. Each node of
the checked tree becomes a SQLAlchemy Core expression whose values are bound parameters;
field names come only from the registry (a name not in it never reaches this module), so
nothing a user writes is ever spliced into a statement.

How fields map to columns:

- account fields are columns of `accounts`; `advisor` and `branch` compare the advisor's
  and branch's *names* (outer joins), `household` and `program` their ids;
- `field.<name>` reads the JSON `fields` column as text: `JSON_EXTRACT(fields, '$."name"')`
  on SQLite and `fields ->> 'name'` on PostgreSQL, the key itself a bound parameter;
- analysis fields read the account's latest `analyses` row, joined only when the filter
  reads one. Latest is kept, not ranked: `latest_analyses` points each account at its
  newest `as_of`, then highest id, voided runs left out (kept by the writes that change
  it, store/run_repository.py), so the join is two primary-key look-ups per account
  instead of a window over every analysis of the firm. An account with no analysis (or
  only voided ones) has no pointer, and NULLs there.

SQL's three-valued logic is kept as is (NULL compared is unknown, NOT unknown is unknown)
and `trimtab.domain.filters.evaluate` mirrors it, so both give the same answers.

Long chains. A firm pastes its list of accounts as `id = "A1" or id = "A2" or ...`;
SQLite parses `a OR b OR c` left-deep and refuses a tree deeper than 1,000 nodes. So
equalities on one field inside an `or` become one `IN` (and inequalities inside an `and`
one `NOT IN`), the same answer under three-valued logic, and any chain still longer than
`_CHUNK` terms is cut into parenthesized groups of at most `_CHUNK`, so the depth grows
with the logarithm of its length (2,000 mixed terms: groups of 32 inside a group of 63).

    >>> from trimtab.domain.filters import read_filter
    >>> f, _ = read_filter('tier = "Gold" and not mandate')
    >>> sql = str(account_query(f).compile(compile_kwargs={"render_postcompile": True}))
    >>> "'Gold'" in sql, ":tier_1" in sql
    (False, True)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    and_,
    false,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from trimtab.domain.filters import (
    And,
    Comparator,
    Comparison,
    Constant,
    Expr,
    FieldRef,
    FieldSource,
    FieldType,
    Filter,
    Flag,
    Literal,
    Membership,
    Not,
    Or,
    lookup,
)
from trimtab.store.tables import AccountRow, AdvisorRow, BranchRow
from trimtab.store.workflow_tables import AnalysisRow, LatestAnalysisRow

__all__ = ["account_query", "compile_condition", "latest_analyses"]

_advisor = aliased(AdvisorRow, name="filter_advisor")
_branch = aliased(BranchRow, name="filter_branch")


def latest_analyses() -> Any:
    """A subquery: each account's latest analysis row, through its kept pointer.

    A voided run's analyses are nobody's latest (`trimtab run void` moves the pointers).
    Its `account_id` is the pointer's, so the join to `accounts` can walk both primary
    keys in account order (a page stops after its first matches) and reach each
    analysis by its id."""
    figures = [c for c in AnalysisRow.__table__.c if c.name != "account_id"]
    return (
        select(LatestAnalysisRow.account_id, *figures)
        .select_from(LatestAnalysisRow)
        .join(AnalysisRow, AnalysisRow.id == LatestAnalysisRow.analysis_id)
        .subquery("latest_analysis")
    )


def account_query(f: Filter) -> Select[str]:
    """SELECT accounts.id of every account the filter matches, ordered by id."""
    analysis = latest_analyses() if f.reads_analysis else None
    query = select(AccountRow.id).select_from(AccountRow)
    if "advisor" in f.fields:
        query = query.outerjoin(_advisor, _advisor.id == AccountRow.advisor_id)
    if "branch" in f.fields:
        query = query.outerjoin(_branch, _branch.id == AccountRow.branch_id)
    if analysis is not None:
        query = query.outerjoin(analysis, analysis.c.account_id == AccountRow.id)
    return query.where(compile_condition(f.expr, analysis)).order_by(AccountRow.id)


def compile_condition(expr: Expr, analysis: Any = None) -> ColumnElement[bool]:
    match expr:
        case Constant(value=value):
            return true() if value else false()
        case Flag(field=ref):
            column = _column(ref.name, analysis)
            spec = lookup(ref.name)
            if spec is not None and spec.type is FieldType.COUNT:
                return column > 0
            return column == true()
        case Comparison(field=ref, op=op, value=literal):
            column = _column(ref.name, analysis)
            return _compare(column, op, _bindable(column, literal.value))
        case Membership(field=ref, values=values, negated=negated):
            column = _column(ref.name, analysis)
            items = [_bindable(column, v.value) for v in values]
            return column.not_in(items) if negated else column.in_(items)
        case Not(operand=operand):
            return not_(compile_condition(operand, analysis))
        case And(operands=operands):
            merged = _merge_lists(operands, Comparator.NE, negated=True)
            return _chunked(and_, [compile_condition(o, analysis) for o in merged])
        case Or(operands=operands):
            merged = _merge_lists(operands, Comparator.EQ, negated=False)
            return _chunked(or_, [compile_condition(o, analysis) for o in merged])
    raise AssertionError(f"unknown filter node {expr!r}")  # pragma: no cover


# Terms per parenthesized group of a long chain; 32 keeps each group shallow for SQLite.
_CHUNK = 32


def _merge_lists(operands: tuple[Expr, ...], op: Comparator, *, negated: bool) -> list[Expr]:
    """`f = a or f = b or f in (c)` as `f in (a, b, c)` (`!=`/`not in` under `and`).

    Each field's terms are gathered at the place of its first one; other terms keep their
    order. With no NULL among the values (the language has none) both forms give the
    same three-valued answer: unknown when the field is NULL, else whether it is listed.
    """
    lists: dict[str, list[Literal]] = {}
    order: list[Expr | str] = []
    for operand in operands:
        name, values = _listed(operand, op, negated=negated)
        if name is None:
            order.append(operand)
            continue
        if name not in lists:
            lists[name] = []
            order.append(name)
        lists[name].extend(values)
    return [
        Membership(FieldRef(item), tuple(lists[item]), negated) if isinstance(item, str) else item
        for item in order
    ]


def _listed(
    operand: Expr, op: Comparator, *, negated: bool
) -> tuple[str | None, tuple[Literal, ...]]:
    match operand:
        case Comparison(field=ref, op=found, value=literal) if found is op:
            return ref.name, (literal,)
        case Membership(field=ref, values=values, negated=found) if found is negated:
            return ref.name, values
    return None, ()


class _Parenthesized(ColumnElement[bool]):
    """A condition in explicit parentheses: SQLAlchemy would flatten `(a OR b) OR c`."""

    # The element takes part in the statement cache key, so two filters never share SQL.
    _traverse_internals = [("element", InternalTraversal.dp_clauseelement)]  # noqa: RUF012
    inherit_cache = True
    type = Boolean()

    def __init__(self, element: ColumnElement[bool]) -> None:
        self.element = element


@compiles(_Parenthesized)
def _compile_parenthesized(element: _Parenthesized, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.element, **kw)})"


def _chunked(combine: Any, conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    if len(conditions) <= _CHUNK:
        combined: ColumnElement[bool] = combine(*conditions)
        return combined
    groups = [
        _Parenthesized(combine(*conditions[start : start + _CHUNK]))
        for start in range(0, len(conditions), _CHUNK)
    ]
    return _chunked(combine, list(groups))


_ACCOUNT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "id": AccountRow.id.expression,
    "status": AccountRow.status.expression,
    "tax_status": AccountRow.tax_status.expression,
    "tier": AccountRow.tier.expression,
    "discretionary": AccountRow.discretionary.expression,
    "approved": AccountRow.approved_for_trading.expression,
    "household": AccountRow.household_id.expression,
    "program": AccountRow.program_id.expression,
    "advisor": _advisor.name.expression,
    "branch": _branch.name.expression,
}


def _column(name: str, analysis: Any) -> ColumnElement[Any]:
    spec = lookup(name)
    if spec is None:  # pragma: no cover - the checker refuses unknown fields
        raise ValueError(f"unchecked filter: unknown field {name!r}")
    if spec.source is FieldSource.FIRM_FIELD:
        key = name.split(".", 1)[1]
        text: ColumnElement[Any] = AccountRow.fields[key].as_string()
        return text
    if spec.source is FieldSource.ANALYSIS:
        if analysis is None:  # pragma: no cover - account_query joins it when needed
            raise ValueError("an analysis field needs the latest-analysis join")
        column: ColumnElement[Any] = analysis.c[spec.name]
        return column
    return _ACCOUNT_COLUMNS[spec.name]


def _bindable(column: ColumnElement[Any], value: object) -> object:
    # sqlite3 cannot bind Decimal: integer columns get an int (or float), and exact
    # NUMERIC columns convert it themselves (ExactDecimal).
    if isinstance(value, Decimal) and isinstance(column.type, Integer):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _compare(column: ColumnElement[Any], op: Comparator, value: object) -> ColumnElement[bool]:
    match op:
        case Comparator.EQ:
            return column == value
        case Comparator.NE:
            return column != value
        case Comparator.LT:
            return column < value
        case Comparator.LE:
            return column <= value
        case Comparator.GT:
            return column > value
        case Comparator.GE:
            return column >= value
    raise AssertionError(op)  # pragma: no cover
