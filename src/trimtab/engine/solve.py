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

import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
    _pass_columns(
        h,
        matrix.shape[0],
        matrix.indptr,
        matrix.indices,
        matrix.data,
        cost,
        lower,
        upper,
        row_lower,
        row_upper,
        integrality,
    )


def _pass_columns(
    h: highspy._Highs,  # type: ignore[name-defined]
    n_row: int,
    start: npt.ArrayLike,
    index: npt.ArrayLike,
    value: npt.ArrayLike,
    cost: Floats,
    lower: Floats,
    upper: Floats,
    row_lower: Floats,
    row_upper: Floats,
    integrality: npt.ArrayLike | None = None,
) -> None:
    """`pass_model` from the CSC arrays themselves (column starts with the end marker)."""
    n_col = len(cost)
    kinds = np.zeros(n_col, np.int32) if integrality is None else np.asarray(integrality, np.int32)
    value = np.asarray(value, dtype=float)
    status = h.passModel(
        n_col,
        n_row,
        len(value),
        int(highspy.MatrixFormat.kColwise.value),
        int(highspy.ObjSense.kMinimize.value),
        0.0,
        np.asarray(cost, dtype=float),
        np.asarray(lower, dtype=float),
        np.asarray(upper, dtype=float),
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        np.asarray(start).astype(np.int32),
        np.asarray(index).astype(np.int32),
        value,
        kinds,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")  # a bug in the engine, not user input


class LpSolver:
    """One HiGHS instance holding one model (module docstring)."""

    def __init__(self, model: LpModel) -> None:
        self.model = model
        self.solves = 0
        self._highs = _pooled_highs()
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

    def __enter__(self) -> LpSolver:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Hand the HiGHS instance back for the next solver on this thread (creating one
        costs ~50 µs, a third of solving a model account's LP). Not calling it is fine:
        the instance is then freed with the solver."""
        h, self._highs = self._highs, None
        if h is not None:
            _give_back(h)

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
            return LpOutcome(
                "optimal",
                x,
                float(self._highs.getObjectiveValue()),  # getInfo() copies every statistic
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

    def free_on_face(self, out: LpOutcome) -> npt.NDArray[np.bool_]:
        """The columns the optimal face of `out` leaves free: zero reduced cost (the rest
        keep their value on the face, by complementary slackness)."""
        scale = max(1.0, float(np.abs(self.model.cost).max()))
        free: npt.NDArray[np.bool_] = np.abs(out.col_dual) <= _FACE_TOL * scale
        return free

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
        [0, extra_col_upper] and `extra_rows` new rows over [x, y].

        The fixed columns are substituted out: the second stage is a fresh LP over the free
        columns and `y` only, usually a tenth of the model. Measured on model accounts,
        solving it from scratch costs a third of re-solving the whole model from the first
        stage's basis (the new cost makes that basis dual infeasible, so the warm start
        buys little). This model is left untouched. None when the second stage fails or
        drifts off the first optimum by more than solver tolerance.
        """
        n, n_y = self.model.n_col, len(extra_cost)
        if len(out.col_dual) != n or n_y == 0:
            return None
        scale = max(1.0, float(np.abs(self.model.cost).max()))
        free = self.free_on_face(out)
        pinned = np.abs(out.row_dual) > _FACE_TOL * scale
        matrix = self.model.matrix
        nnz_col = np.repeat(np.arange(n), np.diff(matrix.indptr))
        fixed_x = np.where(free, 0.0, out.x)
        n_row = matrix.shape[0]
        # Row bounds of the face, less what the fixed columns contribute.
        activity = matrix @ out.x
        fixed_part = np.bincount(matrix.indices, matrix.data * fixed_x[nnz_col], n_row)
        lower = np.where(pinned, activity, self._row_lower) - fixed_part
        upper = np.where(pinned, activity, self._row_upper) - fixed_part
        # The extra rows, as triplets over [x, y]; their fixed x entries move to the bounds.
        n_new = len(extra_rows.lower)
        new_row = np.repeat(
            np.arange(n_new), np.diff(np.append(extra_rows.start, len(extra_rows.index)))
        )
        on_x = extra_rows.index < n
        x_index = np.where(on_x, extra_rows.index, 0)
        new_fixed = np.bincount(
            new_row, np.where(on_x, extra_rows.value * fixed_x[x_index], 0.0), n_new
        )
        keep = free[nnz_col]
        free_cols = np.flatnonzero(free)
        column_of = np.full(n, -1)
        column_of[free_cols] = np.arange(len(free_cols))
        n_free = len(free_cols)
        extra_keep = ~on_x | free[x_index]
        rows = np.concatenate([matrix.indices[keep], n_row + new_row[extra_keep]])
        cols = np.concatenate(
            [
                column_of[nnz_col[keep]],
                np.where(on_x, column_of[x_index], n_free + extra_rows.index - n)[extra_keep],
            ]
        )
        vals = np.concatenate([matrix.data[keep], extra_rows.value[extra_keep]])
        row_lower = np.concatenate([lower, extra_rows.lower - new_fixed])
        row_upper = np.concatenate([upper, extra_rows.upper - new_fixed])
        # Rows left without a free column hold at their fixed value already: dropped.
        used = np.zeros(n_row + n_new, dtype=bool)
        used[rows] = True
        row_of = np.cumsum(used) - 1
        order = np.lexsort((row_of[rows], cols))
        counts = np.bincount(cols, minlength=n_free + n_y)
        with _borrowed_highs() as h:
            _pass_columns(
                h,
                int(used.sum()),
                np.concatenate([[0], np.cumsum(counts)]),
                row_of[rows][order],
                vals[order],
                np.concatenate([np.asarray(cost, dtype=float)[free_cols], extra_cost]),
                np.concatenate([self.lower[free_cols], np.zeros(n_y)]),
                np.concatenate([self.upper[free_cols], extra_col_upper]),
                row_lower[used],
                row_upper[used],
            )
            h.run()
            self.solves += 1
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            solved = np.asarray(h.getSolution().col_value, dtype=float)[:n_free]
        x = out.x.copy()
        x[free_cols] = solved
        x = np.minimum(np.maximum(x, self.lower), self.upper)
        first = float(self.model.cost @ x)
        slack = 1e-9 * max(1.0, abs(out.objective), float(np.abs(x).sum()))
        if first > out.objective + slack:
            return None
        return LpOutcome("optimal", x, out.objective, out.col_dual, out.row_dual)


_POOL = threading.local()


def _free_highs() -> list[highspy._Highs]:  # type: ignore[name-defined]
    """This thread's idle HiGHS instances: creating one costs ~50 µs, as much as solving a
    small LP, and every use passes a whole new model, so an instance is reused."""
    free = getattr(_POOL, "free", None)
    if free is None:
        free = _POOL.free = []
    return free


def _pooled_highs() -> highspy._Highs:  # type: ignore[name-defined]
    """An idle HiGHS instance of this thread, else a new one."""
    free = _free_highs()
    return free.pop() if free else new_highs()


def _give_back(h: highspy._Highs) -> None:  # type: ignore[name-defined]
    h.clearModel()  # the next model starts from nothing: no basis, no Hessian
    h.setOptionValue("time_limit", float("inf"))
    _free_highs().append(h)


@contextmanager
def _borrowed_highs() -> Iterator[highspy._Highs]:  # type: ignore[name-defined]
    """A pooled HiGHS instance for one model, handed back afterwards."""
    h = _pooled_highs()
    try:
        yield h
    finally:
        _give_back(h)


def _loose_at_bound(
    value: Floats, lower: Floats, upper: Floats, dual: Floats, zero: float
) -> npt.NDArray[np.bool_]:
    """At a bound that is not an equality, with a dual too small to pin it on the face."""
    eps = 1e-9 * np.maximum(1.0, np.abs(value))
    at_bound = (value <= lower + eps) | (value >= upper - eps)
    loose: npt.NDArray[np.bool_] = at_bound & (lower < upper) & (np.abs(dual) <= zero)
    return loose
