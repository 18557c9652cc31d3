"""Writing feed files: records out as canonical CSV or Parquet, or in a source's layout.

Problem: trimtab produces feeds too (the demo's risk model goes out in the same format a
vendor would send, and is loaded back through the same door), and a mapping is only
trustworthy if a file written in the source's layout reads back as the same records.

Rule: `write_feed` writes records in the layout of a `SourceMapping` (default: the
canonical one): its column names, date format, decimal separator, value codes (the
mapping's `values` read backwards), delimiter and encoding; constant columns are left
out, as the source's own files would. Parquet files carry the same text columns.

    >>> # write_feed(Path("risk_exposures.csv"), FeedKind.RISK_EXPOSURES, model.exposure_rows())
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from trimtab.domain.feed_records import FeedKind, FeedRecord
from trimtab.feeds.formats import COLUMNS, record_to_row
from trimtab.feeds.mappings import CANONICAL, FeedLayout, SourceMapping
from trimtab.feeds.readers import PARQUET_SUFFIXES

__all__ = ["write_feed"]

_DATE_COLUMNS = {"date", "acquired", "holding_period_start", "as_of", "effective"}


def _in_layout(row: dict[str, str], layout: FeedLayout) -> dict[str, str]:
    out: dict[str, str] = {}
    for column in COLUMNS[layout.kind]:
        if column.name in layout.constants:
            continue
        value = row[column.name]
        codes = {v: k for k, v in layout.dialect.values.get(column.name, {}).items()}
        value = codes.get(value, value)
        if value and column.name in _DATE_COLUMNS:
            value = dt.date.fromisoformat(value).strftime(layout.dialect.date_format)
        elif value and layout.dialect.decimal_separator != "." and _is_number(value):
            value = value.replace(".", layout.dialect.decimal_separator)
        out[layout.source_column(column.name)] = value
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_feed(
    path: Path,
    kind: FeedKind,
    records: Iterable[FeedRecord],
    *,
    mapping: SourceMapping = CANONICAL,
) -> int:
    """Write `records` to `path` (CSV, or Parquet by suffix); the number of rows written."""
    layout = mapping.layout(kind)
    rows = [_in_layout(record_to_row(kind, r), layout) for r in records]
    header = [layout.source_column(c.name) for c in COLUMNS[kind] if c.name not in layout.constants]
    if path.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({h: [r[h] or None for r in rows] for h in header})
        pq.write_table(table, path)
        return len(rows)
    with path.open("w", encoding=layout.encoding, newline="") as f:
        writer = csv.writer(f, delimiter=layout.delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([r[h] for h in header] for r in rows)
    return len(rows)
