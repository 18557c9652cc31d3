"""Models: weighted lists of securities, from the firm or from a third-party provider.

Problem: a model arrives as lines typed by a person or uploaded by a provider ("VOO,
0.60"); lines can repeat a ticker, name a security the firm does not know, or fail to sum
to 100%. A model that resolves into targets must be none of those.

Rule: `model_from_lines` turns `(ticker, weight)` lines into a `Model` or into problems
naming every bad line at once (duplicates, unknown securities, weights outside [0, 1],
a total off 1 by more than `WEIGHT_TOLERANCE`). A model may declare the asset class it
fills (`asset_class`), which is what customization limits compare when a client swaps
one product for another; a *direct index* is simply a model of many stocks.

    >>> m, problems = model_from_lines("M1", "Core", [("VOO", Decimal("0.6")),
    ...     ("BND", Decimal("0.3")), ("VOO", Decimal("0.1"))], known={"VOO", "BND"})
    >>> m is None, [str(p) for p in problems]
    (True, ['lines[2].security: VOO appears twice (first as lines[0])'])
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from trimtab.domain.allocations import check_weights, frozen_mapping
from trimtab.domain.problems import Problem

__all__ = ["Model", "model_from_lines", "validate_model"]


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    name: str
    weights: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    asset_class: str | None = None  # the class it fills, when it fills one
    provider: str | None = None  # None: the firm's own model

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", frozen_mapping(self.weights))


def validate_model(model: Model, known: Collection[str]) -> list[Problem]:
    path = f"models.{model.id}.weights"
    problems = check_weights(model.weights, f"model {model.id}", path)
    problems += [
        Problem(f"{path}.{t}", f"unknown security {t}: add it to the security master first")
        for t in model.weights
        if t not in known
    ]
    return problems


def model_from_lines(
    model_id: str,
    name: str,
    lines: Iterable[tuple[str, Decimal]],
    *,
    known: Collection[str],
    asset_class: str | None = None,
    provider: str | None = None,
) -> tuple[Model | None, list[Problem]]:
    problems: list[Problem] = []
    weights: dict[str, Decimal] = {}
    first_line: dict[str, int] = {}
    for i, (ticker, weight) in enumerate(lines):
        if ticker in first_line:
            problems.append(
                Problem(
                    f"lines[{i}].security",
                    # `lines[i]` in the message as in the path: an entry point that
                    # read the lines from a file renumbers both as the file shows them.
                    f"{ticker} appears twice (first as lines[{first_line[ticker]}])",
                )
            )
            continue
        first_line[ticker] = i
        weights[ticker] = weight
        if ticker not in known:
            problems.append(
                Problem(f"lines[{i}].security", f"unknown security {ticker}: not in the master")
            )
        if not Decimal(0) <= weight <= 1:
            problems.append(Problem(f"lines[{i}].weight", f"must be in [0, 1], got {weight}"))
    if not weights:
        problems.append(Problem("lines", "a model needs at least one security"))
    elif not problems:
        problems += check_weights(weights, f"model {model_id}", "lines")
    if problems:
        return None, problems
    return Model(model_id, name, weights, asset_class, provider), []
