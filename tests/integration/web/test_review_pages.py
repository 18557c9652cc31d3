"""Scenarios: the overlay desk works the review queue in a browser — sorts and filters it
(a bad filter shown at its column), approves a row with htmx, edits a proposal (re-checked
by the engine's rules), approves by filter after a preview; every decision leaves exactly
one audit entry, a form without its CSRF token changes nothing, and roles without
`review_trades` are refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi import FastAPI

from tests.integration.snapshots import Snapshots
from tests.integration.web.work_firm import signed_in, work_firm
from trimtab.bootstrap import Database
from trimtab.services.review import account_review, review_queue
from trimtab.services.review_ports import ProposalState


@pytest.fixture
def app(database_url: str, snapshots: Snapshots) -> Iterator[tuple[FastAPI, Database]]:
    web, db = work_firm(database_url, snapshots)
    yield web, db
    db.close()


def _entries(db: Database, action: str, account: str | None = None) -> list[object]:
    with db.unit_of_work() as uow:
        return list(uow.audit.entries(action=action, account=account))


def _state(db: Database, account: str) -> ProposalState:
    found, problems = account_review(db.unit_of_work, account)
    assert found is not None, problems
    assert found.proposal is not None
    return found.proposal.state


def test_the_queue_is_sorted_filtered_and_paged_and_refused_without_the_permission(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    queue = review_queue(db.unit_of_work, sort="value")
    assert len(queue) >= 3
    olive = signed_in(web, "olive")

    page = olive.http.get("/review?sort=value")
    assert page.status_code == 200
    positions = [page.text.index(f'id="row-{p.account}"') for p in queue]
    assert positions == sorted(positions)  # largest value first, as the service sorts
    assert "Approve" in page.text

    by_account = olive.http.get("/review?sort=account&per=10")
    shown = sorted(p.account for p in queue)[:10]
    assert all(f'id="row-{a}"' in by_account.text for a in shown)

    cutoff = queue[1].value  # the filter keeps everything from the second largest down
    filtered = olive.http.get("/review", params={"filter": f"value <= {cutoff}"})
    assert filtered.status_code == 200
    assert f'id="row-{queue[0].account}"' not in filtered.text
    assert f'id="row-{queue[1].account}"' in filtered.text

    bad = olive.http.get("/review", params={"filter": "value < 10 and"})
    assert bad.status_code == 422
    assert "column" in bad.text
    assert "^" in bad.text

    for login in ("cora", "ada", "cody"):
        assert signed_in(web, login).http.get("/review").status_code == 403


def test_approving_a_row_with_htmx_records_one_decision_and_one_audit_entry(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    first, second = review_queue(db.unit_of_work, sort="value")[:2]
    olive = signed_in(web, "olive")

    no_token = olive.http.post(f"/review/{first.account}/approve", data={"reason": "fine"})
    assert no_token.status_code == 403
    assert _state(db, first.account) is ProposalState.PENDING

    no_reason = olive.http.post(
        f"/review/{first.account}/approve", data={"reason": " ", "csrf_token": olive.csrf}
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.text
    assert _state(db, first.account) is ProposalState.PENDING
    assert _entries(db, "review.approve", first.account) == []

    row = olive.http.post(
        f"/review/{first.account}/approve",
        data={"reason": "in policy"},
        headers={"X-CSRF-Token": olive.csrf, "HX-Request": "true"},
    )
    assert row.status_code == 200
    assert row.text.lstrip().startswith(f'<tr id="row-{first.account}"')
    assert f"Approved {first.account}" in row.text
    assert _state(db, first.account) is ProposalState.APPROVED
    assert len(_entries(db, "review.approve", first.account)) == 1

    again = olive.http.post(
        f"/review/{first.account}/approve",
        data={"reason": "twice"},
        headers={"X-CSRF-Token": olive.csrf, "HX-Request": "true"},
    )
    assert "not pending" in again.text  # a conflict shown in the row; nothing recorded
    assert len(_entries(db, "review.approve", first.account)) == 1

    rejected = olive.http.post(
        f"/review/{second.account}/reject",
        data={"reason": "client called", "csrf_token": olive.csrf},
    )
    assert rejected.status_code == 303
    assert _state(db, second.account) is ProposalState.REJECTED
    assert len(_entries(db, "review.reject", second.account)) == 1


def test_the_proposal_page_shows_why_and_an_edit_is_rechecked_before_it_is_saved(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    proposal = review_queue(db.unit_of_work, sort="value")[0]
    found, _ = account_review(db.unit_of_work, proposal.account)
    assert found is not None
    olive = signed_in(web, "olive")

    page = olive.http.get(f"/review/{proposal.account}")
    assert page.status_code == 200
    assert found.outcome.rule in page.text  # the filter or rule that sent it to review
    for t in proposal.trades:
        assert t.security in page.text
        if t.reason:
            assert t.reason.split(",")[0][:30] in page.text.replace("&#39;", "'")
        for pick in t.lots:
            assert pick.lot in page.text
            assert pick.term in page.text

    sale = next((t for t in proposal.trades if t.side == "sell"), proposal.trades[0])
    held = sum(
        lot["quantity"] for lot in found.record["case"]["lots"] if lot["security"] == sale.security
    )
    too_much = olive.http.post(
        f"/review/{proposal.account}/edit",
        data={f"qty:sell:{sale.security}": str(held + 1000), "reason": "more",
              "csrf_token": olive.csrf},
    )  # fmt: skip
    assert too_much.status_code == 422
    assert "rule" in too_much.text  # the hard rule the edit breaks, named
    assert _entries(db, "review.edit", proposal.account) == []

    not_a_number = olive.http.post(
        f"/review/{proposal.account}/edit",
        data={f"qty:{sale.side}:{sale.security}": "lots", "reason": "x", "csrf_token": olive.csrf},
    )
    assert not_a_number.status_code == 422
    assert f"qty:{sale.side}:{sale.security}" in not_a_number.text

    smaller = max(1.0, float(int(sale.quantity // 2)))
    edited = olive.http.post(
        f"/review/{proposal.account}/edit",
        data={f"qty:{sale.side}:{sale.security}": str(smaller), "rebalance_rest": "on",
              "reason": "trim the trade", "csrf_token": olive.csrf},
    )  # fmt: skip
    assert edited.status_code == 303, edited.text
    after, _ = account_review(db.unit_of_work, proposal.account)
    assert after is not None
    assert after.proposal is not None
    assert after.proposal.edited
    mine = [t for t in after.proposal.trades if (t.side, t.security) == (sale.side, sale.security)]
    assert [t.quantity for t in mine] == [smaller]
    assert len(_entries(db, "review.edit", proposal.account)) == 1


def test_bulk_approval_is_previewed_then_confirmed_for_exactly_the_matching_proposals(
    app: tuple[FastAPI, Database],
) -> None:
    web, db = app
    queue = review_queue(db.unit_of_work, sort="value")
    cutoff = queue[1].value
    expected = sorted(p.account for p in queue if p.value <= cutoff)
    text = f"value <= {cutoff}"
    olive = signed_in(web, "olive")

    preview = olive.http.get("/review/bulk", params={"filter": text})
    assert preview.status_code == 200
    assert f'<strong id="bulk-count">{len(expected)}</strong>' in preview.text
    total = sum((p.value for p in queue if p.value <= cutoff), Decimal(0))
    assert f"${total:,.2f}" in preview.text
    assert all(_state(db, a) is ProposalState.PENDING for a in expected)  # a preview writes nothing

    stale = olive.http.post(
        "/review/bulk",
        data={"filter": text, "expected": len(expected) + 1, "reason": "routine",
              "csrf_token": olive.csrf},
    )  # fmt: skip
    assert stale.status_code == 409
    assert _entries(db, "review.bulk_approve") == []

    done = olive.http.post(
        "/review/bulk",
        data={"filter": text, "expected": len(expected), "reason": "routine",
              "csrf_token": olive.csrf},
    )  # fmt: skip
    assert done.status_code == 303
    assert all(_state(db, a) is ProposalState.APPROVED for a in expected)
    assert _state(db, queue[0].account) is ProposalState.PENDING
    entries = _entries(db, "review.bulk_approve")
    assert len(entries) == 1
    assert sorted(t for t in entries[0].targets if not t.startswith("run:")) == expected  # type: ignore[attr-defined]
