"""Scenarios: the routing policy gives each account exactly one outcome, in policy order."""

from __future__ import annotations

import pytest

from trimtab.domain.routing import Outcome, RoutingPolicy, RoutingRule, Stage, parse_policy, route

POLICY = RoutingPolicy(
    (
        RoutingRule(Stage.SUSPEND, "bad_data"),
        RoutingRule(Stage.SUSPEND, "closing"),
        RoutingRule(Stage.AUTO_TRADE, "small"),
        RoutingRule(Stage.REVIEW, "large"),
        RoutingRule(Stage.FLAG, "drifted"),
    )
)


@pytest.mark.parametrize(
    ("hits", "decided", "trades", "expected"),
    [
        ({"bad_data", "closing", "small"}, True, 2, (Outcome.SUSPENDED, "bad_data")),
        ({"closing"}, False, 0, (Outcome.SUSPENDED, "closing")),
        (set(), False, 0, (Outcome.SUSPENDED, "analysis_failed")),
        ({"small"}, True, 0, (Outcome.NO_TRADE, "no_trades")),
        ({"small", "large"}, True, 4, (Outcome.AUTO_TRADE, "small")),
        ({"large"}, True, 4, (Outcome.REVIEW, "large")),
        (set(), True, 4, (Outcome.REVIEW, "not_auto_tradable")),
    ],
)
def test_the_first_matching_rule_of_the_earliest_stage_decides(
    hits: set[str], decided: bool, trades: int, expected: tuple[Outcome, str]
) -> None:
    r = route(POLICY, hits.__contains__, decided=decided, trades=trades)
    assert (r.outcome, r.rule) == expected


def test_flags_never_change_the_outcome() -> None:
    r = route(POLICY, {"small", "drifted"}.__contains__, decided=True, trades=1)
    assert (r.outcome, r.flags) == (Outcome.AUTO_TRADE, ("drifted",))


def test_a_policy_text_is_checked_line_by_line() -> None:
    policy, problems = parse_policy(POLICY.text(), known_filters=POLICY.filters)
    assert problems == []
    assert policy is not None
    assert policy.rules == POLICY.rules
    _, problems = parse_policy(
        "review large\nsuspend bad_data\nauto small extra\nflag nope\n",
        known_filters=["large", "bad_data"],
    )
    assert [p.path for p in problems] == ["line 2", "line 3", "line 4"]
