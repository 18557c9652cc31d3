"""Per-source mappings: a custodian's own file layout, described in a small TOML file.

Problem: no two custodians write the same file. One calls the account `Acct No`, writes
dates as 06/02/2025 and "B"/"S" for buy and sell; another uses semicolons, decimal commas
and Latin-1. trimtab must load both without code: a data manager writes a mapping.

Rule: one TOML file per source (`examples/feeds/*.toml`). Top-level keys are the
source's defaults; each `[feeds.KIND]` table describes one file kind and may override
them:

    source = "northbank"            # the name `--source` selects
    timezone = "America/New_York"   # deadlines are local times here
    encoding = "utf-8"              # default utf-8
    delimiter = ","                 # CSV only; default ","
    date_format = "%m/%d/%Y"        # strptime format; default ISO %Y-%m-%d
    decimal_separator = "."         # "," for 12,5
    thousands_separator = ""        # "." or "," or " " if the source groups digits
    extra_columns = "ignore"        # or "reject" (the default for canonical files)

    [feeds.lots]
    pattern = "NB_LOTS_*.csv"       # which incoming files are this kind (fnmatch)
    deadline = "07:00"              # expected every business day by then
    [feeds.lots.columns]            # canonical column = the source's column
    account = "Acct No"
    [feeds.lots.values.side]        # the source's value = the canonical value
    B = "buy"
    [feeds.lots.constants]          # a canonical column the file does not carry
    provider = "PIM"

A lots file is a snapshot; its table says of what, and how much one file may remove:

    snapshot = "accounts"           # the accounts in the file (default); or "firm":
                                    # an account absent from the file loses its lots
    max_removed_share = "20%"       # refuse (without --force) a file removing more of
                                    # the firm's lots than this; default 20%

Columns not named in `columns` keep their canonical name. `load_mapping` returns the
mapping or the problems with the TOML (path and fix), never raises.

    >>> m, problems = parse_mapping('source = "x"\\n[feeds.prices]\\npattern = "px*.csv"\\n'
    ...                             '[feeds.prices.columns]\\nsecurity = "Symbol"\\n')
    >>> m.layouts[FeedKind.PRICES].source_column("security"), m.kind_of("px_0602.csv")
    ('Symbol', <FeedKind.PRICES: 'prices'>)
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trimtab.domain.echo import show_input
from trimtab.domain.feed_records import FeedKind, LotSnapshot, SnapshotScope
from trimtab.domain.problems import Problem
from trimtab.feeds.formats import COLUMNS, Dialect

__all__ = ["CANONICAL", "FeedLayout", "SourceMapping", "load_mapping", "parse_mapping"]


@dataclass(frozen=True, slots=True)
class FeedLayout:
    kind: FeedKind
    pattern: str = ""
    deadline: dt.time | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    dialect: Dialect = field(default_factory=Dialect)
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    constants: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    extra_columns: str = "reject"
    snapshot: LotSnapshot = field(default_factory=LotSnapshot)

    def source_column(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)


@dataclass(frozen=True, slots=True)
class SourceMapping:
    source: str
    timezone: str = "America/New_York"
    layouts: Mapping[FeedKind, FeedLayout] = field(default_factory=lambda: MappingProxyType({}))
    base: FeedLayout | None = None  # the defaults, for kinds without a table

    def layout(self, kind: FeedKind) -> FeedLayout:
        if kind in self.layouts:
            return self.layouts[kind]
        base = self.base or FeedLayout(kind)
        return FeedLayout(
            kind,
            encoding=base.encoding,
            delimiter=base.delimiter,
            dialect=base.dialect,
            extra_columns=base.extra_columns,
        )

    def kind_of(self, filename: str) -> FeedKind | None:
        for kind, layout in self.layouts.items():
            if layout.pattern and fnmatch.fnmatch(filename, layout.pattern):
                return kind
        return None


# trimtab's own layout: canonical columns, UTF-8, commas, ISO dates.
CANONICAL = SourceMapping("canonical")

_SHARED_KEYS = {
    "encoding",
    "delimiter",
    "date_format",
    "decimal_separator",
    "thousands_separator",
    "extra_columns",
}
_FEED_KEYS = _SHARED_KEYS | {"pattern", "deadline", "columns", "values", "constants"}
_SNAPSHOT_KEYS = {"snapshot", "max_removed_share"}  # lots only


def load_mapping(path: Path) -> tuple[SourceMapping | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(str(path), f"cannot read the mapping: {error}")]
    return parse_mapping(text, where=path.name)


def parse_mapping(
    text: str, *, where: str = "mapping"
) -> tuple[SourceMapping | None, list[Problem]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [Problem(where, f"not valid TOML: {error}")]
    problems: list[Problem] = []
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(Problem(f"{where}: source", 'name the source: source = "northbank"'))
    unknown = set(data) - _SHARED_KEYS - {"source", "timezone", "feeds"}
    problems += [Problem(f"{where}: {show_input(k)}", "unknown setting") for k in sorted(unknown)]
    base = _layout(FeedKind.PRICES, data, {}, f"{where}", problems)
    layouts: dict[FeedKind, FeedLayout] = {}
    feeds = data.get("feeds", {})
    if not isinstance(feeds, dict):
        feeds = {}
        problems.append(Problem(f"{where}: feeds", "must be a table of [feeds.KIND]"))
    for name, table in feeds.items():
        path = f"{where}: feeds.{show_input(name)}"
        try:
            kind = FeedKind(name)
        except ValueError:
            kinds = ", ".join(k.value for k in FeedKind)
            problems.append(Problem(path, f"unknown feed kind; one of {kinds}"))
            continue
        if not isinstance(table, dict):
            problems.append(Problem(path, "must be a table"))
            continue
        layouts[kind] = _layout(kind, data, table, path, problems)
    if problems:
        return None, problems
    return (
        SourceMapping(
            str(source),
            timezone=str(data.get("timezone", "America/New_York")),
            layouts=MappingProxyType(layouts),
            base=base,
        ),
        [],
    )


def _layout(
    kind: FeedKind, top: dict[str, Any], table: dict[str, Any], path: str, problems: list[Problem]
) -> FeedLayout:
    if table:
        allowed = _FEED_KEYS | (_SNAPSHOT_KEYS if kind is FeedKind.LOTS else set())
        problems += [
            Problem(
                f"{path}.{show_input(k)}",
                "only a lots file is a snapshot" if k in _SNAPSHOT_KEYS else "unknown setting",
            )
            for k in sorted(set(table) - allowed)
        ]

    def get(key: str, default: str) -> str:
        value = table.get(key, top.get(key, default))
        if not isinstance(value, str):
            problems.append(Problem(f"{path}.{key}", "must be a string"))
            return default
        return value

    canonical = {c.name for c in COLUMNS[kind]}
    columns = _strings(table.get("columns", {}), f"{path}.columns", problems)
    problems += [
        Problem(
            f"{path}.columns.{show_input(c)}",
            f"not a column of {kind}: one of {', '.join(sorted(canonical))}",
        )
        for c in columns
        if c not in canonical
    ]
    raw_values = table.get("values", {})
    values = {
        col: MappingProxyType(_strings(v, f"{path}.values.{show_input(col)}", problems))
        for col, v in (raw_values.items() if isinstance(raw_values, dict) else ())
    }
    deadline: dt.time | None = None
    if "deadline" in table:
        try:
            deadline = dt.time.fromisoformat(str(table["deadline"]))
        except ValueError:
            problems.append(Problem(f"{path}.deadline", 'a local time like "07:30"'))
    extra = get("extra_columns", "reject")
    if extra not in ("reject", "ignore"):
        problems.append(Problem(f"{path}.extra_columns", 'either "reject" or "ignore"'))
    return FeedLayout(
        kind,
        pattern=get("pattern", ""),
        deadline=deadline,
        encoding=get("encoding", "utf-8"),
        delimiter=get("delimiter", ","),
        dialect=Dialect(
            date_format=get("date_format", "%Y-%m-%d"),
            decimal_separator=get("decimal_separator", "."),
            thousands_separator=get("thousands_separator", ""),
            values=MappingProxyType(values),
        ),
        columns=MappingProxyType(columns),
        constants=MappingProxyType(
            _strings(table.get("constants", {}), f"{path}.constants", problems)
        ),
        extra_columns=extra,
        snapshot=_snapshot(table, path, problems),
    )


def _snapshot(table: dict[str, Any], path: str, problems: list[Problem]) -> LotSnapshot:
    scope = table.get("snapshot", SnapshotScope.ACCOUNTS.value)
    if scope not in {s.value for s in SnapshotScope}:
        problems.append(Problem(f"{path}.snapshot", 'either "accounts" or "firm"'))
        scope = SnapshotScope.ACCOUNTS.value
    raw = table.get("max_removed_share", "20%")
    text = str(raw).strip()
    try:
        share = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        share = Decimal(-1)
    if isinstance(raw, bool) or not Decimal(0) <= share <= 1:
        problems.append(
            Problem(f"{path}.max_removed_share", 'a share of the firm\'s lots, like "20%" or 0.2')
        )
        share = Decimal("0.2")
    return LotSnapshot(SnapshotScope(scope), share)


def _strings(value: object, path: str, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        problems.append(Problem(path, 'must be a table of strings: name = "value"'))
        return {}
    return dict(value)
