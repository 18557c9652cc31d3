"""The engine as the contract presents it: a case dict in, the Result JSON dict out."""

from __future__ import annotations

from typing import Any

from trimtab.engine import parse_case, rebalance


def engine_result(data: dict[str, Any]) -> dict[str, Any]:
    """Parse and rebalance a case the strategies made; they only make valid cases."""
    case, problems = parse_case(data)
    assert case is not None, [str(p) for p in problems]
    result: dict[str, Any] = rebalance(case).as_dict()
    return result
