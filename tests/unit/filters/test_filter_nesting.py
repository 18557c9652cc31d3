"""Scenarios: how deep a filter may nest is counted by what a reader sees nested —
parentheses and `not` — so a firm's long flat list of accounts is a filter, and a
pathological tower of parentheses is refused with the place where it went too deep.
"""

from __future__ import annotations

from trimtab.domain.filters import Membership, Or, matches, parse_filter, read_filter
from trimtab.domain.filters.parser import MAX_DEPTH


def _id_chain(count: int) -> str:
    return " or ".join(f'id = "A{i:06d}"' for i in range(count))


def test_a_flat_chain_of_500_account_ids_is_one_flat_filter() -> None:
    f, errors = read_filter(_id_chain(500))

    assert errors == []
    assert f is not None
    assert isinstance(f.expr, Or)
    assert len(f.expr.operands) == 500
    assert matches(f, {"id": "A000499"})
    assert not matches(f, {"id": "A000500"})


def test_a_flat_chain_of_42_terms_is_not_nesting() -> None:
    _, errors = parse_filter(_id_chain(42))

    assert errors == []


def test_long_and_chains_and_long_in_lists_are_flat_too() -> None:
    ands = " and ".join(f'id != "A{i}"' for i in range(300))
    listed = "id in (" + ", ".join(f'"A{i}"' for i in range(1000)) + ")"

    assert parse_filter(ands)[1] == []
    expr, errors = parse_filter(listed)
    assert errors == []
    assert isinstance(expr, Membership)


def test_forty_levels_of_parentheses_and_not_are_accepted() -> None:
    parens = "(" * MAX_DEPTH + "mandate" + ")" * MAX_DEPTH
    nots = "not " * MAX_DEPTH + "mandate"
    mixed = "not (" * (MAX_DEPTH // 2) + "mandate" + ")" * (MAX_DEPTH // 2)

    for text in (parens, nots, mixed):
        assert parse_filter(text)[1] == [], text[:20]


def test_one_level_more_is_refused_naming_where() -> None:
    _, errors = parse_filter("(" * (MAX_DEPTH + 1) + "mandate" + ")" * (MAX_DEPTH + 1))

    assert len(errors) == 1
    error = errors[0]
    # The 41st opening parenthesis is where the filter went too deep.
    assert (error.line, error.column) == (1, MAX_DEPTH + 1)
    assert f"deeper than {MAX_DEPTH} levels" in error.message
    assert "parentheses" in error.message


def test_thousands_of_nested_parentheses_are_refused_not_accepted() -> None:
    deep = "(" * 4990 + "mandate" + ")" * 4990

    _, errors = parse_filter(deep)

    assert len(errors) == 1
    assert "deeper than" in errors[0].message


def test_a_not_past_the_limit_is_named_by_its_column() -> None:
    text = 'tier = "Gold" and ' + "not " * (MAX_DEPTH + 1) + "mandate"

    _, errors = parse_filter(text)

    assert errors[0].column == len('tier = "Gold" and ') + 4 * MAX_DEPTH + 1


def test_grouping_a_chain_in_parentheses_costs_one_level_not_one_per_term() -> None:
    text = "(" * (MAX_DEPTH - 1) + _id_chain(200) + ")" * (MAX_DEPTH - 1)

    assert parse_filter(text)[1] == []
