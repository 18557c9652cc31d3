"""The wash-group writes' scenarios for tests/integration/test_every_write_is_audited.py.

Each puts the securities its write needs in the master and returns the call and the
target id its audit entry must name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from trimtab.bootstrap import Database
from trimtab.domain.principal import Principal
from trimtab.domain.securities import Security, SecurityType
from trimtab.services.wash_groups import (
    remove_from_wash_group,
    set_share_class_policy,
    set_wash_group,
)

__all__ = ["WASH_GROUP_SCENARIOS", "add_funds"]

Made = tuple[Callable[[], object], str]
NOW = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
SETUP = Principal.cli("setup")


def add_funds(db: Database, *tickers: str) -> None:
    with db.unit_of_work() as uow:
        for ticker in tickers:
            uow.securities.add(Security(ticker, name=f"{ticker} fund", type=SecurityType.ETF))
        uow.commit()


def wash_groups_set(db: Database, who: Principal) -> Made:
    add_funds(db, "VOO", "IVV")
    return (
        lambda: set_wash_group(db.unit_of_work, "SP500", ["VOO", "IVV"], principal=who, now=NOW),
        "wash_group:SP500",
    )


def wash_groups_remove(db: Database, who: Principal) -> Made:
    add_funds(db, "VOO", "IVV")
    set_wash_group(db.unit_of_work, "SP500", ["VOO", "IVV"], principal=SETUP, now=NOW)
    return (
        lambda: remove_from_wash_group(db.unit_of_work, ["IVV"], principal=who, now=NOW),
        "security:IVV",
    )


def wash_groups_policy(db: Database, who: Principal) -> Made:
    return (
        lambda: set_share_class_policy(
            db.unit_of_work, share_classes_identical=False, principal=who, now=NOW
        ),
        "wash_group_policy",
    )


WASH_GROUP_SCENARIOS: dict[str, Callable[[Database, Principal], Made]] = {
    "wash_groups.set": wash_groups_set,
    "wash_groups.remove": wash_groups_remove,
    "wash_groups.policy": wash_groups_policy,
}
