"""Explained activity: every trade of an account over a period, in plain English, with
its reason, its tax and its cost, grouped by why it was made.

Problem: a client asks "why did you sell my fund?", a compliance officer "show me every
trade in this account this quarter and who let it through". The analysis records hold
the answer — each trade with the engine's own reason, its lots and realized gains, the
objective terms it moved — but as JSON, one night at a time.

Rule: the trades counted are those that happened: of analyses whose proposal was
auto-traded or approved in review (a rejected or pending proposal traded nothing). Each
trade is put under one *why*, the first that applies:
- `restrictions` — a sale of a security the account must sell;
- `cash flows` — a sale that raises cash asked for (a withdrawal), or a purchase that
  invests cash above the account's cash range;
- `mandates` — any other trade the rules forced (the engine marks it mandated);
- `harvesting` — a sale that realizes a harvested loss, and the purchase that keeps the
  proceeds invested in the same group (the swap);
- `rebalancing` — everything else: trades that bring groups back within their bands.
Its tax is the realized gain of its lots at the client's rates (negative: tax saved);
its cost the trading cost the case states (`cost_rate` × value).

Worked example: "Sold 17 shares of TTAGAX for $494.55 on 2025-06-30 (rebalancing).
Group EQ-AG was 2.9% over its 28.0% target (band ±2.0%); ... Realizes a $2.01
short-term gain: estimated tax $0.74; trading cost $0.25."
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trimtab.domain.money import round_cents, to_decimal
from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.report_ports import OutcomeFacts, ReportUnitOfWork
from trimtab.services.report_scope import ReportRequest, select_accounts

__all__ = ["WHYS", "ActivityReport", "ExplainedTrade", "activity_report", "explain_trades"]

UnitOfWorkFactory = Callable[[], ReportUnitOfWork]

WHYS = ("rebalancing", "harvesting", "mandates", "restrictions", "cash flows")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ExplainedTrade:
    analysis_id: int
    run_id: str
    account: str
    as_of: dt.date
    why: str
    side: str
    security: str
    quantity: float
    value: Decimal
    realized_short: Decimal
    realized_long: Decimal
    tax: Decimal  # estimated, at the client's rates; negative: tax saved
    cost: Decimal
    reason: str  # the engine's own words
    approved_by: str  # "auto-trade policy" or the reviewer
    lots: tuple[str, ...]

    @property
    def realized(self) -> Decimal:
        return self.realized_short + self.realized_long

    @property
    def sentence(self) -> str:
        """The trade in one plain-English paragraph."""
        verb = "Sold" if self.side == "sell" else "Bought"
        words = [
            f"{verb} {self.quantity:,.4g} shares of {self.security} for ${self.value:,.2f} "
            f"on {self.as_of.isoformat()} ({self.why})."
        ]
        reason = self.reason
        said = f"{verb} {self.security}."
        if reason.startswith(said):  # the engine opens with what the sentence already says
            reason = reason[len(said) :].strip()
        if reason:
            words.append(reason)
        if self.side == "sell":
            words.append(f"Estimated tax {_dollars(self.tax)}.")
        words.append(f"Trading cost {_dollars(self.cost)}.")
        return " ".join(words)


def _dollars(amount: Decimal) -> str:
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


def _why(
    trade: Mapping[str, Any],
    case: Mapping[str, Any],
    params: Mapping[str, Any],
    harvested_groups: set[str],
    group_of: Mapping[str, str],
) -> str:
    security = trade["security"]
    flags = {s["id"]: s for s in case.get("securities") or ()}
    side = trade["side"]
    if side == "sell" and flags.get(security, {}).get("must_sell"):
        return "restrictions"
    if side == "sell" and float(params.get("withdrawal") or 0.0) > 0:
        return "cash flows"
    if side == "buy" and _cash_weight(case) > float(params.get("max_cash") or 1.0) + 1e-9:
        return "cash flows"
    if trade.get("mandated"):
        return "mandates"
    effects = trade.get("effects") or {}
    if side == "sell" and float(effects.get("harvest") or 0.0) < 0:
        return "harvesting"
    if side == "buy" and group_of.get(security) in harvested_groups:
        return "harvesting"
    return "rebalancing"


def _cash_weight(case: Mapping[str, Any]) -> float:
    prices = {s["id"]: float(s["price"]) for s in case.get("securities") or ()}
    held = sum(
        float(lot["quantity"]) * prices.get(lot["security"], 0.0) for lot in case.get("lots") or ()
    )
    cash = float(case["account"]["cash"])
    return cash / (cash + held) if cash + held > 0 else 0.0


def explain_trades(
    analysis_id: int,
    run_id: str,
    as_of: dt.date,
    analysis: Mapping[str, Any],
    approved_by: str,
) -> list[ExplainedTrade]:
    """Every trade of one analysis record, explained (module doc)."""
    case, result = analysis.get("case") or {}, analysis.get("result") or {}
    params = result.get("parameters") or {}
    tax = case.get("tax") or {}
    st_rate = to_decimal(tax.get("short_term_rate", 0))
    lt_rate = to_decimal(tax.get("long_term_rate", 0))
    cost_rate = {s["id"]: to_decimal(s.get("cost_rate", 0)) for s in case.get("securities") or ()}
    group_of = {m: g["id"] for g in case.get("groups") or () for m in g["members"]}
    trades = result.get("trades") or ()
    harvested = {
        group_of.get(t["security"], "")
        for t in trades
        if t["side"] == "sell" and float((t.get("effects") or {}).get("harvest") or 0.0) < 0
    }
    account = str((case.get("account") or {}).get("id", ""))
    out = []
    for t in trades:
        st = sum(
            (to_decimal(p["realized_gain"]) for p in t.get("lots") or () if p["term"] != "long"),
            _ZERO,
        )
        lt = sum(
            (to_decimal(p["realized_gain"]) for p in t.get("lots") or () if p["term"] == "long"),
            _ZERO,
        )
        value = to_decimal(t["value"])
        out.append(
            ExplainedTrade(
                analysis_id,
                run_id,
                account,
                as_of,
                _why(t, case, params, harvested, group_of),
                t["side"],
                t["security"],
                float(t["quantity"]),
                value,
                st,
                lt,
                round_cents(st * st_rate + lt * lt_rate),
                round_cents(value * cost_rate.get(t["security"], _ZERO)),
                str(t.get("reason") or ""),
                approved_by,
                tuple(f"{p['lot']} ×{p['quantity']:g}" for p in t.get("lots") or ()),
            )
        )
    return out


@dataclass(frozen=True)
class ActivityReport:
    request: ReportRequest
    accounts: tuple[str, ...]
    trades: tuple[ExplainedTrade, ...]
    not_traded: int  # analyses with trades proposed that were not traded (rejected, pending)

    def by_why(self) -> dict[str, list[ExplainedTrade]]:
        groups: dict[str, list[ExplainedTrade]] = {w: [] for w in WHYS}
        for t in self.trades:
            groups[t.why].append(t)
        return {w: ts for w, ts in groups.items() if ts}

    def totals(self) -> dict[str, Decimal]:
        return {
            "bought": sum((t.value for t in self.trades if t.side == "buy"), _ZERO),
            "sold": sum((t.value for t in self.trades if t.side == "sell"), _ZERO),
            "realized": sum((t.realized for t in self.trades), _ZERO),
            "tax": sum((t.tax for t in self.trades), _ZERO),
            "cost": sum((t.cost for t in self.trades), _ZERO),
        }

    def counts_by_why(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for t in self.trades:
            counts[t.why] += 1
        return {w: counts[w] for w in WHYS if counts[w]}


def _approved_by(outcome: OutcomeFacts | None) -> str | None:
    if outcome is None:
        return None
    if outcome.proposal_state == "auto":
        return "auto-trade policy"
    if outcome.proposal_state == "approved":
        return outcome.decided_by or "reviewer"
    return None


def activity_report(
    new_uow: UnitOfWorkFactory, request: ReportRequest, *, viewer: Principal
) -> tuple[ActivityReport | None, list[Problem]]:
    """Every trade that happened in the accounts and period asked for, explained. Reads
    only."""
    with new_uow() as uow:
        store = uow.reports
        accounts, scope, problems = select_accounts(store, request, viewer, Permission.REPORTS)
        if problems or scope is None:
            return None, problems
        ids = [a.id for a in accounts]
        outcomes = {
            (o.run_id, o.account): o for o in store.outcomes(scope, ids, request.start, request.end)
        }
        trades: list[ExplainedTrade] = []
        not_traded = 0
        for entry in store.analyses(scope, ids, request.start, request.end):
            d = entry.draft
            if d.content.get("status") != "optimal":
                continue
            by = _approved_by(outcomes.get((d.run_id or "", d.account)))
            analysis = store.analysis(entry)
            if not (analysis.get("result") or {}).get("trades"):
                continue
            if by is None:
                not_traded += 1
                continue
            assert d.as_of is not None
            trades.extend(explain_trades(entry.seq, d.run_id or "", d.as_of, analysis, by))
        return ActivityReport(request, tuple(ids), tuple(trades), not_traded), []
