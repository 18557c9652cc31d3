"""The runbook (docs/operations.md) says what to do about every alert trimtab can raise:
an alert kind added to the catalog without a line in the runbook fails here."""

from __future__ import annotations

from pathlib import Path

from trimtab.services.monitoring import ALERT_CATALOG

RUNBOOK = Path(__file__).parents[3] / "docs" / "operations.md"


def test_the_runbook_answers_every_alert_in_the_catalog() -> None:
    rows = [line for line in RUNBOOK.read_text().splitlines() if line.startswith("| `")]
    answered = {line.split("`")[1] for line in rows}
    assert set(ALERT_CATALOG) <= answered, sorted(set(ALERT_CATALOG) - answered)
