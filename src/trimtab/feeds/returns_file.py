"""Daily returns files: the layout of src/trimtab/data/sp500_daily_returns_2007_2016.csv.gz.

Problem: `trimtab simulate` runs on the project's copy of real S&P 500 returns by default,
or on any file in the same layout a firm supplies; a malformed file must be answered with
what is wrong and where, never a traceback.

Rule: CSV (optionally gzip, by the `.gz` suffix); header `Date,TICKER,...`; one row per
trading day, dates `YYYY-MM-DD` strictly increasing; returns as fractions (0.01 = 1%).
A `USDOLLAR` column, if present, is the cash return; otherwise cash earns nothing.
Every problem is a `Problem` naming `FILE:line` (and the column).

Example: `read_returns(DEFAULT_RETURNS)` → (MarketHistory of 2,517 days × 431 stocks, []).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
from pathlib import Path

import numpy as np

from trimtab.domain.problems import Problem
from trimtab.simulate.market import MarketHistory

__all__ = ["CASH_COLUMN", "DEFAULT_RETURNS", "read_returns"]

CASH_COLUMN = "USDOLLAR"
DEFAULT_RETURNS = Path(__file__).parents[1] / "data" / "sp500_daily_returns_2007_2016.csv.gz"
_MAX_PROBLEMS = 20


def read_returns(path: Path) -> tuple[MarketHistory | None, list[Problem]]:
    try:
        raw = path.read_bytes()
        text = gzip.decompress(raw).decode() if path.suffix == ".gz" else raw.decode()
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as error:
        return None, [Problem(str(path), f"cannot read the file: {error}")]
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2 or not rows[0] or rows[0][0].strip().lower() != "date":
        return None, [Problem(f"{path}:1", "expected a header Date,TICKER,... and data rows")]
    header = [h.strip() for h in rows[0]]
    problems: list[Problem] = []
    if len(set(header)) != len(header):
        problems.append(Problem(f"{path}:1", "duplicate column names"))
    dates: list[dt.date] = []
    values: list[list[float]] = []
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        where = f"{path}:{n}"
        if len(row) != len(header):
            problems.append(Problem(where, f"{len(row)} fields, the header has {len(header)}"))
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            problems.append(Problem(where, f"date {row[0]!r} is not YYYY-MM-DD"))
            continue
        if dates and day <= dates[-1]:
            problems.append(Problem(where, f"{day} does not come after {dates[-1]}"))
            continue
        try:
            numbers = [float(x) for x in row[1:]]
        except ValueError:
            problems.append(Problem(where, "every return must be a number (a fraction)"))
            continue
        bad = next(
            (header[i + 1] for i, x in enumerate(numbers) if not math.isfinite(x) or x <= -1), None
        )
        if bad is not None:
            problems.append(Problem(f"{where}:{bad}", "a return must be finite and above -1"))
            continue
        dates.append(day)
        values.append(numbers)
        if len(problems) >= _MAX_PROBLEMS:
            break
    if problems:
        return None, problems
    matrix = np.array(values, dtype=float).reshape(len(values), len(header) - 1)
    names = header[1:]
    cash = np.zeros(len(dates))
    if CASH_COLUMN in names:
        k = names.index(CASH_COLUMN)
        cash = matrix[:, k].copy()
        matrix = np.delete(matrix, k, axis=1)
        names = names[:k] + names[k + 1 :]
    if not names:
        return None, [Problem(f"{path}:1", "no stock columns")]
    return MarketHistory(tuple(dates), tuple(names), matrix, cash), []
