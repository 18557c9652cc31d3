"""Scenarios of the routing policy on in-memory fakes: a new version is recorded only when
every filter it names is a firm filter that checks, by a principal, for a reason, with
one audit entry; the demo firm's filters and policy install in one transaction."""

from __future__ import annotations

import datetime as dt

from tests.builders import OPS
from tests.fakes.routing import FakeRoutingRepository
from tests.fakes.trading_desk import FakeTradingDesk
from trimtab.domain.filters import SavedFilter
from trimtab.domain.routing import Stage
from trimtab.services.routing import (
    DEMO_FILTERS,
    install_demo_policy,
    set_policy,
    show_policy,
)

NOW = dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC)
FILTERS = [("large", "value >= 1,000,000"), ("held", 'status = "suspended"')]


def desk() -> FakeTradingDesk:
    return FakeTradingDesk(routing=FakeRoutingRepository(FILTERS))


def test_setting_the_policy_records_a_version_by_the_principal_with_one_entry() -> None:
    d = desk()
    version, problems = set_policy(
        d, "suspend held\nreview large\n", principal=OPS, reason="hold first", now=NOW
    )
    assert (version, problems) == (1, [])
    policy, texts = show_policy(d)
    assert policy is not None
    assert [(r.stage, r.filter) for r in policy.rules] == [
        (Stage.SUSPEND, "held"),
        (Stage.REVIEW, "large"),
    ]
    assert texts == dict(FILTERS)
    assert (d.routing.versions[0].actor, d.routing.versions[0].reason) == ("cli:ops", "hold first")
    [entry] = d.audit.appended
    assert (entry.action, entry.reason) == ("routing.set", "hold first")
    assert entry.targets == ("routing:1", "filter:held", "filter:large")
    assert entry.summary["rules"] == {"from": [], "to": ["suspend held", "review large"]}

    assert set_policy(d, "review large\n", principal=OPS, reason="no holds")[0] == 2
    assert d.audit.appended[-1].summary["version"] == {"from": 1, "to": 2}


def test_a_policy_naming_an_unknown_or_broken_filter_is_refused_and_recorded_nowhere() -> None:
    d = desk()
    d.routing.save_firm_filters([SavedFilter("broken", "value >>= 3", "", None, "test")])
    version, problems = set_policy(d, "review nope\n", principal=OPS, reason="typo")
    assert version is None
    assert problems
    version, problems = set_policy(d, "review broken\n", principal=OPS, reason="x")
    assert (version, [p.path for p in problems]) == (None, ["broken"])
    assert set_policy(d, "review large\n", principal=OPS, reason=" ")[1][0].path == "reason"
    assert d.routing.versions == []
    assert d.audit.appended == []


def test_the_demo_policy_installs_its_filters_and_policy_in_one_transaction() -> None:
    d = FakeTradingDesk()
    version = install_demo_policy(d, principal=OPS, now=NOW)
    assert version == 1
    assert set(d.routing.filters) == {name for name, _e, _d in DEMO_FILTERS}
    assert {f.created_by for f in d.routing.filters.values()} == {"cli:ops"}
    policy = d.routing.policy()
    assert policy is not None
    assert len(policy.rules) == 13
    assert d.audit.actions() == ["routing.install_demo"]
    assert d.commits == 1
