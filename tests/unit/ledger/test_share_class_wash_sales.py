"""Share classes of one issuer are substantially identical (issue 17, item 3).

FOX and FOXA are two share classes of one company: selling FOX at a loss and buying FOXA
within 30 days is a wash sale, whether the history groups them explicitly
(`wash_groups`) or only names their issuer (`issuers`, the default policy); an explicit
group still wins over the issuer's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.builders import buy, ledger_history, lots_of, replay_ok, sell
from trimtab.services.replay_history import replay_history

SHARE_CLASSES = {"FOX": "21CF", "FOXA": "21CF"}


def _replay(document: dict[str, Any]) -> dict[str, Any]:
    answer = replay_history(json.dumps(document))
    assert answer.body["status"] == "ok", answer.body
    return answer.body


def _fox_then_foxa(bought_on: str, **grouping: dict[str, str]) -> dict[str, Any]:
    document = ledger_history(
        buy("2025-01-02", "FOX", 100, 40.0),
        sell("2025-06-02", "FOX", 100, 35.0),  # a $500 loss
        buy(bought_on, "FOXA", 100, 36.0),
    )
    document.update(grouping)
    return _replay(document)


@pytest.mark.parametrize(
    "grouping",
    [{"issuers": SHARE_CLASSES}, {"wash_groups": {"FOX": "FOX-CLASSES", "FOXA": "FOX-CLASSES"}}],
    ids=["issuers", "wash_groups"],
)
def test_a_fox_loss_sale_then_a_foxa_buy_within_30_days_is_a_wash_sale(
    grouping: dict[str, dict[str, str]],
) -> None:
    body = _fox_then_foxa("2025-06-20", **grouping)
    assert body["realized"][0]["wash_sale_disallowed"] == 500.0
    (foxa,) = lots_of(body, "FOXA")
    assert foxa["cost_basis"] == 3600.0 + 500.0
    assert foxa["wash_sale_adjustment"] == 500.0
    # The FOX shares were held 151 days: the FOXA lot's period starts that much earlier.
    assert foxa["holding_period_start"] == "2025-01-20"


def test_the_foxa_buy_31_days_later_is_no_wash_sale() -> None:
    body = _fox_then_foxa("2025-07-03", issuers=SHARE_CLASSES)
    assert body["realized"][0]["wash_sale_disallowed"] == 0.0
    assert lots_of(body, "FOXA")[0]["cost_basis"] == 3600.0


def test_without_issuers_or_groups_the_share_classes_are_different_securities() -> None:
    body = replay_ok(
        buy("2025-01-02", "FOX", 100, 40.0),
        sell("2025-06-02", "FOX", 100, 35.0),
        buy("2025-06-20", "FOXA", 100, 36.0),
    )
    assert body["realized"][0]["wash_sale_disallowed"] == 0.0


def test_an_explicit_wash_group_wins_over_the_issuer() -> None:
    # The history puts FOXA in a group of its own: FOX's issuer no longer reaches it.
    body = _fox_then_foxa("2025-06-20", issuers=SHARE_CLASSES, wash_groups={"FOXA": "FOXA-ALONE"})
    assert body["realized"][0]["wash_sale_disallowed"] == 0.0


def test_a_recent_foxa_buy_washes_a_fox_loss_sale() -> None:
    # Bought 30 days before the loss sale and still held: a replacement (rule 2).
    document = ledger_history(
        buy("2025-01-02", "FOX", 100, 40.0),
        buy("2025-05-03", "FOXA", 50, 37.0),
        sell("2025-06-02", "FOX", 100, 35.0),
    )
    document["issuers"] = SHARE_CLASSES
    body = _replay(document)
    assert body["realized"][0]["wash_sale_disallowed"] == 250.0  # half the shares replaced


def test_issuers_must_map_securities_to_names() -> None:
    document = ledger_history(buy("2025-01-02", "FOX", 1, 40.0))
    document["issuers"] = ["FOX", "FOXA"]
    answer = replay_history(json.dumps(document))
    assert answer.body["status"] == "invalid"
    assert answer.body["errors"][0]["path"] == "issuers"
    assert "issuer" in answer.body["errors"][0]["message"]
