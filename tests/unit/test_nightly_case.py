"""Scenarios: the nightly run's typed case equals what `parse_case` reads from the same
JSON, and a case breaking an engine invariant is refused (the run then asks parse_case,
which names the problem)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from trimtab.engine import parse_case
from trimtab.engine.case import AccountInput, LotInput, RecentTrade, SecurityInput, TaxRates
from trimtab.services.nightly_case import build_case

DAY = dt.date(2025, 6, 30)
SECURITIES = [SecurityInput("VOO", 500.0, 0.0005, "SP500"), SecurityInput("BND", 72.5, 0.0005)]
LOTS = [LotInput("L1", "VOO", 10.0, 410.0, dt.date(2024, 2, 1))]
TRADES = [RecentTrade("IVV", "sell", dt.date(2025, 6, 20), 3.0, -120.0, "SP500")]
GROUPS: list[dict[str, object]] = [
    {"id": "EQ", "members": ["VOO"], "buy": "VOO", "target": 0.6},
    {"id": "FI", "members": ["BND"], "buy": "BND", "target": 0.38, "band": 0.03},
]
JSON: dict[str, Any] = {
    "as_of": "2025-06-30",
    "account": {"id": "A", "tax_status": "taxable", "cash": 2500.0},
    "tax": {"short_term_rate": 0.37, "long_term_rate": 0.2},
    "securities": [
        {"id": "VOO", "price": 500.0, "cost_rate": 0.0005, "wash_group": "SP500"},
        {"id": "BND", "price": 72.5, "cost_rate": 0.0005},
    ],
    "groups": GROUPS,
    "lots": [
        {
            "id": "L1",
            "security": "VOO",
            "quantity": 10.0,
            "cost_basis": 410.0,
            "acquired": "2024-02-01",
        }
    ],
    "recent_trades": [
        {
            "security": "IVV",
            "side": "sell",
            "date": "2025-06-20",
            "quantity": 3.0,
            "realized_gain": -120.0,
            "wash_group": "SP500",
        }
    ],
    "settings": {"tax_sensitivity": "high"},
}


def typed(**changes: Any) -> Any:
    parts: dict[str, Any] = {
        "as_of": DAY,
        "account": AccountInput("A", "taxable", 2500.0),
        "tax": TaxRates(0.37, 0.2),
        "securities": SECURITIES,
        "groups": GROUPS,
        "lots": LOTS,
        "recent": TRADES,
        "settings": {"tax_sensitivity": "high"},
    }
    return build_case(**{**parts, **changes})


def test_the_typed_case_is_the_case_parse_case_reads_from_its_json() -> None:
    parsed, problems = parse_case(JSON)
    assert problems == []
    assert typed() == parsed


def test_a_case_breaking_an_engine_invariant_is_refused() -> None:
    over = [{**GROUPS[0], "target": 0.7}, GROUPS[1]]  # targets sum to 1.08
    assert typed(groups=over) is None
    assert parse_case({**JSON, "groups": over})[1]  # ...and parse_case says why
    twice = [GROUPS[0], {**GROUPS[1], "members": ["BND", "VOO"]}]
    assert typed(groups=twice) is None
    assert typed(lots=[LotInput("L1", "VOO", 10.0, 410.0, dt.date(2025, 7, 1))]) is None
    assert typed(lots=[LotInput("L1", "XXX", 1.0, 1.0, DAY)]) is None
    assert typed(securities=[SecurityInput("VOO", float("nan")), SECURITIES[1]]) is None
    assert typed(settings={"tax_sensitivity": "extreme"}) is None
