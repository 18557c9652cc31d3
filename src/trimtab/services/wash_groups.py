"""The firm's wash groups: which securities it treats as substantially identical.

Problem: the wash-sale rule disallows a loss when "substantially identical" shares are
bought within 30 days. The law names no list; each firm decides. By default trimtab
takes the conservative reading most firms apply — the share classes of one issuer (FOX
and FOXA) are one wash group — and a security's explicit `wash_group` in the security
master wins. A firm may also group securities of different issuers (two S&P 500 funds
of different sponsors), or switch the share-class reading off.

Rule (the grouping itself is `trimtab.domain.wash_sales.WashGroupPolicy`, stated once):

- `set_wash_group` puts tickers of the security master in a firm-defined group (moving
  them out of any other); a group name is at most 40 characters, may not start with
  `issuer:` (those are the share-class groups) and may not be the ticker of a security
  outside the group (a security alone is the wash group named by its ticker). A ticker
  with an explicit wash group in the security master is refused: the master's group
  would win, and the firm's would silently do nothing.
- `remove_from_wash_group` takes tickers out of their firm-defined group.
- `set_share_class_policy` turns "share classes are substantially identical" on or off.

Each is one transaction with one audit entry (`wash_groups.set`, `wash_groups.remove`,
`wash_groups.policy`); bad input changes nothing and names what is wrong.
`wash_group_policy` is the read every place that groups securities uses (the nightly
run, review edits, the model book, security lookups).

    >>> # set_wash_group(db.unit_of_work, "SP500", ["VOO", "IVV"], principal=p, now=now)
    >>> # wash_group_policy(db.unit_of_work).group_of("IVV")
    >>> # 'SP500'
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.securities import Security
from trimtab.domain.wash_sales import ISSUER_GROUP_PREFIX, WashGroupPolicy
from trimtab.services.audit import AuditUnitOfWork, record, write_service
from trimtab.services.ports import SecurityRepository, WashGroupStore

__all__ = [
    "WashGroup",
    "WashGroupChange",
    "WashGroupUnitOfWork",
    "WashGroupsView",
    "list_wash_groups",
    "remove_from_wash_group",
    "set_share_class_policy",
    "set_wash_group",
    "wash_group_policy",
]

MAX_GROUP_LENGTH = 40


class WashGroupUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def securities(self) -> SecurityRepository: ...
    @property
    def wash_groups(self) -> WashGroupStore: ...
    def commit(self) -> None: ...


NewUnitOfWork = Callable[[], WashGroupUnitOfWork]


@dataclass(frozen=True, slots=True)
class WashGroup:
    """One wash group, its members and why they are grouped."""

    id: str
    source: str  # "security master", "firm" or "share classes"
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WashGroupsView:
    share_classes_identical: bool
    groups: tuple[WashGroup, ...]


@dataclass(frozen=True, slots=True)
class WashGroupChange:
    group: str | None
    tickers: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()


def wash_group_policy(new_uow: NewUnitOfWork) -> WashGroupPolicy:
    """The firm's policy, read once; `policy.groups(securities)` groups a master."""
    with new_uow() as uow:
        return uow.wash_groups.policy()


def list_wash_groups(new_uow: NewUnitOfWork) -> WashGroupsView:
    """Every effective wash group with two members or more, and every firm-defined one
    (even with one member left, so the firm sees what it set), by id."""
    with new_uow() as uow:
        policy = uow.wash_groups.policy()
        securities = uow.securities.list()
    return WashGroupsView(policy.share_classes_identical, _grouped(policy, securities))


def _grouped(policy: WashGroupPolicy, securities: Iterable[Security]) -> tuple[WashGroup, ...]:
    members: defaultdict[str, list[str]] = defaultdict(list)
    sources: dict[str, str] = {}
    for s in securities:
        group = policy.group_of_security(s)
        members[group].append(s.ticker)
        if s.wash_group:
            sources[group] = "security master"
        elif s.ticker in policy.firm_groups:
            sources.setdefault(group, "firm")
        elif group.startswith(ISSUER_GROUP_PREFIX):
            sources.setdefault(group, "share classes")
    return tuple(
        WashGroup(group, sources.get(group, "security"), tuple(sorted(tickers)))
        for group, tickers in sorted(members.items())
        if len(tickers) > 1 or sources.get(group) == "firm"
    )


def _tickers(raw: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({t.strip().upper() for t in raw if t.strip()}))


