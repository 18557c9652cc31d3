"""Harvesting depth is monotone in tax sensitivity (issue 17).

On the same account on the same day, the `tax-max` profile harvests at least the losses
`tax-aware` harvests: it values a harvested loss more (h 0.7 against 0.5) and the drift a
harvest leaves less (λ 0.005 against 0.02), with the same minimums. An LP's optimum moves
monotonically in one objective coefficient; here both changes push the same way, so the
harvested loss can only grow — up to one whole share a security, which the rounding to
whole shares may place differently (checked on random cases).

Over a whole study the paths part after the first day they decide differently, and then
either may find more to harvest later; the study-level figures of both profiles are in
docs/simulate.md, generated.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.domain.calibration import resolve_parameters
from trimtab.engine import Case, rebalance
from trimtab.engine.case import AccountInput, GroupInput, LotInput, SecurityInput, TaxRates
from trimtab.simulate.profiles import DEFAULT_PROFILES, Profile

AS_OF = dt.date(2021, 6, 1)


def _case(profile: Profile, rng: np.random.Generator, n: int) -> Case:
    prices = rng.uniform(20, 200, n)
    lots: list[LotInput] = []
    for i in range(n):
        for k in range(int(rng.integers(1, 3))):
            basis = prices[i] * rng.uniform(0.7, 1.4)
            acquired = AS_OF - dt.timedelta(days=int(rng.integers(40, 900)))
            lots.append(LotInput(f"L{i}-{k}", f"S{i}", float(rng.integers(5, 60)), basis, acquired))
    value = sum(lot.quantity * prices[int(lot.security[1:])] for lot in lots) * 1.02
    params, problems = resolve_parameters(
        profile.settings, {}, account_value=value, tax_status="taxable"
    )
    assert not problems
    return Case(
        as_of=AS_OF,
        account=AccountInput("A", "taxable", value * 0.02 / 1.02),
        tax=TaxRates(0.408, 0.238),
        securities=tuple(SecurityInput(f"S{i}", float(prices[i]), 0.0005) for i in range(n)),
        # Every stock its own target; half of them can buy a substitute (the next stock).
        groups=tuple(
            GroupInput(f"G{i}", (f"S{i}", f"S{i + 1}"), f"S{i + 1}", 0.98 * 2 / n)
            for i in range(0, n - 1, 2)
        ),
        lots=tuple(lots),
        recent_trades=(),
        parameters=params,
        settings=MappingProxyType(dict(profile.settings)),
    )


def _harvested(case: Case) -> float:
    result = rebalance(case)
    assert result.status == "optimal"
    return -sum(p.realized_gain for t in result.trades for p in t.lots if p.realized_gain < 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([4, 6, 10]))
def test_tax_max_harvests_at_least_what_tax_aware_harvests_on_the_same_day(
    seed: int, n: int
) -> None:
    case = _case(DEFAULT_PROFILES["tax-aware"], np.random.default_rng(seed), n)
    aware = _harvested(case)
    most = _harvested(_case(DEFAULT_PROFILES["tax-max"], np.random.default_rng(seed), n))
    prices = {s.id: s.price for s in case.securities}
    one_share: dict[str, float] = {}
    for lot in case.lots:
        loss = lot.cost_basis - prices[lot.security]
        one_share[lot.security] = max(one_share.get(lot.security, 0.0), loss)
    assert most >= aware - sum(one_share.values())
