"""Scenarios: filters run as one SQL query on SQLite and PostgreSQL, with the same answer
as the in-memory evaluator, and hostile text stays data: it matches nothing unexpected
and changes nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.builders import (
    WORKFLOW_NOTES,
    WORKFLOW_TIERS,
    load_workflow_firm,
    workflow_firm,
    workflow_records,
)
from tests.unit.filters.test_filter_language import filters as generated_filters
from trimtab.bootstrap import Database
from trimtab.domain.filters import Expr, read_filter, to_text
from trimtab.domain.filters.evaluate import evaluate
from trimtab.store.tables import Base

FIRM = workflow_firm()
RECORDS = workflow_records(FIRM)

FILTERS = [
    'status = "open" and not data_errors and value < 250,000 and (mandate or cost_benefit >= 2)',
    'tier in ("Platinum", "Gold") and advisor = "A. Rivera"',
    'field.paperwork = "incomplete"',
    'field.paperwork != "incomplete"',
    "not mandate",
    "data_errors",
    "trades >= 2 and turnover < 5%",
    "tax_cost < 1,000 or estimated_tax > 2k",
    'tier = "gold"',
    'tier != "Gold"',
    'tier not in ("Gold", "Silver")',
    'branch = "Denver" or program = "ESG"',
    'household in ("H-01", "H-02") and tax_status = "taxable"',
    "discretionary and not approved",
    "approved = false",
    'not (status = "closed" or status = "suspended")',
    "drift > 0.03",
    "value in (500000, 1m)",
    "true",
    "false",
    'id = "A-00-0"',
    'field.note = ""',
    "not (mandate and trades)",
]


def _everything(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }


def _run(db: Database, text: str) -> list[str]:
    f, errors = read_filter(text)
    assert errors == [], errors
    assert f is not None
    with db.unit_of_work() as uow:
        return uow.selection.matching(f)


def _expected(expr: Expr) -> list[str]:
    return sorted(a for a, record in RECORDS.items() if evaluate(expr, record) is True)


@pytest.fixture
def firm_db(database: Database) -> Database:
    load_workflow_firm(database, FIRM)
    return database


def test_each_filter_returns_exactly_what_the_evaluator_selects(firm_db: Database) -> None:
    for text in FILTERS:
        f, _ = read_filter(text)
        assert f is not None
        assert _run(firm_db, text) == _expected(f.expr), text
    with firm_db.unit_of_work() as uow:
        f, _ = read_filter('tier = "Platinum"')
        assert f is not None
        assert uow.selection.count(f) == len(_expected(f.expr))
        assert uow.selection.matching(f, limit=2) == _expected(f.expr)[:2]


def test_generated_filters_agree_with_the_evaluator(firm_db: Database) -> None:
    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(generated_filters)
    def agree(expr: Expr) -> None:
        assert _run(firm_db, to_text(expr)) == _expected(expr)

    agree()


# Text an attacker might try, as a value or as the filter itself.
HOSTILE_VALUES = [
    "' OR 1=1 --",
    '" OR 1=1 --',
    "x'; DROP TABLE accounts; --",
    "/* */",
    "a;b",
    "Gold') OR ('1'='1",
    "Ｇold",  # fullwidth G: looks like Gold, is not
    "Gоld",  # Cyrillic o
    "\\",
    "%",
    "_",
]
HOSTILE_FILTERS = [
    'tier = "Gold"; DROP TABLE accounts',
    'tier = "Gold" -- and status = "open"',
    'tier = "Gold" /* comment */',
    "tier = 'Gold' OR '1'='1'",
    'tier = "Gold" OR 1=1',
    'tiеr = "Gold"',  # Cyrillic e in the field name
    'tier = "Go\x00ld"',
    'tier = "Gold"\x00; DELETE FROM accounts',
    'field.x; DROP TABLE accounts = "1"',
    'field."paperwork" = "x"',
    'field.paperwork\') = "x"',
    "value < 1e9999",
    'tier = "Gold" UNION SELECT id FROM accounts',
]


@pytest.mark.parametrize("field", ["tier", "field.note", "advisor"])
def test_hostile_values_are_data_and_match_only_accounts_holding_them(
    firm_db: Database, field: str
) -> None:
    before = _everything(firm_db)
    for value in HOSTILE_VALUES + [v for v in WORKFLOW_TIERS + WORKFLOW_NOTES if v]:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        text = f'{field} = "{escaped}"'
        f, errors = read_filter(text)
        assert errors == [], text
        assert f is not None
        holders = sorted(a for a, r in RECORDS.items() if r.get(field) == value)
        assert _run(firm_db, text) == holders, text
    assert _everything(firm_db) == before


def test_hostile_filter_text_is_refused_with_a_position_and_changes_nothing(
    firm_db: Database,
) -> None:
    before = _everything(firm_db)
    for text in HOSTILE_FILTERS:
        f, errors = read_filter(text)
        assert f is None, text
        assert errors[0].line >= 1
        assert errors[0].column >= 1
    assert _everything(firm_db) == before
    assert before["accounts"] == len(FIRM.accounts)


def test_string_equality_is_exact_on_both_databases(firm_db: Database) -> None:
    gold = _run(firm_db, 'tier = "Gold"')
    lower = _run(firm_db, 'tier = "gold"')

    assert gold
    assert lower
    assert not set(gold) & set(lower)
    assert _run(firm_db, 'tier = "Gold "') == []
    assert _run(firm_db, 'tier = "Gol%"') == []


@given(st.text(max_size=40))
@settings(max_examples=200)
def test_arbitrary_text_either_checks_or_returns_errors_never_raises(text: str) -> None:
    f, errors = read_filter(text)

    assert (f is None) == bool(errors)
    for e in errors:
        assert e.line >= 1
        assert e.column >= 1
        assert str(e)