@write_service("wash_groups.set")
def set_wash_group(
    new_uow: NewUnitOfWork,
    group: str,
    tickers: Iterable[str],
    *,
    principal: Principal,
    now: dt.datetime,
    reason: str = "",
) -> WashGroupChange:
    """Put `tickers` in the firm-defined wash group `group` (out of any other)."""
    group, wanted = group.strip(), _tickers(tickers)
    problems: list[Problem] = []
    if not group:
        problems.append(Problem("group", "name the wash group, e.g. SP500"))
    elif len(group) > MAX_GROUP_LENGTH:
        problems.append(Problem("group", f"at most {MAX_GROUP_LENGTH} characters, got {group!r}"))
    elif group.lower().startswith(ISSUER_GROUP_PREFIX):
        problems.append(
            Problem(
                "group",
                f"{group!r}: names starting with {ISSUER_GROUP_PREFIX!r} are the share-class "
                "groups trimtab derives from issuer ids; choose another name",
            )
        )
    if not wanted:
        problems.append(Problem("tickers", "give at least one ticker of the security master"))
    with new_uow() as uow:
        if group and group not in wanted and uow.securities.get(group) is not None:
            # A security alone is its own wash group, named by its ticker: a firm group of
            # that name would silently join it.
            problems.append(
                Problem("group", f"{group!r} is the ticker of a security; choose another name")
            )
        for ticker in wanted:
            security = uow.securities.get(ticker)
            if security is None:
                problems.append(
                    Problem(
                        f"tickers.{ticker}",
                        f"{ticker} is not in the security master",
                        ProblemKind.NOT_FOUND,
                    )
                )
            elif security.wash_group and security.wash_group != group:
                problems.append(
                    Problem(
                        f"tickers.{ticker}",
                        f"{ticker} has wash group {security.wash_group!r} from the security "
                        "master, which wins over a firm-defined group: change it in the "
                        "security master feed instead",
                        ProblemKind.CONFLICT,
                    )
                )
        if problems:
            return WashGroupChange(None, wanted, tuple(problems))
        before = uow.wash_groups.members()
        uow.wash_groups.set_members(wanted, group, by=principal.recorded_as, at=now)
        record(
            uow,
            principal,
            "wash_groups.set",
            targets=[f"wash_group:{group}", *(f"security:{t}" for t in wanted)],
            reason=reason,
            summary={
                "group": group,
                "tickers": list(wanted),
                "moved_from": {t: before[t] for t in wanted if t in before and before[t] != group},
            },
            at=now,
        )
        uow.commit()
    return WashGroupChange(group, wanted)


@write_service("wash_groups.remove")
def remove_from_wash_group(
    new_uow: NewUnitOfWork,
    tickers: Iterable[str],
    *,
    principal: Principal,
    now: dt.datetime,
    reason: str = "",
) -> WashGroupChange:
    """Take `tickers` out of their firm-defined wash group."""
    wanted = _tickers(tickers)
    if not wanted:
        return WashGroupChange(None, (), (Problem("tickers", "give at least one ticker"),))
    with new_uow() as uow:
        before = uow.wash_groups.members()
        problems = [
            Problem(
                f"tickers.{t}",
                f"{t} is in no firm-defined wash group (`trimtab wash-groups list`)",
                ProblemKind.NOT_FOUND,
            )
            for t in wanted
            if t not in before
        ]
        if problems:
            return WashGroupChange(None, wanted, tuple(problems))
        uow.wash_groups.remove_members(wanted)
        record(
            uow,
            principal,
            "wash_groups.remove",
            targets=[f"security:{t}" for t in wanted],
            reason=reason,
            summary={"removed_from": {t: before[t] for t in wanted}},
            at=now,
        )
        uow.commit()
    return WashGroupChange(None, wanted)


@write_service("wash_groups.policy")
def set_share_class_policy(
    new_uow: NewUnitOfWork,
    *,
    share_classes_identical: bool,
    principal: Principal,
    now: dt.datetime,
    reason: str = "",
) -> WashGroupsView:
    """Turn "share classes of one issuer are substantially identical" on or off."""
    with new_uow() as uow:
        was = uow.wash_groups.policy().share_classes_identical
        uow.wash_groups.set_share_classes_identical(
            share_classes_identical, by=principal.recorded_as, at=now
        )
        record(
            uow,
            principal,
            "wash_groups.policy",
            targets=["wash_group_policy"],
            reason=reason,
            summary={"share_classes_identical": {"from": was, "to": share_classes_identical}},
            at=now,
        )
        uow.commit()
        policy = uow.wash_groups.policy()
        securities = uow.securities.list()
    return WashGroupsView(policy.share_classes_identical, _grouped(policy, securities))
