"""Scenarios: a firm sets defaults, a program and households override them, accounts are
exempted from bulk changes; every effective value is explained by its lineage.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.bulk_changes import (
    BulkChangeRequest,
    Exemption,
    Outcome,
    plan_bulk_change,
)
from trimtab.domain.calibration import VOCABULARY
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import default_value, validate_setting
from trimtab.domain.settings_levels import (
    ChangeRequest,
    Placement,
    Scope,
    SettingChange,
    SettingsBook,
    plan_revert,
    validate_request,
)

MARCH = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
A1 = Placement("A-1", "H-1", "ESG", "F")  # H-1 holds
A2 = Placement("A-2", "H-1", None, "F")
A3 = Placement("A-3", "H-2", "ESG", "F")
FIRM = [A1, A2, A3]


class History:
    """Records changes a day apart, as the store would, and hands out the book."""

    def __init__(self) -> None:
        self.changes: list[SettingChange] = []

    def record(
        self, setting: str, scope: Scope, value: object, reason: str = "policy"
    ) -> SettingChange:
        change = SettingChange(
            len(self.changes) + 1,
            setting,
            scope,
            value,  # type: ignore[arg-type]
            "ops",
            MARCH + dt.timedelta(days=len(self.changes)),
            reason,
        )
        self.changes.append(change)
        return change

    def book(self) -> SettingsBook:
        return SettingsBook(self.changes)


def test_nothing_set_anywhere_means_the_calibration_default() -> None:
    effective = SettingsBook([]).resolve(A1)

    for name, setting in VOCABULARY.items():
        if isinstance(setting.default, str | int | float | bool):
            assert effective[name].value == setting.default
        assert effective[name].is_default
        assert "built-in default" in effective[name].explain()
    assert effective["commission_schedule"].value == "standard"


def test_the_most_specific_level_wins_and_lineage_names_what_it_overrides() -> None:
    h = History()
    firm = h.record("tax_sensitivity", Scope(Level.FIRM, "F"), "low", "firm policy")
    program = h.record("tax_sensitivity", Scope(Level.PROGRAM, "ESG"), "medium", "ESG default")
    household = h.record("tax_sensitivity", Scope(Level.HOUSEHOLD, "H-1"), "high", "top bracket")

    book = h.book()
    a1, a2, a3 = (book.resolve_one(p, "tax_sensitivity") for p in FIRM)

    assert (a1.value, a1.source, a1.shadowed) == ("high", household, (program, firm))
    assert (a2.value, a2.source, a2.shadowed) == ("high", household, (firm,))  # no program
    assert (a3.value, a3.source, a3.shadowed) == ("medium", program, (firm,))
    explained = a1.explain()
    assert "household H-1 by ops on 2026-03-04" in explained
    assert "top bracket" in explained
    assert "overrides program ESG (medium), firm F (low)" in explained


def test_clearing_a_scope_lets_the_wider_value_show_through() -> None:
    h = History()
    firm = h.record("drift_tolerance", Scope(Level.FIRM, "F"), "tight")
    h.record("drift_tolerance", Scope(Level.ACCOUNT, "A-1"), "loose")
    h.record("drift_tolerance", Scope(Level.ACCOUNT, "A-1"), None, "client relented")

    effective = h.book().resolve_one(A1, "drift_tolerance")

    assert (effective.value, effective.source) == ("tight", firm)


def test_as_of_resolution_ignores_changes_recorded_later() -> None:
    h = History()
    h.record("loss_harvesting", Scope(Level.FIRM, "F"), "off")  # 2 March
    h.record("loss_harvesting", Scope(Level.ACCOUNT, "A-1"), "year_round")  # 3 March
    h.record("loss_harvesting", Scope(Level.FIRM, "F"), "opportunistic")  # 4 March
    book = h.book()

    def on(day: int) -> object:
        moment = dt.datetime(2026, 3, day, 23, 59, tzinfo=dt.UTC)
        return book.resolve_one(A1, "loss_harvesting", moment).value

    assert [on(1), on(2), on(3), on(4)] == ["opportunistic", "off", "year_round", "year_round"]
    assert book.resolve_one(A2, "loss_harvesting").value == "opportunistic"


def test_restrictions_from_every_level_combine_and_all_are_explained() -> None:
    h = History()
    firm = h.record("restriction.IBM", Scope(Level.FIRM, "F"), "no_buy", "firm watch list")
    mine = h.record("restriction.IBM", Scope(Level.ACCOUNT, "A-1"), "no_sell", "client gift")

    book = h.book()
    a1 = book.resolve_one(A1, "restriction.IBM")
    a2 = book.resolve_one(A2, "restriction.IBM")

    assert a1.value == ("no_buy", "no_sell")
    assert set(a1.sources) == {firm, mine}
    assert a2.value == "no_buy"
    assert a2.sources == (firm,)
    assert book.resolve_one(A2, "restriction.AAPL").value is None
    assert "restriction.IBM" in book.resolve(A1)


def test_history_lists_every_change_that_reached_the_account() -> None:
    h = History()
    h.record("tax_sensitivity", Scope(Level.FIRM, "F"), "low")
    h.record("tax_sensitivity", Scope(Level.HOUSEHOLD, "H-2"), "high")  # not A-1's
    h.record("cash_target", Scope(Level.ACCOUNT, "A-1"), 0.03)

    book = h.book()

    assert [c.id for c in book.history(A1)] == [1, 3]
    assert [c.id for c in book.history(A1, setting="cash_target")] == [3]


def test_revert_restores_the_previous_value_at_that_scope_as_a_new_change() -> None:
    h = History()
    h.record("tax_sensitivity", Scope(Level.HOUSEHOLD, "H-1"), "medium")
    h.record("tax_sensitivity", Scope(Level.HOUSEHOLD, "H-1"), "maximum")

    request, problems = plan_revert(h.book(), 2, reason="set by mistake")

    assert problems == []
    assert request == ChangeRequest(
        "tax_sensitivity", Scope(Level.HOUSEHOLD, "H-1"), "medium", "set by mistake", reverts=2
    )
    first, _ = plan_revert(h.book(), 1, reason="undo")
    assert first is None  # superseded by #2


@pytest.mark.parametrize(
    ("change_id", "reason", "says"),
    [(99, "typo", "no settings change #99"), (1, " ", "say why"), (1, "undo", "superseded")],
)
def test_a_revert_that_cannot_be_done_says_why(change_id: int, reason: str, says: str) -> None:
    h = History()
    h.record("tax_sensitivity", Scope(Level.FIRM, "F"), "low")
    h.record("tax_sensitivity", Scope(Level.FIRM, "F"), "high")

    request, problems = plan_revert(h.book(), change_id, reason=reason)

    assert request is None
    assert says in str(problems[0])


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("tax_sensitivity", "hi", "must be one of none, low, medium, high, maximum"),
        ("cash_target", "lots", "fraction"),
        ("commission_schedule", "", "must be a schedule, one of standard, A"),
        ("review_above_turnover", "150%", "between 0 and 1"),
        ("restriction.ibm", "no_buy", "not a ticker"),
        ("restriction.IBM", "never", "no_buy, no_sell, must_sell"),
        ("tax_sensitivty", "high", "unknown setting"),
    ],
)
def test_values_outside_the_vocabulary_are_refused_with_the_setting_named(
    setting: str, value: object, says: str
) -> None:
    problems = validate_setting(setting, value)

    assert problems
    assert problems[0].path == f"settings.{setting}"
    assert says in problems[0].message


def test_every_vocabulary_word_is_accepted_and_a_reason_is_required() -> None:
    for name, setting in VOCABULARY.items():
        for word in setting.choices:
            assert validate_setting(name, word) == [], (name, word)
    request = ChangeRequest("tax_sensitivity", Scope(Level.FIRM, "F"), "high", "")
    assert [p.path for p in validate_request(request)] == ["reason"]
    assert default_value("review_above_value") == "off"


# ---------------------------------------------------------------------- bulk changes


def _plan(
    request: BulkChangeRequest, matched: set[str], exemptions: dict[str, str], h: History
) -> tuple[object, list[object]]:
    return plan_bulk_change(
        request, population=FIRM, matched=matched, exemptions=exemptions, book=h.book(), at=MARCH
    )


def test_a_bulk_change_at_account_level_writes_each_matched_account_but_the_exempt() -> None:
    h = History()
    h.record("commission_schedule", Scope(Level.ACCOUNT, "A-3"), "B")
    request = BulkChangeRequest(
        "commission_schedule",
        "B",
        'tier = "Platinum"',
        "2026 Platinum pricing",
        exempt_accounts=(Exemption("A-2", "contract fixes A until June"),),
    )

    plan, problems = plan_bulk_change(
        request,
        population=FIRM,
        matched={"A-1", "A-2", "A-3"},
        exemptions={"A-2": "contract fixes A until June"},
        book=h.book(),
        at=MARCH,
    )

    assert problems == []
    assert plan is not None
    assert [w.scope for w in plan.writes] == [
        Scope(Level.ACCOUNT, "A-1"),
        Scope(Level.ACCOUNT, "A-3"),
    ]
    outcome = {o.account: (o.outcome, o.before, o.after, o.note) for o in plan.outcomes}
    assert outcome == {
        "A-1": (Outcome.AFFECTED, "standard", "B", ""),
        "A-2": (Outcome.EXEMPTED, "standard", "standard", "contract fixes A until June"),
        "A-3": (Outcome.UNCHANGED, "B", "B", "already set"),
    }


def test_a_firm_wide_change_reports_overridden_accounts_and_pins_the_exempt() -> None:
    h = History()
    account_override = h.record("tax_sensitivity", Scope(Level.ACCOUNT, "A-3"), "none")
    request = BulkChangeRequest("tax_sensitivity", "high", "true", "firm goes high", Level.FIRM)

    plan, problems = plan_bulk_change(
        request,
        population=FIRM,
        matched={"A-1", "A-2", "A-3"},
        exemptions={"A-2": "trust rules"},
        book=h.book(),
        at=MARCH,
    )

    assert problems == []
    assert plan is not None
    firm_write, pin = plan.writes
    assert (firm_write.scope, firm_write.value) == (Scope(Level.FIRM, "F"), "high")
    assert (pin.scope, pin.value) == (Scope(Level.ACCOUNT, "A-2"), "medium")
    assert "trust rules" in pin.reason
    assert plan.counts() == {"affected": 1, "exempted": 1, "overridden": 1, "unchanged": 0}
    (overridden,) = plan.accounts(Outcome.OVERRIDDEN)
    assert overridden.account == "A-3"
    assert f"#{account_override.id}" in overridden.note


def test_a_wider_level_is_refused_when_its_scope_holds_unselected_accounts() -> None:
    request = BulkChangeRequest("drift_tolerance", "tight", 'id = "A-1"', "x", Level.HOUSEHOLD)

    plan, problems = _plan(request, {"A-1"}, {}, History())

    assert plan is None
    assert "household H-1 also holds A-2, which the filter does not match" in str(problems[0])


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        (BulkChangeRequest("tax_sensitivity", "hi", "true", "x"), "must be one of"),
        (BulkChangeRequest("tax_sensitivity", "high", "true", ""), "say why"),
        (
            BulkChangeRequest("tax_sensitivity", "high", "true", "x", Level.PROGRAM),
            "A-2 is in no program",
        ),
        (
            BulkChangeRequest(
                "tax_sensitivity", "high", "true", "x", exempt_accounts=(Exemption("A-1", ""),)
            ),
            "say why A-1 is exempt",
        ),
    ],
)
def test_an_invalid_bulk_change_plans_nothing(request_: BulkChangeRequest, says: str) -> None:
    plan, problems = _plan(request_, {"A-1", "A-2", "A-3"}, {}, History())

    assert plan is None
    assert any(says in str(p) for p in problems), problems


@given(
    matched=st.sets(st.sampled_from(["A-1", "A-2", "A-3"])),
    exempt=st.sets(st.sampled_from(["A-1", "A-2", "A-3"])),
    prior=st.lists(
        st.tuples(st.sampled_from(["A-1", "A-2", "A-3"]), st.sampled_from(["A", "B", "C"])),
        max_size=4,
    ),
)
def test_at_account_level_exactly_the_matched_unexempted_accounts_end_with_the_value(
    matched: set[str], exempt: set[str], prior: list[tuple[str, str]]
) -> None:
    h = History()
    for account, schedule in prior:
        h.record("commission_schedule", Scope(Level.ACCOUNT, account), schedule)
    request = BulkChangeRequest("commission_schedule", "B", "...", "pricing")
    exemptions = dict.fromkeys(exempt, "kept")

    plan, problems = _plan(request, matched, exemptions, h)

    assert problems == []
    assert plan is not None
    after = SettingsBook(
        [
            *h.changes,
            *(
                SettingChange(
                    100 + i, w.setting, w.scope, w.value, "ops", MARCH.replace(year=2027), w.reason
                )
                for i, w in enumerate(plan.writes)
            ),
        ]
    )
    for p in FIRM:
        before = h.book().resolve_one(p, "commission_schedule").value
        now = after.resolve_one(p, "commission_schedule").value
        assert now == ("B" if p.account in matched - exempt else before)
    assert {o.account for o in plan.outcomes} == matched
    assert {o.account for o in plan.accounts(Outcome.EXEMPTED)} == matched & exempt
