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

from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

from trimtab.engine.arrays import Floats, Ints
from trimtab.engine.build import LpModel

__all__ = ["LpOutcome", "LpSolver", "RowBlock", "new_highs", "pass_model"]

# A reduced cost or dual below this (relative to the largest cost) counts as zero when the
# optimal face is fixed: the objective can then move by at most this per dollar traded.
_FACE_TOL = 1e-9

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
class RowBlock:
    """Rows to add, row-wise: row r's entries are index/value[start[r]:start[r + 1]]."""

    start: Ints  # one per row (HiGHS convention: no final end marker)
    index: Ints
    value: Floats
    lower: Floats
    upper: Floats

    @classmethod
    def from_triplets(
        cls, rows: Ints, cols: Ints, vals: Floats, lower: Floats, upper: Floats
    ) -> RowBlock:
        """Sorted by row with a stable argsort: cheaper than a scipy COO → CSR round trip."""
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=len(lower))
        start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        return cls(start, cols[order], vals[order], lower, upper)


@dataclass(frozen=True, eq=False)
class LpOutcome:
    status: str  # "optimal", "infeasible", "unbounded" or "error: <HiGHS status>"
    x: Floats
    objective: float
    # Optimal duals (HiGHS convention: reduced cost = c − Aᵀ·row_dual); empty when not read.
    col_dual: Floats = field(default_factory=lambda: np.zeros(0))
    row_dual: Floats = field(default_factory=lambda: np.zeros(0))

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


def new_highs() -> highspy._Highs:  # type: ignore[name-defined]
    """A silent, single-threaded, deterministic HiGHS instance with this module's options."""
    h = highspy._Highs()  # type: ignore[attr-defined]
    for name, value in _OPTIONS.items():
        h.setOptionValue(name, value)
    return h


