"""Scenarios: the review queue is sorted, counted, totalled and paged by the database.

`services.review_queue.queue_page` must answer, page by page, exactly what sorting the
whole queue in memory (`review.pending`, `review.SORTS`) and slicing it answers — for
every sort, with a filter, and inside an admin's acting-for scope — with the whole
queue's count, value and tax beside each page; `GET /api/v1/proposals` pages with
`limit` and `offset` and `/review` with `page` and `per`. On the demo firm of
`conftest.py`, which sends every proposal to review.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import FastAPI

from tests.integration.web.conftest import SETUP, WebFirm, role_login, sign_in_as
from tests.integration.web.test_review_scope import ROW, _advisor_accounts
from trimtab.domain.principal import Principal, Role
from trimtab.domain.users import principal_of
from trimtab.services.review import SORTS, pending, pending_matching
from trimtab.services.review_queue import queue_page


def _whole(firm: WebFirm, sort: str, viewer: Principal | None = None) -> list[str]:
    queue, problems = pending(firm.database.unit_of_work, sort=sort, viewer=viewer)
    assert queue is not None, problems
    return [p.account for p in queue.items]


@pytest.mark.parametrize("sort", list(SORTS))
def test_each_page_is_the_slice_of_the_queue_sorted_in_memory(web_firm: WebFirm, sort: str) -> None:
    queue, _ = pending(web_firm.database.unit_of_work, sort=sort)
    assert queue is not None
    whole = [p.account for p in queue.items]
    assert len(whole) >= 5, "the firm needs a queue of a few pages for this test"
    paged: list[str] = []
    for offset in range(0, len(whole) + 3, 3):
        page, problems = queue_page(
            web_firm.database.unit_of_work, sort=sort, offset=offset, limit=3, viewer=SETUP
        )
        assert page is not None, problems
        assert page.count == len(whole)
        assert page.total_value == sum((p.value for p in queue.items), Decimal(0))
        assert page.total_tax == sum((p.estimated_tax for p in queue.items), Decimal(0))
        assert [p.account for p in page.items] == whole[offset : offset + 3]
        paged += [p.account for p in page.items]
        # each proposal of the page whole, trades included, as the store keeps it
        assert {p.account: p for p in page.items} == {
            p.account: p for p in queue.items[offset : offset + 3]
        }
    assert paged == whole


def test_a_filter_and_a_scope_are_part_of_the_page_and_of_its_totals(
    web_firm: WebFirm,
) -> None:
    queue, _ = pending(web_firm.database.unit_of_work)
    assert queue is not None
    values = sorted(p.value for p in queue.items)
    text = f"value <= {values[len(values) // 2]}"
    matching, problems = pending_matching(web_firm.database.unit_of_work, text, viewer=SETUP)
    assert matching is not None, problems
    expected = sorted(matching.proposals, key=SORTS["tax"])
    page, problems = queue_page(
        web_firm.database.unit_of_work, sort="tax", filter_text=text, limit=100, viewer=SETUP
    )
    assert page is not None, problems
    assert [p.account for p in page.items] == [p.account for p in expected]
    assert 0 < page.count == len(expected) < len(values)
    assert page.total_value == sum((p.value for p in expected), Decimal(0))
    assert page.filter == text

    bad, problems = queue_page(web_firm.database.unit_of_work, filter_text="value <", viewer=SETUP)
    assert bad is None
    assert [p.path for p in problems] == ["filter"]

    with web_firm.database.unit_of_work() as uow:
        admin, advisor = uow.users.get(role_login(Role.ADMIN)), uow.users.get("advisor")
        assert admin is not None
        assert advisor is not None
    acting = principal_of(admin).acting_for(principal_of(advisor))
    scoped, problems = queue_page(web_firm.database.unit_of_work, limit=100, viewer=acting)
    assert scoped is not None, problems
    mine = [a for a in _whole(web_firm, "value") if a in _advisor_accounts(web_firm)]
    assert [p.account for p in scoped.items] == mine
    assert scoped.count == len(mine)


def test_the_api_pages_with_limit_and_offset_and_the_page_with_page_and_per(
    app: FastAPI, web_firm: WebFirm
) -> None:
    whole = _whole(web_firm, "turnover")
    desk, _ = sign_in_as(app, role_login(Role.OVERLAY))
    seen: list[str] = []
    offset = 0
    while True:
        answer = desk.get(
            "/api/v1/proposals", params={"sort": "turnover", "limit": 2, "offset": offset}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["count"], body["limit"], body["offset"]) == (len(whole), 2, offset)
        if not body["proposals"]:
            break
        seen += [p["account"] for p in body["proposals"]]
        offset += 2
    assert seen == whole
    assert desk.get("/api/v1/proposals", params={"limit": 0}).status_code == 422
    assert desk.get("/api/v1/proposals", params={"limit": 501}).status_code == 422

    second = desk.get("/review", params={"sort": "turnover", "per": 10, "page": 2})
    assert second.status_code == 200
    assert ROW.findall(second.text) == whole[10:20]
    past_the_end = desk.get("/review", params={"sort": "turnover", "per": 10, "page": 99})
    assert ROW.findall(past_the_end.text) == whole[(len(whole) - 1) // 10 * 10 :]
