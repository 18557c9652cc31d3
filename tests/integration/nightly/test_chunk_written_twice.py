"""Scenario: a worker left over from a killed run writes a chunk that the resumed run has
already written. The second write keeps the first's results and adds nothing twice (on
PostgreSQL the rows go by COPY, whose unique violation must surface as the same
IntegrityError an INSERT raises)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.integration.nightly.conftest import AS_OF, NOW
from trimtab.batch.chunks import ChunkTask, analyze_chunk
from trimtab.bootstrap import Database
from trimtab.services.nightly_ports import RunRecord
from trimtab.store.nightly_tables import AnalysisRecordRow, RunOutcomeRow
from trimtab.store.workflow_tables import AnalysisRow


def _counts(db: Database, run_id: str) -> tuple[int, int, int]:
    with db.unit_of_work() as uow:
        s = uow.session
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(row).where(row.run_id == run_id))
            for row in (RunOutcomeRow, AnalysisRow, AnalysisRecordRow)
        )


def test_a_chunk_written_twice_is_kept_once(firm: tuple[str, Database]) -> None:
    url, db = firm
    with db.unit_of_work() as uow:
        accounts = tuple(uow.nightly.population()[:6])
        uow.nightly.start_run(
            RunRecord(
                id="2025-06-30.1",
                as_of=AS_OF,
                state="running",
                started_at=NOW,
                finished_at=None,
                actor="test",
                executor="local",
                accounts=6,
                policy_version=None,
            )
        )
        uow.commit()
    task = ChunkTask(url, "2025-06-30.1", AS_OF, 0, accounts)
    first = analyze_chunk(task)
    assert (first.accounts, first.skipped) == (6, 0)
    assert _counts(db, "2025-06-30.1") == (6, 6, 6)

    # Half of the accounts again, plus three new ones: only the new ones are written.
    with db.unit_of_work() as uow:
        more = tuple(a for a in uow.nightly.population() if a not in accounts)[:3]
    again = analyze_chunk(ChunkTask(url, "2025-06-30.1", AS_OF, 1, accounts[:3] + more))
    assert (again.accounts, again.skipped) == (3, 3)
    assert _counts(db, "2025-06-30.1") == (9, 9, 9)
