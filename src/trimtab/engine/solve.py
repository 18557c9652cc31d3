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

from trimtab.engine.arrays import Bools, Floats, Ints
from trimtab.engine.build import LpModel

__all__ = ["LpOutcome", "LpSolver", "OptimalFace", "Rows", "new_highs", "pass_model"]

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
class Rows:
    """Rows to add, as triplets: entry e is `value[e]` in row `row[e]`, column `col[e]`."""

    row: Ints
    col: Ints
    value: Floats
    lower: Floats
    upper: Floats


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


@dataclass(frozen=True, eq=False)
class OptimalFace:
    """The optimal face of an optimal outcome, by complementary slackness: a column with a
    nonzero reduced cost keeps its value on it, and so does a row's activity where the
    row's dual is nonzero; any point meeting those and the model's rules is optimal too.
    Zero is relative to the largest cost (`_FACE_TOL`)."""

    out: LpOutcome
    free: Bools  # columns with a zero reduced cost: free to move on the face
    pinned: Bools  # rows with a nonzero dual: their activity is fixed on the face
    activity: Floats  # A·x at the outcome


def new_highs() -> highspy._Highs:  # type: ignore[name-defined]
    """A silent, single-threaded, deterministic HiGHS instance with this module's options."""
    h = highspy._Highs()  # type: ignore[attr-defined]
    for name, value in _OPTIONS.items():
        h.setOptionValue(name, value)
    return h


