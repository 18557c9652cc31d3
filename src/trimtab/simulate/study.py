"""A study: the benchmark and every profile over one history, measured side by side.

Problem: the question is comparative ("what would *these* settings have done, against
doing nothing and against a tax-naive program?"), so every run must see the same market,
universe, cash flows and tax model, and the tax alphas must be computed in one place.

Rule: `run_study` runs the buy-and-hold benchmark, then each profile (runs are
independent; an `executor` — any `concurrent.futures.Executor` — may run them in
parallel), measures each (metrics.py), and sets each profile's tax alpha against the
benchmark and against the reference profile (`tax-naive` when present, else the first).

Example: `run_study(market, universe, [DEFAULT_PROFILES["tax-naive"],
DEFAULT_PROFILES["tax-aware"]], StudyConfig())` → a Study with three runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace

from trimtab.simulate.market import MarketHistory
from trimtab.simulate.metrics import RunMetrics, measure, target_returns
from trimtab.simulate.profiles import Profile
from trimtab.simulate.shadow_run import (
    RunRecord,
    StudyConfig,
    run_buy_and_hold,
    run_profile,
)
from trimtab.simulate.universe import Universe

__all__ = ["REFERENCE_PROFILE", "Study", "run_study"]

REFERENCE_PROFILE = "tax-naive"
Progress = Callable[[str, int], None]  # (run name, days done so far in that run)


@dataclass(frozen=True, eq=False)
class Study:
    market: MarketHistory
    universe: Universe
    config: StudyConfig
    profiles: tuple[Profile, ...]
    benchmark: RunMetrics
    runs: tuple[RunMetrics, ...]  # one per profile, in order
    reference: str | None
    seconds: float
    # What each run left behind (benchmark first, then the profiles in order): the trade
    # log and the lots the audit export (trade_log.py) and the reconciliation read.
    records: tuple[RunRecord, ...] = ()


def _one(
    market: MarketHistory,
    universe: Universe,
    config: StudyConfig,
    profile: Profile | None,
    progress: Progress | None,
) -> RunRecord:
    name = profile.name if profile else "buy-and-hold"
    hook = None if progress is None else (lambda d: progress(name, d + 1))
    if profile is None:
        return run_buy_and_hold(market, universe, config, on_day=hook)
    return run_profile(market, universe, profile, config, on_day=hook)


def run_study(
    market: MarketHistory,
    universe: Universe,
    profiles: Sequence[Profile],
    config: StudyConfig,
    *,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Study:
    started = time.perf_counter()
    subjects: list[Profile | None] = [None, *profiles]
    if executor is None:
        records = [_one(market, universe, config, p, progress) for p in subjects]
    else:
        futures = [executor.submit(_one, market, universe, config, p, None) for p in subjects]
        records = []
        for p, future in zip(subjects, futures, strict=True):
            records.append(future.result())
            if progress is not None:
                progress(p.name if p else "buy-and-hold", len(market.dates))
    target = target_returns(market, universe)
    benchmark = measure(records[0], config.tax, target)
    measured = [measure(r, config.tax, target) for r in records[1:]]
    names = [p.name for p in profiles]
    reference = REFERENCE_PROFILE if REFERENCE_PROFILE in names else (names[0] if names else None)
    ref = measured[names.index(reference)] if reference is not None else None
    runs = tuple(
        replace(
            m,
            tax_alpha_vs_benchmark=_alpha(m, benchmark),
            tax_alpha_vs_reference=None if ref is None or ref is m else _alpha(m, ref),
            tax_effect_vs_benchmark=_tax_effect(m, benchmark),
        )
        for m in measured
    )
    return Study(
        market,
        universe,
        config,
        tuple(profiles),
        benchmark,
        runs,
        reference,
        time.perf_counter() - started,
        tuple(records),
    )


def _alpha(run: RunMetrics, base: RunMetrics) -> tuple[float, float]:
    return (
        run.after_tax_annual - base.after_tax_annual,
        run.after_tax_liquidated_annual - base.after_tax_liquidated_annual,
    )


def _tax_effect(run: RunMetrics, base: RunMetrics) -> tuple[float, float]:
    pre = run.pre_tax_annual - base.pre_tax_annual
    alpha = _alpha(run, base)
    return alpha[0] - pre, alpha[1] - pre
