"""A record's stored body: compressed against the account's earlier record, read back
exactly, and a body that cannot be read is named by `records verify` rather than stopping
it. Night 2 of an account stores mostly what changed since its key frame.

Bytes, not timings: every figure here is a size, the same on any machine.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from trimtab.bootstrap import Database
from trimtab.cli import app
from trimtab.domain.chain import dumps
from trimtab.domain.records import RecordKind
from trimtab.services.records import replay_run, verify
from trimtab.store import record_repository
from trimtab.store.record_repository import base_of, decode, encode, encode_against

TwoNights = tuple[str, Database, str, str]
DICTIONARY = Path(record_repository.__file__).with_name("record_dictionary_2.bin")


def _content(lots: int, *, moved: int = 0) -> str:
    """An account's content with `lots` lots, `moved` of them sold since."""
    rows = [
        {
            "acquired": f"2025-0{1 + i % 6}-{10 + i % 18}",
            "cost_basis": 100 + i * 0.37,
            "id": f"A0000001-{i:04d}",
            "quantity": 10.0 + i,
            "security": f"T{i:04d}",
        }
        for i in range(moved, lots)
    ]
    return dumps({"format": 3, "nightly": {"cash": 120.5, "lots": rows}, "reasons": ["é ±"]})


def test_the_dictionary_of_codec_2_never_changes() -> None:
    """Every stored codec-2 body without a base depends on these exact bytes."""
    digest = hashlib.sha256(DICTIONARY.read_bytes()).hexdigest()
    assert digest == "b0e0ac0741289d511e1b9124bb36803d906e87e727f6ebf657158bb9a109b00b"


@pytest.mark.parametrize("lots", [0, 3, 400, 1500])  # 1,500 lots: ≈ 150 KB, many sections
def test_a_body_reads_back_exactly_with_and_without_a_base(lots: int) -> None:
    base, night_2 = _content(lots), _content(lots, moved=lots // 10)
    alone = encode_against(base, 0, None)
    assert base_of(alone) == 0
    assert decode(alone) == (base, json.loads(base))
    delta = encode_against(night_2, 42, base)
    assert base_of(delta) == 42
    assert decode(delta, base) == (night_2, json.loads(night_2))
    if lots >= 400:
        # What repeats the base costs next to nothing, however far into the text it is.
        assert len(delta) * 5 < len(encode_against(night_2, 0, None))


def test_a_body_cannot_be_read_without_its_base_or_against_another() -> None:
    base, night_2 = _content(50), _content(50, moved=5)
    delta = encode_against(night_2, 7, base)
    with pytest.raises(ValueError, match="compressed against record 7"):
        decode(delta)
    try:
        wrong = decode(delta, _content(50, moved=20))[0]
    except (ValueError, UnicodeDecodeError, zlib.error):
        wrong = None
    assert wrong != night_2


def test_parts_and_older_records_keep_codec_1() -> None:
    value = {"lots": [1.5, 2.5]}
    body = encode(value)
    assert body[0] == 1
    assert decode(body) == (dumps(value), value)


def test_night_2_is_stored_against_night_1_and_replays_identically(
    two_nights: TwoNights,
) -> None:
    _url, db, first, second = two_nights
    with db.engine.connect() as c:
        bodies = dict(
            c.execute(
                text("SELECT seq, body FROM records WHERE kind = 'analysis' AND run_id = :r"),
                {"r": second},
            ).all()
        )
        night_1 = dict(
            c.execute(
                text("SELECT account_id, seq FROM records WHERE kind = 'analysis' AND run_id = :r"),
                {"r": first},
            ).all()
        )
    with db.unit_of_work() as uow:
        entries = {e.seq: e for e in uow.records.entries(run_id=second)}
    against = {seq: base_of(body) for seq, body in bodies.items()}
    # Most accounts moved little since night 1: their record is a delta against it.
    assert sum(1 for b in against.values() if b) * 4 >= len(against) * 3
    for seq, base in against.items():
        assert base in (0, night_1[entries[seq].draft.account])
    for run in (first, second):
        summary, problems = replay_run(db.unit_of_work, run)
        assert problems == []
        assert summary is not None
        assert summary.changed == ()
        assert summary.identical >= 12
    assert verify(db.unit_of_work).intact


def test_verify_names_a_key_frame_altered_not_the_deltas_after_it(
    two_nights: TwoNights, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, db, _first, second = two_nights
    with db.engine.connect() as c:
        rows = c.execute(
            text("SELECT seq, body FROM records WHERE kind = 'analysis' AND run_id = :r"),
            {"r": second},
        ).all()
    base = next(base_of(body) for _seq, body in rows if base_of(body))
    with db.unit_of_work() as uow:
        frame = uow.records.entry(base)
    assert frame is not None
    altered = frame.draft.content_text.replace('"cash":', '"cash":1', 1)
    assert altered != frame.draft.content_text
    from tests.integration.records.test_records import _tamper

    _tamper(
        db,
        "UPDATE records SET body = :body WHERE seq = :seq",
        body=encode_against(altered, 0, None),
        seq=base,
    )
    monkeypatch.setenv("TRIMTAB_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["records", "verify"])
    assert result.exit_code == 1, result.output
    assert f"record {base} (analysis of {frame.draft.account}" in result.output
    assert "was altered" in result.output


def test_an_unreadable_base_makes_its_deltas_unreadable_not_the_reader(
    two_nights: TwoNights,
) -> None:
    _url, db, _first, second = two_nights
    with db.engine.connect() as c:
        seq, body = next(
            (s, b)
            for s, b in c.execute(
                text("SELECT seq, body FROM records WHERE kind = 'analysis' AND run_id = :r"),
                {"r": second},
            ).all()
            if base_of(b)
        )
    from tests.integration.records.test_records import _tamper

    _tamper(
        db, "UPDATE records SET body = :body WHERE seq = :seq", body=b"\x02\x00", seq=base_of(body)
    )
    with db.unit_of_work() as uow:
        entry = uow.records.entry(seq)
    assert entry is not None
    assert "unreadable" in entry.draft.content
    found = verify(db.unit_of_work).first_break
    assert found is not None
    assert found.seq == base_of(body)
    assert entry.draft.kind is RecordKind.ANALYSIS


def test_a_reader_holding_fewer_key_frames_than_a_page_needs_reads_every_record(
    two_nights: TwoNights, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`records verify` of a year reads pages whose records need more key frames than a
    reader keeps: the ones a page needs are held for the page, whatever the cache drops."""
    _url, db, _first, second = two_nights
    monkeypatch.setattr(record_repository, "_BASES_CACHED", 2)
    with db.unit_of_work() as uow:
        # The second read starts with two key frames cached and needs more than two.
        pages = [uow.records.entries(run_id=second, kinds=[RecordKind.ANALYSIS]) for _ in "ab"]
    assert [e.draft.content for e in pages[1]] == [e.draft.content for e in pages[0]]
    assert sum(1 for e in pages[1] if "unreadable" in e.draft.content) == 0
    assert len({base_of(b) for b in _bodies(db, second)} - {0}) > 2
    assert verify(db.unit_of_work).intact


def _bodies(db: Database, run_id: str) -> list[bytes]:
    with db.engine.connect() as c:
        return list(
            c.scalars(
                text("SELECT body FROM records WHERE kind = 'analysis' AND run_id = :r"),
                {"r": run_id},
            )
        )