def pass_model(
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
    """Hand a column-wise model to HiGHS as numpy buffers (minimize, no offset): column
    j's entries are index/value[start[j]:start[j + 1]], `start` ending with the marker.

    The flat `passModel` overload reads the arrays directly: filling a `HighsLp` field by
    field converts each array element by element (2 ms against 0.1 ms on a direct index).
    All-continuous integrality (kContinuous = 0) keeps an LP an LP.
    """
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
        np.ascontiguousarray(start, dtype=np.int32),
        np.ascontiguousarray(index, dtype=np.int32),
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
        self._timed = False  # a time limit was set on the instance: reset it when handed back
        self._highs = _pooled_highs()
        pass_model(
            self._highs,
            model.n_row,
            model.start,
            model.index,
            model.value,
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
            _give_back(h, timed=self._timed)

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
        self._highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))

    def solve(self, *, time_limit: float | None = None) -> LpOutcome:
        if self.model.contradiction:
            return LpOutcome("infeasible", np.zeros(0), float("nan"))
        if time_limit is not None:
            self._highs.setOptionValue("time_limit", time_limit)
            self._timed = True
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

    def optimal_face(self, out: LpOutcome) -> OptimalFace | None:
        """The optimal face of `out`, an optimal outcome of this model as it stands; None
        without its duals."""
        m = self.model
        if len(out.col_dual) != m.n_col or len(out.row_dual) != m.n_row:
            return None
        zero = _FACE_TOL * m.cost_scale
        return OptimalFace(
            out, np.abs(out.col_dual) <= zero, np.abs(out.row_dual) > zero, m.activity(out.x)
        )

    def face_is_a_point(self, face: OptimalFace) -> bool:
        """True when the answer is the only optimum, so a second stage could not move it.

        The answer is a vertex (the simplex answers one, presolve is off): its active
        bounds, of columns and of rows, include n independent ones. The optimal face keeps
        every active bound whose reduced cost or dual is nonzero; when that is every active
        bound that is not an equality anyway, the face is the vertex itself. A degenerate
        basic variable at its bound counts as free: the answer errs towards "not a point",
        never the other way.
        """
        if _loose_at_bound(face.out.x, self.lower, self.upper, face.free).any():
            return False
        loose = _loose_at_bound(face.activity, self._row_lower, self._row_upper, ~face.pinned)
        return not loose.any()

    def optimize_on_face(
        self, face: OptimalFace, cost: Floats, extra_cost: Floats, extra_upper: Floats, extra: Rows
    ) -> LpOutcome | None:
        """Lexicographic second stage: minimize `cost·x + extra_cost·y` over the optimal face.

        Any point that keeps the face's fixed columns and pinned rows at their values and
        meets the model's rules has the same first-stage objective. `y` are new columns in
        [0, extra_upper] and `extra` new rows over [x, y].

        The fixed columns are substituted out: the second stage is a fresh LP over the free
        columns and `y` only, usually a tenth of the model. Measured on model accounts,
        solving it from scratch costs a third of re-solving the whole model from the first
        stage's basis (the new cost makes that basis dual infeasible, so the warm start
        buys little). This model is left untouched. None when the second stage fails or
        drifts off the first optimum by more than solver tolerance.
        """
        m, out, free = self.model, face.out, face.free
        n, n_y, n_new = m.n_col, len(extra_cost), len(extra.lower)
        if n_y == 0:
            return None
        # Row bounds of the face, less what the fixed columns contribute.
        fixed_x = np.where(free, 0.0, out.x)
        fixed_part = m.activity(fixed_x)
        lower = np.where(face.pinned, face.activity, self._row_lower) - fixed_part
        upper = np.where(face.pinned, face.activity, self._row_upper) - fixed_part
        # Columns: the free ones, then y. The extra rows' fixed x entries move to their bounds.
        free_cols = free.nonzero()[0]
        n_free = len(free_cols)
        column_of = np.full(n + n_y, -1)
        column_of[free_cols] = np.arange(n_free)
        column_of[n:] = np.arange(n_free, n_free + n_y)
        on_fixed = column_of[extra.col] < 0
        new_fixed = np.bincount(
            extra.row[on_fixed], extra.value[on_fixed] * out.x[extra.col[on_fixed]], n_new
        )
        keep, kept = free[m.entry_col], ~on_fixed
        rows = np.concatenate([m.index[keep], m.n_row + extra.row[kept]])
        cols = column_of[np.concatenate([m.entry_col[keep], extra.col[kept]])]
        vals = np.concatenate([m.value[keep], extra.value[kept]])
        # Rows left without a free column hold at their fixed value already: dropped.
        used = np.zeros(m.n_row + n_new, dtype=bool)
        used[rows] = True
        row_of = used.cumsum() - 1
        # A stable sort by column keeps rows ascending within each: the model's entries
        # come in row order, the extra rows after them, each column's in the order given.
        order = np.argsort(cols, kind="stable")
        counts = np.bincount(cols, minlength=n_free + n_y)
        with _borrowed_highs() as h:
            pass_model(
                h,
                int(used.sum()),
                np.concatenate([[0], np.cumsum(counts)]),
                row_of[rows[order]],
                vals[order],
                np.concatenate([cost[free_cols], extra_cost]),
                np.concatenate([self.lower[free_cols], np.zeros(n_y)]),
                np.concatenate([self.upper[free_cols], extra_upper]),
                np.concatenate([lower, extra.lower - new_fixed])[used],
                np.concatenate([upper, extra.upper - new_fixed])[used],
            )
            h.run()
            self.solves += 1
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            solved = np.asarray(h.getSolution().col_value, dtype=float)[:n_free]
        x = out.x.copy()
        x[free_cols] = solved
        x = np.minimum(np.maximum(x, self.lower), self.upper)
        first = float(m.cost @ x)
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


def _give_back(h: highspy._Highs, *, timed: bool = False) -> None:  # type: ignore[name-defined]
    h.clearModel()  # the next model starts from nothing: no basis, no Hessian
    if timed:
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


def _loose_at_bound(value: Floats, lower: Floats, upper: Floats, unpinned: Bools) -> Bools:
    """At a bound that is not an equality, with a dual too small to pin it on the face."""
    eps = 1e-9 * np.maximum(1.0, np.abs(value))
    at_bound = (value <= lower + eps) | (value >= upper - eps)
    loose: Bools = at_bound & (lower < upper) & unpinned
    return loose
