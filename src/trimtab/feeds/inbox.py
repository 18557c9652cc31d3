"""The inbox: a folder the custodians' files land in, emptied into archive/ or rejected/.

Problem: files arrive by SFTP into a folder at any hour. Each must be loaded once, and
afterwards the folder must show what happened: loaded files out of the way, rejected
ones where the data manager looks, each with the reason beside it.

Rule: `process_inbox` takes the files directly in the folder (oldest first, skipping
hidden and partial `.part`/`.tmp` uploads), hands each to `load`, writes
`<name>.report.json` (the load's report) and moves file and report to `archive/` when
loaded, to `rejected/` otherwise (a duplicate included: it was not loaded). A name
already in the destination gets a numeric suffix, so nothing is ever overwritten.

    >>> # process_inbox(Path("inbox"), lambda path: load_one(path))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

__all__ = ["InboxOutcome", "Loaded", "process_inbox"]

PARTIAL_SUFFIXES = (".part", ".tmp", ".partial")


class Loaded(Protocol):
    @property
    def loaded(self) -> bool: ...
    def report(self) -> Mapping[str, Any]: ...


L = TypeVar("L", bound=Loaded)
InboxOutcome = tuple[Path, Loaded]  # where the file went, and what its load did


def _free(path: Path) -> Path:
    n = 1
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.{n}{path.suffix}")
        n += 1
    return candidate


def process_inbox(inbox: Path, load: Callable[[Path], L]) -> list[tuple[Path, L]]:
    files = sorted(
        (
            p
            for p in inbox.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and not p.name.endswith(".report.json")
            and p.suffix.lower() not in PARTIAL_SUFFIXES
        ),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    outcomes: list[tuple[Path, L]] = []
    for path in files:
        result = load(path)
        folder = inbox / ("archive" if result.loaded else "rejected")
        folder.mkdir(exist_ok=True)
        target = _free(folder / path.name)
        path.rename(target)
        report = target.with_name(target.name + ".report.json")
        report.write_text(json.dumps(result.report(), indent=2) + "\n", encoding="utf-8")
        outcomes.append((target, result))
    return outcomes
