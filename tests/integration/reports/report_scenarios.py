"""The report writes' scenarios for tests/integration/test_every_write_is_audited.py.

Each makes the state its write needs (a firm after one night) and returns the call and
the target id its audit entry must name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tests.builders import TESTER
from tests.integration.reports.night import one_night
from trimtab.bootstrap import Database
from trimtab.domain.principal import Principal
from trimtab.services.health_checks import (
    exempt_call_to_action,
    health_report,
    record_health_checks,
)
from trimtab.services.report_scope import Level, ReportRequest
from trimtab.services.taxes_saved import compute_counterfactuals, record_taxes_saved_to_date

__all__ = ["REPORT_SCENARIOS"]

Made = tuple[Callable[[], object], str]


def counterfactuals(db: Database, who: Principal) -> Made:
    run_id = one_night(db, accounts=8)
    return lambda: compute_counterfactuals(db.unit_of_work, run_id, principal=who), f"run:{run_id}"


def taxes_saved_total(db: Database, who: Principal) -> Made:
    run_id = one_night(db, accounts=8)
    compute_counterfactuals(db.unit_of_work, run_id, principal=TESTER)
    return lambda: record_taxes_saved_to_date(db.unit_of_work, principal=who), "firm"


def health_record(db: Database, who: Principal) -> Made:
    run_id = one_night(db, accounts=8)
    return lambda: record_health_checks(db.unit_of_work, run_id, principal=who), f"run:{run_id}"


def health_exempt(db: Database, who: Principal) -> Made:
    run_id = one_night(db, accounts=8)
    record_health_checks(db.unit_of_work, run_id, principal=TESTER)
    day = dt.date.fromisoformat(run_id.rsplit(".", 1)[0])
    firm = ReportRequest(Level.FIRM, None, dt.date(day.year, 1, 1), day)
    report, _ = health_report(db.unit_of_work, firm, viewer=TESTER)
    assert report is not None
    assert report.calls, "the scenario needs a failed check"
    check = report.calls[0].check

    def act() -> object:
        exemption, problems = exempt_call_to_action(
            db.unit_of_work, run_id, check.account, check.kind, reason="on purpose", principal=who
        )
        assert problems == []
        return exemption

    return act, check.account


REPORT_SCENARIOS: dict[str, Callable[[Database, Principal], Made]] = {
    "reports.counterfactuals": counterfactuals,
    "reports.taxes_saved_total": taxes_saved_total,
    "reports.health_record": health_record,
    "reports.health_exempt": health_exempt,
}
