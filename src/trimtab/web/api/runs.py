"""`/api/v1/runs` and `/api/v1/orders`: where the nightly runs stand, voiding one, and orders.

Problem: a scheduler starts the nightly run from the command line (`trimtab run`, which
can take an hour on a large firm: an HTTP request must not hold a worker that long), but
it, the overlay desk and the trading desk's OMS need to know where the runs stand, set
a bad run aside, and take the orders of the latest finished run.

Rule: runs are read with `services.nightly_run.run_status` (the latest runs, newest
first, voided ones too, each as the operator should read it: running / interrupted /
finished / voided) and voided with `void_run` (a reason is required; a run in progress
is a conflict). Orders are `services.orders`: `GET /runs/{id}/orders` lists a run's
orders (one per account, security and side); `POST /orders/export` creates the latest
finished run's orders (idempotent: a repeat adds none, and its file is the same bytes)
and answers the export file — `csv` the allocations (each line names its block's client
order id), `fix` FIX 4.4 NewOrderSingle messages — exactly what `trimtab orders export`
writes. All of it is the overlay desk's (`run_nightly` for runs, `review_trades` for
orders). Orders are read and created in the principal's scope (`order_book.scoped_orders`,
`create_orders`): an administrator acting for an advisor lists, creates and exports
that advisor's accounts' orders only; a token or the desk, the firm's.

    GET  /api/v1/runs?limit=5
    POST /api/v1/runs/2025-06-30.1/void     {"reason": "wrong prices from the custodian"}
    POST /api/v1/orders/export?format=fix
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.services.nightly_run import Here, run_status, void_run
from trimtab.services.order_book import scoped_orders
from trimtab.services.orders import block_orders, create_orders
from trimtab.web.api.schemas import OrderOut, RunId, RunOut, VoidIn, errors
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem, not_found

__all__ = ["router"]

router = APIRouter(tags=["runs and orders"])

Operator = Annotated[Principal, requires(Permission.RUN_NIGHTLY)]
Trader = Annotated[Principal, requires(Permission.REVIEW_TRADES)]
# Enough to find any run named by id among the latest (run ids are per day, a handful a
# night); `run_status` reads newest first.
RUNS_SEARCHED = 1_000


@router.get("/runs", response_model=list[RunOut], responses=errors())
def runs(
    new_uow: NewUnitOfWork, _operator: Operator, limit: Annotated[int, Query(ge=1, le=100)] = 5
) -> list[RunOut]:
    """The latest runs, newest first (voided ones too)."""
    return [RunOut.of(s) for s in run_status(new_uow, here=Here.this_process(), limit=limit)]


def _run(new_uow: NewUnitOfWork, run_id: str) -> RunOut:
    for status in run_status(new_uow, here=Here.this_process(), limit=RUNS_SEARCHED):
        if status.run.id == run_id:
            return RunOut.of(status)
    raise not_found(f"run {run_id}")


@router.get("/runs/{run_id}", response_model=RunOut, responses=errors(404))
def run(run_id: RunId, new_uow: NewUnitOfWork, _operator: Operator) -> RunOut:
    """One run: its state, progress, outcomes and failures."""
    return _run(new_uow, run_id)


@router.post("/runs/{run_id}/void", response_model=RunOut, responses=errors(400, 404, 409))
def void(run_id: RunId, body: VoidIn, new_uow: NewUnitOfWork, principal: Operator) -> RunOut:
    """Set a run aside: its proposals can no longer be reviewed or traded."""
    problems = void_run(
        new_uow, run_id, principal=principal, reason=body.reason, here=Here.this_process()
    )
    if problems:
        raise WebProblem.of(problems)
    return _run(new_uow, run_id)


@router.get("/runs/{run_id}/orders", response_model=list[OrderOut], responses=errors(404))
def orders(run_id: RunId, new_uow: NewUnitOfWork, trader: Trader) -> list[OrderOut]:
    """The run's orders (none until they are created by an export), of the accounts in
    your scope."""
    return [OrderOut.of(o) for o in scoped_orders(new_uow, run_id, viewer=trader)]


_FILES = {
    "csv": ("text/csv", "allocations-{run}.csv"),
    "fix": ("application/octet-stream", "orders-{run}.fix"),
}


@router.post(
    "/orders/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "The export file; `X-Trimtab-Run` names the run, "
            "`X-Trimtab-Orders-Added` how many orders were new.",
        },
        **errors(404),
    },
)
def export_orders(
    new_uow: NewUnitOfWork,
    principal: Trader,
    format: Literal["csv", "fix"] = "csv",
) -> Response:
    """Create the latest finished run's orders (idempotent) and answer the export file."""
    from trimtab.bootstrap import order_writers
    from trimtab.config import load_settings

    run_id, added, problems = create_orders(new_uow, principal=principal)
    if run_id is None:
        raise WebProblem.of(problems)
    blocks = block_orders(scoped_orders(new_uow, run_id, viewer=principal))
    config = load_settings()
    writers = order_writers(
        fix_sender=config.fix_sender_comp_id, fix_target=config.fix_target_comp_id
    )
    media_type, pattern = _FILES[format]
    name = pattern.format(run=run_id)
    with tempfile.TemporaryDirectory(prefix="trimtab-orders-") as folder:
        paths = writers[format](blocks, Path(folder), run_id)
        content = next(p for p in paths if p.name == name).read_bytes()
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Trimtab-Run": run_id,
            "X-Trimtab-Orders-Added": str(added),
        },
    )
