"""Scenarios: which mapping reads a file, and what happens before a file reaches the store.

The feeds adapter is replaced by `FakeFeedFiles` (mappings and files held in memory);
the database by a unit-of-work factory that refuses, as a database refuses a write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from trimtab.domain.feed_records import FeedKind, FileProblem, LotSnapshot
from trimtab.domain.file_transfers import ArrivalOutcome
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.feed_loading import FeedLoadingPorts, feed_loader
from trimtab.services.load_feed import LoadResult

DATA_DESK = Principal.cli("dm")


@dataclass(frozen=True)
class Layout:
    pattern: str
    deadline: dt.time | None = None


@dataclass(frozen=True)
class Mapping_:
    source: str
    patterns: Mapping[FeedKind, str]
    timezone: str = "America/New_York"

    @property
    def layouts(self) -> dict[FeedKind, Layout]:
        return {k: Layout(p) for k, p in self.patterns.items()}

    def kind_of(self, filename: str) -> FeedKind | None:
        return next((k for k, p in self.patterns.items() if filename.startswith(p)), None)


@dataclass(frozen=True)
class FakeFeed:
    name: str
    kind: FeedKind
    source: str
    checksum: str = "0" * 64
    snapshot: LotSnapshot = field(default_factory=LotSnapshot)

    def rows(self) -> Any:
        return iter(())


@dataclass
class FakeFeedFiles:
    """The feeds adapter in memory: a folder's mappings, and who opened which file."""

    found: list[Mapping_]
    wrong: list[Problem] = field(default_factory=list)
    opened: list[tuple[str, str | None]] = field(default_factory=list)

    def mappings(self, folder: Path) -> tuple[list[Mapping_], list[Problem]]:
        return self.found, self.wrong

    def open(
        self, path: Path, *, mapping: Mapping_ | None, kind: FeedKind | None
    ) -> tuple[FakeFeed | None, list[FileProblem]]:
        self.opened.append((path.name, mapping.source if mapping else None))
        found = kind or (mapping.kind_of(path.name) if mapping else None)
        if found is None:
            return None, [FileProblem(path.name, 0, "", path.name, "a name the source uses")]
        return FakeFeed(path.name, found, mapping.source if mapping else "canonical"), []

    def process_inbox(
        self, inbox: Path, load: Callable[[Path], LoadResult]
    ) -> list[tuple[Path, LoadResult]]:
        return [(inbox / "archive" / "x.csv", load(inbox / "x.csv"))]


class Refused(Exception):
    """What the store raises when the database refuses a write."""


def refusing_uow() -> Any:
    raise Refused("UNIQUE constraint failed: lots.id\n[SQL: INSERT ...]")


NORTHBANK = Mapping_("northbank", {FeedKind.PRICES: "NB_PRICES", FeedKind.LOTS: "NB_LOTS"})
ALPENBANK = Mapping_("alpenbank", {FeedKind.PRICES: "kurse"})


def ports(files: FakeFeedFiles) -> FeedLoadingPorts[Any]:
    return FeedLoadingPorts(refusing_uow, files, refused=(Refused,))


def test_a_file_is_read_with_the_mapping_whose_patterns_match_its_name(tmp_path: Path) -> None:
    files = FakeFeedFiles([NORTHBANK, ALPENBANK])
    loader, problems = feed_loader(ports(files), mappings=tmp_path, principal=DATA_DESK)
    assert problems == []
    assert loader is not None
    assert loader.mapping_for("kurse_20250602.csv") is ALPENBANK
    assert loader.mapping_for("NB_LOTS_20250602.csv") is NORTHBANK
    assert loader.mapping_for("prices_2025-06-02.csv") is None  # canonical


def test_a_named_source_reads_every_file_even_one_its_patterns_do_not_match(
    tmp_path: Path,
) -> None:
    files = FakeFeedFiles([NORTHBANK, ALPENBANK])
    loader, _ = feed_loader(
        ports(files), mappings=tmp_path, principal=DATA_DESK, source="northbank"
    )
    assert loader is not None
    assert loader.mapping_for("kurse_20250602.csv") is NORTHBANK


def test_an_unknown_source_is_not_found_and_names_the_known_ones(tmp_path: Path) -> None:
    loader, problems = feed_loader(
        ports(FakeFeedFiles([NORTHBANK, ALPENBANK])),
        mappings=tmp_path,
        principal=DATA_DESK,
        source="southbank",
    )
    assert loader is None
    assert problems == [
        Problem(
            "--source",
            "southbank: no mapping of that name; known: alpenbank, northbank",
            ProblemKind.NOT_FOUND,
        )
    ]


def test_one_wrong_mapping_refuses_the_folder(tmp_path: Path) -> None:
    wrong = Problem("alpenbank.toml: prices.deadline", "'25:00' is not a time")
    loader, problems = feed_loader(
        ports(FakeFeedFiles([NORTHBANK], [wrong])), mappings=tmp_path, principal=DATA_DESK
    )
    assert loader is None
    assert problems == [wrong]


def test_a_missing_mappings_folder_is_not_found(tmp_path: Path) -> None:
    _, problems = feed_loader(
        ports(FakeFeedFiles([])), mappings=tmp_path / "nope", principal=DATA_DESK
    )
    assert [p.kind for p in problems] == [ProblemKind.NOT_FOUND]


def test_a_file_of_no_known_kind_is_rejected_before_the_database_is_touched(
    tmp_path: Path,
) -> None:
    # The unit of work refuses everything: a file that reached it would be refused with
    # the database's reason, not with the file's own problem.
    files = FakeFeedFiles([NORTHBANK])
    loader, _ = feed_loader(ports(files), mappings=tmp_path, principal=DATA_DESK)
    assert loader is not None
    (result,) = loader.load_files([tmp_path / "whatever.csv"])
    assert result.outcome is ArrivalOutcome.REJECTED
    assert result.kind is None
    assert result.problems[0].expected == "a name the source uses"


def test_a_file_the_database_refuses_is_rejected_with_the_database_reason(
    tmp_path: Path,
) -> None:
    files = FakeFeedFiles([NORTHBANK])
    loader, _ = feed_loader(ports(files), mappings=tmp_path, principal=DATA_DESK)
    assert loader is not None
    (result,) = loader.load_files([tmp_path / "NB_LOTS_20250602.csv"])
    assert files.opened == [("NB_LOTS_20250602.csv", "northbank")]
    assert result.outcome is ArrivalOutcome.REJECTED
    assert result.kind is FeedKind.LOTS
    (problem,) = result.problems
    assert problem.value == "Refused"
    assert problem.expected == ("a file the database accepts (UNIQUE constraint failed: lots.id)")


def test_an_error_the_database_does_not_raise_is_not_swallowed(tmp_path: Path) -> None:
    def broken_uow() -> Any:
        raise ZeroDivisionError

    loader, _ = feed_loader(
        FeedLoadingPorts(broken_uow, FakeFeedFiles([NORTHBANK]), refused=(Refused,)),
        mappings=tmp_path,
        principal=DATA_DESK,
    )
    assert loader is not None
    with pytest.raises(ZeroDivisionError):
        loader.load(tmp_path / "NB_PRICES_20250602.csv")
