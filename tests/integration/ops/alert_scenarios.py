"""The alert writes' scenarios for tests/integration/test_every_write_is_audited.py.

Each makes the state its write needs and returns the call and the target id the audit
entry must name (`alert:<id>`). `check_processes` writes through `alerts.raise` and
`alerts.resolve` with its own system principal, so it is a delegate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from trimtab.bootstrap import Database
from trimtab.domain.alerts import Alert, Severity
from trimtab.domain.principal import SCHEDULER, Principal
from trimtab.services.alerts import AlertQuery, acknowledge_alert, raise_alert, resolve_alert

__all__ = ["ALERT_DELEGATES", "ALERT_SCENARIOS", "FOUND"]

AT = dt.datetime(2025, 6, 30, 9, 10, tzinfo=dt.UTC)
FOUND = Alert(
    "file.missing:northbank-lots:2025-06-30",
    Severity.CRITICAL,
    "northbank-lots missing: nothing arrived by 07:00",
    "ask the source to send it",
)

Made = tuple[Callable[[], object], str]


def _opened(db: Database) -> int:
    return raise_alert(db.unit_of_work, FOUND, principal=SCHEDULER, at=AT).id


def alerts_raise(db: Database, who: Principal) -> Made:
    # The first raise opens the episode: one entry. (Raising it again records nothing.)
    def act() -> object:
        return raise_alert(db.unit_of_work, FOUND, principal=who, at=AT)

    with db.unit_of_work() as uow:
        next_id = len(uow.alerts.query(AlertQuery(limit=None))) + 1
    return act, f"alert:{next_id}"


def alerts_acknowledge(db: Database, who: Principal) -> Made:
    id = _opened(db)
    return lambda: acknowledge_alert(
        db.unit_of_work, id, principal=who, note="on it"
    ), f"alert:{id}"


def alerts_resolve(db: Database, who: Principal) -> Made:
    id = _opened(db)
    return lambda: resolve_alert(db.unit_of_work, id, principal=who, note="loaded"), f"alert:{id}"


ALERT_SCENARIOS: dict[str, Callable[[Database, Principal], Made]] = {
    "alerts.raise": alerts_raise,
    "alerts.acknowledge": alerts_acknowledge,
    "alerts.resolve": alerts_resolve,
}

ALERT_DELEGATES: dict[str, tuple[str, ...]] = {
    "trimtab.services.monitoring.check_processes": ("alerts.raise", "alerts.resolve"),
}
