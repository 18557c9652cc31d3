"""Benchmark: one lots file for 100,000 accounts, loaded into SQLite and PostgreSQL.

    .venv/bin/python -m bench.load_feeds [--accounts N] [--lots-per-account K]
                                         [--backends sqlite,postgresql]

Each backend runs in its own process (peak RSS is that load's alone) on a fresh,
migrated database holding N accounts and 50 securities (written with the store's bulk
loader, not timed). The workload is one canonical lots CSV with K lots per account
(default 5: 500,000 rows, about 30 MB), written once. Timed: the whole `load_feed` use
case — checksum, the validating pass, then replacing every account's lots in one
transaction and committing — and then loading the same file again (a duplicate: only
the checksum is read). Prints one markdown row per backend for bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.databases import scratch_database
from trimtab.bootstrap import open_database
from trimtab.domain import Account, Firm, Household, Security, TaxStatus
from trimtab.domain.principal import Principal
from trimtab.feeds.readers import open_feed
from trimtab.services.load_feed import load_feed
from trimtab.services.ports import Batch

NOW = dt.datetime(2025, 6, 2, 11, tzinfo=dt.UTC)
BENCH = Principal.cli("bench")
TICKERS = [f"S{i:03d}" for i in range(50)]


def _write_lots(path: Path, accounts: int, per_account: int) -> int:
    rows = 0
    with path.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["lot_id", "account", "security", "quantity", "cost_basis", "acquired"])
        for a in range(accounts):
            for k in range(per_account):
                day = dt.date(2015, 1, 2) + dt.timedelta(days=(a * 7 + k * 131) % 3600)
                ticker = TICKERS[(a + k * 11) % len(TICKERS)]
                out.writerow(
                    [f"L{a}-{k}", f"A{a:06d}", ticker, 10 + k, f"{(10 + k) * 95.5:.2f}", day]
                )
                rows += 1
    return rows


def _one(backend: str, accounts: int, per_account: int, lots: Path) -> str:
    with scratch_database(backend) as url:
        db = open_database(url)
        db.upgrade()
        with db.unit_of_work() as uow:
            uow.bulk.write(
                Batch(
                    firms=[Firm("FIRM", "Bench")],
                    securities=[Security(t) for t in TICKERS],
                    households=[Household(f"H{a:06d}") for a in range(accounts)],
                    accounts=[
                        Account(f"A{a:06d}", f"H{a:06d}", TaxStatus.TAXABLE)
                        for a in range(accounts)
                    ],
                )
            )
            uow.commit()
        feed, _ = open_feed(lots)
        assert feed is not None
        started = time.perf_counter()
        result = load_feed(db.unit_of_work, feed, principal=BENCH, now=NOW)
        seconds = time.perf_counter() - started
        assert result.loaded, result.problems[:5]
        started = time.perf_counter()
        again = load_feed(db.unit_of_work, feed, principal=BENCH, now=NOW)
        duplicate_seconds = time.perf_counter() - started
        assert not again.loaded
        db.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"| load lots feed | {backend} | {accounts:,} accounts × {per_account} lots | "
        f"{result.rows:,} rows ({lots.stat().st_size / 1e6:.0f} MB CSV) | {seconds:,.1f} s | "
        f"{result.rows / seconds:,.0f} rows/s | {duplicate_seconds:.2f} s | {peak_mb:,.0f} MB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lots-per-account", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(_one(args.one, args.accounts, args.lots_per_account, Path(args.file)), flush=True)
        return
    folder = Path(tempfile.mkdtemp(prefix="trimtab-bench-"))
    lots = folder / "lots_bench.csv"
    _write_lots(lots, args.accounts, args.lots_per_account)
    print(
        "| benchmark | database | workload | rows | load (validate + write + commit) "
        "| throughput | re-load (duplicate) | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        command = [sys.executable, "-m", "bench.load_feeds", "--one", backend, "--file", str(lots)]
        command += ["--accounts", str(args.accounts)]
        command += ["--lots-per-account", str(args.lots_per_account)]
        subprocess.run(command, check=True)
    lots.unlink()


if __name__ == "__main__":
    main()
