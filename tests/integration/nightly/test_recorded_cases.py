"""Scenario: every analysis record re-runs to its recorded result. The run hands the
engine a `Case` it built typed (services/nightly_case.py) and stores the case as the
contract's JSON; parsing that JSON with `parse_case` must give the very same case, so
`trimtab optimize` on a stored case reproduces the night's decision."""

from __future__ import annotations

from tests.builders import DEMO_AS_OF, TESTER
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import Database
from trimtab.domain.records import RecordKind
from trimtab.engine import parse_case, rebalance


def test_each_recorded_case_parses_and_reruns_to_the_recorded_trades(
    firm: tuple[str, Database],
) -> None:
    url, db = firm
    summary = run_nightly(url, as_of=DEMO_AS_OF, principal=TESTER, workers=1, chunk_size=40)
    with db.unit_of_work() as uow:
        records = [
            (e.draft.account, *(uow.records.analysis(e)[k] for k in ("case", "result")))
            for e in uow.records.entries(run_id=summary.run_id, kinds=[RecordKind.ANALYSIS])
        ]
    rerun = 0
    for account, case, result in records:
        if case is None or result is None:
            continue
        parsed, problems = parse_case(case)
        assert problems == [], account
        assert parsed is not None
        again = rebalance(parsed)
        assert again.status == result["status"], account
        assert [t.as_dict() for t in again.trades] == result["trades"], account
        rerun += 1
    assert rerun >= len(records) // 2
