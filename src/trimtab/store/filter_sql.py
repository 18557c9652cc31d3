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
- analysis fields read the account's latest `analyses` row (latest `as_of`, then highest
  id), joined only when the filter reads one. An account never analyzed has NULLs there.

SQL's three-valued logic is kept as is (NULL compared is unknown, NOT unknown is unknown)
and `trimtab.domain.filters.evaluate` mirrors it, so both give the same answers.

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
    ColumnElement,
    Integer,
    Select,
    and_,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from trimtab.domain.filters import (
    And,
    Comparator,
    Comparison,
    Constant,
    Expr,
    FieldSource,
    FieldType,
    Filter,
    Flag,
    Membership,
    Not,
    Or,
    lookup,
)
from trimtab.store.tables import AccountRow, AdvisorRow, BranchRow
from trimtab.store.workflow_tables import AnalysisRow

__all__ = ["account_query", "compile_condition", "latest_analyses"]

_advisor = aliased(AdvisorRow, name="filter_advisor")
_branch = aliased(BranchRow, name="filter_branch")


def latest_analyses() -> Any:
    """A subquery: each account's latest analysis row (window function, both databases)."""
    rank = (
        func.row_number()
        .over(
            partition_by=AnalysisRow.account_id,
            order_by=(AnalysisRow.as_of.desc(), AnalysisRow.id.desc()),
        )
        .label("rank")
    )
    ranked = select(AnalysisRow, rank).subquery("ranked_analyses")
    return select(ranked).where(ranked.c.rank == 1).subquery("latest_analysis")


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
            return and_(*(compile_condition(o, analysis) for o in operands))
        case Or(operands=operands):
            return or_(*(compile_condition(o, analysis) for o in operands))
    raise AssertionError(f"unknown filter node {expr!r}")  # pragma: no cover


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
