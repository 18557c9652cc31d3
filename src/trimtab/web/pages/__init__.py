"""The pages people use: HTML rendered on the server, htmx for partial updates.

Each module here holds one family of pages and its `router`; add yours to `ROUTERS`.
Templates are in `templates/` and extend `base.html`; render with
`trimtab.web.templating.render`. Every route declares its permission
(`trimtab.web.deps.requires`).
"""

from fastapi import APIRouter

from trimtab.web.pages import accounts, auth, customize, dashboards, home, review
from trimtab.web.pages import data as data_pages
from trimtab.web.pages import filters as filter_pages
from trimtab.web.pages import models as model_pages
from trimtab.web.pages import orders as order_pages
from trimtab.web.pages import reports as report_pages
from trimtab.web.pages import runs as run_pages
from trimtab.web.pages import settings as settings_pages

__all__ = ["ROUTERS", "router"]

ROUTERS: list[APIRouter] = [
    auth.router,
    home.router,
    dashboards.router,
    accounts.router,
    review.router,
    order_pages.router,
    customize.router,
    settings_pages.router,
    filter_pages.router,
    model_pages.router,
    data_pages.router,
    run_pages.router,
    report_pages.router,
]

router = APIRouter()
for _router in ROUTERS:
    router.include_router(_router)
