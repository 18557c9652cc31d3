"""Routing: which of four doors each analyzed account goes through, and which filter sent it.

Problem: every night each account's proposal must be traded automatically, put in front
of a person, held back, or left alone — and the firm must be able to say, for any
account, exactly which of its rules decided. Ad-hoc `if`s in the batch would hide the
policy in code; a firm edits its policy, not our code.

Rule: a `RoutingPolicy` is an ordered list of `RoutingRule`s, each a stage and the name
of a saved filter. For one account (its fields plus tonight's analysis, as the filter
language sees them), in order:

1. the first matching `suspend` rule → SUSPENDED (bad data, closing, large pending flow,
   incomplete paperwork, compliance hold, ...);
2. an analysis that did not produce a decision (infeasible, invalid input, a solver or
   program error, no target) → SUSPENDED by the built-in rule `analysis_failed`;
3. no trades proposed → NO_TRADE (built-in rule `no_trades`);
4. the first matching `auto_trade` rule → AUTO_TRADE;
5. the first matching `review` rule → REVIEW (thresholds that fall as value rises are
   several review rules, one per value band);
6. otherwise → REVIEW by the built-in rule `not_auto_tradable`: a proposal no rule
   allowed to trade waits for a person, never trades by default.

`flag` rules never change the outcome: every matching one is listed on the account
(compliance review, management review such as "should have traded and did not").
Each account gets exactly one outcome. The caller supplies `matches(filter_name)`, so the
same policy runs in memory (`domain.filters.matches`) or against SQL.

    >>> policy = RoutingPolicy((RoutingRule(Stage.SUSPEND, "bad_data"),
    ...                         RoutingRule(Stage.AUTO_TRADE, "small_and_cheap"),
    ...                         RoutingRule(Stage.FLAG, "large_drift")))
    >>> r = route(policy, lambda name: name in {"small_and_cheap", "large_drift"},
    ...           decided=True, trades=3)
    >>> r.outcome.value, r.rule, r.flags
    ('auto_trade', 'small_and_cheap', ('large_drift',))
    >>> route(policy, lambda name: name == "bad_data", decided=True, trades=3).rule
    'bad_data'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from trimtab.domain.problems import Problem

__all__ = [
    "ANALYSIS_FAILED",
    "NOT_AUTO_TRADABLE",
    "NO_TRADES",
    "Outcome",
    "Routing",
    "RoutingPolicy",
    "RoutingRule",
    "Stage",
    "parse_policy",
    "route",
]

ANALYSIS_FAILED = "analysis_failed"
NO_TRADES = "no_trades"
NOT_AUTO_TRADABLE = "not_auto_tradable"


class Stage(StrEnum):
    SUSPEND = "suspend"
    AUTO_TRADE = "auto_trade"
    REVIEW = "review"
    FLAG = "flag"


class Outcome(StrEnum):
    AUTO_TRADE = "auto_trade"
    REVIEW = "review"
    SUSPENDED = "suspended"
    NO_TRADE = "no_trade"


@dataclass(frozen=True, slots=True)
class RoutingRule:
    stage: Stage
    filter: str  # the name of a firm-wide saved filter

    def as_dict(self) -> dict[str, str]:
        return {"stage": self.stage.value, "filter": self.filter}


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    rules: tuple[RoutingRule, ...]
    version: int | None = None

    @property
    def filters(self) -> tuple[str, ...]:
        """Every filter the policy names, once each, in policy order."""
        return tuple(dict.fromkeys(r.filter for r in self.rules))

    def text(self) -> str:
        """The policy as `routing set` reads it: one `stage filter` per line."""
        return "".join(f"{r.stage.value} {r.filter}\n" for r in self.rules)


@dataclass(frozen=True, slots=True)
class Routing:
    outcome: Outcome
    rule: str
    flags: tuple[str, ...] = ()


def route(
    policy: RoutingPolicy,
    matches: Callable[[str], bool],
    *,
    decided: bool,
    trades: int,
) -> Routing:
    """The account's one outcome and the rule that decided it (see module docstring)."""
    flags = tuple(r.filter for r in policy.rules if r.stage is Stage.FLAG and matches(r.filter))
    for rule in _stage(policy.rules, Stage.SUSPEND):
        if matches(rule.filter):
            return Routing(Outcome.SUSPENDED, rule.filter, flags)
    if not decided:
        return Routing(Outcome.SUSPENDED, ANALYSIS_FAILED, flags)
    if trades == 0:
        return Routing(Outcome.NO_TRADE, NO_TRADES, flags)
    for rule in _stage(policy.rules, Stage.AUTO_TRADE):
        if matches(rule.filter):
            return Routing(Outcome.AUTO_TRADE, rule.filter, flags)
    for rule in _stage(policy.rules, Stage.REVIEW):
        if matches(rule.filter):
            return Routing(Outcome.REVIEW, rule.filter, flags)
    return Routing(Outcome.REVIEW, NOT_AUTO_TRADABLE, flags)


def _stage(rules: Iterable[RoutingRule], stage: Stage) -> list[RoutingRule]:
    return [r for r in rules if r.stage is stage]


_ORDER = {Stage.SUSPEND: 0, Stage.AUTO_TRADE: 1, Stage.REVIEW: 2, Stage.FLAG: 3}


def parse_policy(
    text: str, *, known_filters: Mapping[str, object] | Sequence[str]
) -> tuple[RoutingPolicy | None, list[Problem]]:
    """Read `stage filter` lines (`#` starts a comment); every problem at once.

    Stages must come in the routing order (suspend, auto_trade, review, flag), so the
    text reads in the order it is applied; each filter must be a saved firm filter.
    """
    rules: list[RoutingRule] = []
    problems: list[Problem] = []
    known = set(known_filters)
    stages = ", ".join(s.value for s in Stage)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        path = f"line {number}"
        if len(words) != 2:
            problems.append(Problem(path, f"expected `<stage> <filter>`, got {line!r}"))
            continue
        stage_word, name = words[0], words[1].removeprefix("@")
        if stage_word not in {s.value for s in Stage}:
            problems.append(Problem(path, f"unknown stage {stage_word!r}; one of {stages}"))
            continue
        stage = Stage(stage_word)
        if name not in known:
            problems.append(
                Problem(path, f"no firm filter named {name!r}: save it first (`filters save`)")
            )
            continue
        if rules and _ORDER[stage] < _ORDER[rules[-1].stage]:
            problems.append(
                Problem(path, f"{stage.value} after {rules[-1].stage.value}: stages go {stages}")
            )
            continue
        rules.append(RoutingRule(stage, name))
    if not rules and not problems:
        problems.append(Problem("policy", "is empty: name at least one filter"))
    return (None, problems) if problems else (RoutingPolicy(tuple(rules)), [])
