"""Property: whatever a client sends to the JSON API, the answer is in its own schema.

schemathesis reads `/api/v1/openapi.json` from the app itself and, for every operation,
sends generated requests — valid ones and invalid ones — authenticated with a system
token of the admin role, against the small demo firm after one night (proposals to
decide, a run to void, orders to export). Each answer must not be a server error,
must have a status the operation documents, a content type it documents, and a body
that conforms to the documented schema (errors included: `{kind, message, details}`).

Writes are real (approvals, voids, saved filters, settings), so every operation gets
its own copy of the firm: the examples of one operation never see another's writes.
Examples per operation are bounded (`EXAMPLES`) and, under CI=true, derandomized so a
failure reproduces; the whole run stays well under two minutes on two cores.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.web.conftest import SETUP, build_firm
from trimtab.bootstrap import open_database
from trimtab.domain.principal import Role
from trimtab.services.users import create_token
from trimtab.web import create_app

EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Template:
    database: Path  # the firm, built once, copied for each operation
    token: str  # an admin system token's secret


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    path = tmp_path_factory.mktemp("api-schema") / "firm.db"
    db = open_database(f"sqlite:///{path}")
    db.upgrade()
    build_firm(db)
    issued, problems = create_token(db.unit_of_work, "schemathesis", Role.ADMIN, principal=SETUP)
    assert issued is not None, problems
    db.close()  # the last connection closed: the write-ahead log is in the file
    return Template(path, issued.secret)


@pytest.fixture
def firm_app(template: Template, tmp_path: Path) -> Iterator[FastAPI]:
    """The app on this operation's own copy of the firm."""
    copy = tmp_path / "firm.db"
    shutil.copyfile(template.database, copy)
    db = open_database(f"sqlite:///{copy}")
    yield create_app(db)
    db.close()


# The schema is the app's own; it does not depend on the database, which is opened per
# operation above and handed to each call (`app=`). (`schemathesis.pytest.from_fixture`
# would read it from a fixture, but fails on pytest 9: it sets a private node id.)
schema = schemathesis.openapi.from_dict(create_app(open_database("sqlite://")).openapi())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=os.environ.get("CI") == "true",
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_answer_is_in_the_schema(
    case: schemathesis.Case[Any], template: Template, firm_app: FastAPI
) -> None:
    case.call_and_validate(
        app=firm_app, headers={"Authorization": f"Bearer {template.token}"}, checks=CHECKS
    )
