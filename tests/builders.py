"""Test data: every builder the tests share, in one place.

Problem: scenarios need small, readable data (a firm, a model book, a rebalance case, a
lot history, a market) and, before this module, each test directory grew its own helpers,
some building the same thing twice. Rule: a builder lives here if more than one test
module uses it, or if it is a whole scenario's data; hypothesis strategies live in
`tests/strategies.py`, fakes of the ports in `tests/fakes/`. Each builder fills in what a
scenario does not care about, so a test states only what it is about.

Sections, in order:

- **Principals**: `TESTER` (who sets up test data), `OPS` (the operations desk at the
  command line), `user(...)` (a signed-in user with roles and a scope) and
  `acting_for(...)` (an admin at the command line acting on behalf of someone).
- **Rebalance cases** (the engine's contract JSON): `rebalance_case(...)` fills in a case
  dated `CASE_AS_OF` with the reference scenarios' parameters; `two_fund_case(...)` is the
  engine scenarios' $100,000 stocks-and-bonds account; `with_changes`, `trades_by` and
  `lot_sales` edit a case and read a result.
- **Ledger histories** (the `lots replay` contract): `buy`, `sell`, `action` write
  transactions, `ledger_history` wraps them, `replay_ok` / `replay_invalid` replay them
  through the service and `lots_of` reads the lots left.
- **Market scenarios** (shadow runs): `business_days`, `flat_market`, `one_swap_set`.
- **The model book**: `firm_book(*children)` is a balanced firm target (`FIRM_TARGET`)
  with its asset classes, securities, models and equivalence set; `child` customizes it.
- **The workflow firm** (filters and settings): `workflow_firm(seed)` draws ~60 accounts
  whose fields vary where filters bite, `load_workflow_firm(db, firm)` stores them and
  `workflow_records(firm)` gives the in-memory oracle's view of the same accounts.
- **The feeds firm**: `load_feeds_firm(db)` stores three accounts, five securities, model
  CORE and two model providers, the state the feed tests load files onto (at `FEEDS_NOW`).
- **The small demo firm**: `load_small_firm(db, accounts)` loads the demo firm with its
  model book and routing policy, dated `DEMO_AS_OF` (the nightly and CLI tests).

Example: a sell that harvests a loss and the lot it leaves behind.

    >>> body = replay_ok(buy("2025-01-02", "X", 10, 50.0), sell("2025-03-03", "X", 4, 40.0))
    >>> [lot["quantity"] for lot in lots_of(body, "X")]
    [6]
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import insert

from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database
from trimtab.domain import (
    Account,
    AccountStatus,
    Advisor,
    AssetClass,
    Branch,
    Firm,
    Household,
    Security,
    SecurityType,
    TaxStatus,
)
from trimtab.domain.allocations import AssetAllocation, AssetClassTree
from trimtab.domain.equivalence import EquivalenceSet
from trimtab.domain.firm import Program
from trimtab.domain.model_hub import ModelProvider
from trimtab.domain.models import Model
from trimtab.domain.principal import Principal, Role, Scope
from trimtab.domain.resolution import Catalog
from trimtab.domain.targets import Bounds, Customization, CustomizationLimits, Product, Target
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.demo_models import seed_model_book
from trimtab.services.load_demo import load_demo_firm
from trimtab.services.model_book import record_definitions
from trimtab.services.model_hub import add_provider
from trimtab.services.replay_history import replay_history
from trimtab.services.routing import install_demo_policy
from trimtab.simulate.market import MarketHistory
from trimtab.simulate.universe import SwapSet, Universe, Weighting
from trimtab.store.run_repository import refresh_latest_analyses
from trimtab.store.workflow_tables import AnalysisRow

D = Decimal

# ---------------------------------------------------------------------------------------
# Principals
# ---------------------------------------------------------------------------------------

# Who sets up a scenario's data; tests that count audit entries by principal leave it out.
TESTER = Principal.cli("test")
# The operations desk running commands (runs, feeds, orders, settings).
OPS = Principal.cli("ops")


def user(login: str, *roles: Role, advisors: Sequence[str] = ()) -> Principal:
    """A signed-in user `user:<login>`: firm-wide, or limited to `advisors`' households.

    >>> user("bob", Role.ADVISOR, advisors=["ADV-1"]).scope.advisor_ids
    frozenset({'ADV-1'})
    """
    scope = Scope.advisors(*advisors) if advisors else Scope.firm()
    return Principal(f"user:{login}", login.capitalize(), frozenset(roles), scope)


def acting_for(other: Principal, *, login: str = "test") -> Principal:
    """An admin at the command line (`cli:<login>`) acting on behalf of `other`.

    >>> acting_for(user("bo", Role.OVERLAY), login="ana").recorded_as
    'cli:ana for user:bo'
    """
    return Principal.cli(login).acting_for(other)


# ---------------------------------------------------------------------------------------
# Rebalance cases: the engine's contract JSON
# ---------------------------------------------------------------------------------------

CASE_AS_OF = dt.date(2026, 11, 20)

# Every parameter explicit, so a scenario does not move when calibration defaults do.
PLAIN_PARAMETERS: dict[str, Any] = {
    "drift_weight": 1.0,
    "harvest_value": 0.5,
    "min_cash": 0.0,
    "max_cash": 0.05,
    "min_trade_value": 0.0,
    "whole_shares": False,
    "max_turnover": None,
    "gain_budget": None,
    "withdrawal": 0.0,
    "default_band": 0.02,
    "harvest_min_loss": 0.0,
    "harvest_min_loss_pct": 0.0,
    "tracking_error_weight": 0.0,
}
# The reference scenarios': λ = 0.1, full harvest value, cash anywhere between 0% and 100%,
# every integer rule off; the engine's parameters beyond the spec's table stay neutral.
REFERENCE_PARAMETERS: dict[str, Any] = {
    **PLAIN_PARAMETERS,
    "drift_weight": 0.1,
    "harvest_value": 1.0,
    "max_cash": 1.0,
}


def days_ago(days: int) -> str:
    """The ISO date `days` before `CASE_AS_OF` (a lot's acquisition, a recent sale)."""
    return (CASE_AS_OF - dt.timedelta(days=days)).isoformat()


def rebalance_case(
    *,
    securities: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    lots: Sequence[dict[str, Any]] = (),
    cash: float,
    tax_status: str = "taxable",
    recent_trades: Sequence[dict[str, Any]] = (),
    long_term_rate: float = 0.238,
    defaults: dict[str, Any] = REFERENCE_PARAMETERS,
    **parameters: Any,
) -> dict[str, Any]:
    """Account A-1's case on `CASE_AS_OF`: short-term gains taxed at 40%, `defaults`
    (the reference scenarios' parameters) overridden by `parameters`."""
    return {
        "as_of": CASE_AS_OF.isoformat(),
        "account": {"id": "A-1", "tax_status": tax_status, "cash": cash},
        "tax": {"short_term_rate": 0.4, "long_term_rate": long_term_rate},
        "securities": securities,
        "groups": groups,
        "lots": list(lots),
        "recent_trades": list(recent_trades),
        "settings": {},
        "parameters": {**defaults, **parameters},
    }


def two_fund_case(**parameters: Any) -> dict[str, Any]:
    """$100,000: 70% stocks (target 60%), 28% bonds (target 38%), 2% cash.

    STK has a long-term gain lot and a short-term loss lot; BND a small gain. Stocks are
    bought through STK2, in another wash group than STK, so harvesting STK is allowed.
    Long-term gains are taxed at 20%, and `PLAIN_PARAMETERS` apply unless overridden.
    """
    return rebalance_case(
        securities=[
            {"id": "STK", "price": 100.0, "cost_rate": 0.001, "wash_group": "STK"},
            {"id": "STK2", "price": 50.0, "cost_rate": 0.001, "wash_group": "STK2"},
            {"id": "BND", "price": 50.0, "cost_rate": 0.001},
        ],
        groups=[
            {
                "id": "STOCKS",
                "members": ["STK", "STK2"],
                "buy": "STK2",
                "target": 0.60,
                "band": 0.02,
            },
            {"id": "BONDS", "members": ["BND"], "buy": "BND", "target": 0.38, "band": 0.02},
        ],
        lots=[
            _lot("G1", "STK", 500, 60.0, "2020-01-02"),
            _lot("S1", "STK", 200, 120.0, "2026-06-01"),
            _lot("B1", "BND", 560, 49.0, "2021-03-04"),
        ],
        cash=2000.0,
        long_term_rate=0.20,
        defaults=PLAIN_PARAMETERS,
        **parameters,
    )


def _lot(lot_id: str, security: str, quantity: int, cost: float, acquired: str) -> dict[str, Any]:
    return {
        "id": lot_id,
        "security": security,
        "quantity": quantity,
        "cost_basis": cost,
        "acquired": acquired,
    }


def with_changes(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `case` with top-level sections replaced."""
    out = copy.deepcopy(case)
    out.update(changes)
    return out


def trades_by(result: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """A result's trades by (security, side)."""
    return {(t["security"], t["side"]): t for t in result["trades"]}


def lot_sales(result: dict[str, Any]) -> dict[str, float]:
    """Shares sold from each lot, by lot id."""
    return {
        pick["lot"]: pick["quantity"]
        for t in result["trades"]
        if t["side"] == "sell"
        for pick in t["lots"]
    }


# ---------------------------------------------------------------------------------------
# Ledger histories: the `lots replay` contract
# ---------------------------------------------------------------------------------------

# Household H1 holds two taxable accounts (T1, T2), an IRA and a Roth; N1 is another
# household's, so a purchase there never washes H1's sales.
LEDGER_ACCOUNTS = [
    {"id": "T1", "household": "H1", "tax_status": "taxable"},
    {"id": "T2", "household": "H1", "tax_status": "taxable"},
    {"id": "IRA1", "household": "H1", "tax_status": "tax_deferred"},
    {"id": "ROTH1", "household": "H1", "tax_status": "tax_exempt"},
    {"id": "N1", "household": "H2", "tax_status": "taxable"},
]


def buy(
    date: str, security: str, quantity: float, price: float, account: str = "T1"
) -> dict[str, Any]:
    return {
        "date": date,
        "account": account,
        "security": security,
        "action": "buy",
        "quantity": quantity,
        "price": price,
    }


def sell(
    date: str, security: str, quantity: float, price: float, account: str = "T1", **extra: Any
) -> dict[str, Any]:
    return {
        "date": date,
        "account": account,
        "security": security,
        "action": "sell",
        "quantity": quantity,
        "price": price,
        **extra,
    }


def action(
    date: str, security: str, kind: str, account: str = "T1", **fields: Any
) -> dict[str, Any]:
    """Any other transaction (`split`, `merger`, `return_of_capital`...) with its fields."""
    return {"date": date, "account": account, "security": security, "action": kind, **fields}


def ledger_history(
    *transactions: dict[str, Any],
    method: str = "fifo",
    wash_groups: dict[str, str] | None = None,
    accounts: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A replay document over `LEDGER_ACCOUNTS` unless `accounts` are given."""
    return {
        "method": method,
        "accounts": LEDGER_ACCOUNTS if accounts is None else accounts,
        "wash_groups": wash_groups or {},
        "transactions": list(transactions),
    }


def replay_ok(*transactions: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The ok answer of replaying `transactions` through the same service `trimtab lots
    replay` calls; fails the test on an invalid answer."""
    answer = replay_history(json.dumps(ledger_history(*transactions, **options)))
    assert answer.body["status"] == "ok", answer.body
    assert answer.exit_code == 0
    return answer.body


def replay_invalid(document: Any) -> list[dict[str, Any]]:
    """The errors of replaying a document that must be invalid."""
    text = document if isinstance(document, str) else json.dumps(document)
    answer = replay_history(text)
    assert answer.body["status"] == "invalid", answer.body
    assert answer.exit_code == 2
    errors: list[dict[str, Any]] = answer.body["errors"]
    return errors


def lots_of(body: dict[str, Any], security: str, account: str = "T1") -> list[dict[str, Any]]:
    """The open lots of `security` in `account` after a replay."""
    return [
        lot for lot in body["lots"] if lot["security"] == security and lot["account"] == account
    ]


# ---------------------------------------------------------------------------------------
# Market scenarios: a few stocks, a few months, for shadow runs
# ---------------------------------------------------------------------------------------


def business_days(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """Weekdays from `start` to `end`, both included (no holidays)."""
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


def flat_market(
    dates: tuple[dt.date, ...], tickers: tuple[str, ...], moves: dict[tuple[dt.date, str], float]
) -> MarketHistory:
    """Flat prices (100 on day one) except `moves`: {(date, ticker): return that day}."""
    returns = np.zeros((len(dates), len(tickers)))
    for (day, ticker), r in moves.items():
        returns[dates.index(day), tickers.index(ticker)] = r
    return MarketHistory(dates, tickers, returns, np.zeros(len(dates)))


def one_swap_set(tickers: tuple[str, ...]) -> Universe:
    """Every stock in one swap set (one target group), cap-like weights, 2% cash."""
    members = tuple(range(len(tickers)))
    return Universe(
        tickers,
        np.zeros(len(tickers), dtype=np.intp),
        (SwapSet("SET", members, 0),),
        Weighting.CAP_LIKE,
        0.02,
    )


# ---------------------------------------------------------------------------------------
# The model book: a balanced firm target and what children may change
# ---------------------------------------------------------------------------------------
# Balanced allocation: 40% US Large, 10% US Mid, 10% International, 5% Real Estate, 30% US
# Bonds, 5% cash; the firm target BAL-ETF fills it with ETFs and limits what children may
# change (US Large may become the S&P fund family, the direct index or stay VOO; tilts of
# ±5%; equity between 45% and 75%).

CLASSES = AssetClassTree(
    [
        AssetClass("EQUITY", "Equity"),
        AssetClass("US_LARGE", "US Large Cap", "EQUITY"),
        AssetClass("US_MID", "US Mid Cap", "EQUITY"),
        AssetClass("INTL", "International Developed", "EQUITY"),
        AssetClass("REAL_ESTATE", "Real Estate", "EQUITY"),
        AssetClass("FIXED_INCOME", "Fixed Income"),
        AssetClass("US_BOND", "US Aggregate Bond", "FIXED_INCOME"),
        AssetClass("EM_DEBT", "Emerging Market Debt", "FIXED_INCOME"),
        AssetClass("CASH", "Cash"),
    ]
)


def _etf(ticker: str, asset_class: str, wash_group: str | None = None) -> Security:
    return Security(ticker, type=SecurityType.ETF, asset_class=asset_class, wash_group=wash_group)


SECURITIES = {
    s.ticker: s
    for s in [
        _etf("VOO", "US_LARGE", "SP500-A"),
        _etf("IVV", "US_LARGE", "SP500-B"),
        _etf("SPLG", "US_LARGE", "SP500-C"),
        Security("VLCAX", type=SecurityType.MUTUAL_FUND, asset_class="US_LARGE"),
        _etf("VO", "US_MID"),
        _etf("IJH", "US_MID"),
        _etf("VEA", "INTL"),
        _etf("VNQ", "REAL_ESTATE"),
        _etf("BND", "US_BOND"),
        _etf("EMB", "EM_DEBT"),
        Security("AAPL", asset_class="US_LARGE", sector="Information Technology"),
        Security("MSFT", asset_class="US_LARGE", sector="Information Technology"),
        Security("XOM", asset_class="US_LARGE", sector="Energy"),
        Security("CVX", asset_class="US_LARGE", sector="Energy"),
        Security("MO", asset_class="US_LARGE", sector="Tobacco"),
    ]
}

BALANCED = AssetAllocation(
    "BAL",
    "Balanced",
    {
        "US_LARGE": D("0.40"),
        "US_MID": D("0.10"),
        "INTL": D("0.10"),
        "REAL_ESTATE": D("0.05"),
        "US_BOND": D("0.30"),
        "CASH": D("0.05"),
    },
)

DIRECT_INDEX = Model(
    "DI-LC",
    "US Large Cap direct index",
    {"AAPL": D("0.30"), "MSFT": D("0.30"), "XOM": D("0.15"), "CVX": D("0.10"), "MO": D("0.15")},
    asset_class="US_LARGE",
)
EMD_MODEL = Model("EMD", "EM debt sleeve", {"EMB": D(1)}, asset_class="EM_DEBT", provider="PIM")

SP500 = EquivalenceSet("SP500", "S&P 500 index products", "VOO", ("IVV", "SPLG"))

LIMITS = CustomizationLimits(
    allowed_products={
        "US_LARGE": frozenset(
            {Product.fund("VOO"), Product.fund("VLCAX"), Product.direct_index("DI-LC")}
        )
    },
    default_max_tilt=D("0.05"),
    class_bounds={"EQUITY": Bounds(D("0.45"), D("0.75"))},
)

FIRM_TARGET = Target(
    "BAL-ETF",
    "Balanced, ETFs",
    allocation="BAL",
    products={
        "US_LARGE": Product.fund("VOO"),
        "US_MID": Product.fund("VO"),
        "INTL": Product.fund("VEA"),
        "REAL_ESTATE": Product.fund("VNQ"),
        "US_BOND": Product.fund("BND"),
        "CASH": Product.cash(),
    },
    limits=LIMITS,
)


def firm_book(*children: Target) -> Catalog:
    """The firm's catalog with the given customized targets added."""
    return Catalog(
        asset_classes=CLASSES,
        securities=SECURITIES,
        allocations={"BAL": BALANCED},
        models={"DI-LC": DIRECT_INDEX, "EMD": EMD_MODEL},
        equivalence_sets={"SP500": SP500},
        targets={FIRM_TARGET.id: FIRM_TARGET, **{c.id: c for c in children}},
    )


def child(tid: str, *customizations: Customization, parent: str = "BAL-ETF") -> Target:
    """Target `tid` (named the same), inheriting from `parent` with `customizations`."""
    return Target(tid, tid, parent=parent, customizations=customizations)


# ---------------------------------------------------------------------------------------
# The workflow firm: accounts that vary where filters and settings bite
# ---------------------------------------------------------------------------------------
# ~60 accounts: every status and tax status, tiers in different cases, missing
# tiers/advisors/programs, firm fields present or absent (and holding SQL-looking text),
# accounts never analyzed, accounts with two analyses (the later must win) and analyses
# with NULL numbers. The in-memory evaluator over `workflow_records` is the SQL's oracle.

_ADVISORS = [Advisor("ADV1", "A. Rivera", "BR1"), Advisor("ADV2", "O'Brien", "BR2")]
_BRANCHES = [Branch("BR1", "Boston"), Branch("BR2", "Denver")]
_PROGRAMS = [Program("ESG", "Sustainable"), Program("ETF", "ETF wrap")]
WORKFLOW_TIERS = ["Platinum", "Gold", "Silver", "gold", None, 'x"; DROP TABLE accounts; --']
WORKFLOW_NOTES = ["", "ok", "' OR 1=1 --", "/* */", "a;b", "Ｇold", "é"]


@dataclass
class WorkflowFirm:
    accounts: list[Account]
    # account id -> analyses, oldest first: (as_of, values)
    analyses: dict[str, list[tuple[dt.date, dict[str, object]]]] = field(default_factory=dict)


def workflow_firm(seed: int = 7, households: int = 24) -> WorkflowFirm:
    """The workflow firm drawn from `seed` (the same seed, the same firm)."""
    rng = random.Random(seed)
    accounts: list[Account] = []
    analyses: dict[str, list[tuple[dt.date, dict[str, object]]]] = {}
    for h in range(households):
        household = f"H-{h:02d}"
        tier = rng.choice(WORKFLOW_TIERS)
        program = rng.choice([None, "ESG", "ETF"])
        for k in range(rng.randint(1, 4)):
            account_id = f"A-{h:02d}-{k}"
            fields: dict[str, str] = {}
            if rng.random() < 0.7:
                fields["paperwork"] = rng.choice(["complete", "incomplete"])
            if rng.random() < 0.5:
                fields["note"] = rng.choice(WORKFLOW_NOTES)
            advisor = rng.choice([None, "ADV1", "ADV2"])
            accounts.append(
                Account(
                    account_id,
                    household=household,
                    tax_status=rng.choice(list(TaxStatus)),
                    status=rng.choice(list(AccountStatus)),
                    discretionary=rng.random() < 0.7,
                    approved_for_trading=rng.random() < 0.8,
                    tier=tier,
                    advisor=advisor,
                    branch=next((a.branch for a in _ADVISORS if a.id == advisor), None),
                    fields=fields,
                    program=program,
                )
            )
            runs = rng.choice([0, 1, 1, 2])
            history = []
            for run in range(runs):
                day = dt.date(2026, 3, 1) + dt.timedelta(days=run)
                history.append((day, _analysis(rng)))
            if history:
                analyses[account_id] = history
    return WorkflowFirm(accounts, analyses)


def _maybe(rng: random.Random, value: Decimal) -> Decimal | None:
    return None if rng.random() < 0.1 else value


def _analysis(rng: random.Random) -> dict[str, object]:
    return {
        "value": _maybe(rng, Decimal(rng.randrange(10_000, 2_000_000, 500))),
        "drift": _maybe(rng, Decimal(rng.randrange(0, 800)) / 10_000),
        "turnover": _maybe(rng, Decimal(rng.randrange(0, 1500)) / 10_000),
        "estimated_tax": _maybe(rng, Decimal(rng.randrange(0, 5_000_00)) / 100),
        "cost_benefit": _maybe(rng, Decimal(rng.randrange(0, 60)) / 10),
        "data_errors": rng.choice([0, 0, 0, 1, 3]),
        "mandate": rng.random() < 0.3,
        "trades": rng.choice([0, 0, 2, 7]),
    }


def load_workflow_firm(db: Database, firm: WorkflowFirm) -> None:
    """Store the firm, its organization and its analyses (written as rows: no run made
    them)."""
    with db.unit_of_work() as uow:
        uow.organization.add_firm(Firm("F", "Workflow Test Firm"))
        for program in _PROGRAMS:
            uow.organization.add_program(program)
        for branch in _BRANCHES:
            uow.organization.add_branch(branch)
        for advisor in _ADVISORS:
            uow.organization.add_advisor(advisor)
        for household in sorted({a.household for a in firm.accounts}):
            uow.households.add(Household(household, household))
        for account in firm.accounts:
            uow.accounts.add(account)
        rows = [
            {"account_id": a, "as_of": day, "run_id": f"run-{day}", "status": "optimal", **values}
            for a, history in firm.analyses.items()
            for day, values in history
        ]
        if rows:
            uow.session.execute(insert(AnalysisRow), rows)
            # Written as rows, so their pointers too (a run keeps them as it writes).
            refresh_latest_analyses(uow.session, list(firm.analyses))
        uow.commit()


def workflow_records(firm: WorkflowFirm) -> dict[str, dict[str, object]]:
    """Each account's fields by filter name, the latest analysis included."""
    names = {a.id: a.name for a in _ADVISORS}
    branches = {b.id: b.name for b in _BRANCHES}
    out: dict[str, dict[str, object]] = {}
    for a in firm.accounts:
        record: dict[str, object] = {
            "id": a.id,
            "status": a.status.value,
            "tax_status": a.tax_status.value,
            "tier": a.tier,
            "discretionary": a.discretionary,
            "approved": a.approved_for_trading,
            "advisor": names.get(a.advisor or ""),
            "branch": branches.get(a.branch or ""),
            "household": a.household,
            "program": a.program,
            **{f"field.{k}": v for k, v in a.fields.items()},
        }
        history = firm.analyses.get(a.id)
        if history:
            record.update(history[-1][1])
        out[a.id] = record
    return out


# ---------------------------------------------------------------------------------------
# The feeds firm: what the feed tests load files onto
# ---------------------------------------------------------------------------------------
# Accounts NB-1001 and NB-1002 (household H1) are at Northbank, AB-2001 (H2) at Alpenbank.
# Model CORE is 60% XYZ / 40% BND; equivalence set SP500 is VOO then IVV; providers PIM
# and ALPINE publish models.

FEEDS_NOW = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC)
FEEDS_ACCOUNTS = ("NB-1001", "NB-1002", "AB-2001")
FEEDS_CORE = Model("CORE", "Core", {"XYZ": D("0.6"), "BND": D("0.4")})
FEEDS_SP500 = EquivalenceSet("SP500", "S&P 500 funds", "VOO", ("IVV",))
# The investment committee records the book; the data desk adds the providers.
_IPC, _DATA_DESK = Principal.cli("ipc"), Principal.cli("dm")


def load_feeds_firm(db: Database) -> None:
    """Store the feeds firm in a migrated, empty database."""
    with db.unit_of_work() as uow:
        uow.organization.add_firm(Firm("FIRM", "Feeds Wealth"))
        for c in (
            AssetClass("US_LARGE", "US Large Cap"),
            AssetClass("US_BOND", "US Aggregate Bond"),
        ):
            uow.asset_classes.add(c)
        uow.commit()
    with db.unit_of_work() as uow:
        for s in (
            Security("XYZ", cusip="98412X101", asset_class="US_LARGE", sector="Industrials"),
            Security("ABC", asset_class="US_LARGE", sector="Health Care"),
            Security("BND", type=SecurityType.ETF, asset_class="US_BOND"),
            Security("VOO", type=SecurityType.ETF, asset_class="US_LARGE"),
            Security("IVV", type=SecurityType.ETF, asset_class="US_LARGE"),
        ):
            uow.securities.add(s)
        uow.households.add(Household("H1"))
        uow.households.add(Household("H2"))
        uow.commit()
    with db.unit_of_work() as uow:
        for account, household in zip(FEEDS_ACCOUNTS, ("H1", "H1", "H2"), strict=True):
            uow.accounts.add(Account(account, household, TaxStatus.TAXABLE))
        uow.commit()
    result = record_definitions(
        db.unit_of_work, [FEEDS_CORE, FEEDS_SP500], principal=_IPC, reason="setup", now=FEEDS_NOW
    )
    assert result.saved, result.problems
    for provider in ("PIM", "ALPINE"):
        add_provider(
            db.unit_of_work, ModelProvider(provider, provider, D(10)), principal=_DATA_DESK
        )


# ---------------------------------------------------------------------------------------
# The small demo firm: the nightly run's and the CLI's tests
# ---------------------------------------------------------------------------------------

DEMO_AS_OF = dt.date(2025, 6, 30)
DEMO_NOW = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)


def load_small_firm(db: Database, accounts: int = 40) -> None:
    """Load a small demo firm (seed 3, 60 days of prices) into a migrated database, with
    its model book and routing policy, as `TESTER`."""
    spec = DemoSpec(accounts=accounts, as_of=DEMO_AS_OF, seed=3, days=60, households_per_chunk=10)
    assert load_demo_firm(db.unit_of_work, spec, principal=TESTER).loaded
    seed_model_book(db.unit_of_work, as_of=DEMO_AS_OF, principal=TESTER, now=DEMO_NOW)
    install_demo_policy(db.unit_of_work, principal=TESTER, now=DEMO_NOW)


# Recipes for `Snapshots.restore` (tests/integration/snapshots.py): built once per test
# process and database kind, then copied into each test's own database.


def small_firm(url: str, db: Database) -> None:
    """The 40-account `load_small_firm`."""
    load_small_firm(db)


def sixty_accounts(url: str, db: Database) -> None:
    """The small firm with 60 accounts: enough chunks for a run to be caught mid-way."""
    load_small_firm(db, accounts=60)


def small_firm_night(url: str, db: Database) -> str:
    """The 40-account small firm after one night as of DEMO_AS_OF, started by `TESTER`
    on one worker in one chunk; the run's id."""
    load_small_firm(db)
    summary = run_nightly(url, as_of=DEMO_AS_OF, principal=TESTER, workers=1, chunk_size=40)
    assert summary.finished, summary
    return summary.run_id
