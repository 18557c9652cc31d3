"""Scenarios: a finished run's firm-wide dashboard figures are computed once, and stay exact.

At 100,000 accounts each firm-wide figure of a run (outcomes, flagged accounts, flag
counts, suspensions) aggregates 100,000 outcomes; the store remembers them per finished
run (`store.dashboard_reads.RUN_FIGURES`). Here, on the demo firm of `conftest.py`:
the second firm-wide read of the compliance figures reads no run outcome at all and
answers the same; a run still running is read every time; an advisor's figures are
read every time in their scope and agree with the firm's; what may change after the run
(an advisor's name beside a flagged account) is current. A worker warms the model book
before its first request (`web.app` lifespan).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from tests.integration.web.conftest import WebFirm
from tests.integration.web.test_review_scope import _advisor_accounts
from trimtab.domain.principal import Principal, Role, Scope
from trimtab.services.dashboards import compliance_dashboard, overlay_dashboard
from trimtab.store import model_repository
from trimtab.store.dashboard_reads import RUN_FIGURES
from trimtab.web import create_app
from trimtab.web.settings import WebSettings

DESK = Principal("user:desk", "desk", frozenset({Role.COMPLIANCE, Role.OVERLAY}))


@contextmanager
def _statements(firm: WebFirm) -> Iterator[list[str]]:
    """The SQL statements run meanwhile on the firm's database."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = firm.database.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_finished_runs_firm_wide_figures_are_read_once(web_firm: WebFirm) -> None:
    RUN_FIGURES.clear()
    first = compliance_dashboard(web_firm.database.unit_of_work, viewer=DESK)
    outcomes = overlay_dashboard(web_firm.database.unit_of_work, viewer=DESK).outcomes
    assert first.run is not None
    assert first.outside_count > 0, "the firm needs flagged accounts for this test"
    with _statements(web_firm) as seen:
        again = compliance_dashboard(web_firm.database.unit_of_work, viewer=DESK)
        outcomes_again = overlay_dashboard(web_firm.database.unit_of_work, viewer=DESK).outcomes
    assert (again, outcomes_again) == (first, outcomes)
    assert seen, "the queue and the run are still read"
    assert not [s for s in seen if "run_outcomes" in s]  # remembered, not read again
    RUN_FIGURES.clear()
    assert overlay_dashboard(web_firm.database.unit_of_work, viewer=DESK).outcomes == outcomes


def test_a_run_still_running_is_read_every_time(web_firm: WebFirm) -> None:
    RUN_FIGURES.clear()
    with web_firm.database.engine.begin() as c:
        c.execute(text("UPDATE runs SET state = 'running' WHERE id = :r"), {"r": web_firm.run_id})
    try:
        compliance_dashboard(web_firm.database.unit_of_work, viewer=DESK)
        with _statements(web_firm) as seen:
            compliance_dashboard(web_firm.database.unit_of_work, viewer=DESK)
        assert [s for s in seen if "run_outcomes" in s]
    finally:
        with web_firm.database.engine.begin() as c:
            c.execute(
                text("UPDATE runs SET state = 'finished' WHERE id = :r"), {"r": web_firm.run_id}
            )
    RUN_FIGURES.clear()


def test_an_advisors_figures_are_their_accounts_of_the_firms_and_names_are_current(
    web_firm: WebFirm,
) -> None:
    RUN_FIGURES.clear()
    firm = compliance_dashboard(web_firm.database.unit_of_work, viewer=DESK, limit=1000)
    with web_firm.database.unit_of_work() as uow:
        team = uow.teams.get("demo-team")
        assert team is not None
    advisor = Principal(
        "user:lee",
        "lee",
        frozenset({Role.COMPLIANCE}),
        scope=Scope.advisors(web_firm.advisor_id, teams=[team.id]),
    )
    mine = compliance_dashboard(web_firm.database.unit_of_work, viewer=advisor, limit=1000)
    scope = _advisor_accounts(web_firm)
    assert [f.account for f in mine.outside] == [
        f.account for f in firm.outside if f.account in scope
    ]
    assert mine.outside_count == len(mine.outside) < firm.outside_count

    flagged = firm.outside[0]
    assert flagged.advisor is not None
    with web_firm.database.engine.begin() as c:
        c.execute(
            text("UPDATE advisors SET name = :n WHERE name = :o"),
            {"n": "Renamed Advisor", "o": flagged.advisor},
        )
    try:
        renamed = compliance_dashboard(web_firm.database.unit_of_work, viewer=DESK, limit=1000)
        assert renamed.outside[0].advisor == "Renamed Advisor"
        assert renamed.outside_count == firm.outside_count
    finally:
        with web_firm.database.engine.begin() as c:
            c.execute(
                text("UPDATE advisors SET name = :o WHERE name = :n"),
                {"n": "Renamed Advisor", "o": flagged.advisor},
            )


def test_a_worker_reads_the_model_book_before_its_first_request(web_firm: WebFirm) -> None:
    app: FastAPI = create_app(web_firm.database, settings=WebSettings(warm=True))
    model_repository._HISTORIES.pop(web_firm.database.engine, None)
    with TestClient(app):  # the lifespan runs: the worker starts
        cached = model_repository._HISTORIES.get(web_firm.database.engine, {})
        assert {"allocation", "model", "equivalence_set", "target"} <= set(cached)
