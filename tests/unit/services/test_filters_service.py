"""Scenarios of saved filters on in-memory fakes: a filter is saved by a principal with one
audit entry; one saved for someone else is theirs; a bad filter is saved nowhere."""

from __future__ import annotations

import datetime as dt

from tests.builders import user
from tests.fakes.filters import FakeFilterDesk
from trimtab.domain.principal import Principal, Role
from trimtab.services.filters import list_filters, save_filter, show_filter

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
ANA = Principal.cli("ana")
BO = user("bo", Role.ADVISOR, advisors=["ADV-1"])


def test_a_shared_filter_is_the_firms_and_leaves_one_entry_by_its_author() -> None:
    desk = FakeFilterDesk()
    saved, problems = save_filter(
        desk, principal=ANA, name="big", expression="value > 1m", shared=True, now=NOW
    )
    assert problems == []
    assert saved is not None
    assert (saved.owner, saved.created_by) == (None, "cli:ana")
    assert desk.commits == 1
    [entry] = desk.audit.appended
    assert (entry.action, entry.principal, entry.on_behalf_of) == ("filters.save", "cli:ana", None)
    assert entry.targets == ("filter:big",)
    assert entry.summary == {"expression": saved.expression, "shared": True, "owner": None}
    assert entry.at == NOW
    assert [f.name for f in list_filters(desk, viewer=BO)] == ["big"]  # the firm's: everyone's


def test_a_filter_saved_on_behalf_of_an_advisor_is_the_advisors_own() -> None:
    desk = FakeFilterDesk()
    saved, _ = save_filter(
        desk, principal=ANA.acting_for(BO), name="mine", expression='tier = "Gold"', now=NOW
    )
    assert saved is not None
    assert (saved.owner, saved.created_by) == ("user:bo", "cli:ana for user:bo")
    [entry] = desk.audit.appended
    assert (entry.principal, entry.on_behalf_of) == ("cli:ana", "user:bo")
    assert show_filter(desk, "mine", viewer=BO)[0] == saved
    assert show_filter(desk, "mine", viewer=ANA)[0] is None  # not the admin's own filter
    assert list_filters(desk, viewer=ANA) == []


def test_a_bad_name_or_expression_is_saved_nowhere_and_leaves_no_entry() -> None:
    desk = FakeFilterDesk()
    saved, problems = save_filter(desk, principal=ANA, name="bad one", expression="value <")
    assert saved is None
    assert [p.path for p in problems] == ["name", "expression"]
    assert desk.filters.saved == {}
    assert desk.audit.appended == []
    assert desk.commits == 0
