"""Reading feed files: CSV or Parquet, canonical or mapped, streamed row by row.

Problem: a file must be checked whole before anything is written, yet a holdings file
for 100,000 accounts should not sit in memory. And a file can be wrong as a whole:
not text in the declared encoding, cut off in the middle of a row, missing a column.

Rule: `open_feed(path, mapping=..., kind=...)` decides the kind (given, or from the
source's file patterns, or from a canonical file name starting with the kind, like
`prices_2025-06-02.csv`) and returns a `FeedFile` whose `rows()` streams `FeedRow`s and
can be run twice (once to validate, once to write). File-wide problems come as rows
too: row 0 for the file (encoding, truncation, an unreadable Parquet footer), row 1 for
the header (a required column missing, an unknown one). Rows are numbered as a
spreadsheet shows them: the header is row 1, the first record row 2 (in Parquet too).
A CSV whose last line lacks its newline *and* its last fields was cut off in transit
(`truncated`); a complete last line without a newline is fine.

    >>> # feed, problems = open_feed(Path("inbox/NB_LOTS_20250602.csv"), mapping=northbank)
    >>> # for row in feed.rows(): ...
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from trimtab.domain.feed_records import FeedKind, FeedRow, FileProblem, LotSnapshot
from trimtab.feeds.formats import COLUMNS, read_row
from trimtab.feeds.mappings import CANONICAL, FeedLayout, SourceMapping

__all__ = ["LocalFeedFile", "kind_from_name", "open_feed"]

PARQUET_SUFFIXES = (".parquet", ".pq")
BATCH_ROWS = 20_000


def kind_from_name(filename: str) -> FeedKind | None:
    """The kind a canonical file name starts with (`lots.csv`, `prices_2025-06-02.parquet`)."""
    stem = filename.lower()
    for kind in sorted(FeedKind, key=lambda k: -len(k.value)):
        if stem.startswith(kind.value) and stem[len(kind.value) : len(kind.value) + 1] in (
            "",
            ".",
            "_",
            "-",
        ):
            return kind
    return None


def open_feed(
    path: Path, *, mapping: SourceMapping | None = None, kind: FeedKind | None = None
) -> tuple[LocalFeedFile | None, list[FileProblem]]:
    mapping = mapping or CANONICAL
    found = kind or mapping.kind_of(path.name) or kind_from_name(path.name)
    if found is None:
        if mapping is CANONICAL:
            expected = "a name starting with the feed kind (prices_..., lots_...) or --kind"
        else:
            patterns = ", ".join(f"{lay.pattern} ({k})" for k, lay in mapping.layouts.items())
            expected = f"a name matching one of {mapping.source}'s patterns: {patterns}"
        return None, [FileProblem(path.name, 0, "", path.name, expected)]
    return LocalFeedFile(path, found, mapping), []


class _Undecodable(Exception):
    """A line that is not text in the declared encoding (internal to this module)."""

    def __init__(self, line: int, bad: bytes) -> None:
        super().__init__(line)
        self.line = line
        self.bytes = bad.hex(" ")


def _decoded_lines(raw: IO[bytes], encoding: str) -> Iterator[str]:
    """Decode line by line, so an encoding error names its line (ASCII-compatible encodings)."""
    for line, data in enumerate(raw, start=1):
        try:
            yield data.decode(encoding)
        except UnicodeDecodeError as error:
            raise _Undecodable(line, error.object[error.start : error.end]) from None


@dataclass(frozen=True)
class LocalFeedFile:
    """A feed file on disk (implements the services' `FeedFile` port)."""

    path: Path
    kind: FeedKind
    mapping: SourceMapping

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def source(self) -> str:
        return self.mapping.source

    @property
    def checksum(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    @cached_property
    def layout(self) -> FeedLayout:
        return self.mapping.layout(self.kind)

    @property
    def snapshot(self) -> LotSnapshot:
        return self.layout.snapshot

    def rows(self) -> Iterator[FeedRow]:
        if self.path.suffix.lower() in PARQUET_SUFFIXES:
            return self._parquet_rows()
        return self._csv_rows()

    # -- header ------------------------------------------------------------------------

    def _columns(self, header: list[str]) -> tuple[dict[str, int], list[FileProblem]]:
        """Canonical column → position in the file, and the header's problems."""
        layout = self.layout
        position = {name: i for i, name in enumerate(header)}
        index: dict[str, int] = {}
        problems: list[FileProblem] = []
        for column in COLUMNS[self.kind]:
            name = layout.source_column(column.name)
            if name in position:
                index[column.name] = position[name]
            elif column.required and column.name not in layout.constants:
                shown = name if name == column.name else f"{name} (canonical {column.name})"
                problems.append(
                    FileProblem(self.name, 1, name, "", f"a column named {shown} ({self.kind})")
                )
        used = {layout.source_column(c.name) for c in COLUMNS[self.kind]}
        if layout.extra_columns == "reject":
            expected = ", ".join(layout.source_column(c.name) for c in COLUMNS[self.kind])
            for name in header:
                if name not in used:
                    problems.append(
                        FileProblem(self.name, 1, name, name, f"only the columns {expected}")
                    )
        seen: set[str] = set()
        for name in header:
            if name in seen:
                problems.append(FileProblem(self.name, 1, name, name, "each column once"))
            seen.add(name)
        return index, problems

    def _record(self, index: dict[str, int], fields: list[Any], row: int) -> FeedRow:
        raw: dict[str, Any] = dict(self.layout.constants)
        for canonical, i in index.items():
            raw[canonical] = fields[i]
        record, problems = read_row(self.kind, raw, row, self.name, self.layout.dialect)
        return FeedRow(row, record, tuple(problems))

    # -- CSV ---------------------------------------------------------------------------

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as f:
            if f.seek(0, io.SEEK_END) == 0:
                return True
            f.seek(-1, io.SEEK_END)
            return f.read(1) in (b"\n", b"\r")

    def _csv_rows(self) -> Iterator[FeedRow]:
        layout = self.layout
        complete = self._ends_with_newline()
        row = 1
        with self.path.open("rb") as raw:
            reader = csv.reader(
                _decoded_lines(raw, layout.encoding), delimiter=layout.delimiter, strict=True
            )
            try:
                header = [h.strip().lstrip("\ufeff") for h in next(reader)]
                index, problems = self._columns(header)
                if problems:
                    yield FeedRow(1, None, tuple(problems))
                    return
                pending: list[str] | None = None
                for fields in reader:
                    row += 1
                    if pending is not None:
                        yield self._csv_record(index, header, pending, row - 1, last=False)
                    pending = fields
                if pending is not None:
                    yield self._csv_record(index, header, pending, row, last=not complete)
            except StopIteration:
                yield FeedRow(0, None, (FileProblem(self.name, 0, "", "", "a header row"),))
            except _Undecodable as error:
                expected = f"text in {layout.encoding} (set `encoding` in the source's mapping)"
                problem = FileProblem(self.name, error.line, "", f"bytes {error.bytes}", expected)
                yield FeedRow(error.line, None, (problem,))
            except csv.Error as error:
                expected = "a complete file (it ends inside a quoted value: truncated?)"
                if "end of data" not in str(error):
                    expected = f"well-formed CSV ({error})"
                yield FeedRow(0, None, (FileProblem(self.name, row + 1, "", "", expected),))

    def _csv_record(
        self, index: dict[str, int], header: list[str], fields: list[str], row: int, *, last: bool
    ) -> FeedRow:
        if len(fields) != len(header):
            if last and len(fields) < len(header):
                expected = f"{len(header)} fields; the file ends mid-row (truncated in transit?)"
            else:
                expected = f"{len(header)} fields, as in the header"
            shown = f"{len(fields)} fields"
            return FeedRow(row, None, (FileProblem(self.name, row, "", shown, expected),))
        return self._record(index, fields, row)

    # -- Parquet ------------------------------------------------------------------------

    def _parquet_rows(self) -> Iterator[FeedRow]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
            names = list(parquet.schema_arrow.names)
        except (pa.ArrowException, OSError) as error:
            expected = f"a readable Parquet file (truncated or not Parquet? {error})"
            yield FeedRow(0, None, (FileProblem(self.name, 0, "", "", expected),))
            return
        index, problems = self._columns(names)
        if problems:
            yield FeedRow(1, None, tuple(problems))
            return
        row = 1
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                for record in batch.to_pylist():
                    row += 1
                    yield self._record(index, [record[n] for n in names], row)
        except (pa.ArrowException, OSError) as error:
            expected = f"a complete Parquet file ({error})"
            yield FeedRow(0, None, (FileProblem(self.name, row + 1, "", "", expected),))
