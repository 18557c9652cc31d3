"""Scenarios: each role signs in and opens its dashboard; the figures on it are those the
store holds for the demo firm after one night (counted here straight from the tables, not
hard-coded), an advisor's in their own scope only; a role without the dashboard's
permission is refused (403; the route x role matrix test covers every other pair); the
charts are images of SVG drawn by the kept library, the same bytes every time."""

from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal

from fastapi import FastAPI
from sqlalchemy import func, or_, select

from tests.integration.web.conftest import WebFirm, role_login, sign_in_as
from trimtab.domain.principal import Principal, Role
from trimtab.reports.charts import count_chart, drift_chart
from trimtab.services.dashboards import OutcomeTotal
from trimtab.services.demo_users import DEMO_USERS
from trimtab.services.report_scope import Level, ReportRequest
from trimtab.services.taxes_saved import (
    compute_counterfactuals,
    record_taxes_saved_to_date,
    taxes_saved,
)
from trimtab.store.model_tables import DefinitionVersionRow
from trimtab.store.nightly_tables import ProposalRow, RunOutcomeRow
from trimtab.store.tables import AccountRow
from trimtab.store.user_tables import TeamHouseholdRow
from trimtab.web.pages.dashboards import outcome_chart


def _figure(page: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">([\d,]+)<', page)
    assert found, f"no figure #{element_id} on the page"
    return int(found.group(1).replace(",", ""))


def _open(app: FastAPI, role: Role) -> str:
    browser, _ = sign_in_as(app, role_login(role))
    page = browser.get(f"/dashboard/{role.value}")
    assert page.status_code == 200, page.text
    return page.text


def test_the_overlay_manager_sees_tonights_outcome_the_queue_and_a_chart(
    app: FastAPI, web_firm: WebFirm
) -> None:
    page = _open(app, Role.OVERLAY)
    with web_firm.database.unit_of_work() as uow:
        counts = dict(
            uow.session.execute(
                select(RunOutcomeRow.outcome, func.count())
                .where(RunOutcomeRow.run_id == web_firm.run_id)
                .group_by(RunOutcomeRow.outcome)
            ).all()
        )
        pending = uow.session.scalar(
            select(func.count()).select_from(ProposalRow).where(ProposalRow.state == "pending")
        )
    assert web_firm.run_id in page
    for outcome in ("auto_trade", "review", "suspended", "no_trade"):
        assert _figure(page, f"outcome-{outcome}") == counts.get(outcome, 0)
    assert counts.get("review", 0) > 0  # the policy sends every proposal to review
    assert _figure(page, "queue-count") == pending
    assert 'href="/review"' in page
    assert 'href="/orders"' in page
    uri = re.search(r'<img class="chart" alt="Accounts by outcome[^"]*" src="([^"]+)"', page)
    assert uri
    assert uri.group(1).startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.group(1).split(",", 1)[1]).decode()
    assert svg.startswith("<svg")
    assert "review" in svg


def test_an_advisor_sees_only_their_own_households_and_their_teams(
    app: FastAPI, web_firm: WebFirm
) -> None:
    page = _open(app, Role.ADVISOR)
    with web_firm.database.unit_of_work() as uow:
        team = select(TeamHouseholdRow.household_id)
        in_scope = or_(
            AccountRow.advisor_id == web_firm.advisor_id, AccountRow.household_id.in_(team)
        )
        own = uow.session.scalar(select(func.count()).select_from(AccountRow).where(in_scope))
        pending = uow.session.scalar(
            select(func.count())
            .select_from(ProposalRow)
            .where(
                ProposalRow.state == "pending",
                ProposalRow.account_id.in_(select(AccountRow.id).where(in_scope)),
            )
        )
    assert _figure(page, "account-count") == own
    assert _figure(page, "pending-count") == pending
    assert f'href="/accounts/{web_firm.own_account}"' in page
    assert f'href="/accounts/{web_firm.team_account}"' in page
    assert web_firm.other_account not in page
    assert f'href="/accounts/{web_firm.own_account}/customize"' in page


def test_the_committee_sees_the_model_book(app: FastAPI, web_firm: WebFirm) -> None:
    page = _open(app, Role.COMMITTEE)
    with web_firm.database.unit_of_work() as uow:
        kinds = dict(
            uow.session.execute(
                select(
                    DefinitionVersionRow.kind, func.count(func.distinct(DefinitionVersionRow.key))
                ).group_by(DefinitionVersionRow.kind)
            ).all()
        )
    assert kinds.get("model", 0) > 0
    for kind, n in kinds.items():
        assert _figure(page, f"count-{kind}") == n
    assert 'href="/models"' in page


