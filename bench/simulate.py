"""Benchmark: the default shadow-run study — 10 years daily, the 431-stock direct index.

Workload: the bundled S&P 500 returns 2007-01-04 to 2016-12-30 (2,517 trading days),
431 stocks with cap-like weights, 11 statistical sectors, swap sets of 3, $1,000,000 from
cash, the buy-and-hold benchmark and two profiles (tax-naive, tax-aware) scanned every
trading day: 5,032 engine calls on cases of 431 securities, 144 groups and up to ~1,000
lots. Target (issue 8): ≤ 10 minutes on the 2-core machine.

    .venv/bin/python -m bench.simulate [--end YYYY-MM-DD] [--workers 2]

Prints a markdown row for bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

from trimtab.feeds.returns_file import DEFAULT_RETURNS, read_returns
from trimtab.simulate import DEFAULT_PROFILES, StudyConfig, build_universe, run_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--end", default=None)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    market, problems = read_returns(DEFAULT_RETURNS)
    assert market is not None, problems
    window = market.window(None, dt.date.fromisoformat(args.end) if args.end else None)
    started = time.perf_counter()
    cpu = time.process_time()
    universe = build_universe(window)
    profiles = [DEFAULT_PROFILES["tax-naive"], DEFAULT_PROFILES["tax-aware"]]
    executor = None
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(args.workers)
    study = run_study(window, universe, profiles, StudyConfig(), executor=executor)
    wall = time.perf_counter() - started
    aware = study.runs[-1]
    scans = sum(r.engine.scans for r in study.runs if r.engine)
    engine_s = sum(r.engine.engine_seconds for r in study.runs if r.engine)
    alpha = aware.tax_alpha_vs_benchmark or (0.0, 0.0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"| simulate | {len(window.dates)} days × {len(window.tickers)} stocks, 2 profiles + "
        f"buy-and-hold, workers {args.workers} | {wall:.1f} s ({time.process_time() - cpu:.1f} s "
        f"CPU in this process) | {scans / max(engine_s, 1e-9):.0f} engine calls/s "
        f"({1000 * engine_s / max(scans, 1):.1f} ms each) | tax-aware alpha "
        f"{alpha[0]:.2%}/yr ({alpha[1]:.2%} liquidated), wash sales "
        f"{aware.wash_sale_events} | peak RSS {rss:.0f} MB |"
    )


if __name__ == "__main__":
    main()