def pass_model(
    h: highspy._Highs,  # type: ignore[name-defined]
    matrix: sparse.csc_array,
    cost: Floats,
    lower: Floats,
    upper: Floats,
    row_lower: Floats,
    row_upper: Floats,
    integrality: npt.ArrayLike | None = None,
) -> None:
    """Hand a column-wise model to HiGHS as numpy buffers (minimize, no offset).

    The flat `passModel` overload reads the arrays directly: filling a `HighsLp` field by
    field converts each array element by element (2 ms against 0.1 ms on a direct index).
    All-continuous integrality (kContinuous = 0) keeps an LP an LP.
    """
    n_col = matrix.shape[1]
    kinds = np.zeros(n_col, np.int32) if integrality is None else np.asarray(integrality, np.int32)
    status = h.passModel(
        n_col,
        matrix.shape[0],
        matrix.nnz,
        int(highspy.MatrixFormat.kColwise.value),
        int(highspy.ObjSense.kMinimize.value),
        0.0,
        np.asarray(cost, dtype=float),
        np.asarray(lower, dtype=float),
        np.asarray(upper, dtype=float),
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        np.asarray(matrix.data, dtype=float),
        kinds,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")  # a bug in build.py, not a user error


class LpSolver:
    """One HiGHS instance holding one model (module docstring)."""

    def __init__(self, model: LpModel) -> None:
        self.model = model
        self.solves = 0
        self._highs = new_highs()
        pass_model(
            self._highs,
            model.matrix,
            model.cost,
            model.lower,
            model.upper,
            model.row_lower,
            model.row_upper,
        )
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
        self._row_lower = model.row_lower.copy()
        self._row_upper = model.row_upper.copy()
        self._cost = model.cost.copy()

    def set_columns(self, cols: Ints, lower: Floats, upper: Floats) -> None:
        if len(cols) == 0:
            return
        self.lower[cols] = lower
        self.upper[cols] = upper
        self._highs.changeColsBounds(
            len(cols), cols.astype(np.int32), np.asarray(lower, float), np.asarray(upper, float)
        )

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self._row_lower[row] = lower
        self._row_upper[row] = upper
        self._highs.changeRowBounds(row, lower, upper)

    def set_cost(self, cost: Floats) -> None:
        n = len(cost)
        self._cost = np.asarray(cost, dtype=float).copy()
        self._highs.changeColsCost(n, np.arange(n, dtype=np.int32), self._cost)

    def solve(self, *, time_limit: float | None = None) -> LpOutcome:
        if self.model.contradiction:
            return LpOutcome("infeasible", np.zeros(0), float("nan"))
        if time_limit is not None:
            self._highs.setOptionValue("time_limit", time_limit)
        self._highs.run()
        self.solves += 1
        status = self._highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            solution = self._highs.getSolution()
            x = np.asarray(solution.col_value, dtype=float)
            # Clip solver tolerance noise back into the bounds we promised.
            x = np.minimum(np.maximum(x, self.lower), self.upper)
            info = self._highs.getInfo()
            return LpOutcome(
                "optimal",
                x,
                float(info.objective_function_value),
                np.asarray(solution.col_dual, dtype=float),
                np.asarray(solution.row_dual, dtype=float),
            )
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

    def row_bounds(self) -> tuple[Floats, Floats]:
        """The rows' current bounds (the model's, with every change since applied)."""
        return self._row_lower.copy(), self._row_upper.copy()

    def face_is_a_point(self, out: LpOutcome) -> bool:
        """True when `out` is the only optimum, so a second stage could not move it.

        `out` is a vertex (the simplex answers one, presolve is off): its active bounds,
        of columns and of rows, include n independent ones. The optimal face keeps every
        active bound whose reduced cost or dual is nonzero (complementary slackness,
        as in `optimize_on_face`); when that is every active bound that is not an
        equality anyway, the face is the vertex itself. A degenerate basic variable at
        its bound counts as free: the answer errs towards "not a point", never the other way.
        """
        n = self.model.n_col
        if len(out.col_dual) != n or len(out.row_dual) != self.model.matrix.shape[0]:
            return False
        zero = _FACE_TOL * max(1.0, float(np.abs(self.model.cost).max()))
        if _loose_at_bound(out.x, self.lower, self.upper, out.col_dual, zero).any():
            return False
        activity = self.model.matrix @ out.x
        return not _loose_at_bound(
            activity, self._row_lower, self._row_upper, out.row_dual, zero
        ).any()

    def optimize_on_face(
        self,
        out: LpOutcome,
        cost: Floats,
        extra_cost: Floats,
        extra_col_upper: Floats,
        extra_rows: RowBlock,
    ) -> LpOutcome | None:
        """Lexicographic second stage: minimize `cost·x + extra_cost·y` over the optimal face.

        The face of `out` (an optimal outcome of this model as it stands) is fixed by
        complementary slackness: every column with a nonzero reduced cost stays at its value,
        every row with a nonzero dual stays at its activity; any point meeting those and the
        model's rules has the same first-stage objective. `y` are new columns in
        [0, extra_col_upper] and `extra_rows` new rows over [x, y]. The model is restored
        afterwards; None when the
        second stage fails or drifts off the first optimum by more than solver tolerance.
        """
        n, n_y = self.model.n_col, len(extra_cost)
        if len(out.col_dual) != n or n_y == 0:
            return None
        scale = max(1.0, float(np.abs(self.model.cost).max()))
        fixed_cols = np.flatnonzero(np.abs(out.col_dual) > _FACE_TOL * scale).astype(np.int32)
        fixed_rows = np.flatnonzero(np.abs(out.row_dual) > _FACE_TOL * scale).astype(np.int32)
        activity = self.model.matrix @ out.x
        saved_cols = (self.lower[fixed_cols].copy(), self.upper[fixed_cols].copy())
        saved_rows = (self._row_lower[fixed_rows].copy(), self._row_upper[fixed_rows].copy())
        h = self._highs
        h.changeColsBounds(len(fixed_cols), fixed_cols, out.x[fixed_cols], out.x[fixed_cols])
        row_at = activity[fixed_rows]
        h.changeRowsBounds(len(fixed_rows), fixed_rows, row_at, row_at)
        all_cols = np.arange(n, dtype=np.int32)
        h.changeColsCost(n, all_cols, np.asarray(cost, dtype=float))
        empty_i, empty_f = np.zeros(0, np.int32), np.zeros(0)
        h.addCols(n_y, extra_cost, np.zeros(n_y), extra_col_upper, 0, empty_i, empty_i, empty_f)
        n_row = self.model.matrix.shape[0]
        n_new = len(extra_rows.lower)
        h.addRows(
            n_new,
            extra_rows.lower,
            extra_rows.upper,
            len(extra_rows.value),
            extra_rows.start.astype(np.int32),
            extra_rows.index.astype(np.int32),
            extra_rows.value.astype(float),
        )
        h.run()
        self.solves += 1
        second: LpOutcome | None = None
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(h.getSolution().col_value, dtype=float)[:n]
            x = np.minimum(np.maximum(x, self.lower), self.upper)
            first = float(self.model.cost @ x)
            slack = 1e-9 * max(1.0, abs(out.objective), float(np.abs(x).sum()))
            if first <= out.objective + slack:
                second = LpOutcome("optimal", x, out.objective, out.col_dual, out.row_dual)
        h.deleteRows(n_new, np.arange(n_row, n_row + n_new, dtype=np.int32))
        h.deleteCols(n_y, np.arange(n, n + n_y, dtype=np.int32))
        h.changeColsCost(n, all_cols, self._cost)
        h.changeColsBounds(len(fixed_cols), fixed_cols, *saved_cols)
        h.changeRowsBounds(len(fixed_rows), fixed_rows, *saved_rows)
        return second


def _loose_at_bound(
    value: Floats, lower: Floats, upper: Floats, dual: Floats, zero: float
) -> npt.NDArray[np.bool_]:
    """At a bound that is not an equality, with a dual too small to pin it on the face."""
    eps = 1e-9 * np.maximum(1.0, np.abs(value))
    at_bound = (value <= lower + eps) | (value >= upper - eps)
    loose: npt.NDArray[np.bool_] = at_bound & (lower < upper) & (np.abs(dual) <= zero)
    return loose
