"""The orders page: the run's block orders and allocations, and the export to download.

Problem: the overlay dashboard counts the orders written for the latest run; the desk
then needs to see them — one block order per security and side, each account's
allocation, which are filled — and to download the file it sends to the trading desk
(allocations as CSV, or FIX 4.4 NewOrderSingle messages) without a terminal.

Rule: every route needs `review_trades`.
- `GET /orders?run=&page=&per=` the latest finished run's order book
  (`services.order_book.order_book`), or the named run's; the allocations are paged.
  Both routes are in the principal's scope: an administrator acting for an advisor sees
  and exports that advisor's accounts' orders only.
- `POST /orders/export` (form field `format`: `csv` or `fix`, and the CSRF token) is
  exactly `POST /api/v1/orders/export`: the same route function, so the same service
  (`orders.create_orders`, idempotent) and the same bytes; the answer is the file
  (`Content-Disposition: attachment`). `format` has no default, so an empty form is
  refused (422) before anything is created.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from trimtab.domain.money import round_cents
from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.services.order_book import order_book
from trimtab.web.api.runs import export_orders
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import answer
from trimtab.web.templating import render

__all__ = ["router"]

router = APIRouter()

Trader = Annotated[Principal, requires(Permission.REVIEW_TRADES)]


def price(value: Decimal) -> str:
    """A reference price as the export writes it, to six places, shown with at least cents:
    `$194.8125`, `$500.00`."""
    text = f"{value:,.6f}".rstrip("0")
    whole, _, places = text.partition(".")
    return f"${whole}.{places.ljust(2, '0')}"


@router.get("/orders")
def orders_page(
    request: Request,
    new_uow: NewUnitOfWork,
    trader: Trader,
    run: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per: Annotated[int, Query(ge=10, le=500)] = 100,
) -> Response:
    book = answer(order_book(new_uow, run=run, viewer=trader))
    pages = max(1, math.ceil(len(book.allocations) / per))
    page = min(page, pages)
    return render(
        request,
        "orders/orders.html",
        {
            "book": book,
            "allocations": book.allocations[(page - 1) * per : page * per],
            "run_query": run or "",
            "page": page,
            "pages": pages,
            "per": per,
            "price": price,
            "cents": round_cents,
        },
    )


@router.post("/orders/export")
def download_export(
    new_uow: NewUnitOfWork,
    principal: Trader,
    format: Annotated[Literal["csv", "fix"], Form()],
) -> Response:
    """The export file, as `POST /api/v1/orders/export?format=` answers it."""
    return export_orders(new_uow, principal, format)
