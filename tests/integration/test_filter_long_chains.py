"""Scenarios: a firm pastes a long list of accounts as one filter, and it runs as one
bound query on SQLite and PostgreSQL with exactly the in-memory evaluator's answer.

SQLite refuses an expression tree deeper than 1,000 nodes, and it parses `a or b or c`
left-deep, so a long chain must not reach it as one chain.
"""

from __future__ import annotations

import pytest

from tests.builders import load_workflow_firm, workflow_firm, workflow_records
from trimtab.bootstrap import Database
from trimtab.domain.filters import read_filter
from trimtab.domain.filters.evaluate import evaluate

FIRM = workflow_firm()
RECORDS = workflow_records(FIRM)


@pytest.fixture
def firm_db(database: Database) -> Database:
    load_workflow_firm(database, FIRM)
    return database


def _agree(db: Database, text: str) -> list[str]:
    f, errors = read_filter(text)
    assert errors == [], errors[:1]
    assert f is not None
    expected = sorted(a for a, record in RECORDS.items() if evaluate(f.expr, record) is True)
    with db.unit_of_work() as uow:
        found = uow.selection.matching(f)
        assert uow.selection.count(f) == len(expected)
    assert found == expected
    return found


def test_a_chain_of_500_account_ids_selects_exactly_those_accounts(firm_db: Database) -> None:
    wanted = sorted(RECORDS)[::3]
    ids = wanted + [f"X-{i:04d}" for i in range(500 - len(wanted))]

    found = _agree(firm_db, " or ".join(f'id = "{a}"' for a in ids))

    assert found == wanted


def test_a_chain_of_2000_mixed_terms_runs_on_both_databases(firm_db: Database) -> None:
    terms = [
        f'tier = "T{i}"'
        if i % 4 == 0
        else f"value > {10**9 + i}"
        if i % 4 == 1
        else f'field.paperwork = "p{i}"'
        if i % 4 == 2
        else "mandate and trades > 3"
        for i in range(2000)
    ]

    _agree(firm_db, " or ".join(terms))


def test_long_and_chains_of_exclusions_run_on_both_databases(firm_db: Database) -> None:
    excluded = sorted(RECORDS)[:40] + [f"X-{i}" for i in range(1200)]

    found = _agree(firm_db, " and ".join(f'id != "{a}"' for a in excluded))

    assert found == sorted(RECORDS)[40:]
