"""Ports of the records (services/records.py): the chained records and their parts.

`store/record_repository.py` implements `Records` on SQLite and PostgreSQL; the nightly
run writes analysis records through its chunk write, the review and orders desks write
decision, order and fill records with their own rows (same transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from types import TracebackType
from typing import Any, Protocol, Self

from trimtab.domain.records import RecordEntry, RecordKind

__all__ = ["RecordUnitOfWork", "Records"]


class Records(Protocol):
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest record; (0, 64 zeros) when there is none."""
        ...

    def entry(self, seq: int) -> RecordEntry | None: ...

    def entries(
        self,
        *,
        account: str | None = None,
        run_id: str | None = None,
        as_of: dt.date | None = None,
        kinds: Collection[RecordKind] | None = None,
        after_seq: int = 0,
    ) -> list[RecordEntry]:
        """Records matching every filter given, oldest first."""
        ...

    def latest_analysis(
        self, account: str, *, as_of: dt.date | None = None, run_id: str | None = None
    ) -> RecordEntry | None: ...

    def analysis(self, entry: RecordEntry) -> dict[str, Any]:
        """The analysis record an entry holds, joined from its parts."""
        ...

    def analyses(self, entries: Sequence[RecordEntry]) -> list[dict[str, Any]]:
        """`analysis` of each entry, in order, their parts read together."""
        ...

    def parts(self, hashes: Collection[str]) -> dict[str, Any]: ...

    def in_order(self, after_seq: int = 0) -> Iterator[RecordEntry]: ...

    def first_seq_since(self, at: dt.datetime) -> int | None: ...

    def all_parts(self) -> Iterator[tuple[str, str | None, Any]]:
        """(stored hash, hash of its content — None when unreadable, value) of each part."""
        ...


class RecordUnitOfWork(Protocol):
    @property
    def records(self) -> Records: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
