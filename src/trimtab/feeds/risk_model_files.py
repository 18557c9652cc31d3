"""The demo's risk model: estimated from real returns, written as a vendor's feed files.

Problem: the demo needs a factor risk model, and a firm's real one arrives as three
vendor files. Estimating one and writing it in the canonical risk-model format means the
demo loads it through exactly the feed a firm would use, so that path is exercised.

Rule: `estimate_demo_model` reads the daily returns shipped in `trimtab/data` (431 S&P
500 stocks, 2007–2016; provenance in the README beside them), keeps the last `window`
days, and estimates a `factors`-factor PCA model (`domain.risk_model`). `write_model`
writes `risk_exposures_<name>.csv`, `risk_covariance_<name>.csv` and
`specific_risk_<name>.csv` in the canonical layout.

    >>> # paths = write_model(estimate_demo_model(factors=10), Path("inbox"))
"""

from __future__ import annotations

import csv
import gzip
from importlib import resources
from pathlib import Path

import numpy as np

from trimtab.domain.feed_records import FeedKind
from trimtab.domain.risk_model import RiskModel, estimate_statistical_model
from trimtab.feeds.writers import write_feed

__all__ = ["RETURNS_FILE", "estimate_demo_model", "write_model"]

RETURNS_FILE = "sp500_daily_returns_2007_2016.csv.gz"
NOT_A_STOCK = "USDOLLAR"  # the cash return column


def estimate_demo_model(*, factors: int = 10, window: int = 756, name: str = "STAT") -> RiskModel:
    source = resources.files("trimtab.data").joinpath(RETURNS_FILE)
    with source.open("rb") as raw, gzip.open(raw, "rt", newline="") as text:
        rows = csv.reader(text)
        header = next(rows)
        values = [[float(v) for v in row[1:]] for row in rows]
    tickers = header[1:]
    returns = np.array(values)[-window:]
    keep = [i for i, t in enumerate(tickers) if t != NOT_A_STOCK]
    return estimate_statistical_model(
        returns[:, keep], [tickers[i] for i in keep], factors=factors, name=name
    )


def write_model(model: RiskModel, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    parts = (
        (FeedKind.RISK_EXPOSURES, model.exposure_rows()),
        (FeedKind.RISK_COVARIANCE, model.covariance_rows()),
        (FeedKind.SPECIFIC_RISK, model.specific_rows()),
    )
    paths: list[Path] = []
    for kind, rows in parts:
        path = directory / f"{kind.value}_{model.name}.csv"
        write_feed(path, kind, rows)
        paths.append(path)
    return paths
