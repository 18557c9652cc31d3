"""Records of every analysis: show, verify, replay and export them.

Problem: a regulator, a client or the firm asks what trimtab decided for an account on a
night and why, who approved, edited or rejected it, what was ordered and filled; and
whether the record is the one written that night. After an engine upgrade the firm also
asks whether the same inputs would give the same answer today.

Rule:
- `show` finds an account's analysis record (the latest, or the latest of a day or a
  run) and every decision, order and fill recorded after it for the same run — each
  with who and when. The record's number (`seq`) is its analysis id.
- `verify` walks the whole chain of records (or from the first record of a day on)
  with the audit trail's chain rule (`domain.chain.first_break`), then checks every
  part against its hash and every record against the parts it names: the first record
  altered, deleted or inserted is named; a part altered or removed is named through the
  first record that uses it.
- `replay` rebuilds the engine case from a record, runs today's engine on it and
  compares the answer with the recorded one: identical, or each difference (status,
  each trade by security and side, each objective term). Only the solver's timing is
  left out of the comparison: it is never the same twice.
- `export_case` is the record's case as a `trimtab optimize` case file.

Reads only: nothing here writes (the records are written by the nightly run's chunk
write and by the review and orders desks, each in its own audited transaction).

Worked example:

    >>> # replay(db.unit_of_work, 1042).identical  -> True
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trimtab.domain.chain import BreakKind, ChainBreak, first_break
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.domain.records import RecordEntry, RecordKind, part_refs
from trimtab.engine import parse_case, rebalance
from trimtab.services.record_ports import RecordUnitOfWork

__all__ = [
    "AnalysisRecord",
    "Difference",
    "Replay",
    "RunReplay",
    "Verification",
    "analysis_record",
    "export_case",
    "replay",
    "replay_run",
    "verify",
]

UnitOfWorkFactory = Callable[[], RecordUnitOfWork]
_BATCH = 500  # records joined together in a bulk replay: one read of their parts


@dataclass(frozen=True)
class AnalysisRecord:
    """One analysis and what happened after it."""

    entry: RecordEntry
    record: Mapping[str, Any]  # case, versions, settings, result, reasons
    after: tuple[RecordEntry, ...]  # decisions, orders, fills of the same run, in order

    @property
    def id(self) -> int:
        return self.entry.seq

    def as_dict(self) -> dict[str, Any]:
        d = self.entry.draft
        return {
            "analysis_id": self.entry.seq,
            "account": d.account,
            "run": d.run_id,
            "as_of": None if d.as_of is None else d.as_of.isoformat(),
            "at": d.at.isoformat(),
            "status": d.content.get("status"),
            "routing": d.content.get("routing"),
            "record": dict(self.record),
            "hash": self.entry.hash,
            "after": [
                {
                    "record": e.seq,
                    "kind": e.draft.kind.value,
                    "at": e.draft.at.isoformat(),
                    **dict(e.draft.content),
                }
                for e in self.after
            ],
        }


def analysis_record(
    unit_of_work: UnitOfWorkFactory,
    account: str,
    *,
    as_of: dt.date | None = None,
    run_id: str | None = None,
    analysis_id: int | None = None,
) -> tuple[AnalysisRecord | None, list[Problem]]:
    """The account's latest analysis record (of the day or run given), or a problem."""
    with unit_of_work() as uow:
        records = uow.records
        if analysis_id is not None:
            entry = records.entry(analysis_id)
            if entry is None or entry.draft.kind is not RecordKind.ANALYSIS:
                return None, [_missing("analysis_id", f"no analysis record {analysis_id}")]
        else:
            entry = records.latest_analysis(account, as_of=as_of, run_id=run_id)
            if entry is None:
                on = f" on {as_of}" if as_of else f" in run {run_id}" if run_id else ""
                return None, [_missing("account", f"{account}: no analysis record{on}")]
        d = entry.draft
        after = tuple(
            e
            for e in records.entries(account=d.account, run_id=d.run_id, after_seq=entry.seq)
            if e.draft.kind is not RecordKind.ANALYSIS
        )
        return AnalysisRecord(entry, records.analysis(entry), after), []


def _missing(path: str, message: str) -> Problem:
    return Problem(path, message, kind=ProblemKind.NOT_FOUND)


