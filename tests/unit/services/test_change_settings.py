"""Scenarios of the settings use cases on in-memory fakes (`tests.fakes.settings`): a
value set at a wide scope is in force at the account with its lineage; a bulk change
skips exactly its exemptions; a revert restores the value replaced; every write leaves
one audit entry and a bad value writes nothing."""

from __future__ import annotations

import datetime as dt

from tests.fakes.settings import FakeWorkflowDesk, account
from trimtab.domain.bulk_changes import BulkChangeRequest, Exemption
from trimtab.domain.principal import Principal
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_levels import Scope
from trimtab.services.change_settings import (
    bulk_change,
    revert_change,
    set_setting,
    show_settings,
)

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
ANA = Principal.cli("ana")
SCHEDULE = "commission_schedule"


def _desk() -> FakeWorkflowDesk:
    return FakeWorkflowDesk.with_accounts(
        account("A-1", "H-1", tier="Platinum"),
        account("A-2", "H-1", tier="Platinum"),
        account("A-3", "H-2", tier="Platinum"),
        account("A-4", "H-2", tier="Gold"),
    )


def _in_force(desk: FakeWorkflowDesk, account_id: str) -> dict[str, object]:
    effective, problems = show_settings(desk, account_id)
    assert problems == []
    assert effective is not None
    return {e.setting: e.value for e in effective}


def test_a_household_setting_is_in_force_at_its_accounts_with_its_lineage() -> None:
    desk = _desk()
    change, problems = set_setting(
        desk,
        principal=ANA,
        setting=SCHEDULE,
        scope=Scope(Level.HOUSEHOLD, "H-1"),
        value="b",
        reason="2026 pricing",
        now=NOW,
    )
    assert problems == []
    assert change is not None
    assert (change.value, change.actor, change.at) == ("B", "cli:ana", NOW)  # catalog spelling
    effective, _ = show_settings(desk, "A-2")
    assert effective is not None
    [schedule] = [e for e in effective if e.setting == SCHEDULE]
    assert (schedule.value, schedule.sources) == ("B", (change,))
    assert _in_force(desk, "A-3")[SCHEDULE] == "standard"  # another household: the default
    [entry] = desk.audit.appended
    assert (entry.action, entry.principal, entry.targets) == (
        "settings.set",
        "cli:ana",
        ("household:H-1",),
    )
    # The summary's value is the one typed ("b"), not the recorded "B": checked elsewhere.
    assert (entry.summary["setting"], entry.summary["change"]) == (SCHEDULE, change.id)
    assert desk.commits == 1


def test_a_value_outside_the_vocabulary_is_a_problem_and_writes_nothing() -> None:
    desk = _desk()
    change, problems = set_setting(
        desk,
        principal=ANA,
        setting=SCHEDULE,
        scope=Scope(Level.ACCOUNT, "A-1"),
        value="Z",
        reason="typo",
        now=NOW,
    )
    assert change is None
    assert problems
    assert (desk.settings.history(), desk.audit.appended, desk.commits) == ([], [], 0)


def test_a_setting_on_an_unknown_account_is_a_problem_and_writes_nothing() -> None:
    desk = _desk()
    change, problems = set_setting(
        desk,
        principal=ANA,
        setting=SCHEDULE,
        scope=Scope(Level.ACCOUNT, "A-9"),
        value="B",
        reason="no such account",
        now=NOW,
    )
    assert change is None
    assert [p.path for p in problems] == ["scope"]
    assert (desk.settings.history(), desk.audit.appended, desk.commits) == ([], [], 0)


def test_a_bulk_change_with_one_exemption_changes_exactly_the_others() -> None:
    desk = _desk()
    request = BulkChangeRequest(
        SCHEDULE,
        "C",
        'tier = "Platinum"',
        "platinum pricing",
        exempt_accounts=(Exemption("A-2", "grandfathered"),),
    )
    result, problems = bulk_change(desk, request, principal=ANA, apply=True, now=NOW)
    assert problems == []
    assert result is not None
    assert result.bulk_id is not None
    assert {a: _in_force(desk, a)[SCHEDULE] for a in ("A-1", "A-2", "A-3", "A-4")} == {
        "A-1": "C",
        "A-2": "standard",  # exempted
        "A-3": "C",
        "A-4": "standard",  # not matched: Gold
    }
    assert {c.scope.id for c in desk.settings.history()} == {"A-1", "A-3"}
    recorded = desk.settings.bulk(result.bulk_id)
    assert recorded is not None
    assert recorded.exemptions == (Exemption("A-2", "grandfathered"),)
    [entry] = desk.audit.appended
    assert entry.action == "settings.bulk_change"
    assert entry.targets == ("A-1", "A-3", f"bulk:{result.bulk_id}")
    assert desk.commits == 1


def test_a_bulk_preview_writes_nothing() -> None:
    desk = _desk()
    request = BulkChangeRequest(SCHEDULE, "C", 'tier = "Platinum"', "see first")
    result, problems = bulk_change(desk, request, principal=ANA, now=NOW)
    assert problems == []
    assert result is not None
    assert result.bulk_id is None
    assert (desk.settings.history(), desk.audit.appended, desk.commits) == ([], [], 0)


def test_an_exemption_for_an_unknown_account_is_a_problem_and_writes_nothing() -> None:
    desk = _desk()
    request = BulkChangeRequest(
        SCHEDULE,
        "C",
        'tier = "Platinum"',
        "platinum pricing",
        exempt_accounts=(Exemption("A-9", "typo"),),
    )
    result, problems = bulk_change(desk, request, principal=ANA, apply=True, now=NOW)
    assert result is None
    assert [p.path for p in problems] == ["exempt_accounts"]
    assert (desk.settings.history(), desk.audit.appended, desk.commits) == ([], [], 0)


def test_a_revert_restores_the_value_replaced_with_its_own_entry() -> None:
    desk = _desk()
    scope = Scope(Level.ACCOUNT, "A-1")
    first, _ = set_setting(
        desk, principal=ANA, setting=SCHEDULE, scope=scope, value="A", reason="one", now=NOW
    )
    second, _ = set_setting(
        desk,
        principal=ANA,
        setting=SCHEDULE,
        scope=scope,
        value="D",
        reason="two",
        now=NOW + dt.timedelta(hours=1),
    )
    assert first is not None
    assert second is not None
    later = NOW + dt.timedelta(hours=2)
    reverted, problems = revert_change(desk, second.id, principal=ANA, reason="oops", now=later)
    assert problems == []
    assert reverted is not None
    assert (reverted.value, reverted.reverts) == ("A", second.id)
    assert _in_force(desk, "A-1")[SCHEDULE] == "A"
    assert desk.audit.actions() == ["settings.set", "settings.set", "settings.revert"]
    assert desk.audit.appended[-1].targets == ("A-1", f"change:{second.id}")
    assert desk.commits == 3


def test_a_revert_of_a_change_that_does_not_exist_writes_nothing() -> None:
    desk = _desk()
    reverted, problems = revert_change(desk, 42, principal=ANA, reason="no such", now=NOW)
    assert reverted is None
    assert problems
    assert (desk.settings.history(), desk.audit.appended, desk.commits) == ([], [], 0)
