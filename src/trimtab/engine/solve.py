"""HiGHS, called directly: one model passed as CSC arrays, re-solved after bound changes.

Problem: the engine solves many small LPs (the relaxation, then a few with integer
decisions fixed, then diagnostics). Each must be deterministic and single-threaded (the
batch runs one solve per core), print nothing (stdout carries the JSON contract), and
re-solve from the previous basis when only bounds change.

Rule: `LpSolver(model)` passes the model once; `fix_columns`/`set_row_bounds` change
bounds in place, and `solve()` warm-starts from the last basis. We use the binding's base
class `highspy._Highs`: the convenience subclass `highspy.Highs` prints a banner on stdout
when first constructed, before any option can silence it.

Example: `LpSolver(build_model(arrays)).solve()` → `LpOutcome(status="optimal", x=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from trimtab.engine.arrays import Floats, Ints
from trimtab.engine.build import LpModel

__all__ = ["LpOutcome", "LpSolver"]

_OPTIONS: dict[str, object] = {
    "output_flag": False,
    "log_to_console": False,
    "threads": 1,
    "random_seed": 0,
    # Measured: presolve costs more than it saves on these sparse, nearly separable LPs
    # (direct index 500 × 5: 21 ms with it, 9 ms without), and without it a re-solve
    # after bound changes starts from the previous basis.
    "presolve": "off",
    "simplex_strategy": 1,  # dual simplex
}


@dataclass(frozen=True, eq=False)
class LpOutcome:
    status: str  # "optimal", "infeasible", "unbounded" or "error: <HiGHS status>"
    x: Floats
    objective: float

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


class LpSolver:
    """One HiGHS instance holding one model (module docstring)."""

    def __init__(self, model: LpModel) -> None:
        self.model = model
        self.solves = 0
        self._highs = highspy._Highs()  # type: ignore[attr-defined]
        for name, value in _OPTIONS.items():
            self._highs.setOptionValue(name, value)
        lp = highspy.HighsLp()
        lp.num_col_ = model.n_col
        lp.num_row_ = model.matrix.shape[0]
        lp.col_cost_ = model.cost
        lp.col_lower_ = model.lower
        lp.col_upper_ = model.upper
        lp.row_lower_ = model.row_lower
        lp.row_upper_ = model.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = model.matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = model.matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = model.matrix.data
        self._highs.passModel(lp)
        if model.hessian is not None:
            cols = np.flatnonzero(model.hessian)
            start = np.searchsorted(cols, np.arange(model.n_col + 1)).astype(np.int32)
            self._highs.passHessian(
                model.n_col,
                len(cols),
                highspy.HessianFormat.kTriangular.value,
                start,
                cols.astype(np.int32),
                model.hessian[cols],
            )
        self.lower = model.lower.copy()
        self.upper = model.upper.copy()

    def set_columns(self, cols: Ints, lower: Floats, upper: Floats) -> None:
        if len(cols) == 0:
            return
        self.lower[cols] = lower
        self.upper[cols] = upper
        self._highs.changeColsBounds(
            len(cols), cols.astype(np.int32), np.asarray(lower, float), np.asarray(upper, float)
        )

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self._highs.changeRowBounds(row, lower, upper)

    def set_cost(self, cost: Floats) -> None:
        n = len(cost)
        self._highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)

    def solve(self, *, time_limit: float | None = None) -> LpOutcome:
        if self.model.contradiction:
            return LpOutcome("infeasible", np.zeros(0), float("nan"))
        if time_limit is not None:
            self._highs.setOptionValue("time_limit", time_limit)
        self._highs.run()
        self.solves += 1
        status = self._highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(self._highs.getSolution().col_value, dtype=float)
            # Clip solver tolerance noise back into the bounds we promised.
            x = np.minimum(np.maximum(x, self.lower), self.upper)
            info = self._highs.getInfo()
            return LpOutcome("optimal", x, float(info.objective_function_value))
        empty = np.zeros(0)
        if status == highspy.HighsModelStatus.kModelEmpty:
            # No variables: every row's activity is 0, so feasibility is a bounds check.
            m = self.model
            ok = bool(np.all(m.row_lower <= 1e-9) and np.all(m.row_upper >= -1e-9))
            return LpOutcome("optimal" if ok else "infeasible", empty, 0.0)
        if status == highspy.HighsModelStatus.kInfeasible:
            return LpOutcome("infeasible", empty, float("nan"))
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return LpOutcome("unbounded_or_infeasible", empty, float("nan"))
        return LpOutcome(f"error: {self._highs.modelStatusToString(status)}", empty, float("nan"))
