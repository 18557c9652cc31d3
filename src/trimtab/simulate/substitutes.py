"""Harvest replacements chosen by the risk model: every stock its own target, paired on need.

Problem: a direct index harvests a loss by selling the stock and buying something that
keeps the index's exposure for the 31 days the wash-sale rule forbids buying it back.
Fixed swap sets (universe.py) let the engine see only each set's weight, so the money
moved inside a set never comes back and the portfolio walks away from its index (active
share ≈ 20%, tracking error ≈ 0.9%/yr on the default study, and more the more it
harvests). Harvesting more must not cost tracking error.

Rule (`pair_groups`, each scan day):
- every stock is its own target group (its own index weight, band `band_share` of it);
- a stock that *needs a substitute* — one with a harvestable loss lot today, or one sold
  at a loss in the last 30 days (it cannot be bought back) — joins the group of a
  partner: the group holds both targets and buys only the partner. Selling the loss
  then buys the partner in the same rebalance, and the group stays on target;
- the partner is the first free stock of the needy stock's `substitutes` list, the
  stocks whose swap adds the least tracking error under the factor risk model:
  var(r_i − r_j) = (b_i − b_j)ᵀ F (b_i − b_j) + d_i + d_j (annualized). Free: a different
  wash group, not itself needy, and absorbing fewer than `MAX_ABSORBED` stocks (no
  stock grows into a concentration). A stock sold at a loss keeps the partner it was
  swapped into while it is blocked, so the money does not move daily;
- 31 days after the sale the pair dissolves: each stock is its own group again, the
  partner holds more than its target and the stock sold less, and the engine's drift
  term swaps back when the tax of doing so is worth it (a partner now at a loss is
  itself harvested; one at a large short-term gain stays, its drift priced).
A stock with no free partner stays alone: its loss can still be harvested, the money
waiting in cash or underweight stocks.

Worked example: B substitutes best for A; A has a harvestable loss; C is on its own:

    >>> import numpy as np
    >>> groups = pair_groups(
    ...     substitutes=((1, 2), (0, 2), (1, 0)),
    ...     wash_groups=("A", "B", "C"),
    ...     needs=np.array([True, False, False]),
    ...     buy_blocked=np.array([False, False, False]),
    ...     kept={},
    ... )
    >>> [(g.members, g.buy) for g in groups]
    [((0, 1), 1), ((2,), 2)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from trimtab.domain.risk_model import RiskModel, estimate_statistical_model
from trimtab.simulate.market import Floats

__all__ = [
    "MAX_ABSORBED",
    "SUBSTITUTES_PER_STOCK",
    "PairGroup",
    "estimate_risk_model",
    "pair_groups",
    "rank_substitutes",
    "swap_variances",
]

MAX_ABSORBED = 1  # needy stocks one partner may hold for them at a time
SUBSTITUTES_PER_STOCK = 8
RISK_FACTORS = 15


@dataclass(frozen=True, slots=True)
class PairGroup:
    """One target group of a scan day: indices into the tickers, the one to buy (or None)."""

    members: tuple[int, ...]
    buy: int | None


def estimate_risk_model(returns: Floats, tickers: Sequence[str]) -> RiskModel:
    """The PCA factor model of the window's daily returns (domain.risk_model)."""
    factors = max(1, min(RISK_FACTORS, returns.shape[1] - 1, returns.shape[0] - 2))
    return estimate_statistical_model(returns, tickers, factors=factors, name="shadow-run PCA")


def swap_variances(model: RiskModel) -> Floats:
    """N × N annual variance of holding j instead of i: Σ_ii + Σ_jj − 2Σ_ij."""
    b = np.array([model.exposures[s] for s in model.securities])
    f = np.array(model.covariance)
    d = np.array([model.specific_variance[s] for s in model.securities])
    sigma = b @ f @ b.T + np.diag(d)
    diag = np.diag(sigma)
    out: Floats = diag[:, None] + diag[None, :] - 2.0 * sigma
    return out


def rank_substitutes(
    variances: Floats, wash_groups: Sequence[str], *, per_stock: int = SUBSTITUTES_PER_STOCK
) -> tuple[tuple[int, ...], ...]:
    """Per stock, the `per_stock` others of a different wash group, least swap variance first."""
    n = variances.shape[0]
    out: list[tuple[int, ...]] = []
    for i in range(n):
        order = np.lexsort((np.arange(n), variances[i]))  # ties: the lower index
        picks = [int(j) for j in order if j != i and wash_groups[j] != wash_groups[i]]
        out.append(tuple(picks[:per_stock]))
    return tuple(out)


def pair_groups(
    *,
    substitutes: Sequence[Sequence[int]],
    wash_groups: Sequence[str],
    needs: np.ndarray,
    buy_blocked: np.ndarray,
    kept: Mapping[int, int],
) -> tuple[PairGroup, ...]:
    """The day's target groups (module rule); `kept` maps a blocked stock to its partner."""
    n = len(substitutes)
    absorbed: dict[int, list[int]] = {}
    partner_of: dict[int, int] = {}

    def free(j: int, i: int) -> bool:
        return (
            not needs[j]
            and not buy_blocked[j]
            and wash_groups[j] != wash_groups[i]
            and len(absorbed.get(j, ())) < MAX_ABSORBED
        )

    # The blocked first, each back to its partner: their money already sits there.
    needy = sorted(np.flatnonzero(needs).tolist(), key=lambda i: (i not in kept, i))
    for i in needy:
        choices = [kept[i]] if i in kept else []
        choices += [j for j in substitutes[i] if j not in choices]
        for j in choices:
            if free(j, i):
                absorbed.setdefault(j, []).append(i)
                partner_of[i] = j
                break
    groups: list[PairGroup] = []
    for i in range(n):
        if i in partner_of:
            continue
        if i in absorbed:
            groups.append(PairGroup(tuple(sorted([i, *absorbed[i]])), i))
        else:
            groups.append(PairGroup((i,), None if buy_blocked[i] else i))
    return tuple(groups)
