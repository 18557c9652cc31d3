"""The direct index a shadow run follows: target weights, statistical sectors, swap sets.

Problem: the data has returns but no index weights and no sector labels, and a tax-loss
harvest needs somewhere to put the money for 30 days that keeps the index's exposure
without buying back the loss (wash-sale rule). The engine's contract allows one buy
member per group and a security in one group only, so the shape of the groups decides
whether a harvest can be a *swap*:
- one group per stock: a harvested stock's money sits in cash or drifts into other
  stocks for 30 days (harvesting without replacement);
- one group per sector with a single buy member: every harvest of the sector pours into
  one stock, and the index concentrates into a handful of names;
- what we do: small *swap sets* of two to three closely correlated stocks of one
  statistical sector, each set one group. A loss in one member is sold and the money
  buys another member (a different security, so a different wash group, so no wash
  sale), the set's weight stays on target, and no stock grows beyond its set.

Rules:
- Target weights (`target_weights`): `cap_like` (default) — each stock's weight is
  proportional to its total-return index, i.e. equal weights on the first day of the
  file drifting with prices as a cap-weighted index with constant share counts does
  (the file has no market caps); or `equal` — constant equal weights, which forces
  sales of winners to rebalance. The stocks share 1 − cash weight.
- Statistical sectors (`statistical_sectors`): Ward hierarchical clustering of the
  standardized daily returns (the Euclidean distance between two standardized series
  is √(2T(1 − ρ)), so the clusters group correlated stocks), cut into `n` clusters.
  Deterministic: no random start.
- Swap sets (`swap_sets`): inside each sector, repeatedly take the most correlated pair
  of unassigned stocks and grow it to `set_size` with the unassigned stock most
  correlated with its members on average; a remainder smaller than a set joins the set it
  is most correlated with. `set_size` 1 gives one group per stock.
- Wash groups: share classes of one issuer share one (`issuer:<id>`: FOX and FOXA, from
  `simulate/issuers.py`, by `domain.wash_sales.share_class_groups`); every other stock
  is its own. A caller's `wash_groups` replace them.
- Buy member (`choose_buy_members`): on each scan day, the member furthest below its
  own share of the set's target, among members whose wash group had no loss sale in the
  last 30 days, preferring members with no harvestable loss (a member sold at a loss in
  this rebalance cannot also be bought, rule 5c); None when every member is blocked.

Worked example: A and B move together, C moves against them; with two sectors A and B
share one, and a set size of 2 pairs them:

    >>> import numpy as np
    >>> r = np.array([[0.01, 0.011, -0.01], [-0.02, -0.018, 0.02],
    ...               [0.015, 0.014, -0.01], [-0.01, -0.012, 0.011]])
    >>> statistical_sectors(r, 2).tolist()
    [0, 0, 1]
    >>> swap_sets(r, statistical_sectors(r, 2), 2)
    ((0, 1), (2,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage

from trimtab.domain.wash_sales import share_class_groups
from trimtab.engine.case import FactorModel
from trimtab.simulate.issuers import ISSUERS
from trimtab.simulate.market import Floats, MarketHistory
from trimtab.simulate.substitutes import estimate_risk_model, rank_substitutes, swap_variances

__all__ = [
    "SwapSet",
    "Swaps",
    "Universe",
    "Weighting",
    "build_universe",
    "choose_buy_members",
    "statistical_sectors",
    "swap_sets",
    "target_weights",
]

Ints = npt.NDArray[np.intp]


class Weighting(StrEnum):
    CAP_LIKE = "cap_like"
    EQUAL = "equal"


@dataclass(frozen=True, slots=True)
class SwapSet:
    """One target group: stocks (indices into the universe's tickers) that substitute."""

    id: str
    members: tuple[int, ...]
    sector: int


class Swaps(StrEnum):
    """How a harvest finds its replacement: risk-model pairs (substitutes.py) or fixed sets."""

    PAIRS = "pairs"
    SETS = "sets"


@dataclass(frozen=True, eq=False)
class Universe:
    """The direct index: tickers, sectors, the swap sets or substitutes, the weighting."""

    tickers: tuple[str, ...]
    sectors: Ints  # sector index per ticker
    sets: tuple[SwapSet, ...]
    weighting: Weighting
    cash_weight: float
    swaps: Swaps = Swaps.SETS
    wash_groups: tuple[str, ...] = ()  # per ticker; () = each stock its own
    # The PCA risk model of the classification window's returns, as the engine reads it
    # (plain dicts: a universe is pickled to the processes of `--workers N`).
    risk_model: FactorModel | None = None
    substitutes: tuple[tuple[int, ...], ...] = ()  # per ticker, least swap variance first

    def wash_group(self, i: int) -> str:
        return self.wash_groups[i] if self.wash_groups else self.tickers[i]

    @property
    def n_sectors(self) -> int:
        return int(self.sectors.max()) + 1 if len(self.sectors) else 0


def statistical_sectors(returns: Floats, n: int) -> Ints:
    """Sector index per column (0-based, numbered in order of first appearance)."""
    columns = returns.shape[1]
    if columns == 0:
        return np.zeros(0, dtype=np.intp)
    if n <= 1 or columns == 1:
        return np.zeros(columns, dtype=np.intp)
    std = returns.std(axis=0)
    z = (returns - returns.mean(axis=0)) / np.where(std > 0, std, 1.0)
    labels = fcluster(linkage(z.T, method="ward"), t=min(n, columns), criterion="maxclust")
    renumber: dict[int, int] = {}
    return np.array([renumber.setdefault(int(x), len(renumber)) for x in labels], dtype=np.intp)


def swap_sets(returns: Floats, sectors: Ints, set_size: int) -> tuple[tuple[int, ...], ...]:
    """Stocks grouped into sets of `set_size` within each sector (see the module rules)."""
    corr: Floats = np.ones((1, 1))
    if returns.shape[1] > 1:
        corr = np.nan_to_num(np.atleast_2d(np.corrcoef(returns.T)), nan=0.0)
    out: list[tuple[int, ...]] = []
    for sector in range(int(sectors.max()) + 1 if len(sectors) else 0):
        free = [int(i) for i in np.flatnonzero(sectors == sector)]
        mine: list[list[int]] = []
        while len(free) >= max(2, set_size) and set_size > 1:
            sub = corr[np.ix_(free, free)] - 2.0 * np.eye(len(free))
            a, b = np.unravel_index(int(np.argmax(sub)), sub.shape)
            chosen = [free[int(a)], free[int(b)]]
            while len(chosen) < set_size:
                rest = [i for i in free if i not in chosen]
                chosen.append(max(rest, key=lambda i: (corr[i, chosen].mean(), -i)))
            mine.append(sorted(chosen))
            free = [i for i in free if i not in chosen]
        for i in free:
            if mine:
                best = max(mine, key=lambda s: corr[i, s].mean())
                best.append(i)
                best.sort()
            else:
                mine.append([i])
        out.extend(tuple(s) for s in mine)
    return tuple(sorted(out))


def target_weights(prices: Floats, weighting: Weighting, cash_weight: float) -> Floats:
    """Each stock's target weight (day × ticker, or one row): 1 − cash_weight shared out.

    `cap_like` weights are proportional to `prices`, which start from one base for every
    stock (market.py), so they start equal and drift with the market.
    """
    if weighting is Weighting.EQUAL:
        n = prices.shape[-1]
        return np.full(prices.shape, (1.0 - cash_weight) / n)
    total = prices.sum(axis=-1, keepdims=True)
    weights: Floats = (1.0 - cash_weight) * prices / total
    return weights


def build_universe(
    market: MarketHistory,
    *,
    n_sectors: int = 11,
    set_size: int = 3,
    weighting: Weighting = Weighting.CAP_LIKE,
    cash_weight: float = 0.02,
    classify_on: MarketHistory | None = None,
    swaps: Swaps = Swaps.SETS,
    wash_groups: Sequence[str] = (),
) -> Universe:
    """The universe of `market`'s tickers, sectors and sets estimated on `classify_on`.

    `classify_on` defaults to `market` itself (look-ahead: the sectors, the risk model
    and so the substitutes of a 2007 start use returns up to the end of the window; they
    decide only which stocks substitute). `wash_groups` (per ticker) keeps a swap out
    of the sold stock's wash group (share classes of one issuer).
    """
    returns = (classify_on or market).returns
    groups = tuple(wash_groups) or tuple(share_class_groups(market.tickers, ISSUERS).values())
    model = substitutes = None
    if swaps is Swaps.PAIRS:
        estimated = estimate_risk_model(returns, market.tickers)
        substitutes = rank_substitutes(swap_variances(estimated), groups)
        model = FactorModel(
            estimated.factors,
            dict(estimated.exposures),
            estimated.covariance,
            dict(estimated.specific_variance),
        )
    sectors = statistical_sectors(returns, n_sectors)
    sets = swap_sets(returns, sectors, set_size)
    named = tuple(
        SwapSet(
            f"S{int(sectors[members[0]]) + 1:02d}-{market.tickers[members[0]]}",
            members,
            int(sectors[members[0]]),
        )
        for members in sets
    )
    return Universe(
        market.tickers,
        sectors,
        named,
        weighting,
        cash_weight,
        swaps,
        groups,
        model,
        substitutes or (),
    )


def choose_buy_members(
    sets: Sequence[SwapSet],
    held_value: Floats,
    target_value: Floats,
    *,
    buy_blocked: npt.NDArray[np.bool_],
    harvestable: npt.NDArray[np.bool_],
) -> tuple[int | None, ...]:
    """Per set, the member to buy today (index into tickers), or None if all are blocked.

    The most underweight relative to its own target wins; ties go to the first member.
    """
    out: list[int | None] = []
    ratio = held_value / np.where(target_value > 0, target_value, 1.0)
    for s in sets:
        open_ = [i for i in s.members if not buy_blocked[i]]
        clean = [i for i in open_ if not harvestable[i]]
        pool = clean or open_
        out.append(min(pool, key=lambda i: (ratio[i], i)) if pool else None)
    return tuple(out)