def export_case(
    unit_of_work: UnitOfWorkFactory, analysis_id: int
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The record's engine case: a `trimtab optimize` case file (its JSON)."""
    found, problems = analysis_record(unit_of_work, "", analysis_id=analysis_id)
    if found is None:
        return None, problems
    case = found.record["case"]
    if case is None:
        reasons = "; ".join(found.record["reasons"]) or "no case was built"
        return None, [_missing("analysis_id", f"record {analysis_id} has no case: {reasons}")]
    return dict(case), []


# -- replay -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One thing the engine answers differently today: where, then, now."""

    what: str  # "status", "trade sell TTAGAX", "objective.drift", ...
    recorded: object
    now: object

    def __str__(self) -> str:
        return f"{self.what}: recorded {self.recorded!r}, now {self.now!r}"


@dataclass(frozen=True)
class Replay:
    analysis_id: int
    account: str
    run_id: str | None
    replayed: bool  # False: the record has no case or no result to compare with
    differences: tuple[Difference, ...] = ()
    note: str = ""

    @property
    def identical(self) -> bool:
        return self.replayed and not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "analysis_id": self.analysis_id,
            "account": self.account,
            "run": self.run_id,
            "replayed": self.replayed,
            "identical": self.identical,
            "differences": [
                {"what": d.what, "recorded": d.recorded, "now": d.now} for d in self.differences
            ],
            "note": self.note,
        }


