"""Use case: load a firm's data in bulk, as one transaction — and the demo firm with it.

Problem: a firm (the demo, or a first migration of a real book) is millions of rows. A
load must be all or nothing: a failure in the last chunk leaves the database exactly as
it was, never half a firm. And loading over an existing firm by accident would mix two
books, so a non-empty database is refused unless the caller asks to replace it.

Rule: `load_batches` writes every `Batch` through the unit of work's bulk loader and
commits once at the end; any exception rolls everything back (the replaced firm comes
back too, because the clearing ran in the same transaction). A refusal is a value
(`LoadResult.problems`), not an exception.

    >>> # result = load_demo_firm(db.unit_of_work, DemoSpec(2000, as_of=today), actor="cli")
    >>> # result.loaded, result.counts["accounts"]  -> (True, 2000)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from trimtab.domain import Problem
from trimtab.services.demo_firm import DemoFirm, DemoSpec, DemoStats
from trimtab.services.ports import Batch, UnitOfWork

__all__ = ["LoadResult", "load_batches", "load_demo_firm"]


@dataclass(frozen=True)
class LoadResult:
    loaded: bool
    actor: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0
    stats: DemoStats | None = None
    notes: tuple[str, ...] = ()


def load_batches(
    unit_of_work: Callable[[], UnitOfWork],
    batches: Iterable[Batch],
    *,
    actor: str,
    replace: bool = False,
) -> LoadResult:
    started = time.perf_counter()
    with unit_of_work() as uow:
        if not uow.bulk.is_empty():
            if not replace:
                problem = Problem(
                    "database",
                    "already holds a firm; nothing was loaded. Pass --replace to delete it "
                    "and load the new one in its place (in one transaction).",
                )
                return LoadResult(False, actor, problems=(problem,))
            uow.bulk.clear()
        for batch in batches:
            uow.bulk.write(batch)
        uow.bulk.refresh_statistics()
        counts = uow.bulk.counts()
        uow.commit()
    return LoadResult(True, actor, counts=counts, seconds=time.perf_counter() - started)


def load_demo_firm(
    unit_of_work: Callable[[], UnitOfWork],
    spec: DemoSpec,
    *,
    actor: str,
    replace: bool = False,
) -> LoadResult:
    firm = DemoFirm(spec)
    result = load_batches(unit_of_work, firm.batches(), actor=actor, replace=replace)
    if not result.loaded:
        return result
    return LoadResult(
        True,
        actor,
        counts=result.counts,
        seconds=result.seconds,
        stats=firm.stats,
        notes=(firm.date_shift_note,),
    )
