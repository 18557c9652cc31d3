"""Benchmark: the nightly run, night 1 and night 2, on SQLite and PostgreSQL, local and Dask.

Workload (issue 7): the demo firm at `--accounts` N (its own mix: model-based ETF and
mutual-fund accounts of ≈20-50 holdings, direct-index accounts of ≈300 stocks), 60
business days of price history. Night 1 is the first rebalance on the as-of day; night 2
adds one more business day of prices, every stock moved by its real return of a real day
(2016-12-30 in the returns file, the next real day after the history's end) and every
fund by the equal-weighted average of those returns, then runs again. End to end:
database reads, analysis, routing and writes; the demo load is timed separately.

    .venv/bin/python -m bench.nightly --accounts 2000 --backends sqlite,postgresql --dask

Peak memory is the largest resident set of the run's process and of any worker
(`resource.getrusage`), so a flat figure as N grows shows the run streams.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import resource
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from trimtab.batch.run import run_nightly
from trimtab.bootstrap import open_database
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.demo_models import seed_model_book
from trimtab.services.load_demo import load_demo_firm
from trimtab.services.routing import install_demo_policy
from trimtab.store.tables import PriceRow

AS_OF = dt.date(2025, 6, 30)
NIGHT_2 = dt.date(2025, 7, 1)
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RETURNS = Path(__file__).parent.parent / "src/trimtab/data/sp500_daily_returns_2007_2016.csv.gz"


def _rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, workers


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


def _database(backend: str, workdir: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{workdir}/nightly.db", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop(schema: str | None) -> None:
    if schema:
        with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def one(backend: str, accounts: int, workers: int, chunk: int, dask: bool) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        url, schema = _database(backend, Path(workdir))
        try:
            db = open_database(url)
            db.upgrade()
            started = time.perf_counter()
            spec = DemoSpec(accounts=accounts, as_of=AS_OF, seed=7, days=60)
            load_demo_firm(db.unit_of_work, spec, actor="bench")
            seed_model_book(
                db.unit_of_work, as_of=AS_OF, actor="bench", now=dt.datetime.now(dt.UTC)
            )
            install_demo_policy(db.unit_of_work, actor="bench")
            db.close()
            load = time.perf_counter() - started
            nights = [("night 1", AS_OF, "local")]
            nights.append(("night 2", NIGHT_2, "local"))
            if dask:
                nights.append(("night 2 again, Dask LocalCluster", NIGHT_2, "dask"))
            for name, day, kind in nights:
                if name == "night 2":
                    _move_prices_one_day(url)
                s = run_nightly(
                    url, as_of=day, actor="bench", kind=kind, workers=workers, chunk_size=chunk
                )
                own, kids = _rss_mb()
                per_worker = s.analyzed_now / s.seconds / workers
                rows.append(
                    f"| {backend} | {name} | {accounts:,} | {s.seconds:,.1f} | "
                    f"{s.analyzed_now / s.seconds:,.1f} | {per_worker:,.1f} | "
                    f"{s.trades:,} | {s.counts} | {own:,.0f} / {kids:,.0f} | {load:,.0f} |"
                )
                print(rows[-1], flush=True)
        finally:
            _drop(schema)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--dask", action="store_true", help="also run night 2 on Dask")
    args = parser.parse_args()
    print(
        "| database | night | accounts | wall s | accounts/s | per worker/s | trades | "
        "outcomes | peak RSS MB (run / worker) | load s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---|---:|")
    for backend in args.backends.split(","):
        one(backend, args.accounts, args.workers, args.chunk, args.dask)


if __name__ == "__main__":
    main()
