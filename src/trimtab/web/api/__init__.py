"""The JSON API (`/api/v1/...`) for systems: an OMS, a scheduler, the firm's own tools.

Each module here holds one family of routes and its `router` (paths relative to
`/api/v1`); add yours to `ROUTERS`. Requests and answers are pydantic models, so the
schema at `/api/v1/openapi.json` says exactly what goes in and out; errors are
`{kind, message, details}` (`trimtab.web.errors`). Systems authenticate with
`Authorization: Bearer <token>` (`trimtab tokens create`); a signed-in browser may call
the API too (then unsafe methods need the `X-CSRF-Token` header).
"""

from fastapi import APIRouter

from trimtab.web.api import accounts, audit, filters, me, proposals, reference, runs, settings

__all__ = ["ROUTERS", "router"]

ROUTERS: list[APIRouter] = [
    me.router,
    accounts.router,
    settings.router,
    proposals.router,
    runs.router,
    filters.router,
    audit.router,
    reference.router,
]

router = APIRouter()
for _router in ROUTERS:
    router.include_router(_router)
