"""Provider model files: CSV or JSON in, `(ticker, weight)` lines out, with problems.

A provider uploads one model per file. CSV has a header with `security` (or `ticker`)
and `weight` columns; weights are fractions (0.25) or percentages with a `%` sign
("25%"). JSON is either `{"weights": {"VOO": 0.6, ...}}` or
`{"weights": [{"security": "VOO", "weight": 0.6}, ...]}`, optionally with `name` and
`asset_class`. Bad rows are reported by line, never raised. Lines are numbered as a
spreadsheet shows them: the header is line 1, the first weight line 2; `on_file_lines`
renumbers the problems the model book finds (which count `lines[0]` from zero, in the
order given) as the file's lines.

    >>> parsed, problems = parse_model_file("core.csv", "security,weight\\nVOO,60%\\nBND,0.4\\n")
    >>> parsed.lines, parsed.rows, problems
    ([('VOO', Decimal('0.6')), ('BND', Decimal('0.4'))], [2, 3], [])
    >>> [str(p) for p in on_file_lines([Problem("lines[1].security", "BND appears twice "
    ...                                         "(first as lines[0])")], parsed)]
    ['line 3, security: BND appears twice (first on line 2)']
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from trimtab.domain.problems import Problem

__all__ = ["ParsedModelFile", "on_file_lines", "parse_model_file"]


@dataclass(frozen=True, slots=True)
class ParsedModelFile:
    lines: list[tuple[str, Decimal]] = field(default_factory=list)
    name: str | None = None
    asset_class: str | None = None
    # The file line of each of `lines` (CSV: the header is line 1); empty for JSON,
    # whose entries are named `weights[i]`.
    rows: list[int] = field(default_factory=list)


_LINE = re.compile(r"lines\[(\d+)\]")


def on_file_lines(problems: Iterable[Problem], parsed: ParsedModelFile) -> list[Problem]:
    """Problems about `lines[i]` renamed after the file's own line (CSV) or entry (JSON)."""

    def where(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if parsed.rows and index < len(parsed.rows):
            return f"line {parsed.rows[index]}"
        return f"weights[{index}]" if not parsed.rows else match.group(0)

    renamed: list[Problem] = []
    for p in problems:
        path = _LINE.sub(where, p.path)
        if path.startswith("line ") and "." in path:
            path = path.replace(".", ", ", 1)  # "line 3, security"
        message = _LINE.sub(where, p.message).replace("first as line", "first on line")
        renamed.append(Problem(path, message, p.kind))
    return renamed


def _weight(raw: object, path: str, problems: list[Problem]) -> Decimal | None:
    text = str(raw).strip()
    try:
        if text.endswith("%"):
            return Decimal(text[:-1].strip()) / 100
        return Decimal(text)
    except InvalidOperation:
        problems.append(Problem(path, f"weight {text!r} is not a number"))
        return None


def parse_model_file(filename: str, text: str) -> tuple[ParsedModelFile | None, list[Problem]]:
    if filename.lower().endswith(".json"):
        return _parse_json(text)
    return _parse_csv(text)


def _parse_csv(text: str) -> tuple[ParsedModelFile | None, list[Problem]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    column = "security" if "security" in header else "ticker" if "ticker" in header else None
    if column is None or "weight" not in header:
        return None, [
            Problem("header", "the CSV needs a `security` (or `ticker`) and a `weight` column")
        ]
    problems: list[Problem] = []
    lines: list[tuple[str, Decimal]] = []
    rows: list[int] = []
    for n, row in enumerate(reader, start=2):
        clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        ticker = clean.get(column, "").upper()
        if not ticker:
            problems.append(Problem(f"line {n}, security", "missing security"))
            continue
        w = _weight(clean.get("weight", ""), f"line {n}, weight", problems)
        if w is not None:
            lines.append((ticker, w))
            rows.append(n)
    return (ParsedModelFile(lines, rows=rows), []) if not problems else (None, problems)


def _parse_json(text: str) -> tuple[ParsedModelFile | None, list[Problem]]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as e:
        return None, [Problem(f"line {e.lineno}", f"not valid JSON: {e.msg}")]
    if not isinstance(data, dict) or "weights" not in data:
        return None, [Problem("weights", "the JSON needs a `weights` object or list")]
    raw = data["weights"]
    items: list[tuple[object, object]]
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(r, dict) for r in raw):
        items = [(r.get("security", r.get("ticker")), r.get("weight")) for r in raw]
    else:
        return None, [Problem("weights", "must be an object or a list of {security, weight}")]
    problems: list[Problem] = []
    lines: list[tuple[str, Decimal]] = []
    for i, (ticker, weight) in enumerate(items):
        if not isinstance(ticker, str) or not ticker.strip():
            problems.append(Problem(f"weights[{i}].security", "missing security"))
            continue
        w = _weight(weight, f"weights[{i}].weight", problems)
        if w is not None:
            lines.append((ticker.strip().upper(), w))
    if problems:
        return None, problems
    return ParsedModelFile(lines, data.get("name"), data.get("asset_class")), []