def _without_timing(result: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(result)
    if isinstance(out.get("solver"), dict):
        out["solver"] = {k: v for k, v in out["solver"].items() if k != "seconds"}
    return out


def _trades(result: Mapping[str, Any]) -> dict[str, Any]:
    return {f"trade {t['side']} {t['security']}": t for t in result.get("trades") or ()}


def compare(recorded: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[Difference, ...]:
    """Every difference between a recorded result and today's, most telling first:
    status, then each trade (by side and security), then each objective term, then
    any other field."""
    then, today = _without_timing(recorded), _without_timing(now)
    found: list[Difference] = []
    if then.get("status") != today.get("status"):
        found.append(Difference("status", then.get("status"), today.get("status")))
    old, new = _trades(then), _trades(today)
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) != new.get(key):
            found.append(Difference(key, old.get(key), new.get(key)))
    if [*old] != [*new] and not found[1:]:
        found.append(Difference("trade order", [*old], [*new]))
    terms_then, terms_now = then.get("objective") or {}, today.get("objective") or {}
    for term in sorted(terms_then.keys() | terms_now.keys()):
        if terms_then.get(term) != terms_now.get(term):
            found.append(Difference(f"objective.{term}", terms_then.get(term), terms_now.get(term)))
    for key in sorted(then.keys() | today.keys()):
        if key in ("status", "trades", "objective"):
            continue
        if then.get(key) != today.get(key):
            found.append(Difference(key, then.get(key), today.get(key)))
    return tuple(found)


def _replay_entry(entry: RecordEntry, record: Mapping[str, Any]) -> Replay:
    d = entry.draft
    case, result = record["case"], record["result"]
    if case is None or result is None:
        why = "; ".join(record["reasons"]) or "no engine result was recorded"
        return Replay(entry.seq, d.account, d.run_id, False, note=f"nothing to replay: {why}")
    parsed, problems = parse_case(case)
    if parsed is None:
        now: dict[str, Any] = {
            "status": "invalid",
            "errors": [{"path": p.path, "message": p.message} for p in problems],
        }
    else:
        now = rebalance(parsed).as_dict()
    return Replay(entry.seq, d.account, d.run_id, True, compare(result, now))


def replay(
    unit_of_work: UnitOfWorkFactory, analysis_id: int
) -> tuple[Replay | None, list[Problem]]:
    """Re-run today's engine on a recorded case; identical, or what changed."""
    found, problems = analysis_record(unit_of_work, "", analysis_id=analysis_id)
    if found is None:
        return None, problems
    return _replay_entry(found.entry, found.record), []


@dataclass(frozen=True)
class RunReplay:
    run_id: str
    identical: int
    changed: tuple[Replay, ...]
    not_replayed: int  # records without a case or result (held, bad data, failed...)
    seconds: float

    @property
    def replayed(self) -> int:
        return self.identical + len(self.changed)

    def as_dict(self) -> dict[str, Any]:
        rate = self.replayed / self.seconds if self.seconds > 0 else None
        return {
            "run": self.run_id,
            "identical": self.identical,
            "changed": [r.as_dict() for r in self.changed],
            "not_replayed": self.not_replayed,
            "seconds": round(self.seconds, 3),
            "accounts_per_second": None if rate is None else round(rate, 1),
        }


def replay_run(
    unit_of_work: UnitOfWorkFactory, run_id: str
) -> tuple[RunReplay | None, list[Problem]]:
    """Replay every analysis record of a run: how many are identical, which changed."""
    started = time.perf_counter()
    identical, not_replayed, changed = 0, 0, []
    with unit_of_work() as uow:
        entries = uow.records.entries(run_id=run_id, kinds=[RecordKind.ANALYSIS])
        if not entries:
            return None, [_missing("run", f"no analysis records of run {run_id!r}")]
        for start in range(0, len(entries), _BATCH):
            batch = entries[start : start + _BATCH]
            # One read for the parts of a batch of records, not one per record.
            for entry, record in zip(batch, uow.records.analyses(batch), strict=True):
                outcome = _replay_entry(entry, record)
                if not outcome.replayed:
                    not_replayed += 1
                elif outcome.identical:
                    identical += 1
                else:
                    changed.append(outcome)
    seconds = time.perf_counter() - started
    return RunReplay(run_id, identical, tuple(changed), not_replayed, seconds), []


# -- verify -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    records: int
    parts: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None = None
    bad_parts: tuple[str, ...] = field(default=())

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify(unit_of_work: UnitOfWorkFactory, *, since: dt.datetime | None = None) -> Verification:
    """Check the chain and every part (see module doc); the first break, or none.

    With `since`, the chain is checked from the first record at or after that time,
    starting from the record before it (whose own link is what a full verify checks)."""
    with unit_of_work() as uow:
        records = uow.records
        head_seq, head_hash = records.head()
        values: dict[str, Any] = {}
        bad: dict[str, str] = {}
        parts = 0
        for stored, actual, value in records.all_parts():
            parts += 1
            if actual is None:
                bad[stored] = "can no longer be read"
            elif actual != stored:
                bad[stored] = "no longer matches its hash"
            else:
                values[stored] = value
        after_seq, anchor = 0, None
        if since is not None:
            first = records.first_seq_since(since)
            after_seq = first - 1 if first is not None else head_seq
            anchor = records.entry(after_seq) if after_seq > 0 else None
        entries = list(records.in_order(after_seq))
        chain_break = first_break(entries, noun="record", after=anchor)
        part_break = next(
            (b for e in entries for b in [_parts_break(e, values, bad)] if b is not None), None
        )
        found = _earliest(chain_break, part_break)
        if found is None and entries and entries[-1].seq != head_seq:
            last = entries[-1]
            found = ChainBreak(
                BreakKind.DELETED,
                last.seq,
                last.action,
                last.at,
                f"is the last record, but the head says record {head_seq}: "
                f"the newest records were deleted",
                "record",
            )
        return Verification(len(entries), parts, head_seq, head_hash, found, tuple(sorted(bad)))


def _earliest(a: ChainBreak | None, b: ChainBreak | None) -> ChainBreak | None:
    if a is None or b is None:
        return a or b
    return a if a.seq <= b.seq else b


def _parts_break(
    entry: RecordEntry, values: Mapping[str, Any], bad: Mapping[str, str]
) -> ChainBreak | None:
    """The record's first part (or part of a part) that is missing or altered, as a break."""
    if entry.draft.kind is not RecordKind.ANALYSIS:
        return None
    pending = list(part_refs("content", entry.draft.content))
    while pending:
        name, key = pending.pop()
        if key not in values:
            why = bad.get(key, "is missing")
            return ChainBreak(
                BreakKind.ALTERED,
                entry.seq,
                entry.action,
                entry.at,
                f"was altered: its part {name} ({key[:12]}...) {why}",
                "record",
            )
        pending.extend(part_refs(name, values[key]))
    return None
