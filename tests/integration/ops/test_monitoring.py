"""Scenarios: the process checks turn what went wrong into alerts, and clear them.

A firm expecting Northbank's lots by 07:00 New York time on Monday 2025-06-30: the
check at 08:00 finds them missing; the file comes at 08:40; Tuesday's check moves on.
"""

from __future__ import annotations

import datetime as dt

from trimtab.bootstrap import Database
from trimtab.domain.alerts import AlertState, Severity
from trimtab.domain.file_transfers import ArrivalOutcome, ExpectedFile
from trimtab.domain.principal import Principal
from trimtab.services.alerts import AlertQuery, list_alerts
from trimtab.services.feed_ports import FeedLoad
from trimtab.services.file_monitoring import expect_files
from trimtab.services.monitoring import MONITOR, check_processes

MONDAY = dt.date(2025, 6, 30)
NY = dt.timezone(dt.timedelta(hours=-4))
MISSING = "file.missing:northbank-lots:2025-06-30"
LATE = "file.late:northbank-lots:2025-06-30"


def _at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NY)


def _expecting_lots(db: Database) -> None:
    lots = [ExpectedFile("northbank", "lots", dt.time(7))]
    expect_files(db.unit_of_work, "northbank", lots, timezone="America/New_York",
                 principal=Principal.cli("setup"))  # fmt: skip


def _arrives(db: Database, at: dt.datetime) -> None:
    with db.unit_of_work() as uow:
        uow.feed_loads.record(
            FeedLoad("northbank", "lots", "lots.csv", "c0ffee", ArrivalOutcome.LOADED, at, "t")
        )
        uow.commit()


def _states(db: Database) -> dict[str, AlertState]:
    return {a.cause: a.state for a in list_alerts(db.unit_of_work, AlertQuery(limit=None))}


def test_a_missing_file_alerts_then_resolves_into_a_late_one_then_clears(
    database: Database,
) -> None:
    _expecting_lots(database)
    early = check_processes(database.unit_of_work, day=MONDAY, now=_at(6, 30))
    assert MISSING not in {a.cause for a in early.found}, "not due before its deadline"

    report = check_processes(database.unit_of_work, day=MONDAY, now=_at(8))
    (missing,) = [a for a in report.opened if a.cause == MISSING]
    assert missing.severity is Severity.CRITICAL
    assert missing.raised_by == MONITOR.recorded_as
    assert "ask the source" in missing.alert.action
    again = check_processes(database.unit_of_work, day=MONDAY, now=_at(8, 30))
    assert MISSING not in {a.cause for a in again.opened}, "found again, not opened again"

    _arrives(database, _at(8, 40))
    after = check_processes(database.unit_of_work, day=MONDAY, now=_at(9))
    assert [a.cause for a in after.resolved] == [MISSING]
    assert _states(database)[LATE] is AlertState.OPEN

    tuesday = MONDAY + dt.timedelta(days=1)
    check_processes(database.unit_of_work, day=tuesday, now=_at(6, day=tuesday))
    states = _states(database)
    assert states[MISSING] is states[LATE] is AlertState.RESOLVED


def test_a_missing_file_of_an_earlier_day_stays_open_until_it_comes(database: Database) -> None:
    _expecting_lots(database)
    check_processes(database.unit_of_work, day=MONDAY, now=_at(8))
    tuesday = MONDAY + dt.timedelta(days=1)
    check_processes(database.unit_of_work, day=tuesday, now=_at(6, day=tuesday))
    assert _states(database)[MISSING] is AlertState.OPEN
    _arrives(database, _at(6, 30, day=tuesday))  # Monday's file, a day late
    check_processes(database.unit_of_work, day=tuesday, now=_at(6, 45, day=tuesday))
    assert _states(database)[MISSING] is AlertState.RESOLVED


def test_a_firm_with_no_run_is_told_so_and_other_alerts_are_left_alone(
    database: Database,
) -> None:
    from trimtab.domain.alerts import Alert
    from trimtab.domain.principal import SCHEDULER
    from trimtab.services.alerts import raise_alert

    theirs = Alert("executions.unmatched:E-1", Severity.CRITICAL, "unmatched fill", "look")
    raise_alert(database.unit_of_work, theirs, principal=SCHEDULER, at=_at(5))
    report = check_processes(database.unit_of_work, day=MONDAY, now=_at(8))
    assert "run.none:firm" in {a.cause for a in report.found}
    assert _states(database)[theirs.cause] is AlertState.OPEN, "not the monitor's to resolve"
