"""Scenarios: the nightly run analyzes every account once, routes it by the firm's policy,
and gives the same proposals on a local process pool and on a Dask cluster."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.builders import DEMO_AS_OF, OPS
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database
from trimtab.domain import AccountStatus, CashBalance
from trimtab.domain.filters import read_filter
from trimtab.domain.records import RecordKind
from trimtab.domain.routing import ANALYSIS_FAILED, NO_TRADES, NOT_AUTO_TRADABLE, Stage
from trimtab.store.nightly_tables import ProposalRow, RunOutcomeRow
from trimtab.store.workflow_tables import AnalysisRow

BUILT_IN = {ANALYSIS_FAILED, NO_TRADES, NOT_AUTO_TRADABLE}


def _outcomes(db: Database, run_id: str) -> dict[str, tuple[str, str]]:
    with db.unit_of_work() as uow:
        return {a: (o, r) for a, (o, r, _f) in uow.runs.outcomes(run_id).items()}


def test_every_account_is_analyzed_once_and_routed_by_the_filter_sql_agrees_with(
    firm: tuple[str, Database],
) -> None:
    url, db = firm
    with db.unit_of_work() as uow:
        first, second = uow.runs.population()[:2]
        held = uow.accounts.get(first)
        assert held is not None
        uow.accounts.save(replace(held, status=AccountStatus.SUSPENDED))
        uow.cash.set(CashBalance(second, Decimal("-100.00"), DEMO_AS_OF))  # a data error
        uow.commit()
    summary = run_nightly(url, as_of=DEMO_AS_OF, principal=OPS, workers=1, chunk_size=15)
    assert summary.finished
    assert summary.missing == 0
    assert not summary.chunk_errors
    with db.unit_of_work() as uow:
        population = uow.runs.population()
        session = uow.session
        per_account = dict(
            session.execute(
                select(AnalysisRow.account_id, func.count())
                .where(AnalysisRow.run_id == summary.run_id)
                .group_by(AnalysisRow.account_id)
            ).all()
        )
        records = sum(
            uow.records.analysis(e)["case"] is not None
            for e in uow.records.entries(run_id=summary.run_id, kinds=[RecordKind.ANALYSIS])
        )
        policy = uow.routing.policy()
        texts = uow.routing.firm_filters()
        selected = {
            name: set(uow.selection.matching(read_filter(texts[name])[0])) for name in texts
        }
        proposals = session.scalar(
            select(func.count())
            .select_from(ProposalRow)
            .where(ProposalRow.run_id == summary.run_id)
        )
    assert per_account == dict.fromkeys(population, 1)
    assert records
    assert records >= summary.counts.get("auto_trade", 0)
    outcomes = _outcomes(db, summary.run_id)
    assert set(outcomes) == set(population)
    assert sum(summary.counts.values()) == len(population)
    assert proposals == summary.counts.get("auto_trade", 0) + summary.counts.get("review", 0)
    assert outcomes[first] == ("suspended", "held")
    assert outcomes[second] == ("suspended", "bad_data")
    assert policy is not None
    stage_of = {r.filter: r.stage for r in policy.rules}
    suspends = [r.filter for r in policy.rules if r.stage is Stage.SUSPEND]
    for account, (outcome, rule) in outcomes.items():
        # The filter that routed an account selects it in SQL too, on the stored analysis.
        if rule not in BUILT_IN:
            assert account in selected[rule], (account, rule)
            assert stage_of[rule].value == {"suspended": "suspend"}.get(outcome, outcome)
        # ... and no suspension filter before it (or at all, if not suspended) matches it.
        earlier = suspends[: suspends.index(rule)] if rule in suspends else suspends
        assert not any(account in selected[name] for name in earlier), (account, rule)
    assert {o for o, _r in outcomes.values()} >= {"auto_trade", "review", "suspended"}


def _proposals(db: Database, run_id: str) -> dict[str, object]:
    with db.unit_of_work() as uow:
        return {
            p.account: ([(t.security, t.side, t.quantity) for t in p.trades], p.rule)
            for p in uow.proposals.proposals(run_id)
        }


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_proposals_as_the_local_pool(
    firm: tuple[str, Database], database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("one database is enough to compare executors")
    url, db = firm
    local = run_nightly(
        url, as_of=DEMO_AS_OF, principal=OPS, kind="local", workers=2, chunk_size=10
    )
    dask = run_nightly(url, as_of=DEMO_AS_OF, principal=OPS, kind="dask", workers=2, chunk_size=10)
    assert dask.finished
    assert "LocalCluster" in dask.executor
    assert local.counts == dask.counts
    assert _outcomes(db, local.run_id) == _outcomes(db, dask.run_id)
    assert _proposals(db, local.run_id) == _proposals(db, dask.run_id)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(RunOutcomeRow)) == 2 * len(
            uow.runs.population()
        )