def test_compliance_sees_the_accounts_outside_their_settings(
    app: FastAPI, web_firm: WebFirm
) -> None:
    page = _open(app, Role.COMPLIANCE)
    from trimtab.store.workflow_tables import AnalysisRow

    with web_firm.database.unit_of_work() as uow:
        rows = uow.session.execute(
            select(
                RunOutcomeRow.account_id,
                RunOutcomeRow.flags,
                RunOutcomeRow.status,
                AnalysisRow.drift,
                AnalysisRow.data_errors,
            )
            .join(
                AnalysisRow,
                (AnalysisRow.run_id == RunOutcomeRow.run_id)
                & (AnalysisRow.account_id == RunOutcomeRow.account_id),
            )
            .where(RunOutcomeRow.run_id == web_firm.run_id)
        ).all()
    outside = {
        account
        for account, flags, status, drift, errors in rows
        if flags or status != "optimal" or (drift or 0) > 0 or errors > 0
    }
    assert _figure(page, "outside-count") == len(outside)
    for account in outside:
        assert f'href="/accounts/{account}"' in page


def test_management_sees_program_health_and_the_taxes_saved_to_date(
    app: FastAPI, web_firm: WebFirm
) -> None:
    page = _open(app, Role.MANAGEMENT)
    with web_firm.database.unit_of_work() as uow:
        pending = uow.session.scalar(
            select(func.count()).select_from(ProposalRow).where(ProposalRow.state == "pending")
        )
        flags = uow.session.execute(
            select(RunOutcomeRow.flags).where(RunOutcomeRow.run_id == web_firm.run_id)
        ).scalars()
        missed = sum(1 for f in flags if "should_have_traded" in (f or ()))
    assert _figure(page, "backlog-count") == pending
    assert _figure(page, "missed-count") == missed
    assert "Pending proposals by age" in page
    # Before a night's counterfactuals nothing is kept, and the page says how it will be.
    assert 'id="taxes-saved-missing"' in page
    assert 'id="taxes-saved"' not in page

    ops = Principal.cli("ops")
    compute_counterfactuals(web_firm.database.unit_of_work, web_firm.run_id, principal=ops)
    kept, problems = record_taxes_saved_to_date(web_firm.database.unit_of_work, principal=ops)
    assert not problems
    assert kept is not None
    night = kept.end
    report, _ = taxes_saved(
        web_firm.database.unit_of_work,
        ReportRequest(Level.FIRM, None, dt.date(night.year, 1, 1), night),
        viewer=ops,
    )
    assert report is not None
    assert report.lines  # the demo firm's night saved something
    assert kept.total == report.total.total
    page = _open(app, Role.MANAGEMENT)
    shown = re.search(r'id="taxes-saved">(-?)\$([\d,]+\.\d\d)<', page)
    assert shown, "no taxes-saved figure on the page"
    assert Decimal(shown.group(1) + shown.group(2).replace(",", "")) == round(kept.total, 2)
    assert f"to the night of {night}" in page


def test_the_data_desk_sees_files_unknown_securities_actions_and_holds(
    app: FastAPI, web_firm: WebFirm
) -> None:
    from trimtab.services.security_master import unknown_securities

    page = _open(app, Role.DATA)
    assert _figure(page, "unknown-count") == len(unknown_securities(web_firm.database.unit_of_work))
    with web_firm.database.unit_of_work() as uow:
        pending_actions = [a for a in uow.feed_data.actions() if a.applied_at is None]
        holds = uow.holds.active()
    assert _figure(page, "action-count") == len(pending_actions)
    assert _figure(page, "hold-count") == len(holds)
    assert "Files of" in page


def test_the_admin_sees_users_tokens_and_the_latest_run(app: FastAPI, web_firm: WebFirm) -> None:
    page = _open(app, Role.ADMIN)
    with web_firm.database.unit_of_work() as uow:
        users = len(uow.users.all())
    assert users >= len(DEMO_USERS)
    assert _figure(page, "user-count") == users
    assert web_firm.run_id in page  # process health: the run, its state
    assert "finished" in page


def test_a_role_without_the_dashboards_permission_is_refused(app: FastAPI) -> None:
    advisor, _ = sign_in_as(app, role_login(Role.ADVISOR))
    for role in ("overlay", "committee", "compliance", "data", "admin"):
        answer = advisor.get(f"/dashboard/{role}")
        assert answer.status_code == 403, role
    overlay, _ = sign_in_as(app, role_login(Role.OVERLAY))
    assert overlay.get("/dashboard/admin").status_code == 403


def test_charts_are_svg_from_the_kept_library_and_the_same_bytes_every_time() -> None:
    totals = (
        OutcomeTotal("auto_trade", 3, 0),  # type: ignore[arg-type]
        OutcomeTotal("review", 2, 0),  # type: ignore[arg-type]
    )
    first, second = outcome_chart(totals), outcome_chart(totals)
    assert first == second
    assert first.startswith("<svg")
    assert "Matplotlib" in first
    assert "<dc:date>" not in first
    drift = drift_chart(
        ["Equity", "Bonds"], target=[0.6, 0.4], current=[0.66, 0.34], band=[0.05, 0.05]
    )
    assert drift == drift_chart(
        ["Equity", "Bonds"], target=[0.6, 0.4], current=[0.66, 0.34], band=[0.05, 0.05]
    )
    assert "Equity" in drift
    assert "target" in drift
    assert count_chart("Nothing", [], []) != first  # an empty chart still renders
