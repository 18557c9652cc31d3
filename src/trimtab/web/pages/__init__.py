"""The pages people use: HTML rendered on the server, htmx for partial updates.

Each module here holds one family of pages and its `router`; add yours to `ROUTERS`.
Templates are in `templates/` and extend `base.html`; render with
`trimtab.web.templating.render`. Every route declares its permission
(`trimtab.web.deps.requires`).
"""

from fastapi import APIRouter

from trimtab.web.pages import auth, home

__all__ = ["ROUTERS", "router"]

ROUTERS: list[APIRouter] = [
    auth.router,
    home.router,
]

router = APIRouter()
for _router in ROUTERS:
    router.include_router(_router)
