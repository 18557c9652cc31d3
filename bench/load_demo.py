"""Benchmark: load the demo firm (default 100,000 accounts) into SQLite and PostgreSQL.

    .venv/bin/python -m bench.load_demo [--accounts N] [--backends sqlite,postgresql]

Each backend runs in its own process (so peak RSS is that load's alone) on a fresh
database: a temporary SQLite file, or a fresh schema in TRIMTAB_TEST_POSTGRES_URL
(default the local `test` database), migrated first. It measures the whole
`load_demo_firm` use case — generating the firm, writing every row in one transaction
and committing — and prints one markdown table row per backend for bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import time

from bench.databases import scratch_database
from trimtab.bootstrap import open_database
from trimtab.domain.principal import Principal
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.load_demo import load_demo_firm

AS_OF = dt.date(2025, 6, 30)


def _one(backend: str, accounts: int) -> str:
    with scratch_database(backend) as url:
        db = open_database(url)
        db.upgrade()
        started = time.perf_counter()
        result = load_demo_firm(
            db.unit_of_work, DemoSpec(accounts, as_of=AS_OF), principal=Principal.cli("bench")
        )
        seconds = time.perf_counter() - started
        db.close()
    rows = sum(result.counts.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"| load demo firm | {backend} | {accounts:,} accounts | {rows:,} rows "
        f"({result.counts['tax_lots']:,} lots, {result.counts['prices']:,} prices) | "
        f"{seconds:,.1f} s | {accounts / seconds:,.0f} accounts/s | {peak_mb:,.0f} MB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(_one(args.one, args.accounts), flush=True)
        return
    print("| benchmark | database | workload | rows | wall time | throughput | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        command = [sys.executable, "-m", "bench.load_demo", "--one", backend]
        subprocess.run([*command, "--accounts", str(args.accounts)], check=True)


if __name__ == "__main__":
    main()
