"""How `store/record_dictionary_2.bin`, codec 2's preset dictionary, was made.

Problem: an account's first analysis record has no earlier record of its own to be
compressed against, and a few kilobytes of JSON carry too little context of their own
for zlib to compress well. A preset dictionary of text like it (keys, the reasons'
wording, the optimizer parameters' usual values, a lot table's shape) does that work.

Rule: the dictionary is codec 1's words (`_ZDICT`), then the first 8,000 bytes of the
largest content (a direct-index account: its securities and lots columns), then three
contents of model accounts at the 25th, 50th and 75th percentile of length — all of
format 3, from night 1 of the demo firm, taken from accounts with an even number only
(the odd ones are what `--check` compresses, so no record is measured against itself).
zlib keeps the last 32 KB. The file is fixed forever for codec 2: a new dictionary is a
new codec (tests/integration/records pins its SHA-256).

    .venv/bin/python -m bench.record_dictionary sqlite:///night1.db --out dictionary.bin --check
"""

from __future__ import annotations

import argparse
import statistics
import zlib
from pathlib import Path

from trimtab.bootstrap import open_database
from trimtab.domain.records import RecordKind
from trimtab.store.record_repository import _ZDICT, SqlRecords

_WINDOW = 32 * 1024


def _contents(url: str) -> list[tuple[str, str]]:
    """(account, canonical content) of the first run's analysis records."""
    db = open_database(url)
    try:
        with db.unit_of_work() as uow:
            entries = SqlRecords(uow.session).entries(kinds=[RecordKind.ANALYSIS])
    finally:
        db.close()
    first = entries[0].draft.run_id
    return [(e.draft.account, e.draft.content_text) for e in entries if e.draft.run_id == first]


def _even(account: str) -> bool:
    digits = "".join(c for c in account if c.isdigit())
    return bool(digits) and int(digits) % 2 == 0


def build(contents: list[tuple[str, str]]) -> bytes:
    train = sorted((t for a, t in contents if _even(a)), key=len)

    def at(q: float) -> str:
        return train[round(q * (len(train) - 1))]

    text = train[-1].encode()[:8000] + (at(0.25) + at(0.5) + at(0.75)).encode()
    return (_ZDICT + text)[-_WINDOW:]


def _packed(text: str, dictionary: bytes) -> int:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, zdict=dictionary)
    return len(packer.compress(text.encode()) + packer.flush())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("url", help="a database after night 1 of the demo firm")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--check", action="store_true", help="compare on the odd accounts")
    args = parser.parse_args()
    contents = _contents(args.url)
    dictionary = build(contents)
    args.out.write_bytes(dictionary)
    print(f"{args.out}: {len(dictionary):,} bytes")
    if args.check:
        held_out = [t for a, t in contents if not _even(a)]
        for name, d in (("codec 1 words", _ZDICT), ("this dictionary", dictionary)):
            sizes = [_packed(t, d) for t in held_out]
            print(
                f"{name}: {statistics.mean(sizes):,.0f} bytes mean, "
                f"{statistics.median(sizes):,.0f} median, {len(sizes):,} contents"
            )


if __name__ == "__main__":
    main()
