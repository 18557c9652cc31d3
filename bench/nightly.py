"""Benchmark: the nightly run, night 1 and night 2, on SQLite and PostgreSQL, local and Dask.

Workload (issue 7): the demo firm at `--accounts` N (its own mix: model-based ETF and
mutual-fund accounts of ≈20-50 holdings, direct-index accounts of ≈300 stocks), 60
business days of price history. Night 1 is the first rebalance on the as-of day. Then
the day's trading, as a firm would do it: every review proposal is approved and every
approved and auto-traded order is filled at the day's close (`fill_at_close`, a
simulation of execution), so the books hold what the trades left. Night 2 adds one more
business day of prices, every stock moved by its real return of a real day (2016-12-30
in the returns file, the next real day after the history's end) and every fund by the
equal-weighted average of those returns, then runs again: mostly "no trade". End to
end: database reads, analysis, routing and writes; the demo load, the approvals and the
fills are timed separately.

    .venv/bin/python -m bench.nightly --accounts 2000 --backends sqlite,postgresql --dask

Every phase (load, each night, the day's trading) runs in a process of its own, so each
peak memory figure is that phase's alone: the largest resident set of the run's process
and of any of its workers (`resource.getrusage`). A flat figure as N grows shows the
run streams.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, inspect, select, text
from sqlalchemy.engine import make_url

from bench.databases import POSTGRES, scratch_database
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import open_database
from trimtab.domain.principal import Principal
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.demo_models import seed_model_book
from trimtab.services.executions import fill_at_close
from trimtab.services.load_demo import load_demo_firm
from trimtab.services.review import approve
from trimtab.services.review_ports import ProposalState
from trimtab.services.routing import install_demo_policy
from trimtab.store.tables import PriceRow

AS_OF = dt.date(2025, 6, 30)
BENCH = Principal.cli("bench")
NIGHT_2 = dt.date(2025, 7, 1)
KEPT = "bench_nightly_kept"
RETURNS = Path(__file__).parent.parent / "src/trimtab/data/sp500_daily_returns_2007_2016.csv.gz"


def _rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, workers


def _phase_body(fn: Callable[..., Any], args: tuple[Any, ...], out: Any) -> None:
    out.put((fn(*args), *_rss_mb()))


def _in_own_process(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """fn(*args) in a fresh process: its result, its peak RSS and its workers' (MB)."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_phase_body, args=(fn, args, out))
    process.start()
    result = out.get()
    process.join()
    if process.exitcode:
        raise RuntimeError(f"{fn.__name__} failed with exit code {process.exitcode}")
    return result


def _last_real_day() -> dict[str, float]:
    with gzip.open(RETURNS, "rt") as f:
        rows = list(csv.reader(f))
    header, last = rows[0], rows[-1]
    return {t: float(r) for t, r in zip(header[1:], last[1:], strict=True) if r}


def _move_prices_one_day(url: str) -> None:
    moves = _last_real_day()
    average = sum(moves.values()) / len(moves)
    db = open_database(url)
    with db.unit_of_work() as uow:
        s = uow.session
        closes = s.execute(select(PriceRow.security, PriceRow.close).where(PriceRow.date == AS_OF))
        rows = [
            {
                "security": ticker,
                "date": NIGHT_2,
                "close": (close * Decimal(repr(1 + moves.get(ticker, average)))).quantize(
                    Decimal("0.000001")
                ),
            }
            for ticker, close in closes
        ]
        s.execute(insert(PriceRow), rows)
        uow.commit()
    db.close()


# Where the analysis records live: the content-addressed parts, the chained records (and,
# before migration 0011, the one table holding each record's whole JSON).
RECORD_TABLES = ("analysis_records", "records", "record_blobs")


def record_bytes(url: str) -> int:
    """Bytes on disk of the record tables, indexes included.

    SQLite: the pages of the tables and their indexes (`dbstat`). PostgreSQL: each table's
    total relation size (heap, TOAST, indexes), after a VACUUM so that the free-space
    and visibility maps exist for every table alike."""
    db = open_database(url)
    try:
        present = [t for t in RECORD_TABLES if inspect(db.engine).has_table(t)]
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM " + ", ".join(f'"{t}"' for t in present)))
                return sum(
                    int(c.scalar(text(f"SELECT pg_total_relation_size('\"{t}\"')")) or 0)
                    for t in present
                )
        with db.engine.connect() as c:
            names = [
                n
                for t in present
                for n in c.scalars(
                    text("SELECT name FROM sqlite_master WHERE tbl_name = :t"), {"t": t}
                )
            ]
            return sum(
                int(c.scalar(text("SELECT sum(pgsize) FROM dbstat WHERE name = :n"), {"n": n}) or 0)
                for n in names
            )
    finally:
        db.close()


