"""Use case: load a firm's data in bulk, as one transaction — and the demo firm with it.

Problem: a firm (the demo, or a first migration of a real book) is millions of rows. A
load must be all or nothing: a failure in the last chunk leaves the database exactly as
it was, never half a firm. And loading over an existing firm by accident would mix two
books, so a non-empty database is refused unless the caller asks to replace it.

Rule: `load_batches` writes every `Batch` through the unit of work's bulk loader and
commits once at the end; any exception rolls everything back (the replaced firm comes
back too, because the clearing ran in the same transaction). A refusal is a value
(`LoadResult.problems`), not an exception, and writes nothing.

A load is one write, so it leaves one audit entry (`firm.load`, or `demo.load` for the
demo firm), committed with the rows. Its targets are the firms loaded (`firm:<id>`), not
their accounts: a load creates every account at once, and naming each would make one
entry as large as the firm; the summary keeps the row counts and whether a firm was
replaced.

    >>> # result = load_demo_firm(db.unit_of_work, DemoSpec(2000, as_of=today),
    >>> #                         principal=Principal.cli("ana"))
    >>> # result.loaded, result.counts["accounts"]  -> (True, 2000)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from trimtab.domain import Problem
from trimtab.domain.principal import Principal
from trimtab.services.audit import record, write_service
from trimtab.services.demo_firm import DemoFirm, DemoSpec, DemoStats
from trimtab.services.ports import Batch, UnitOfWork

__all__ = ["LoadResult", "load_batches", "load_demo_firm"]


@dataclass(frozen=True)
class LoadResult:
    loaded: bool
    actor: str  # who loaded it, as recorded (`Principal.recorded_as`)
    counts: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0
    stats: DemoStats | None = None
    notes: tuple[str, ...] = ()


@write_service("firm.load")
def load_batches(
    unit_of_work: Callable[[], UnitOfWork],
    batches: Iterable[Batch],
    *,
    principal: Principal,
    replace: bool = False,
) -> LoadResult:
    """Load a firm's `batches` in one transaction (see module doc)."""
    return _load(unit_of_work, batches, principal, replace, action="firm.load", details={})


def _load(
    unit_of_work: Callable[[], UnitOfWork],
    batches: Iterable[Batch],
    principal: Principal,
    replace: bool,
    *,
    action: str,
    details: dict[str, object],
) -> LoadResult:
    started = time.perf_counter()
    firms: list[str] = []
    with unit_of_work() as uow:
        replaced = not uow.bulk.is_empty()
        if replaced:
            if not replace:
                problem = Problem(
                    "database",
                    "already holds a firm; nothing was loaded. Pass --replace to delete it "
                    "and load the new one in its place (in one transaction).",
                )
                return LoadResult(False, principal.recorded_as, problems=(problem,))
            uow.bulk.clear()
        for batch in batches:
            firms += (f.id for f in batch.firms)
            uow.bulk.write(batch)
        uow.bulk.refresh_statistics()
        counts = uow.bulk.counts()
        record(
            uow,
            principal,
            action,
            targets=[f"firm:{firm}" for firm in firms],
            summary={"rows": _firm_rows(counts), "replaced": replaced, **details},
        )
        uow.commit()
    return LoadResult(
        True, principal.recorded_as, counts=counts, seconds=time.perf_counter() - started
    )


def _firm_rows(counts: dict[str, int]) -> dict[str, int]:
    """Rows per table of the firm loaded (the audit trail is not the firm's data)."""
    return {table: n for table, n in counts.items() if n and not table.startswith("audit_")}


@write_service("demo.load")
def load_demo_firm(
    unit_of_work: Callable[[], UnitOfWork],
    spec: DemoSpec,
    *,
    principal: Principal,
    replace: bool = False,
) -> LoadResult:
    """Generate the demo firm of `spec` and load it like any firm (`load_batches`)."""
    firm = DemoFirm(spec)
    details: dict[str, object] = {
        "accounts": spec.accounts,
        "as_of": spec.as_of,
        "seed": spec.seed,
        "days": spec.days,
    }
    result = _load(
        unit_of_work, firm.batches(), principal, replace, action="demo.load", details=details
    )
    if not result.loaded:
        return result
    return LoadResult(
        True,
        principal.recorded_as,
        counts=result.counts,
        seconds=result.seconds,
        stats=firm.stats,
        notes=(firm.date_shift_note,),
    )
