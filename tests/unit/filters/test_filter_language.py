"""Scenarios: an operator writes filters; the language parses, checks and explains them.

Every error must say where (line, column) and what was expected; an unknown field must
come back with the closest known names; a filter that checks must mean exactly what its
canonical text says (parsing the canonical text gives the same tree).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.filters import (
    FIELDS,
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
    evaluate,
    matches,
    parse_filter,
    read_filter,
    to_text,
)

PRODUCT_EXAMPLE = (
    'status = "open" and not data_errors and value < 250,000 and (mandate or cost_benefit >= 2)'
)


def test_the_issue_examples_parse_into_the_expected_tree() -> None:
    expr, errors = parse_filter(PRODUCT_EXAMPLE)

    assert errors == []
    assert expr == And(
        (
            Comparison(FieldRef("status"), Comparator.EQ, Literal("open")),
            Not(Flag(FieldRef("data_errors"))),
            Comparison(FieldRef("value"), Comparator.LT, Literal(Decimal(250000))),
            Or(
                (
                    Flag(FieldRef("mandate")),
                    Comparison(FieldRef("cost_benefit"), Comparator.GE, Literal(Decimal(2))),
                )
            ),
        )
    )
    tiers, errors = parse_filter('tier in ("Platinum", "Gold") and advisor = "A. Rivera"')
    assert errors == []
    assert tiers == And(
        (
            Membership(FieldRef("tier"), (Literal("Platinum"), Literal("Gold"))),
            Comparison(FieldRef("advisor"), Comparator.EQ, Literal("A. Rivera")),
        )
    )
    firm_field, errors = read_filter('field.paperwork = "incomplete"')
    assert errors == []
    assert firm_field is not None
    assert firm_field.fields == {"field.paperwork"}


def test_not_binds_tighter_than_and_which_binds_tighter_than_or() -> None:
    expr, _ = parse_filter("not mandate and trades or discretionary")

    assert expr == Or(
        (
            And((Not(Flag(FieldRef("mandate"))), Flag(FieldRef("trades")))),
            Flag(FieldRef("discretionary")),
        )
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("value < 250000", Decimal(250000)),
        ("value < 250,000", Decimal(250000)),
        ("value < 1,250,000.50", Decimal("1250000.50")),
        ("value < 250k", Decimal(250000)),
        ("value < 1.5m", Decimal(1500000)),
        ("turnover < 5%", Decimal("0.05")),
        ("drift > -0.5", Decimal("-0.5")),
    ],
)
def test_numbers_accept_thousands_separators_and_suffixes(text: str, number: Decimal) -> None:
    expr, errors = parse_filter(text)

    assert errors == []
    assert isinstance(expr, Comparison)
    assert expr.value.value == number


def test_keywords_are_case_insensitive_but_do_not_swallow_longer_names() -> None:
    upper, _ = parse_filter('tier = "Gold" AND NOT mandate OR TRUE')
    lower, _ = parse_filter('tier = "Gold" and not mandate or true')
    assert upper == lower
    # "notes" and "android" are names, not the keywords `not` and `and`.
    expr, _ = parse_filter('field.notes = "x"')
    assert expr == Comparison(FieldRef("field.notes"), Comparator.EQ, Literal("x"))


def test_strings_unescape_quotes_and_backslashes() -> None:
    expr, errors = parse_filter(r'field.memo = "say \"hi\" \\ bye"')

    assert errors == []
    assert isinstance(expr, Comparison)
    assert expr.value.value == 'say "hi" \\ bye'


@pytest.mark.parametrize(
    ("text", "line", "column", "says"),
    [
        ('tier = "Gold" and', 1, 18, "expected a field name, not, true, false or ("),
        ('tier = "Gold', 1, 8, "string is not closed"),
        ("tier = 'Gold'", 1, 8, "double quotes"),
        ("value <", 1, 8, "expected a string in double quotes, a number, true or false"),
        ('tier "Gold"', 1, 6, "expected a comparison"),
        ('status = "open"\n  and and', 2, 7, "unexpected 'and'"),
        ("(mandate or trades", 1, 19, "expected"),
        ("tier in (1,000)", 1, 10, "ambiguous inside a list"),
        ("", 1, 1, "empty"),
    ],
)
def test_syntax_errors_say_where_and_what_was_expected(
    text: str, line: int, column: int, says: str
) -> None:
    expr, errors = parse_filter(text)

    assert expr is None
    assert len(errors) == 1
    error = errors[0]
    assert (error.line, error.column) == (line, column)
    assert says in str(error)
    assert error.render(text).splitlines()[-1] == " " * (column - 1) + "^"


def test_unknown_fields_get_the_closest_known_names() -> None:
    f, errors = read_filter('tierr = "Gold" and costbenefit > 2 and tax_cst < 1000')

    assert f is None
    assert [(e.column, e.suggestions[:1]) for e in errors] == [
        (1, ("tier",)),
        (20, ("cost_benefit",)),
        (40, ("tax_cost",)),
    ]
    assert "did you mean tier?" in str(errors[0])


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("tier > 3", "can be compared only with = or !="),
        ('value < "250000"', "is a number, so compare it with a number"),
        ("tier = 5", "is text, so compare it with a string"),
        ('mandate = "yes"', "true or false"),
        ("value", "not yes/no: compare it"),
        ("mandate in (true)", "is yes/no"),
        ('status = "opne"', 'one of open, closed or suspended, not "opne"'),
        ('tax_status in ("taxable", "roth")', "tax_exempt"),
    ],
)
def test_type_errors_name_the_field_and_the_fix(text: str, says: str) -> None:
    f, errors = read_filter(text)

    assert f is None
    assert any(says in str(e) for e in errors), [str(e) for e in errors]


def test_every_registered_field_can_be_used_as_its_type_allows() -> None:
    samples = {"text": '= "x"', "number": "> 1", "flag": "= true", "count": ">= 1"}
    for spec in FIELDS.values():
        value = f'= "{spec.choices[0]}"' if spec.choices else samples[spec.type.value]
        f, errors = read_filter(f"{spec.name} {value}")
        assert errors == [], spec.name
        assert f is not None
        assert f.fields == {spec.name}


def test_analysis_fields_are_known_to_need_the_latest_analysis() -> None:
    on_analysis, _ = read_filter("not data_errors")
    on_account, _ = read_filter('tier = "Gold"')

    assert on_analysis is not None
    assert on_analysis.reads_analysis
    assert on_account is not None
    assert not on_account.reads_analysis


def test_deep_nesting_and_huge_text_are_refused_not_crashed() -> None:
    _, deep = parse_filter("not " * 500 + "mandate")
    _, huge = parse_filter("mandate or " * 5000 + "mandate")

    assert "nests deeper" in str(deep[0])
    assert "at most" in str(huge[0])


def test_absent_values_follow_sql_three_valued_logic() -> None:
    never_analyzed: dict[str, object] = {"tier": "Gold"}
    f, _ = read_filter("not mandate")
    g, _ = read_filter('mandate or tier = "Gold"')
    h, _ = read_filter('not (mandate and tier = "Silver")')
    assert f is not None
    assert g is not None
    assert h is not None

    assert evaluate(f.expr, never_analyzed) is None
    assert matches(g, never_analyzed)  # unknown or true = true
    assert matches(h, never_analyzed)  # not (unknown and false) = not false = true


# ------------------------------------------------------------------ canonical text


_TEXT_FIELDS = ["tier", "advisor", "field.paperwork"]
_NUMBER_FIELDS = ["value", "drift", "cost_benefit"]
_strings = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_characters="\x7f"), max_size=8
)
_numbers = st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False)


def _leaves() -> st.SearchStrategy[Expr]:
    text = st.builds(
        lambda f, op, v: Comparison(FieldRef(f), op, Literal(v)),
        st.sampled_from(_TEXT_FIELDS),
        st.sampled_from([Comparator.EQ, Comparator.NE]),
        _strings,
    )
    number = st.builds(
        lambda f, op, v: Comparison(FieldRef(f), op, Literal(v)),
        st.sampled_from(_NUMBER_FIELDS),
        st.sampled_from(list(Comparator)),
        _numbers,
    )
    member = st.builds(
        lambda f, vs, neg: Membership(FieldRef(f), tuple(Literal(v) for v in vs), neg),
        st.sampled_from(_TEXT_FIELDS),
        st.lists(_strings, min_size=1, max_size=3),
        st.booleans(),
    )
    flag = st.builds(lambda f: Flag(FieldRef(f)), st.sampled_from(["mandate", "data_errors"]))
    return st.one_of(text, number, member, flag, st.builds(Constant, st.booleans()))


def _flat(kind: type[And] | type[Or], parts: list[Expr]) -> Expr:
    # The parser flattens `a or (b or c)` into one node; generate trees already flat.
    flat: list[Expr] = []
    for p in parts:
        flat.extend(p.operands if isinstance(p, kind) else [p])
    return kind(tuple(flat))


filters = st.recursive(
    _leaves(),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(lambda ps: _flat(And, ps), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda ps: _flat(Or, ps), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)


@given(filters)
def test_canonical_text_parses_back_to_the_same_filter(expr: Expr) -> None:
    again, errors = read_filter(to_text(expr))

    assert errors == []
    assert again is not None
    assert again.expr == expr
