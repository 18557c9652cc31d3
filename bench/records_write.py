"""Benchmark: the CPU an analysis record costs the chunk write, this code against a commit;
and reading a night's records in bulk against one at a time.

Workload: every analysis record of a kept database (`bench.nightly --keep`), joined back
to what the nightly run handed the chunk write, in the order written (night 1, then
night 2), in chunks of 250. For each chunk, in one process and alternating: the
commit's way (`--before`, default 86faf59: format 2, each part and the content
serialized twice — once to hash, once to store — zlib level 9) and this code's (format
3, each serialized once, the content compressed against the account's key frame). What
is timed is what the write does in Python before the database: split, hash, seal,
compress; the statements are not (they are the same few per chunk). Parts already
"stored" by an earlier chunk are not compressed again, as the store skips them.

Then, for each night, the wall time of reading and joining every analysis record of it
(what `records replay --run` and the reports read): one record at a time with a new
reader each (as before: every record's parts read by their own queries), and in batches
of 500 through one reader (`SqlRecords.analyses`, the parts a reader has read kept).
Last, where each night's stored bytes go: record bodies, how many are deltas, and the
parts first named that night (bytes, not timings).

    flock /work/bench.lock .venv/bin/python -m bench.records_write sqlite:///bench-nightly.db
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from trimtab.bootstrap import open_database
from trimtab.domain.records import (
    Parts,
    RecordDraft,
    RecordKind,
    part_refs,
    seal,
    split_analysis,
)
from trimtab.store.record_repository import (
    SqlRecords,
    base_of,
    encode,
    encode_against,
    encode_text,
)

ROOT = Path(__file__).parent.parent
CHUNK = 250
Record = tuple[RecordDraft, dict[str, Any]]  # the stored draft (for its fields), the record


def _old_records(commit: str) -> types.ModuleType:
    """`trimtab.domain.records` as it was at `commit`."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:src/trimtab/domain/records.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("records_before")
    sys.modules["records_before"] = module
    exec(compile(source, f"{commit}:domain/records.py", "exec"), module.__dict__)
    return module


def _records(url: str) -> list[Record]:
    db = open_database(url)
    try:
        with db.unit_of_work() as uow:
            store = SqlRecords(uow.session)
            entries = store.entries(kinds=[RecordKind.ANALYSIS])
            joined = store.analyses(entries)
    finally:
        db.close()
    out = []
    for e, record in zip(entries, joined, strict=True):
        full = {**record, **{k: e.draft.content[k] for k in ("status", "routing")}}
        out.append((e.draft, full))
    return out


def _before(old: types.ModuleType, chunk: list[Record], stored: set[str]) -> int:
    """The commit's write of one chunk: bytes it would store."""
    drafts, parts, size = [], {}, 0
    for d, record in chunk:
        content, found = old.split_analysis(record, account=d.account, as_of=str(d.as_of))
        parts.update(found)
        drafts.append(
            old.RecordDraft(RecordKind.ANALYSIS, d.run_id, d.account, d.as_of, d.at, content)
        )
    for key, value in parts.items():
        if key not in stored:
            stored.add(key)
            size += len(encode(value))
    previous = "0" * 64
    for seq, draft in enumerate(drafts, start=1):
        entry = old.seal(draft, seq, previous)
        previous = entry.hash
        size += len(encode(draft.content))
    return size


def _after(chunk: list[Record], stored: set[str], frames: dict[str, tuple[int, str, int]]) -> int:
    """This code's write of one chunk (`run_repository._append_records`, `SqlRecords.append`)."""
    drafts, parts, size = [], Parts(), 0
    for d, record in chunk:
        content, found = split_analysis(record, account=d.account, as_of=str(d.as_of))
        parts.merge(found)
        drafts.append(RecordDraft(RecordKind.ANALYSIS, d.run_id, d.account, d.as_of, d.at, content))
    for key in parts:
        if key not in stored:
            stored.add(key)
            size += len(encode_text(parts.texts[key]))
    previous = "0" * 64
    for seq, draft in enumerate(drafts, start=1):
        entry = seal(draft, seq, previous)
        previous = entry.hash
        text, frame = draft.content_text, frames.get(draft.account)
        body = b""
        if frame is not None:
            body = encode_against(text, frame[0], frame[1])
            if 2 * len(body) > frame[2]:
                alone = encode_against(text, 0, None)
                body = body if 4 * len(body) <= 3 * len(alone) else alone
        else:
            body = encode_against(text, 0, None)
        if body[1] == 0:  # a key frame: tomorrow's base
            frames[draft.account] = (seq, text, len(body))
        size += len(body)
    return size


