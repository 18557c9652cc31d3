"""A shadow run's audit files: trade log, final lots and realized gains, and a replayable history.

Problem: the study's figures must be checkable by someone who does not trust the
simulator: in a spreadsheet (CSV), in a data tool (Parquet), and through `trimtab lots
replay` (the history JSON), which recomputes realized gains, wash sales and lots with
the ledger's public contract.

Rule: for every run of the study (buy-and-hold, then each profile) a folder
`OUT/runs/NAME/` holds `trades`, `lots` and `realized` as `.csv` and `.parquet` (the same
rows, built by `trimtab.simulate.trade_log`) and `history.json`, the run in the exact
form `trimtab lots replay` accepts. NAME is the run's name with anything but letters,
digits, `.`, `_` and `-` replaced by `_`.

    >>> run_folder_name("mine:tax_sensitivity=maximum")
    'mine_tax_sensitivity_maximum'
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path

from trimtab.simulate.shadow_run import RunRecord
from trimtab.simulate.study import Study
from trimtab.simulate.trade_log import (
    LOT_COLUMNS,
    REALIZED_COLUMNS,
    TRADE_COLUMNS,
    Row,
    history_document,
    lot_rows,
    realized_rows,
    trade_rows,
)

__all__ = ["run_folder_name", "write_run_files"]


def run_folder_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "run"


def write_run_files(study: Study, out: Path) -> list[Path]:
    """Write every run's audit files under `out/runs/`; the folders written."""
    folders: list[Path] = []
    for record in study.records:
        folder = out / "runs" / run_folder_name(record.name)
        folder.mkdir(parents=True, exist_ok=True)
        _write_run(record, study, folder)
        folders.append(folder)
    return folders


def _write_run(record: RunRecord, study: Study, folder: Path) -> None:
    tables = (
        ("trades", TRADE_COLUMNS, trade_rows(record, study.universe, study.config)),
        ("lots", LOT_COLUMNS, lot_rows(record, study.universe)),
        ("realized", REALIZED_COLUMNS, realized_rows(record)),
    )
    for name, columns, rows in tables:
        _write_csv(folder / f"{name}.csv", columns, rows)
        _write_parquet(folder / f"{name}.parquet", columns, rows)
    history = history_document(record, study.universe, study.config)
    (folder / "history.json").write_text(json.dumps(history, indent=1) + "\n")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, columns: Sequence[tuple[str, str]], rows: Sequence[Row]) -> None:
    names = [name for name, _ in columns]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_cell(row[n]) for n in names] for row in rows)


def _write_parquet(path: Path, columns: Sequence[tuple[str, str]], rows: Sequence[Row]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {"str": pa.string(), "float": pa.float64(), "date": pa.date32()}
    schema = pa.schema([(name, kinds[kind]) for name, kind in columns])
    table = pa.table({name: [row[name] for row in rows] for name, _ in columns}, schema=schema)
    pq.write_table(table, path)
