"""Every answer on the benchmark's workloads keeps every hard rule.

bench/cases.py makes the accounts the speed figures are measured on (model accounts,
direct indexes, with and without integer rules). Each answer is checked by the decision
checker (rules 1–9, engine/decision_check.py). Before the tie-break was held to rule 5(c)
(engine/tiebreak.py), model accounts 6 and 46 with integer rules sold a loss lot and
bought into its wash group in one answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bench.cases import direct_index_account, in_band_account, model_account

from trimtab.engine import parse_case, rebalance
from trimtab.engine.decision_check import check_result

WORKLOADS: dict[str, tuple[Callable[[int], dict[str, Any]], int]] = {
    "model account, LP": (model_account, 60),
    "model account, integer rules": (lambda s: model_account(s, integer_rules=True), 60),
    "direct index, LP": (direct_index_account, 12),
    "direct index, integer rules": (lambda s: direct_index_account(s, integer_rules=True), 12),
    "in band": (in_band_account, 10),
}


@pytest.mark.parametrize("workload", WORKLOADS)
def test_every_benchmark_answer_keeps_every_hard_rule(workload: str) -> None:
    make, seeds = WORKLOADS[workload]
    broken = {}
    for seed in range(seeds):
        case, problems = parse_case(make(seed))
        assert case is not None, problems
        result = rebalance(case)
        assert result.status == "optimal", (seed, result.reason)
        breaches = check_result(case, result).breaches
        if breaches:
            broken[seed] = [str(b) for b in breaches]
    assert broken == {}
