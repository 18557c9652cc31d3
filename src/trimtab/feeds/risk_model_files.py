"""The demo's risk model: estimated from real returns, written as a vendor's feed files.

Problem: the demo needs a factor risk model, and a firm's real one arrives as three
vendor files. Estimating one and writing it in the canonical risk-model format means the
demo loads it through exactly the feed a firm would use, so that path is exercised.

Rule: `estimate_demo_model` reads the daily returns shipped in `trimtab/data` (431 S&P
500 stocks, 2007–2016; provenance in the README beside them) with the simulator's reader
(`feeds.returns_file`, which sets the cash column apart), keeps the last `window` days,
and estimates a `factors`-factor PCA model (`domain.risk_model`). `write_model` writes
`risk_exposures_<name>.csv`, `risk_covariance_<name>.csv` and `specific_risk_<name>.csv`
in the canonical layout.

    >>> # paths = write_model(estimate_demo_model(factors=10), Path("inbox"))
"""

from __future__ import annotations

from pathlib import Path

from trimtab.domain.feed_records import FeedKind
from trimtab.domain.risk_model import RiskModel, estimate_statistical_model
from trimtab.feeds.returns_file import DEFAULT_RETURNS, read_returns
from trimtab.feeds.writers import write_feed

__all__ = ["estimate_demo_model", "write_model"]


def estimate_demo_model(*, factors: int = 10, window: int = 756, name: str = "STAT") -> RiskModel:
    history, problems = read_returns(DEFAULT_RETURNS)
    if history is None:
        raise RuntimeError(f"the shipped returns file is unreadable: {problems}")
    return estimate_statistical_model(
        history.returns[-window:], history.tickers, factors=factors, name=name
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
