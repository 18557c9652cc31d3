"""Scenarios: the three reports' numbers, each computed by hand, on the in-memory store.

The firm: household H1 (advisor ADV1) with accounts A1 and A2, household H2 (ADV2) with
A3 and A4; short-term rate 40%, long-term 20%; one night, 2025-06-30. Each analysis is
given with its recorded result and its tax-naive counterfactual:

- A1 harvests a $1,000 short-term loss that the naive rebalance does not take;
- A2 realizes a real $600 short-term gain, as the naive rebalance would too;
- A3 trades nothing (no trade), where the naive rebalance realizes a $2,000 long-term
  gain: a deferred gain;
- A4 realizes a $1,000 long-term gain where the naive one realizes $1,000 short-term:
  a short-term gain turned long-term;
- A5 (H1) was rejected in review: not counted, though its naive twin had a gain.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from tests.fakes.reports import FakeReportUnitOfWork
from trimtab.domain.principal import Principal, Role, Scope
from trimtab.domain.problems import ProblemKind
from trimtab.services.activity import activity_report
from trimtab.services.health_checks import (
    exempt_call_to_action,
    health_report,
    record_health_checks,
)
from trimtab.services.report_ports import AccountFacts, Counterfactual, OutcomeFacts
from trimtab.services.report_scope import Level, ReportRequest
from trimtab.services.taxes_saved import (
    Assumptions,
    compute_counterfactuals,
    counterfactual_of,
    taxes_saved,
)

DAY = dt.date(2025, 6, 30)
RUN = "2025-06-30.1"
AT = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
YEAR = ReportRequest(Level.FIRM, None, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
ADMIN = Principal.cli("ana")
ADVISOR_1 = Principal("user:al", "Al", frozenset({Role.ADVISOR}), Scope.advisors("ADV1"))
COMMITTEE = Principal("user:cy", "Cy", frozenset({Role.COMMITTEE}), Scope.firm())
# (1 − 1.05⁻⁵) = 0.216474 to six places: the value of paying five years later.
FACTOR = Assumptions().deferral_factor


def _case(account: str, cash: float = 100_000.0, **extra: Any) -> dict[str, Any]:
    return {
        "as_of": DAY.isoformat(),
        "account": {"id": account, "tax_status": "taxable", "cash": cash},
        "tax": {"short_term_rate": 0.4, "long_term_rate": 0.2},
        "securities": [{"id": "XXX", "price": 100.0, "cost_rate": 0.001}],
        "groups": [],
        "lots": [],
        "recent_trades": [],
        "settings": {},
        "parameters": {},
        **extra,
    }


def _sell(gain: float, term: str, *, harvest: float = 0.0, security: str = "XXX") -> dict[str, Any]:
    return {
        "security": security,
        "side": "sell",
        "quantity": 10.0,
        "value": 1000.0,
        "lots": [{"lot": f"{security}-1", "quantity": 10.0, "realized_gain": gain, "term": term}],
        "reason": f"Sold {security}. Because.",
        "effects": {"harvest": harvest},
        "mandated": False,
    }


def _result(*trades: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"status": "optimal", "trades": list(trades), "parameters": params or {}}


def _naive(seq: int, account: str, **amounts: int) -> Counterfactual:
    return Counterfactual(
        seq,
        RUN,
        account,
        DAY,
        "optimal",
        1,
        D(amounts.get("stg", 0)),
        D(amounts.get("stl", 0)),
        D(amounts.get("ltg", 0)),
        D(amounts.get("ltl", 0)),
    )


def _outcome(account: str, outcome: str, state: str | None, **kw: Any) -> OutcomeFacts:
    return OutcomeFacts(RUN, account, DAY, outcome, AT, state, kw.get("by"), kw.get("decided_at"))


@pytest.fixture
def firm() -> FakeReportUnitOfWork:
    uow = FakeReportUnitOfWork()
    store = uow.reports
    store.account_list = [
        AccountFacts("A1", "A1", "H1", "The Ones", "ADV1", "taxable"),
        AccountFacts("A2", "A2", "H1", "The Ones", "ADV1", "taxable"),
        AccountFacts("A5", "A5", "H1", "The Ones", "ADV1", "taxable"),
        AccountFacts("A3", "A3", "H2", "The Twos", "ADV2", "taxable"),
        AccountFacts("A4", "A4", "H2", "The Twos", "ADV2", "taxable"),
    ]
    plan = [
        ("A1", _result(_sell(-1000, "short", harvest=-140)), {}, ("auto_trade", "auto")),
        ("A2", _result(_sell(600, "short")), {"stg": 600}, ("auto_trade", "auto")),
        ("A3", _result(), {"ltg": 2000}, ("no_trade", None)),
        ("A4", _result(_sell(1000, "long")), {"stg": 1000}, ("review", "approved")),
        ("A5", _result(_sell(0, "long")), {"ltg": 5000}, ("review", "rejected")),
    ]
    for account, result, naive, (outcome, state) in plan:
        entry = store.add_analysis(
            account, RUN, DAY, {"case": _case(account), "result": result, "reasons": []}, at=AT
        )
        store.stored_counterfactuals[entry.seq] = _naive(entry.seq, account, **naive)
        store.outcome_list.append(
            _outcome(account, outcome, state, by="user:bo", decided_at=AT + dt.timedelta(hours=5))
        )
    return uow


def test_taxes_saved_split_into_harvest_avoided_and_deferred_by_hand(
    firm: FakeReportUnitOfWork,
) -> None:
    report, problems = taxes_saved(firm, YEAR, viewer=ADMIN)
    assert problems == []
    assert report is not None
    h1, h2 = report.lines
    # H1: the $1,000 loss first offsets A2's real $600 short-term gain (saves 600 × 0.40 =
    # 240), the remaining $400 offsets ordinary income (400 × 0.40 = 160): $400.
    assert (h1.household, h1.saved.losses_harvested) == ("H1", D("400.00"))
    assert (h1.saved.short_term_avoided, h1.saved.gains_deferred) == (D("0.00"), D("0.00"))
    # H2: $1,000 short-term turned long-term: 1,000 × (0.40 − 0.20) = $200, permanent.
    # Gains not realized: naive 3,000 − actual 1,000 = 2,000, deferred at the long-term
    # rate: 2,000 × 0.20 × 0.216474 = $86.59.
    assert h2.saved.losses_harvested == D("0.00")
    assert h2.saved.short_term_avoided == D("200.00")
    assert h2.saved.gains_deferred == D("86.59") == round(2000 * D("0.20") * FACTOR, 2)
    assert report.total.total == D("686.59")
    # A5 was rejected in review: not counted, its naive $5,000 gain with it.
    assert report.not_counted == {"rejected in review": 1}
    # Portfolio value: five accounts of $100,000 cash each.
    assert report.portfolio_value == D("500000.00")
    assert report.by_year == {2025: report.total}


def test_an_account_report_nets_the_account_alone(firm: FakeReportUnitOfWork) -> None:
    request = ReportRequest(Level.ACCOUNT, "A1", YEAR.start, YEAR.end)
    report, _ = taxes_saved(firm, request, viewer=ADMIN)
    assert report is not None
    # Alone, A1's $1,000 loss has no gain beside it: all of it offsets ordinary income,
    # 1,000 × 0.40 = $400 (the household's figure happens to agree; a $4,000 loss would
    # not: the ordinary offset stops at $3,000).
    (line,) = report.lines
    assert (line.household, line.saved.total) == ("A1", D("400.00"))


def test_an_advisor_sees_only_their_own_households(firm: FakeReportUnitOfWork) -> None:
    report, _ = taxes_saved(firm, YEAR, viewer=ADVISOR_1)
    assert report is not None
    assert [line.household for line in report.lines] == ["H1"]
    assert report.total.total == D("400.00")
    # Another advisor's account does not exist for them.
    _, problems = taxes_saved(
        firm, ReportRequest(Level.ACCOUNT, "A3", YEAR.start, YEAR.end), viewer=ADVISOR_1
    )
    assert [p.kind for p in problems] == [ProblemKind.NOT_FOUND]


def test_a_role_without_the_permission_is_forbidden(firm: FakeReportUnitOfWork) -> None:
    _, problems = taxes_saved(firm, YEAR, viewer=COMMITTEE)
    assert [p.kind for p in problems] == [ProblemKind.FORBIDDEN]
    assert "reports" in problems[0].message


def test_an_analysis_without_its_counterfactual_is_reported_missing(
    firm: FakeReportUnitOfWork,
) -> None:
    firm.reports.stored_counterfactuals.pop(1)
    report, _ = taxes_saved(firm, YEAR, viewer=ADMIN)
    assert report is not None
    assert (report.missing_counterfactuals, report.runs_missing) == (1, (RUN,))
    assert report.total.total == D("286.59")  # H2 only: A1 left out, A2 alone saves nothing


# -- the counterfactual, from a real case through the real engine ------------------------

REAL_CASE: dict[str, Any] = {
    "as_of": "2025-06-30",
    "account": {"id": "A1", "tax_status": "taxable", "cash": 1000.0},
    "tax": {"short_term_rate": 0.4, "long_term_rate": 0.2},
    "securities": [{"id": "XXX", "price": 100.0}, {"id": "YYY", "price": 100.0}],
    "groups": [
        {"id": "G1", "members": ["XXX"], "buy": "XXX", "target": 0.5, "band": 0.02},
        {"id": "G2", "members": ["YYY"], "buy": "YYY", "target": 0.49, "band": 0.02},
    ],
    "lots": [
        {
            "id": "OLD",
            "security": "XXX",
            "quantity": 400,
            "cost_basis": 40.0,
            "acquired": "2020-01-02",
        },
        {
            "id": "NEW",
            "security": "XXX",
            "quantity": 300,
            "cost_basis": 120.0,
            "acquired": "2025-03-03",
        },
        {
            "id": "Y1",
            "security": "YYY",
            "quantity": 300,
            "cost_basis": 100.0,
            "acquired": "2024-01-02",
        },
    ],
    "recent_trades": [],
    "settings": {"tax_sensitivity": "high"},
    "parameters": {},
}


def test_the_naive_counterfactual_sells_first_in_first_out() -> None:
    from trimtab.engine import parse_case, rebalance

    case, _ = parse_case(REAL_CASE)
    assert case is not None
    aware: dict[str, Any] = rebalance(case).as_dict()
    # Tax-aware, the engine sells the new lot at a loss.
    assert {pick["lot"] for t in aware["trades"] for pick in t["lots"]} == {"NEW"}
    uow = FakeReportUnitOfWork()
    entry = uow.reports.add_analysis("A1", RUN, DAY, {"case": REAL_CASE, "result": aware})
    naive = counterfactual_of(entry, uow.reports.analysis(entry))
    assert naive is not None
    # Tax-naive, it still sells XXX (it is 19% over target) but the oldest lot goes first:
    # every share sold is from OLD, bought at $40, held five years: $60 long-term each.
    sold = naive.long_term_gains / 60
    assert 0 < sold <= 400
    assert sold == sold.to_integral_value()  # whole shares: the gain is 60 × shares
    assert naive.short_term_gains == naive.short_term_losses == naive.long_term_losses == 0


def test_counterfactuals_are_computed_once_with_one_audit_entry() -> None:
    from trimtab.engine import parse_case, rebalance

    case, _ = parse_case(REAL_CASE)
    assert case is not None
    uow = FakeReportUnitOfWork()
    uow.reports.add_analysis(
        "A1", RUN, DAY, {"case": REAL_CASE, "result": rebalance(case).as_dict()}
    )
    assert compute_counterfactuals(uow, RUN, principal=ADMIN) == (1, [])
    assert compute_counterfactuals(uow, RUN, principal=ADMIN) == (0, [])  # the fake refuses twice
    assert [e.action for e in uow.audit.appended] == ["reports.counterfactuals"] * 2
    assert uow.audit.appended[0].targets == (f"run:{RUN}",)


# -- health checks ------------------------------------------------------------------------


def _drifted(account: str, weight_x: float) -> dict[str, Any]:
    """An account of $10,000: XXX at `weight_x`, YYY the rest less 2% cash."""
    value = 10_000.0
    cash = 0.02 * value
    return _case(
        account,
        cash=cash,
        securities=[{"id": "XXX", "price": 100.0}, {"id": "YYY", "price": 100.0}],
        groups=[
            {"id": "G1", "members": ["XXX"], "buy": "XXX", "target": 0.49, "band": 0.02},
            {"id": "G2", "members": ["YYY"], "buy": "YYY", "target": 0.49, "band": 0.02},
        ],
        lots=[
            {
                "id": "X1",
                "security": "XXX",
                "quantity": weight_x * value / 100,
                "cost_basis": 100.0,
                "acquired": "2024-01-02",
            },
            {
                "id": "Y1",
                "security": "YYY",
                "quantity": (0.98 - weight_x) * value / 100,
                "cost_basis": 100.0,
                "acquired": "2024-01-02",
            },
        ],
    )


def test_health_checks_answers_and_promptness_by_hand() -> None:
    uow = FakeReportUnitOfWork()
    store = uow.reports
    store.account_list = [
        AccountFacts("B1", "B1", "H1", "One", "ADV1", "taxable"),
        AccountFacts("B2", "B2", "H2", "Two", "ADV2", "taxable"),
        AccountFacts("B3", "B3", "H3", "Three", "ADV2", "taxable"),
    ]
    params = {"min_cash": 0.01, "max_cash": 0.05, "default_band": 0.02}
    for account, weight in (("B1", 0.59), ("B2", 0.60), ("B3", 0.50)):
        store.add_analysis(
            account,
            RUN,
            DAY,
            {"case": _drifted(account, weight), "result": _result(params=params), "reasons": []},
            at=AT,
        )
    assert record_health_checks(uow, RUN, principal=ADMIN) == (15, [])
    assert record_health_checks(uow, RUN, principal=ADMIN) == (0, [])  # once per run
    assert [e.action for e in uow.audit.appended] == ["reports.health_record"]
    # B1: XXX at 59% against 49% ± 2%: 8% beyond its band. B2: 9% beyond. B3: within.
    drift = {c.account: c for c in store.checks if c.kind == "drift"}
    assert not drift["B1"].passed
    assert drift["B1"].measure == pytest.approx(0.08)
    assert not drift["B2"].passed
    assert drift["B2"].measure == pytest.approx(0.09)
    assert drift["B3"].passed
    assert all(c.passed for c in store.checks if c.kind != "drift")  # cash 2% in 1–5%
    # B1's proposal was approved five hours later: traded, 5.0 hours. B2's stays open,
    # then is exempted by a person with a reason.
    store.outcome_list = [
        _outcome("B1", "review", "approved", by="user:bo", decided_at=AT + dt.timedelta(hours=5)),
        _outcome("B2", "review", "pending"),
        _outcome("B3", "no_trade", None),
    ]
    report, _ = health_report(uow, YEAR, viewer=ADMIN)
    assert report is not None
    calls = {c.check.account: c for c in report.calls}
    assert set(calls) == {"B1", "B2"}
    assert calls["B1"].answer is not None
    assert calls["B1"].answer.response == "traded"
    assert calls["B1"].hours == pytest.approx(5.0)
    assert calls["B2"].answer is None
    exemption, problems = exempt_call_to_action(
        uow,
        RUN,
        "B2",
        "drift",
        reason="client is moving money in next week",
        principal=ADMIN,
        now=AT + dt.timedelta(hours=30),
    )
    assert problems == []
    assert exemption is not None
    report, _ = health_report(uow, YEAR, viewer=ADMIN)
    assert report is not None
    b2 = next(c for c in report.calls if c.check.account == "B2")
    assert b2.answer is not None
    assert b2.answer.response == "exempted"
    assert b2.hours == pytest.approx(30.0)
    by_advisor = {p.key: p for p in report.by_advisor()}
    assert (by_advisor["ADV1"].calls, by_advisor["ADV1"].within_day) == (1, 1)
    assert (by_advisor["ADV2"].answered, by_advisor["ADV2"].within_day) == (1, 0)
    assert by_advisor["ADV2"].median_hours == pytest.approx(30.0)


def test_an_exemption_needs_a_reason_and_a_failed_check() -> None:
    uow = FakeReportUnitOfWork()
    uow.reports.account_list = [AccountFacts("B3", "B3", "H3", "Three", "ADV2", "taxable")]
    uow.reports.add_analysis(
        "B3",
        RUN,
        DAY,
        {"case": _drifted("B3", 0.5), "result": _result(params={"max_cash": 0.05}), "reasons": []},
    )
    record_health_checks(uow, RUN, principal=ADMIN)
    _, problems = exempt_call_to_action(uow, RUN, "B3", "drift", reason=" ", principal=ADMIN)
    assert [p.path for p in problems] == ["reason"]
    _, problems = exempt_call_to_action(uow, RUN, "B3", "drift", reason="x", principal=ADMIN)
    assert [p.kind for p in problems] == [ProblemKind.CONFLICT]  # it passed


# -- explained activity -------------------------------------------------------------------


def test_activity_explains_each_trade_with_its_tax_cost_and_why() -> None:
    uow = FakeReportUnitOfWork()
    store = uow.reports
    store.account_list = [AccountFacts("C1", "C1", "H1", "One", "ADV1", "taxable")]
    case = _case(
        "C1",
        securities=[
            {"id": "XXX", "price": 100.0, "cost_rate": 0.001},
            {"id": "ZZZ", "price": 100.0, "cost_rate": 0.001},
            {"id": "BAD", "price": 100.0, "cost_rate": 0.001, "must_sell": True},
        ],
        groups=[{"id": "G1", "members": ["XXX", "ZZZ"], "buy": "ZZZ", "target": 0.5}],
    )
    buy = {
        "security": "ZZZ",
        "side": "buy",
        "quantity": 10.0,
        "value": 1000.0,
        "lots": [],
        "reason": "Bought ZZZ.",
        "effects": {},
        "mandated": False,
    }
    result = _result(
        _sell(-500, "short", harvest=-70),  # XXX at a loss: harvesting; ZZZ keeps it invested
        buy,
        _sell(100, "short", security="BAD"),  # must sell: restrictions
    )
    store.add_analysis("C1", RUN, DAY, {"case": case, "result": result, "reasons": []})
    store.outcome_list = [_outcome("C1", "auto_trade", "auto")]
    report, _ = activity_report(uow, YEAR, viewer=ADMIN)
    assert report is not None
    groups = {why: [(t.side, t.security) for t in ts] for why, ts in report.by_why().items()}
    assert groups == {
        "harvesting": [("sell", "XXX"), ("buy", "ZZZ")],
        "restrictions": [("sell", "BAD")],
    }
    harvest, _, restricted = report.trades
    # Tax: −500 short-term at 40% = −$200 (saved); +100 at 40% = $40. Cost: 0.1% of $1,000.
    assert (harvest.tax, restricted.tax, harvest.cost) == (D("-200.00"), D("40.00"), D("1.00"))
    assert harvest.sentence.startswith("Sold 10 shares of XXX for $1,000.00 on 2025-06-30")
    assert "Estimated tax -$200.00." in harvest.sentence
    assert report.totals()["tax"] == D("-160.00")
    # A rejected proposal traded nothing: it is counted apart, not explained as trades.
    store.outcome_list = [_outcome("C1", "review", "rejected")]
    report, _ = activity_report(uow, YEAR, viewer=ADMIN)
    assert report is not None
    assert (report.trades, report.not_traded) == ((), 1)
