"""Scenarios of the model book use cases on in-memory fakes (`tests.fakes.models`): a
definition recorded is versioned with one audit entry; a customization outside its
parent's limits is refused and nothing is saved; an account is assigned a target."""

from __future__ import annotations

import dataclasses
import datetime as dt

from tests.builders import BALANCED, CLASSES, DIRECT_INDEX, FIRM_TARGET, SECURITIES, SP500, child
from tests.fakes.models import FakeModelDesk
from trimtab.domain import Account, Firm, Household, TaxStatus
from trimtab.domain.principal import Principal
from trimtab.domain.problems import ProblemKind
from trimtab.domain.targets import Product, ReplaceProduct
from trimtab.services.model_book import assign_target, history, record_definitions

JAN_1 = dt.date(2026, 1, 1)
NOW = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
IPC, ADV = Principal.cli("ipc"), Principal.cli("adv")


def _desk() -> FakeModelDesk:
    """A firm with its classes, securities and one account, and no model book yet."""
    desk = FakeModelDesk()
    desk.organization.add_firm(Firm("FIRM", "Demo Wealth"))
    for c in CLASSES.classes.values():
        desk.asset_classes.add(c)
    for s in SECURITIES.values():
        desk.securities.add(s)
    desk.households.add(Household("H1"))
    desk.accounts.add(Account("A1", "H1", TaxStatus.TAXABLE))
    return desk


def _with_book() -> FakeModelDesk:
    desk = _desk()
    result = record_definitions(
        desk,
        [BALANCED, DIRECT_INDEX, SP500, FIRM_TARGET],
        principal=IPC,
        reason="initial book",
        now=NOW,
        effective=JAN_1,
    )
    assert result.saved, result.problems
    return desk


def test_recording_definitions_versions_them_with_one_entry() -> None:
    desk = _with_book()
    [version] = history(desk, "target", "BAL-ETF")
    assert (version.number, version.value, version.author) == (1, FIRM_TARGET, "cli:ipc")
    assert (version.reason, version.effective) == ("initial book", JAN_1)
    [entry] = desk.audit.appended
    assert (entry.action, entry.principal, entry.reason) == (
        "models.record",
        "cli:ipc",
        "initial book",
    )
    assert set(entry.targets) == {"allocation:BAL", "model:DI-LC", "set:SP500", "target:BAL-ETF"}
    assert entry.summary["effective"] == "2026-01-01"
    assert desk.commits == 1


def test_a_second_recording_is_a_new_version_and_a_new_entry() -> None:
    desk = _with_book()
    renamed = dataclasses.replace(BALANCED, name="Balanced (2026)")
    result = record_definitions(desk, [renamed], principal=IPC, reason="rename", now=NOW)
    assert result.saved, result.problems
    assert [v.number for v in history(desk, "allocation", "BAL")] == [1, 2]
    assert desk.audit.actions() == ["models.record", "models.record"]
    assert desk.audit.appended[-1].targets == ("allocation:BAL",)


def test_a_customization_outside_the_limits_is_refused_and_nothing_is_saved() -> None:
    desk = _with_book()
    swap = child("BAD", ReplaceProduct("US_LARGE", Product.fund("BND")))
    result = record_definitions(desk, [swap], principal=ADV, reason="bonds instead", now=NOW)
    assert not result.saved
    assert "not an allowed product for US_LARGE" in result.problems[0].message
    assert history(desk, "target", "BAD") == []
    assert desk.audit.actions() == ["models.record"]  # the initial book's only
    assert desk.commits == 1


def test_assigning_a_target_makes_the_account_follow_it_with_one_entry() -> None:
    desk = _with_book()
    problems = assign_target(desk, "A1", "BAL-ETF", principal=ADV, as_of=JAN_1, reason="onboard")
    assert problems == []
    assert desk.model_book.target_of("A1") == "BAL-ETF"
    entry = desk.audit.appended[-1]
    assert (entry.action, entry.targets) == ("models.assign", ("A1", "target:BAL-ETF"))
    assert entry.summary == {"target": "BAL-ETF", "previous": None, "as_of": "2026-01-01"}


def test_assigning_an_unknown_account_or_target_writes_nothing() -> None:
    desk = _with_book()
    [missing] = assign_target(desk, "A9", "BAL-ETF", principal=ADV, as_of=JAN_1)
    assert missing.kind is ProblemKind.NOT_FOUND
    assert assign_target(desk, "A1", "NO-SUCH", principal=ADV, as_of=JAN_1) != []
    assert desk.model_book.target_of("A1") is None
    assert desk.audit.actions() == ["models.record"]
