"""Shared hypothesis strategies: generated inputs for the invariant tests.

Each strategy produces valid input of one public contract, varied where the rules bite.

## Rebalance cases (shared/spec/rebalance-case.md)

`rebalance_cases()` draws a case as the contract's JSON dict: 1–12 securities (some in
equivalence groups with a buy member, some in wash groups together, some restricted
no_buy / no_sell / must_sell), lots with gains and losses acquired inside the 30-day wash
window, around the one-year term boundary and long ago, household `recent_trades` that
trigger the wash-sale rules, any tax status, and fully explicit `parameters` (cash bounds,
turnover cap, gain budget, withdrawal), so a reference solver needs no calibration.

`rebalance_cases(integer_rules=False)` (the default) keeps the case a linear program:
no min trade value, fractional shares allowed, and no wash group where a buy and a loss
sale would have to be chosen between (rule 5c). `integer_rules=True` turns on at least one
of min trade value, whole shares, or such a choice.

    >>> from hypothesis import find
    >>> case = find(rebalance_cases(), lambda c: len(c["securities"]) > 2)
    >>> sorted(case)[:4]
    ['account', 'as_of', 'groups', 'lots']

## Ledger histories (shared/spec/ledger-replay.md)

`ledger_histories()` draws a valid transaction history as the contract's JSON dict: a
household of two taxable accounts and an IRA (plus a taxable account of another
household), securities A and B that are sometimes one wash group, buys and sells spaced
so that many fall inside each other's 30-day window, and splits, reverse splits,
spin-offs, stock/cash/mixed mergers and renames. Sells never exceed what the account
holds (the strategy keeps the count through every corporate action). With
`ira_buys=False` no IRA ever buys, so every disallowed loss lands in a taxable basis.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.reference.case_model import read_case

__all__ = ["ledger_histories", "rebalance_cases"]

# days between a lot's acquisition and as_of: the wash window and its edges (30 in, 31
# out), around the one-year term boundary, and long held
LOT_AGES = st.one_of(
    st.sampled_from([0, 1, 29, 30, 31, 364, 365, 366, 367]),
    st.integers(2, 60),
    st.integers(300, 3000),
)
RESTRICTIONS = st.sampled_from([None] * 7 + ["no_buy", "no_sell", "must_sell"])
WASH_LABELS = st.sampled_from([None, None, None, "W0", "W1", "W2"])


def _money(value: float) -> float:
    return round(value, 2)


@st.composite
def _securities(draw: st.DrawFn, ids: list[str]) -> list[dict[str, Any]]:
    securities = []
    for security in ids:
        entry: dict[str, Any] = {
            "id": security,
            "price": _money(draw(st.floats(5.0, 500.0))),
            "cost_rate": draw(st.sampled_from([0.0, 0.0005, 0.001, 0.003])),
        }
        wash_group = draw(WASH_LABELS)
        if wash_group is not None:
            entry["wash_group"] = wash_group
        restriction = draw(RESTRICTIONS)
        if restriction is not None:
            entry[restriction] = True
        securities.append(entry)
    return securities


@st.composite
def _groups(draw: st.DrawFn, ids: list[str]) -> list[dict[str, Any]]:
    """Equivalence groups of 1–3 members over some of the securities (the rest are held
    in no group: target 0); targets sum to at most 1."""
    order = draw(st.permutations(ids))
    grouped = order[: draw(st.integers(0, len(order)))]
    chunks: list[list[str]] = []
    while grouped:
        size = draw(st.integers(1, 3))
        chunks.append(list(grouped[:size]))
        grouped = grouped[size:]
    if not chunks:
        return []
    raw = [draw(st.integers(0, 100)) for _ in chunks]
    invested = draw(st.floats(0.5, 1.0))
    scale = invested / sum(raw) if sum(raw) > 0 else 0.0
    return [
        {
            "id": f"G{k}",
            "members": members,
            "buy": draw(st.sampled_from([*members, *members, None])),
            "target": math.floor(weight * scale * 1e6) / 1e6,  # never sums above 1
            "band": draw(st.sampled_from([0.0, 0.005, 0.02, 0.05])),
        }
        for k, (members, weight) in enumerate(zip(chunks, raw, strict=True))
    ]


@st.composite
def _lots(
    draw: st.DrawFn, securities: list[dict[str, Any]], as_of: dt.date
) -> list[dict[str, Any]]:
    lots = []
    for sec in securities:
        for _ in range(draw(st.integers(0, 3))):
            lot: dict[str, Any] = {
                "id": f"L{len(lots)}",
                "security": sec["id"],
                "quantity": draw(st.integers(1, 400)),
                "cost_basis": _money(sec["price"] * draw(st.floats(0.5, 1.6))),
                "acquired": (as_of - dt.timedelta(days=draw(LOT_AGES))).isoformat(),
            }
            if draw(st.integers(0, 19)) == 0:
                lot["no_sell"] = True
            lots.append(lot)
    return lots


@st.composite
def _recent_trades(draw: st.DrawFn, ids: list[str], as_of: dt.date) -> list[dict[str, Any]]:
    trades = []
    for _ in range(draw(st.integers(0, 3))):
        security = draw(st.sampled_from([*ids, "ELSEWHERE"]))
        side = draw(st.sampled_from(["buy", "sell"]))
        trade: dict[str, Any] = {
            "security": security,
            "side": side,
            "date": (as_of - dt.timedelta(days=draw(st.integers(0, 45)))).isoformat(),
            "quantity": draw(st.integers(1, 100)),
        }
        if side == "sell":
            trade["realized_gain"] = _money(draw(st.floats(-500.0, 500.0)))
        if security == "ELSEWHERE":
            trade["wash_group"] = draw(st.sampled_from(["W0", "W1"]))
        trades.append(trade)
    return trades


@st.composite
def _parameters(draw: st.DrawFn, wealth: float, integer_rules: bool) -> dict[str, Any]:
    min_cash = draw(st.sampled_from([0.0, 0.0, 0.01, 0.02, 0.05]))
    return {
        "drift_weight": round(draw(st.floats(0.005, 2.0)), 4),
        "harvest_value": round(draw(st.floats(0.0, 1.0)), 4),
        "min_cash": min_cash,
        "max_cash": min(1.0, min_cash + draw(st.sampled_from([0.02, 0.05, 0.2, 1.0, 1.0]))),
        "min_trade_value": draw(st.sampled_from([0.0, 50.0, 500.0, 2000.0]))
        if integer_rules
        else 0.0,
        "whole_shares": draw(st.booleans()) if integer_rules else False,
        "max_turnover": draw(st.none() | st.floats(0.01, 0.5).map(lambda t: round(t, 4))),
        "gain_budget": draw(st.none() | st.floats(-1000.0, 20000.0).map(_money)),
        "withdrawal": _money(draw(st.sampled_from([0.0, 0.0, 0.05, 0.2])) * wealth),
        # the engine's parameters beyond the spec's table, at their neutral values
        "default_band": 0.02,
        "harvest_min_loss": 0.0,
        "harvest_min_loss_pct": 0.0,
        "tracking_error_weight": 0.0,
    }


@st.composite
def rebalance_cases(draw: st.DrawFn, *, integer_rules: bool = False) -> dict[str, Any]:
    """A valid rebalance case dict with explicit parameters (see module docstring)."""
    as_of = draw(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)))
    ids = [f"S{i}" for i in range(draw(st.integers(1, 12)))]
    securities = draw(_securities(ids))
    lots = draw(_lots(securities, as_of))
    prices = {s["id"]: s["price"] for s in securities}
    market_value = sum(lot["quantity"] * prices[lot["security"]] for lot in lots)
    cash = _money(draw(st.floats(0.0, 0.3)) * market_value + draw(st.sampled_from([0, 500, 5000])))
    if market_value + cash <= 0:
        cash = 1000.0
    case: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "account": {
            "id": "A-1",
            "tax_status": draw(
                st.sampled_from(["taxable", "taxable", "tax_deferred", "tax_exempt"])
            ),
            "cash": cash,
        },
        "tax": {
            "short_term_rate": round(draw(st.floats(0.2, 0.5)), 4),
            "long_term_rate": round(draw(st.floats(0.1, 0.3)), 4),
        },
        "securities": securities,
        "groups": draw(_groups(ids)),
        "lots": lots,
        "recent_trades": draw(_recent_trades(ids, as_of)),
        "settings": {},
        "parameters": draw(_parameters(market_value + cash, integer_rules)),
    }
    if draw(st.booleans()):
        case["tax"]["picture"] = draw(_tax_pictures())
    if integer_rules:
        if not read_case(case).has_integer_rules:
            case["parameters"]["whole_shares"] = True
    else:
        _without_same_rebalance_choice(case)
    return case


@st.composite
def _tax_pictures(draw: st.DrawFn) -> dict[str, Any]:
    """A client's tax year: amounts around the netting steps (the $3,000 offset, gains
    of either term, a carryforward), so every marginal rate occurs."""
    amounts = st.sampled_from([0.0, 1500.0, -1500.0, 4000.0, -4000.0, 25000.0, -25000.0])
    picture: dict[str, Any] = {
        name: draw(amounts)
        for name in ("realized_short_ytd", "realized_long_ytd", "outside_short", "outside_long")
    }
    for name in ("carryforward_short", "carryforward_long"):
        picture[name] = draw(st.sampled_from([0.0, 2000.0, 30000.0]))
    picture["carryforward_discount"] = draw(st.sampled_from([None, 0.0, 0.1]))
    picture["ordinary_rate"] = draw(st.sampled_from([None, 0.32]))
    return picture


def _without_same_rebalance_choice(case: dict[str, Any]) -> None:
    """Turn the loss lots that would force a rule-5c choice into gain lots, keeping the
    case a linear program."""
    conflicts = read_case(case).same_rebalance_conflicts()
    losers = {lot for _, lots in conflicts.values() for lot in lots}
    prices = {s["id"]: s["price"] for s in case["securities"]}
    for lot in case["lots"]:
        if lot["id"] in losers:
            lot["cost_basis"] = _money(prices[lot["security"]] * 0.9)


LEDGER_ACCOUNTS = [
    {"id": "T1", "household": "H1", "tax_status": "taxable"},
    {"id": "T2", "household": "H1", "tax_status": "taxable"},
    {"id": "IRA1", "household": "H1", "tax_status": "tax_deferred"},
    {"id": "N1", "household": "H2", "tax_status": "taxable"},
]
_PRICES = st.integers(100, 20_000).map(lambda cents: cents / 100)


@st.composite
def ledger_histories(draw: st.DrawFn, *, ira_buys: bool = True) -> dict[str, Any]:
    """A valid ledger-replay history (see module docstring)."""
    accounts = [a["id"] for a in LEDGER_ACCOUNTS if ira_buys or a["id"] != "IRA1"]
    held: dict[tuple[str, str], Decimal] = {}
    securities = ["A", "B"]
    day = dt.date(2024, 1, 1)
    transactions: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 25))):
        day += dt.timedelta(days=draw(st.sampled_from([0, 1, 5, 20, 29, 30, 31, 45, 200])))
        owned = sorted(key for key, quantity in held.items() if quantity >= 1)
        kind = draw(st.sampled_from(["buy"] * 4 + (["sell"] * 4 + ["corporate"] if owned else [])))
        base = {"date": day.isoformat()}
        if kind == "buy":
            account, security = draw(st.sampled_from(accounts)), draw(st.sampled_from(securities))
            quantity = draw(st.integers(1, 300))
            held[account, security] = held.get((account, security), Decimal(0)) + quantity
            transactions.append(
                {
                    **base,
                    "account": account,
                    "security": security,
                    "action": "buy",
                    "quantity": quantity,
                    "price": draw(_PRICES),
                }
            )
        elif kind == "sell":
            account, security = draw(st.sampled_from(owned))
            quantity = draw(st.integers(1, int(held[account, security])))
            held[account, security] -= quantity
            sale = {
                **base,
                "account": account,
                "security": security,
                "action": "sell",
                "quantity": quantity,
                "price": draw(_PRICES),
            }
            sale["method"] = draw(st.sampled_from(["fifo", "lifo", "hifo"]))
            transactions.append(sale)
        else:
            account, security = draw(st.sampled_from(owned))
            action = _corporate_action(draw, account, security, held, f"N{n}")
            transactions.append({**base, "account": account, "security": security, **action})
            if action["action"] in ("spinoff", "merger", "rename") and "new_security" in action:
                securities.append(action["new_security"])
    wash_groups = draw(st.sampled_from([{}, {"A": "AB", "B": "AB"}]))
    method = draw(st.sampled_from(["fifo", "lifo", "hifo"]))
    return {
        "method": method,
        "accounts": LEDGER_ACCOUNTS,
        "wash_groups": wash_groups,
        "transactions": transactions,
    }


def _corporate_action(
    draw: st.DrawFn,
    account: str,
    security: str,
    held: dict[tuple[str, str], Decimal],
    new_security: str,
) -> dict[str, Any]:
    """One corporate action on a held position, updating `held` as the ledger must."""
    kind = draw(st.sampled_from(["split", "spinoff", "merger", "rename"]))
    quantity = held[account, security]
    if kind == "split":
        ratio = draw(st.sampled_from([2, 3, 0.5, 0.1]))
        held[account, security] = quantity * Decimal(str(ratio))
        return {"action": "split", "ratio": ratio}
    if kind == "spinoff":
        ratio = draw(st.sampled_from([1, 0.5, 0.2]))
        held[account, new_security] = quantity * Decimal(str(ratio))
        allocation = draw(st.sampled_from([0, 0.1, 0.35, 1]))
        return {
            "action": "spinoff",
            "new_security": new_security,
            "ratio": ratio,
            "basis_allocation": allocation,
        }
    if kind == "rename":
        held[account, new_security] = held.pop((account, security))
        return {"action": "rename", "new_security": new_security}
    ratio = draw(st.sampled_from([0, 0.5, 2]))
    cash = draw(st.sampled_from([0, 12.5])) if ratio else 12.5
    del held[account, security]
    deal: dict[str, Any] = {"action": "merger", "ratio": ratio, "cash_per_share": cash}
    if ratio:
        held[account, new_security] = quantity * Decimal(str(ratio))
        deal["new_security"] = new_security
    if ratio and cash:
        deal["new_security_price"] = draw(_PRICES)
    return deal
