"""Scenario: a worker left over from a killed run writes a chunk that the resumed run has
already written. The second write keeps the first's results and adds nothing twice (on
PostgreSQL the rows go by COPY, whose unique violation must surface as the same
IntegrityError an INSERT raises)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.builders import DEMO_AS_OF, DEMO_NOW, OPS
from trimtab.batch.chunks import ChunkTask, analyze_chunk
from trimtab.bootstrap import Database
from trimtab.services.run_ports import RunRecord, RunState
from trimtab.store.nightly_tables import RunOutcomeRow
from trimtab.store.record_tables import RecordRow
from trimtab.store.workflow_tables import AnalysisRow


def _counts(db: Database, run_id: str) -> tuple[int, int, int]:
    with db.unit_of_work() as uow:
        s = uow.session
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(row).where(row.run_id == run_id))
            for row in (RunOutcomeRow, AnalysisRow, RecordRow)
        )


def test_a_chunk_written_twice_is_kept_once(firm: tuple[str, Database]) -> None:
    url, db = firm
    with db.unit_of_work() as uow:
        accounts = tuple(uow.runs.population()[:6])
        uow.runs.start_run(
            RunRecord(
                id="2025-06-30.1",
                as_of=DEMO_AS_OF,
                state=RunState.RUNNING,
                started_at=DEMO_NOW,
                finished_at=None,
                actor="test",
                executor="local",
                accounts=6,
                policy_version=None,
            )
        )
        uow.commit()
    task = ChunkTask(url, "2025-06-30.1", DEMO_AS_OF, 0, accounts, started_by=OPS)
    first = analyze_chunk(task)
    assert (first.accounts, first.skipped) == (6, 0)
    assert _counts(db, "2025-06-30.1") == (6, 6, 6)

    # Half of the accounts again, plus three new ones: only the new ones are written.
    with db.unit_of_work() as uow:
        more = tuple(a for a in uow.runs.population() if a not in accounts)[:3]
    again = analyze_chunk(
        ChunkTask(url, "2025-06-30.1", DEMO_AS_OF, 1, accounts[:3] + more, started_by=OPS)
    )
    assert (again.accounts, again.skipped) == (3, 3)
    assert _counts(db, "2025-06-30.1") == (9, 9, 9)
    # One entry per committed write, by the nightly batch for whoever started the run;
    # the retried write names only the accounts it wrote.
    with db.unit_of_work() as uow:
        entries = uow.audit.entries(action="run.chunk")
    assert [e.targets[:-1] for e in reversed(entries)] == [accounts, more]
    assert {(e.principal, e.on_behalf_of) for e in entries} == {("system:nightly", "cli:ops")}