def _timed(fn: Callable[..., int], *args: Any) -> tuple[float, int]:
    gc.collect()  # neither side pays for the garbage the other left
    started = time.process_time()
    size = fn(*args)
    return time.process_time() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("url", help="a database kept by bench.nightly --keep")
    parser.add_argument("--before", default="86faf59")
    args = parser.parse_args()
    old, records = _old_records(args.before), _records(args.url)
    runs: dict[str, list[Record]] = {}
    for draft, record in records:
        runs.setdefault(draft.run_id or "", []).append((draft, record))
    stored_before: set[str] = set()
    stored_after: set[str] = set()
    frames: dict[str, tuple[int, str, int]] = {}
    print(
        "| night | records | before: CPU s | before: bytes | this code: CPU s | this code: bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for run, items in runs.items():
        totals = [0.0, 0, 0.0, 0]
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            # Alternating which goes first: the second of two ran slower whichever it was.
            for side in (0, 1) if start // CHUNK % 2 == 0 else (1, 0):
                if side == 0:
                    seconds, size = _timed(_before, old, chunk, stored_before)
                else:
                    seconds, size = _timed(_after, chunk, stored_after, frames)
                totals[2 * side] += seconds
                totals[2 * side + 1] += size
        print(
            f"| {run} | {len(items):,} | {totals[0]:.2f} | {totals[1]:,} | "
            f"{totals[2]:.2f} | {totals[3]:,} |",
            flush=True,
        )
    _reads(args.url, list(runs))
    _where(args.url)


def _reads(url: str, runs: list[str]) -> None:
    db = open_database(url)
    print("\n| night | records | one at a time s | in bulk s |")
    print("|---|---:|---:|---:|")
    try:
        for run in runs:
            with db.unit_of_work() as uow:
                entries = SqlRecords(uow.session).entries(run_id=run, kinds=[RecordKind.ANALYSIS])
            with db.unit_of_work() as uow:
                started = time.perf_counter()
                for e in entries:
                    SqlRecords(uow.session).analysis(e)
                alone = time.perf_counter() - started
            with db.unit_of_work() as uow:
                started, store = time.perf_counter(), SqlRecords(uow.session)
                for start in range(0, len(entries), 500):
                    store.analyses(entries[start : start + 500])
                bulk = time.perf_counter() - started
            print(f"| {run} | {len(entries):,} | {alone:.2f} | {bulk:.2f} |", flush=True)
    finally:
        db.close()


def _where(url: str) -> None:
    db = open_database(url)
    try:
        with db.unit_of_work() as uow:
            entries = SqlRecords(uow.session).entries(kinds=[RecordKind.ANALYSIS])
            bodies: dict[int, bytes] = dict(
                uow.session.execute(
                    text("SELECT seq, body FROM records WHERE kind = 'analysis'")
                ).all()
            )
            blobs: dict[str, int] = dict(
                uow.session.execute(text("SELECT hash, length(body) FROM record_blobs")).all()
            )
    finally:
        db.close()
    seen: set[str] = set()
    nights: dict[str, Counter[str]] = {}
    for e in entries:
        night = nights.setdefault(e.draft.run_id or "", Counter())
        body = bodies[e.seq] or b""
        night["records"] += 1
        night["body"] += len(body)
        night["deltas"] += base_of(body) != 0
        for name, key in part_refs("content", e.draft.content):
            if key not in seen:
                seen.add(key)
                night[name] += 1
                night["part bytes"] += blobs[key]
    print(
        "\n| night | records | deltas | body B / record | new parts (shared, prices) "
        "| new parts' bodies B / record |"
    )
    print("|---|---:|---:|---:|---|---:|")
    for run, n in nights.items():
        print(
            f"| {run} | {n['records']:,} | {n['deltas']:,} | {n['body'] / n['records']:,.0f} | "
            f"{n['shared']:,}, {n['prices']:,} | {n['part bytes'] / n['records']:,.0f} |"
        )


if __name__ == "__main__":
    main()
