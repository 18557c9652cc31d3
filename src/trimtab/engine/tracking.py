"""The optional tracking-error term, in factored form so the QP's Hessian is diagonal.

Problem: λ_te·(w − t)ᵀ(B F Bᵀ + D)(w − t) over hundreds of securities is a dense
quadratic; handed to a QP solver as is, it is slow and can lose semidefiniteness to
rounding. Factored, it is a sum of squares of a few new variables.

Rule: with F = L Lᵀ (eigen-decomposition, so a semidefinite F works too) and d = the
post-trade dollars of each security minus V·t, introduce z = Lᵀ Bᵀ d / V (one per factor)
and r_i = d_i / V (one per security with specific variance D_i > 0). Then

    TE = λ_te · (Σ_f z_f² + Σ_i D_i r_i²)

and the Hessian is diagonal (2λ_te on z, 2λ_te·D_i on r).

Per-security target t: a group's target sits on its `buy` member; a group without one
spreads it over its held members pro rata to their value (equally when none is held);
a security in no group has target 0.

Example: one factor with variance 0.04, VOO exposure 1.0, target 60% in VOO, account at
50% VOO: z = 0.2·(−0.10) = −0.02, TE = λ_te·0.0004 (plus the specific part).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trimtab.engine.arrays import AccountArrays, Floats, Ints
from trimtab.engine.case import FactorModel

__all__ = ["TrackingModel", "security_targets"]


def security_targets(a: AccountArrays) -> Floats:
    """t_i: each group's target placed on its buy member, else pro rata (module docstring)."""
    n_s = len(a.sec_ids)
    t = np.zeros(n_s)
    held_value = a.held * a.price
    for k, target in enumerate(a.target):
        if target == 0:
            continue
        buy = int(a.group_buy[k])
        if buy >= 0:
            t[buy] += target
            continue
        members = np.flatnonzero(a.sec_group == k)
        weights = held_value[members]
        if weights.sum() <= 0:
            weights = np.ones(len(members))
        t[members] += target * weights / weights.sum()
    return t


@dataclass(frozen=True, eq=False)
class TrackingModel:
    weight: float  # λ_te
    loadings: Floats  # M = (B L)ᵀ, factors × securities
    specific: Floats  # D_i per security
    target: Floats  # t_i

    @classmethod
    def from_case(cls, model: FactorModel, a: AccountArrays, weight: float) -> TrackingModel:
        n_f = len(model.factors)
        exposures = np.zeros((len(a.sec_ids), n_f))
        specific = np.zeros(len(a.sec_ids))
        for i, sec in enumerate(a.sec_ids):
            if sec in model.exposures:
                exposures[i] = model.exposures[sec]
            specific[i] = model.specific_variance.get(sec, 0.0)
        if n_f:
            eigval, eigvec = np.linalg.eigh(np.array(model.covariance, dtype=float))
            root = eigvec * np.sqrt(np.clip(eigval, 0.0, None))
            loadings = (exposures @ root).T
        else:
            loadings = np.zeros((0, len(a.sec_ids)))
        return cls(weight, loadings, specific, security_targets(a))

    def deviation(self, a: AccountArrays, sold: Floats, bought: Floats) -> Floats:
        """(w − t) per security, from dollars sold and bought per security."""
        dollars: Floats = a.held * a.price - sold + bought
        return dollars / a.value - self.target

    def value(self, a: AccountArrays, sold: Floats, bought: Floats) -> float:
        gap = self.deviation(a, sold, bought)
        factor = self.loadings @ gap
        return float(self.weight * (factor @ factor + self.specific @ (gap * gap)))

    def rows(
        self, a: AccountArrays, *, first_row: int, first_col: int
    ) -> tuple[Ints, Ints, Floats, Floats, Floats]:
        """Equality rows z = M d/V and r = d/V, as (rows, cols, values, rhs, hessian)."""
        n_l, n_b = len(a.lot_ids), len(a.buy_sec)
        n_f = self.loadings.shape[0]
        spec_sec = np.flatnonzero(self.specific > 0)
        base = a.held * a.price / a.value - self.target  # (w − t) before trades
        inv_v = 1.0 / a.value
        # Factor rows: z_f + Σ_l M_f,s(l)/V·s_l − Σ_b M_f,s(b)/V·u_b = M_f·base.
        f_idx = np.arange(n_f)
        lot_cols = np.tile(np.arange(n_l), n_f)
        buy_cols = np.tile(n_l + np.arange(n_b), n_f)
        rows = [
            np.repeat(first_row + f_idx, n_l),
            np.repeat(first_row + f_idx, n_b),
            first_row + f_idx,
        ]
        cols = [lot_cols, buy_cols, first_col + f_idx]
        vals = [
            (self.loadings[:, a.lot_sec] * inv_v).ravel(),
            (-self.loadings[:, a.buy_sec] * inv_v).ravel(),
            np.ones(n_f),
        ]
        rhs = [self.loadings @ base]
        # Specific rows: r_i + Σ_{l∈i} s_l/V − u_i/V = base_i.
        row_of_sec = np.full(len(a.sec_ids), -1, dtype=np.intp)
        row_of_sec[spec_sec] = first_row + n_f + np.arange(len(spec_sec))
        lots = np.flatnonzero(row_of_sec[a.lot_sec] >= 0)
        buys = np.flatnonzero(row_of_sec[a.buy_sec] >= 0)
        rows += [
            row_of_sec[a.lot_sec[lots]],
            row_of_sec[a.buy_sec[buys]],
            first_row + n_f + np.arange(len(spec_sec)),
        ]
        cols += [lots, n_l + buys, first_col + n_f + np.arange(len(spec_sec))]
        vals += [np.full(len(lots), inv_v), np.full(len(buys), -inv_v), np.ones(len(spec_sec))]
        rhs.append(base[spec_sec])
        hessian = np.concatenate(
            [np.full(n_f, 2.0 * self.weight), 2.0 * self.weight * self.specific[spec_sec]]
        )
        return (
            np.concatenate(rows).astype(np.intp),
            np.concatenate(cols).astype(np.intp),
            np.concatenate(vals),
            np.concatenate(rhs),
            hessian,
        )
