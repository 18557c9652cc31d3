"""Scenarios: an advisor opens one of their accounts and sees it whole — lots with gains
and terms, target vs current by group with its chart, the latest proposal with each
trade's reason, the settings in force with their meaning and source, and the history of
analyses; another advisor's account does not exist for them, by URL or by the accounts
list's filter; the list pages through the firm for a firm-wide role."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from tests.integration.web.conftest import WebFirm, role_login, sign_in_as
from trimtab.domain.principal import Principal, Role
from trimtab.services.accounts import show_account
from trimtab.web.pages import accounts as account_pages
from trimtab.web.pages.accounts import PAGE_SIZE, group_bars

FIRM = Principal.cli("test")


def test_an_advisor_sees_their_account_whole(app: FastAPI, web_firm: WebFirm) -> None:
    advisor, _ = sign_in_as(app, role_login(Role.ADVISOR))
    page = advisor.get(f"/accounts/{web_firm.own_account}")
    assert page.status_code == 200, page.text
    view, problems = show_account(web_firm.database.unit_of_work, web_firm.own_account, viewer=FIRM)
    assert view is not None, problems
    text = page.text
    assert view.lots
    for lot in view.lots:
        assert lot.id in text
    assert view.lots[0].term.value in text  # short or long, if sold today
    assert f'id="account-value">${view.value:,.2f}<' in text
    for group in view.groups:
        assert f"<td>{group.id}</td>" in text
    for setting in view.settings:
        assert f"<td>{setting.setting}</td>" in text
    assert any(s.meaning for s in view.settings)
    assert next(s.meaning for s in view.settings if s.meaning) in text
    assert view.last is not None
    assert web_firm.run_id in text  # the latest run, and the history of analyses
    for trade in view.last.trades:
        assert trade.reason in text
    # a bar per group, drawn by the browser: current weight, the band its good region
    meters = re.findall(r'<meter min="0" max="([^"]+)" low="([^"]+)" high="([^"]+)"[^>]*'
                        r'value="([^"]+)" title="([^"]+)"', text)  # fmt: skip
    assert len(meters) == len(view.groups)
    for (scale, low, high, value, label), bar in zip(meters, group_bars(view.groups), strict=True):
        g = bar.group
        assert float(value) == g.current
        assert float(low) == max(0.0, g.target - g.band)
        assert float(high) == min(float(scale), g.target + g.band)
        assert float(scale) >= max(g.current, g.target)
        assert label.startswith(f"current {g.current:.2%}, target {g.target:.2%}")
    assert f'href="/accounts/{web_firm.own_account}/customize"' in text


def test_the_team_account_is_visible_to_the_advisor(app: FastAPI, web_firm: WebFirm) -> None:
    advisor, _ = sign_in_as(app, role_login(Role.ADVISOR))
    assert advisor.get(f"/accounts/{web_firm.team_account}").status_code == 200


def test_another_advisors_account_does_not_exist_for_an_advisor(
    app: FastAPI, web_firm: WebFirm
) -> None:
    advisor, _ = sign_in_as(app, role_login(Role.ADVISOR))
    other = web_firm.other_account
    by_url = advisor.get(f"/accounts/{other}")
    assert by_url.status_code == 404
    assert by_url.text == advisor.get("/accounts/NO-SUCH-ACCOUNT").text.replace(
        "NO-SUCH-ACCOUNT", other
    )
    by_filter = advisor.get("/accounts", params={"filter": f'id = "{other}"'})
    assert by_filter.status_code == 200
    assert 'id="account-count">0<' in by_filter.text
    assert f'href="/accounts/{other}"' not in by_filter.text
    own = advisor.get("/accounts", params={"filter": f'id = "{web_firm.own_account}"'})
    assert 'id="account-count">1<' in own.text
    # a firm-wide role sees the same account
    compliance, _ = sign_in_as(app, role_login(Role.COMPLIANCE))
    assert compliance.get(f"/accounts/{other}").status_code == 200


def test_the_accounts_list_shows_filter_errors_where_they_are(app: FastAPI) -> None:
    overlay, _ = sign_in_as(app, role_login(Role.OVERLAY))
    bad = overlay.get("/accounts", params={"filter": "drift >> 2"})
    assert bad.status_code == 422
    assert 'id="filter-problems"' in bad.text
    assert "drift &gt;&gt; 2" in bad.text  # the text stays in the box to fix


def test_the_accounts_list_pages_through_the_firm(app: FastAPI, web_firm: WebFirm) -> None:
    overlay, _ = sign_in_as(app, role_login(Role.OVERLAY))
    first = overlay.get("/accounts")
    assert first.status_code == 200
    with web_firm.database.unit_of_work() as uow:
        total = uow.account_reads.count(None)
        ids = [line.account for line in uow.account_reads.lines(None)]
    assert f'id="account-count">{total:,}<' in first.text
    shown = re.findall(r'<td><a href="/accounts/([^"/]+)">', first.text)
    assert shown == ids[:PAGE_SIZE]
    beyond = overlay.get("/accounts", params={"page": 2})
    assert (
        re.findall(r'<td><a href="/accounts/([^"/]+)">', beyond.text) == ids[PAGE_SIZE:][:PAGE_SIZE]
    )


def test_a_direct_index_lists_its_lots_on_their_own_page(
    app: FastAPI, web_firm: WebFirm, monkeypatch: pytest.MonkeyPatch
) -> None:
    view, _ = show_account(web_firm.database.unit_of_work, web_firm.own_account, viewer=FIRM)
    assert view is not None
    assert len(view.lots) > 1
    monkeypatch.setattr(account_pages, "LOTS_INLINE", len(view.lots) - 1)  # one too many
    advisor, _ = sign_in_as(app, role_login(Role.ADVISOR))
    page = advisor.get(f"/accounts/{web_firm.own_account}").text
    assert 'id="lots"' not in page
    assert f'href="/accounts/{web_firm.own_account}/lots"' in page
    lots = advisor.get(f"/accounts/{web_firm.own_account}/lots")
    assert lots.status_code == 200
    for lot in view.lots:
        assert f"<td>{lot.id}</td>" in lots.text
    assert advisor.get(f"/accounts/{web_firm.other_account}/lots").status_code == 404
