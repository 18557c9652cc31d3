"""The one rule for a security's wash group (`WashGroupPolicy`), step by step.

1. its explicit `wash_group` in the security master; else 2. the firm-defined group
holding it; else 3. `issuer:<issuer_id>` when share classes are substantially identical
(the default) and it has an issuer; else 4. its own ticker.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from trimtab.domain.securities import Security
from trimtab.domain.wash_sales import (
    DEFAULT_WASH_GROUP_POLICY,
    WashGroupPolicy,
    share_class_groups,
)

FIRM = WashGroupPolicy(MappingProxyType({"IVV": "SP500", "VOO": "SP500", "FOXA": "MEDIA"}))


@pytest.mark.parametrize(
    ("security", "policy", "group"),
    [
        # 1. explicit wins over everything
        (Security("SPY", wash_group="SPY-CLASSES", issuer_id="SSGA"), FIRM, "SPY-CLASSES"),
        (Security("IVV", wash_group="ISHARES"), FIRM, "ISHARES"),
        # 2. the firm's group wins over the issuer
        (Security("IVV", issuer_id="BLK"), FIRM, "SP500"),
        (Security("FOXA", issuer_id="21CF"), FIRM, "MEDIA"),
        # 3. share classes of one issuer, by default
        (Security("FOX", issuer_id="21CF"), FIRM, "issuer:21CF"),
        (Security("FOX", issuer_id="21CF"), DEFAULT_WASH_GROUP_POLICY, "issuer:21CF"),
        # ... unless the firm says share classes differ
        (Security("FOX", issuer_id="21CF"), WashGroupPolicy(share_classes_identical=False), "FOX"),
        # 4. its own ticker
        (Security("AAPL"), FIRM, "AAPL"),
    ],
)
def test_each_step_of_the_rule(security: Security, policy: WashGroupPolicy, group: str) -> None:
    assert policy.group_of_security(security) == group


def test_two_share_classes_of_one_issuer_share_a_group_and_another_issuer_does_not() -> None:
    groups = DEFAULT_WASH_GROUP_POLICY.groups(
        [
            Security("FOX", issuer_id="21CF"),
            Security("FOXA", issuer_id="21CF"),
            Security("GOOGL", issuer_id="ALPHABET"),
        ]
    )
    assert groups["FOX"] == groups["FOXA"] != groups["GOOGL"]


def test_a_security_alone_is_grouped_by_the_default_policy() -> None:
    assert Security("FOXA", issuer_id="21CF").effective_wash_group == "issuer:21CF"
    assert Security("SPY", wash_group="SP500", issuer_id="SSGA").effective_wash_group == "SP500"
    assert Security("AAPL").effective_wash_group == "AAPL"


def test_share_class_groups_applies_the_same_rule_to_bare_tickers() -> None:
    issuers = {"FOX": "21CF", "FOXA": "21CF"}
    assert share_class_groups(["FOX", "FOXA", "T"], issuers) == {
        "FOX": "issuer:21CF",
        "FOXA": "issuer:21CF",
        "T": "T",
    }
    apart = WashGroupPolicy(share_classes_identical=False)
    assert share_class_groups(["FOX", "FOXA"], issuers, policy=apart) == {
        "FOX": "FOX",
        "FOXA": "FOXA",
    }
