"""Invariants of the lot ledger over generated histories (tests/strategies.py).

- Shares are conserved: what an account holds of a security is what it bought, minus
  what it sold, times every split/spin-off/merger ratio since.
- Basis is conserved: the basis of open lots plus the basis of realized sales equals the
  cost of every purchase plus the disallowed losses added to taxable replacements —
  nothing else creates or destroys basis (spin-offs move it, mergers' cash parts realize
  it).
- No lot is ever empty or negative, and a wash sale disallows at most the loss, only
  on a loss, and only when a purchase of the group fell inside the window.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import given

from tests.strategies import ledger_histories
from trimtab.domain.ledger import History, Ledger, replay
from trimtab.domain.money import ZERO
from trimtab.domain.transactions import Buy, Merger, Rename, Sell, SpinOff, Split
from trimtab.services.ledger_contract import read_history


def _replayed(document: dict[str, Any]) -> tuple[History, Ledger]:
    history, problems = read_history(document)
    assert history is not None, problems
    ledger, replay_problems = replay(history)
    assert replay_problems == ()
    return history, ledger


def _expected_holdings(history: History) -> dict[tuple[str, str], Decimal]:
    """A plain model of the share count, independent of lots."""
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for t in sorted(history.transactions, key=lambda t: t.date):
        key = (t.account, t.security)
        match t:
            case Buy():
                held[key] += t.quantity
            case Sell():
                held[key] -= t.quantity
            case Split():
                held[key] *= t.ratio
            case SpinOff():
                held[t.account, t.new_security] += held[key] * t.ratio
            case Merger():
                if t.new_security is not None:
                    held[t.account, t.new_security] += held[key] * t.ratio
                held[key] = ZERO
            case Rename():
                held[t.account, t.new_security] += held.pop(key, ZERO)
    return {key: quantity for key, quantity in held.items() if quantity != 0}


@given(ledger_histories())
def test_shares_are_conserved_through_trades_and_corporate_actions(
    document: dict[str, Any],
) -> None:
    history, ledger = _replayed(document)
    open_shares: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in ledger.lots:
        open_shares[lot.account, lot.security] += lot.quantity
    assert dict(open_shares) == _expected_holdings(history)


@given(ledger_histories(ira_buys=False))
def test_basis_is_conserved_except_for_realized_sales(document: dict[str, Any]) -> None:
    history, ledger = _replayed(document)
    bought = sum((t.cost for t in history.transactions if isinstance(t, Buy)), ZERO)
    disallowed = sum((r.wash_sale_disallowed for r in ledger.realized), ZERO)
    open_basis = sum((lot.cost_basis for lot in ledger.lots), ZERO)
    realized_basis = sum((r.cost_basis for r in ledger.realized), ZERO)
    # Proportional division rounds at the 28th digit of Decimal's context.
    assert abs(open_basis + realized_basis - (bought + disallowed)) < Decimal("1e-15")


@given(ledger_histories())
def test_an_ira_replacement_never_adds_basis(document: dict[str, Any]) -> None:
    history, ledger = _replayed(document)
    bought = sum((t.cost for t in history.transactions if isinstance(t, Buy)), ZERO)
    disallowed = sum((r.wash_sale_disallowed for r in ledger.realized), ZERO)
    basis = sum((lot.cost_basis for lot in ledger.lots), ZERO) + sum(
        (r.cost_basis for r in ledger.realized), ZERO
    )
    assert basis <= bought + disallowed + Decimal("1e-15")
    ira_adjustments = [lot for lot in ledger.lots if lot.account == "IRA1"]
    assert all(lot.wash_sale_adjustment == 0 for lot in ira_adjustments)


@given(ledger_histories())
def test_no_lot_is_empty_and_disallowance_stays_within_the_loss(
    document: dict[str, Any],
) -> None:
    history, ledger = _replayed(document)
    assert all(lot.quantity > 0 and lot.cost_basis >= 0 for lot in ledger.lots)
    household = {a.id: a.household for a in history.accounts}
    group = dict(history.wash_groups)
    for t in sorted(history.transactions, key=lambda t: t.date):
        if isinstance(t, Rename) and t.new_security not in group:
            group[t.new_security] = group.get(t.security, t.security)  # same company
    purchases = [t for t in history.transactions if isinstance(t, Buy)]
    for gain in ledger.realized:
        assert ZERO <= gain.wash_sale_disallowed <= max(ZERO, -gain.gain)
        if gain.wash_sale_disallowed == 0:
            continue
        assert any(
            household[p.account] == household[gain.account]
            and group.get(p.security, p.security) == group.get(gain.security, gain.security)
            and abs(p.date - gain.date) <= dt.timedelta(days=30)
            for p in purchases
        ), f"a wash sale with no purchase in its window: {gain}"
