"""Scenarios on a real night (issue 18, items 9, 20, 21): an operations desk sees why an
account has no proposal, fixes a refused edit with the hint it is given or with
`--rebalance-rest`, approves in bulk by filter, and works a run other than the latest."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from tests.builders import DEMO_AS_OF as AS_OF
from tests.builders import DEMO_NOW as NOW
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database
from trimtab.cli import app
from trimtab.domain.principal import Principal
from trimtab.domain.problems import ProblemKind
from trimtab.engine import parse_case
from trimtab.engine.decision_check import DecidedTrade, LotPick, check_decision
from trimtab.services.review import (
    account_review,
    edit,
    open_proposal,
    review_queue,
)
from trimtab.services.review_ports import ProposalState

TEST = Principal.cli("test")
OPS = Principal.cli("ops")


def keeps_every_rule(db: Database, account: str) -> bool:
    detail, _ = open_proposal(db.unit_of_work, account)
    assert detail is not None
    case, _ = parse_case(detail.record["case"])
    assert case is not None
    asked = [
        DecidedTrade(
            t.security, t.side, t.quantity, tuple(LotPick(x.lot, x.quantity) for x in t.lots)
        )
        for t in detail.proposal.trades
    ]
    return check_decision(case, asked).ok


def test_accounts_without_a_proposal_say_why_and_unknown_ones_are_not_found(
    night: tuple[str, Database, str],
) -> None:
    _url, db, run_id = night
    with db.unit_of_work() as uow:
        outcomes = uow.runs.outcomes(run_id)
    quiet = {a: o for a, o in outcomes.items() if o[0] in ("suspended", "no_trade")}
    assert quiet, "the demo firm has suspended and no-trade accounts"
    for account, (outcome, rule, flags) in quiet.items():
        review, problems = account_review(db.unit_of_work, account)
        assert problems == []
        assert review is not None
        assert review.proposal is None
        assert (review.outcome.outcome, review.outcome.rule) == (outcome, rule)
        assert review.outcome.flags == flags
        [no_proposal] = open_proposal(db.unit_of_work, account)[1]
        assert f"routed {outcome} by {rule}" in no_proposal.message
    [unknown] = account_review(db.unit_of_work, "NO-SUCH")[1]
    assert unknown.kind is ProblemKind.NOT_FOUND
    assert unknown.message == "NO-SUCH is not an account of the firm"


def test_a_refused_edit_names_a_fix_that_works_and_rebalance_rest_needs_none(
    night: tuple[str, Database, str],
) -> None:
    _url, db, _run = night
    hinted = rebalanced = 0
    for proposal in review_queue(db.unit_of_work):
        buys = [t for t in proposal.trades if t.side == "buy" and t.quantity >= 2]
        if not buys:
            continue
        trim = {("buy", buys[0].security): float(int(buys[0].quantity // 2))}
        problems = edit(db.unit_of_work, proposal.account, quantities=trim, principal=OPS,
                        reason="trim", now=NOW)  # fmt: skip
        cash = [p for p in problems if "rule 4" in p.message]
        if cash:
            # The first hint, followed, is an edit every rule accepts.
            side, security, shares = re.findall(r"\((buy|sell):(\S+)=([\d.]+)\)", cash[0].message)[
                0
            ]
            fixed = {**trim, (side, security): float(shares)}
            assert edit(db.unit_of_work, proposal.account, quantities=fixed, principal=OPS,
                        reason="trim, as hinted", now=NOW) == []  # fmt: skip
            hinted += 1
        problems = edit(
            db.unit_of_work,
            proposal.account,
            quantities=trim,
            rebalance_rest=True,
            principal=OPS,
            reason="trim, the rest around it",
            now=NOW,
        )
        assert problems == [], (proposal.account, problems)
        after, _ = open_proposal(db.unit_of_work, proposal.account)
        assert after is not None
        [trimmed] = [t for t in after.proposal.trades if (t.side, t.security) == next(iter(trim))]
        assert trimmed.quantity == next(iter(trim.values()))
        assert keeps_every_rule(db, proposal.account)
        rebalanced += 1
    assert hinted >= 1
    assert rebalanced >= 3


def test_the_review_desk_on_the_command_line(
    night: tuple[str, Database, str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the services are tested on both databases; one is enough for the CLI")
    url, db, first = night
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    runner = CliRunner()
    queue = review_queue(db.unit_of_work)

    listed = runner.invoke(app, ["review", "list"])
    assert listed.exit_code == 0, listed.output
    assert re.search(r"account\s.*value\s.*trades\s.*turnover\s.*routed by", listed.output)
    as_json = json.loads(runner.invoke(app, ["review", "list", "--json"]).output)
    assert (as_json["run"], as_json["pending"]) == (first, len(queue))

    unknown = runner.invoke(app, ["review", "show", "NO-SUCH"])
    assert unknown.exit_code == 3
    assert "NO-SUCH is not an account of the firm" in unknown.output
    with db.unit_of_work() as uow:
        outcomes = uow.runs.outcomes(first)
    suspended = next(a for a, o in sorted(outcomes.items()) if o[0] == "suspended")
    shown = runner.invoke(app, ["review", "show", suspended])
    assert shown.exit_code == 0, shown.output
    assert f"routed suspended by {outcomes[suspended][1]}" in shown.output
    assert "no proposal" in shown.output
    selling = next(p for p in queue if any(t.side == "sell" for t in p.trades))
    shown = runner.invoke(app, ["review", "show", selling.account])
    assert re.search(r"lot \S+: [\d,.]+ sh, realized -?\$[\d,.]+ (short|long)-term", shown.output)
    assert all(t.reason in shown.output for t in selling.trades)

    # Bulk approval by filter: listed first, approved only with --yes, one audit entry.
    small = [p.account for p in queue if p.value < 250_000]
    assert small, "the demo night has small accounts waiting for review"
    dry = runner.invoke(app, ["review", "approve", "--filter", "value < 250k", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{len(small)} pending proposals match" in dry.output
    unconfirmed = runner.invoke(app, ["review", "approve", "--filter", "value < 250k"])
    assert unconfirmed.exit_code == 2
    assert "add --yes" in unconfirmed.output
    done = runner.invoke(
        app, ["review", "approve", "--filter", "value < 250k", "--yes", "--reason", "routine"]
    )
    assert done.exit_code == 0, done.output
    assert all(
        open_proposal(db.unit_of_work, a)[0].proposal.state is ProposalState.APPROVED  # type: ignore[union-attr]
        for a in small
    )
    with db.unit_of_work() as uow:
        [entry] = uow.audit.entries(action="review")
    assert entry.action == "review.bulk_approve"
    assert list(entry.targets) == [*sorted(small), f"run:{first}"]

    # A later run becomes the latest; --run still reaches the first; a voided one is refused.
    second = run_nightly(url, as_of=AS_OF, principal=TEST, workers=1, chunk_size=40).run_id
    assert second != first
    older = runner.invoke(app, ["review", "list", "--run", first, "--json"])
    assert json.loads(older.output)["pending"] == len(queue) - len(small)
    voided = runner.invoke(app, ["run", "void", second, "--reason", "wrong prices"])
    assert voided.exit_code == 0, voided.output
    refused = runner.invoke(app, ["review", "list", "--run", second])
    assert refused.exit_code == 4
    assert f"run {second} was voided by" in refused.output
    assert "wrong prices" in refused.output
    later = next(p for p in queue if p.account not in small).account
    approved = runner.invoke(
        app, ["review", "approve", later, "--run", first, "--reason", "last night's"]
    )
    assert approved.exit_code == 0, approved.output
