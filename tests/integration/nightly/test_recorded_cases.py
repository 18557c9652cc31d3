"""Scenario: every analysis record re-runs to its recorded result. The run hands the
engine a `Case` it built typed (services/nightly_case.py) and stores the case as the
contract's JSON; parsing that JSON with `parse_case` must give the very same case, so
`trimtab optimize` on a stored case reproduces the night's decision."""

from __future__ import annotations

from trimtab.bootstrap import Database
from trimtab.domain.records import RecordKind
from trimtab.engine import parse_case, rebalance


def test_each_recorded_case_parses_and_reruns_to_the_recorded_trades(
    night: tuple[str, Database, str],
) -> None:
    _url, db, run_id = night
    with db.unit_of_work() as uow:
        records = [
            (e.draft.account, *(uow.records.analysis(e)[k] for k in ("case", "result")))
            for e in uow.records.entries(run_id=run_id, kinds=[RecordKind.ANALYSIS])
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