def _trade_night_1(url: str, run_id: str) -> str:
    """Approve every review proposal and fill every order at the close; a table note."""
    started = time.perf_counter()
    db = open_database(url)
    with db.unit_of_work() as uow:
        pending = [
            p.account for p in uow.proposals.proposals(run_id, states=[ProposalState.PENDING])
        ]
    for account in pending:
        approve(db.unit_of_work, account, principal=BENCH, reason="benchmark: approve all")
    approved = time.perf_counter() - started
    filled = fill_at_close(db.unit_of_work, principal=BENCH)
    db.close()
    return (
        f"{len(pending):,} reviews approved in {approved:,.1f} s; {filled.filled:,} orders "
        f"of {filled.accounts:,} accounts filled at the close in "
        f"{time.perf_counter() - started - approved:,.1f} s"
        + (f"; {len(filled.problems)} not booked" if filled.problems else "")
    )


def _night(url: str, day: dt.date, kind: str, workers: int, chunk: int) -> Any:
    return run_nightly(
        url, as_of=day, principal=BENCH, kind=kind, workers=workers, chunk_size=chunk
    )


def _load(url: str, accounts: int) -> float:
    started = time.perf_counter()
    db = open_database(url)
    db.upgrade()
    spec = DemoSpec(accounts=accounts, as_of=AS_OF, seed=7, days=60)
    load_demo_firm(db.unit_of_work, spec, principal=BENCH)
    seed_model_book(db.unit_of_work, as_of=AS_OF, principal=BENCH, now=dt.datetime.now(dt.UTC))
    install_demo_policy(db.unit_of_work, principal=BENCH)
    db.close()
    return time.perf_counter() - started


@contextmanager
def _database(backend: str, keep: bool) -> Iterator[str]:
    """A scratch database, or with `keep` one left behind for `trimtab records replay
    --run` (PostgreSQL schema `bench_nightly_kept`, replaced on each run; SQLite file
    `bench-nightly.db` here); drop it with `DROP SCHEMA bench_nightly_kept CASCADE`."""
    if not keep:
        with scratch_database(backend) as url:
            yield url
        return
    if backend == "sqlite":
        path = Path("bench-nightly.db").resolve()
        path.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        return
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{KEPT}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{KEPT}"'))
    admin.dispose()
    url = make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={KEPT}"})
    yield url.render_as_string(hide_password=False)


def one(
    backend: str, accounts: int, workers: int, chunk: int, dask: bool, keep: bool = False
) -> list[str]:
    rows = []
    with _database(backend, keep) as url:
        if keep:
            print(f"<!-- {backend}: kept at {url} -->", flush=True)
        load, load_rss, _ = _in_own_process(_load, url, accounts)
        print(f"<!-- {backend}: demo load {load:,.0f} s, peak RSS {load_rss:,.0f} MB -->")
        nights = [("night 1", AS_OF, "local")]
        nights.append(("night 2", NIGHT_2, "local"))
        if dask:
            nights.append(("night 2 again, Dask LocalCluster", NIGHT_2, "dask"))
        night_1 = ""
        stored = record_bytes(url)
        analyzed, trading = 0, 0  # account-nights; bytes of the day's decisions, orders, fills
        for name, day, kind in nights:
            if name == "night 2":
                before = record_bytes(url)
                note, trade_rss, _ = _in_own_process(_trade_night_1, url, night_1)
                trading = record_bytes(url) - before
                print(f"<!-- {backend}: {note}; peak RSS {trade_rss:,.0f} MB -->", flush=True)
                _move_prices_one_day(url)
            night_start = record_bytes(url)
            s, own, kids = _in_own_process(_night, url, day, kind, workers, chunk)
            night_1 = night_1 or s.run_id
            per_worker = s.analyzed_now / s.seconds / workers
            rows.append(
                f"| {backend} | {name} | {accounts:,} | {s.seconds:,.1f} | "
                f"{s.analyzed_now / s.seconds:,.1f} | {per_worker:,.1f} | "
                f"{s.trades:,} | {s.counts} | {own:,.0f} / {kids:,.0f} | {load:,.0f} |"
            )
            print(rows[-1], flush=True)
            if kind == "local":
                analyzed += s.analyzed_now
                now = record_bytes(url)
                print(
                    f"<!-- {backend}: record storage after {name} ({s.run_id}): {now:,} "
                    f"bytes; {(now - stored) / analyzed:,.0f} bytes per account-night so "
                    f"far ({analyzed:,} account-nights), analysis records alone "
                    f"{(now - stored - trading) / analyzed:,.0f}; this night's analysis "
                    f"records {(now - night_start) / s.analyzed_now:,.0f} -->",
                    flush=True,
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--dask", action="store_true", help="also run night 2 on Dask")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (for records replay --run)"
    )
    args = parser.parse_args()
    print(
        "| database | night | accounts | wall s | accounts/s | per worker/s | trades | "
        "outcomes | peak RSS MB (run / worker) | load s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---|---:|")
    for backend in args.backends.split(","):
        one(backend, args.accounts, args.workers, args.chunk, args.dask, args.keep)


if __name__ == "__main__":
    main()
