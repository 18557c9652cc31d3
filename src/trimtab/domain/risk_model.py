"""A factor risk model, and a statistical one estimated from returns by PCA.

Problem: the optimizer's tracking-error term needs each security's risk as factor
exposures B (securities × factors), a factor covariance F and a specific (idiosyncratic)
variance d, so that the covariance of returns is Σ = B F Bᵀ + diag(d). A firm buys such
a model from a vendor and loads it as a feed; the demo estimates one from real returns.

Rule (statistical model, `estimate_statistical_model`): over a window of T daily returns
R (T × N), demean each column and take the top k eigenvectors V (N × k) of the sample
covariance. The exposures are B = V, the factor returns f = R V, their covariance
F = cov(f) (diagonal: the top eigenvalues), and the specific variance is what the
factors leave, d = var(R − f Vᵀ), floored at `MIN_SPECIFIC_VARIANCE` so no security looks
riskless. F and d are annualized with 252 trading days.

    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> market = rng.normal(0, 0.01, 500)
    >>> returns = np.outer(market, [1.0, 1.2, 0.8]) + rng.normal(0, 0.002, (500, 3))
    >>> model = estimate_statistical_model(returns, ("A", "B", "C"), factors=1, name="demo")
    >>> model.factors  # B moves 1.2 and C 0.8 with the market: variances about (1.2/0.8)²
    ('PC1',)
    >>> round(model.total_variance("B") / model.total_variance("C"), 1)
    2.1
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

__all__ = [
    "FactorCovariance",
    "FactorExposure",
    "RiskModel",
    "SpecificRisk",
    "estimate_statistical_model",
    "risk_model_from_parts",
]

TRADING_DAYS = 252
MIN_SPECIFIC_VARIANCE = 1e-6


@dataclass(frozen=True, slots=True)
class FactorExposure:
    model: str
    security: str
    factor: str
    exposure: float


@dataclass(frozen=True, slots=True)
class FactorCovariance:
    model: str
    factor: str
    other: str
    covariance: float  # annualized


@dataclass(frozen=True, slots=True)
class SpecificRisk:
    model: str
    security: str
    variance: float  # annualized


@dataclass(frozen=True, slots=True)
class RiskModel:
    name: str
    factors: tuple[str, ...]
    securities: tuple[str, ...]
    exposures: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: MappingProxyType({}))
    covariance: tuple[tuple[float, ...], ...] = ()
    specific_variance: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def total_variance(self, security: str) -> float:
        b = np.array(self.exposures[security])
        f = np.array(self.covariance)
        return float(b @ f @ b) + self.specific_variance[security]

    def exposure_rows(self) -> list[FactorExposure]:
        return [
            FactorExposure(self.name, s, f, self.exposures[s][j])
            for s in self.securities
            for j, f in enumerate(self.factors)
        ]

    def covariance_rows(self) -> list[FactorCovariance]:
        return [
            FactorCovariance(self.name, f, g, self.covariance[i][j])
            for i, f in enumerate(self.factors)
            for j, g in enumerate(self.factors)
            if j >= i
        ]

    def specific_rows(self) -> list[SpecificRisk]:
        return [SpecificRisk(self.name, s, self.specific_variance[s]) for s in self.securities]


def estimate_statistical_model(
    returns: npt.NDArray[np.float64],
    tickers: Sequence[str],
    *,
    factors: int,
    name: str,
) -> RiskModel:
    """PCA factor model of `returns` (T days × N securities, daily fractions); see above."""
    if returns.shape[1] != len(tickers):
        raise ValueError(f"{returns.shape[1]} return columns for {len(tickers)} tickers")
    if not 0 < factors < min(returns.shape):
        raise ValueError(f"factors must be between 1 and {min(returns.shape) - 1}")
    centered = returns - returns.mean(axis=0)
    sample = centered.T @ centered / (len(returns) - 1)
    values, vectors = np.linalg.eigh(sample)
    top = np.argsort(values)[::-1][:factors]
    loadings = vectors[:, top]
    # An eigenvector's sign is arbitrary; make each factor load positively on average,
    # so "PC1" reads as the market rather than its mirror image.
    loadings *= np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    factor_returns = centered @ loadings
    residual = centered - factor_returns @ loadings.T
    covariance = np.cov(factor_returns, rowvar=False).reshape(factors, factors) * TRADING_DAYS
    specific = np.maximum(residual.var(axis=0, ddof=1) * TRADING_DAYS, MIN_SPECIFIC_VARIANCE)
    names = tuple(f"PC{i + 1}" for i in range(factors))
    return RiskModel(
        name=name,
        factors=names,
        securities=tuple(tickers),
        exposures=MappingProxyType(
            {t: tuple(float(x) for x in loadings[i]) for i, t in enumerate(tickers)}
        ),
        covariance=tuple(tuple(float(x) for x in row) for row in covariance),
        specific_variance=MappingProxyType({t: float(specific[i]) for i, t in enumerate(tickers)}),
    )


def risk_model_from_parts(
    name: str,
    exposures: Sequence[FactorExposure],
    covariances: Sequence[FactorCovariance],
    specific: Sequence[SpecificRisk],
) -> RiskModel:
    """Reassemble a model from its three feeds (the covariance is given upper-triangular)."""
    factors = tuple(dict.fromkeys(e.factor for e in exposures))
    securities = tuple(dict.fromkeys(e.security for e in exposures))
    index = {f: i for i, f in enumerate(factors)}
    matrix = [[0.0] * len(factors) for _ in factors]
    for c in covariances:
        i, j = index[c.factor], index[c.other]
        matrix[i][j] = matrix[j][i] = c.covariance
    table = {(e.security, e.factor): e.exposure for e in exposures}
    return RiskModel(
        name=name,
        factors=factors,
        securities=securities,
        exposures=MappingProxyType(
            {s: tuple(table.get((s, f), 0.0) for f in factors) for s in securities}
        ),
        covariance=tuple(tuple(row) for row in matrix),
        specific_variance=MappingProxyType({r.security: r.variance for r in specific}),
    )
