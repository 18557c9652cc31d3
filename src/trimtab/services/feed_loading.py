"""Loading feed files as a firm's data desk does: with the sources' mappings, file by file.

Problem: before `load_feed` can validate and write a file, three decisions are made: which
of the sources' mappings reads it, what a folder of mappings holds, and what a file the
database itself refuses means. They used to be made in the command line, so a web upload
or the scheduler would have made them again, perhaps differently.

Rule:
- A folder of mappings is every `*.toml` in it; one wrong mapping refuses them all (a
  half-read configuration would hand a custodian's file to the canonical reader).
- A file is read with the mapping named by `source`, else with the first source (by
  name) whose file patterns match the file's name, else with trimtab's canonical layout.
  A `source` no mapping has is refused before anything is read.
- A file that cannot be opened (its kind cannot be told) is rejected with that problem.
  A file the database refuses (a rule only the database enforces, such as a lot id held
  by another account) is rejected with the database's reason; its transaction rolled
  back, so nothing was written.
- The files are read through the `FeedFiles` port: the feeds adapter (CSV, Parquet,
  TOML mappings, the inbox folder), wired by `trimtab.bootstrap`; this module never
  touches a file itself.

    >>> # loader, problems = feed_loader(ports, mappings=Path("mappings"), principal=p)
    >>> # [r.outcome for r in loader.load_files([Path("inbox/NB_LOTS_20250602.csv")])]
    >>> # [<ArrivalOutcome.LOADED: 'loaded'>]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from trimtab.domain.feed_records import FeedKind, FileProblem
from trimtab.domain.file_transfers import ArrivalOutcome, ExpectedFile
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.feed_ports import DataUnitOfWork, FeedFile
from trimtab.services.file_monitoring import expect_files
from trimtab.services.load_feed import LoadResult, load_feed

__all__ = [
    "FeedFiles",
    "FeedLoader",
    "FeedLoadingPorts",
    "FeedSource",
    "InboxOutcome",
    "SourceMapping",
    "expect_from_mappings",
    "feed_loader",
    "read_mappings",
]

InboxOutcome = tuple[Path, LoadResult]  # where the file went, and what its load did


class FeedLayout(Protocol):
    """One file kind of a source, as far as the use cases care: when it is due."""

    @property
    def deadline(self) -> dt.time | None: ...


class SourceMapping(Protocol):
    """A source's mapping: its name, time zone, and the file kinds it sends."""

    @property
    def source(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def layouts(self) -> Mapping[FeedKind, FeedLayout]: ...
    def kind_of(self, filename: str) -> FeedKind | None: ...


M = TypeVar("M", bound=SourceMapping)


class FeedFiles(Protocol[M]):
    """The feeds adapter: reads mappings, opens files with them, empties an inbox."""

    def mappings(self, folder: Path) -> tuple[list[M], list[Problem]]: ...

    def open(
        self, path: Path, *, mapping: M | None, kind: FeedKind | None
    ) -> tuple[FeedFile | None, list[FileProblem]]: ...

    def process_inbox(
        self, inbox: Path, load: Callable[[Path], LoadResult]
    ) -> list[InboxOutcome]: ...


@dataclass(frozen=True)
class FeedLoadingPorts(Generic[M]):
    """What loading feeds needs, wired by `trimtab.bootstrap.feed_loading`.

    `refused` are the exceptions by which the database refuses a write (the store's);
    the service answers them as a rejected file instead of knowing the store.
    """

    new_uow: Callable[[], DataUnitOfWork]
    files: FeedFiles[M]
    refused: tuple[type[Exception], ...] = ()
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class FeedSource:
    """A source's daily files, as registered by `expect_from_mappings`."""

    source: str
    files: int
    timezone: str


def read_mappings(
    files: FeedFiles[M], folder: Path | None
) -> tuple[dict[str, M] | None, list[Problem]]:
    """The mappings in a folder by source name ({} for no folder), or the problems."""
    if folder is None:
        return {}, []
    if not folder.is_dir():
        return None, [Problem("--mappings", f"{folder}: not a folder", ProblemKind.NOT_FOUND)]
    found, problems = files.mappings(folder)
    if problems:
        return None, problems
    return {m.source: m for m in found}, []


@dataclass(frozen=True)
class FeedLoader(Generic[M]):
    """Loads files with one configuration of sources, on behalf of one principal."""

    ports: FeedLoadingPorts[M]
    mappings: Mapping[str, M]
    principal: Principal
    source: str | None = None
    kind: FeedKind | None = None
    dry_run: bool = False  # validate and show what would change; write nothing
    force: bool = False  # load a lots file even if it removes more than its mapping allows

    def mapping_for(self, filename: str) -> M | None:
        """The mapping that reads a file: the named source's, else the first whose
        patterns match the name; None for the canonical layout."""
        if self.source is not None:
            return self.mappings[self.source]
        return next(
            (self.mappings[s] for s in sorted(self.mappings) if self.mappings[s].kind_of(filename)),
            None,
        )

    def load(self, path: Path) -> LoadResult:
        mapping = self.mapping_for(path.name)
        feed, problems = self.ports.files.open(path, mapping=mapping, kind=self.kind)
        if feed is None:
            source = mapping.source if mapping is not None else (self.source or "")
            return LoadResult(path.name, None, source, ArrivalOutcome.REJECTED, 0, tuple(problems))
        try:
            return load_feed(
                self.ports.new_uow,
                feed,
                principal=self.principal,
                now=self.ports.now(),
                dry_run=self.dry_run,
                force=self.force,
            )
        except self.ports.refused as error:
            reason = (str(error).splitlines() or [""])[0]
            refused = FileProblem(
                path.name, 0, "", type(error).__name__, f"a file the database accepts ({reason})"
            )
            return LoadResult(
                path.name, feed.kind, feed.source, ArrivalOutcome.REJECTED, 0, (refused,)
            )

    def load_files(self, paths: Sequence[Path]) -> list[LoadResult]:
        """Each file in its own transaction, in the order given."""
        return [self.load(path) for path in paths]

    def process_inbox(self, inbox: Path) -> list[InboxOutcome]:
        """Load every file now in the inbox; each goes to archive/ or rejected/ with its
        report (the feeds adapter moves the files)."""
        return self.ports.files.process_inbox(inbox, self.load)


def feed_loader(
    ports: FeedLoadingPorts[M],
    *,
    mappings: Path | None,
    principal: Principal,
    source: str | None = None,
    kind: FeedKind | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> tuple[FeedLoader[M] | None, list[Problem]]:
    """A loader for the mappings in a folder, or the problems that keep it from loading."""
    found, problems = read_mappings(ports.files, mappings)
    if found is None:
        return None, problems
    if source is not None and source not in found:
        known = ", ".join(sorted(found)) or "none (pass --mappings)"
        return None, [
            Problem(
                "--source",
                f"{source}: no mapping of that name; known: {known}",
                ProblemKind.NOT_FOUND,
            )
        ]
    return FeedLoader(ports, found, principal, source, kind, dry_run, force), []


def expect_from_mappings(
    ports: FeedLoadingPorts[M], folder: Path, *, principal: Principal
) -> tuple[list[FeedSource] | None, list[Problem]]:
    """Register the files each source must send every business day: one per file kind
    of its mapping that has a deadline (a source's earlier expectations are replaced)."""
    found, problems = read_mappings(ports.files, folder)
    if found is None:
        return None, problems
    registered: list[FeedSource] = []
    for name, mapping in sorted(found.items()):
        files = [
            ExpectedFile(name, kind.value, layout.deadline)
            for kind, layout in mapping.layouts.items()
            if layout.deadline is not None
        ]
        expect_files(ports.new_uow, name, files, timezone=mapping.timezone, principal=principal)
        registered.append(FeedSource(name, len(files), mapping.timezone))
    return registered, []
