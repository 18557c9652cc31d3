"""The composition of the web app: middleware, routers, static files, error handlers.

Problem: the pages, the API, the security headers, the error shapes and the database
must be put together the same way by `trimtab serve` (in every uvicorn worker) and by
the tests; anything wired in a route module itself would be missed by one of them.

Rule: `create_app(database, settings=...)` is the only place the app is assembled.
Pages live under `trimtab.web.pages` (HTML, not in the API schema), the JSON API under
`/api/v1` (`trimtab.web.api`, schema at `/api/v1/openapi.json`; no interactive docs
page, whose inline scripts the content security policy refuses), static files under
`/static` (htmx vendored, nothing fetched from the internet). Middleware from the
outside in: security headers, the catch-all that turns an unexpected exception into a
logged 500 with an id, the proxy headers of a trusted proxy.
`app_from_environment()` is the factory uvicorn calls in each worker
(`uvicorn --factory trimtab.web.app:app_from_environment`): it reads the settings and
opens the configured database.

A worker warms up before it takes its first request (the app's lifespan,
`TRIMTAB_WEB_WARM=false` skips it): it reads the model book once
(`services.model_book.definitions`), so the per-process cache of its parsed versions is
full — else the first account page after a restart parses the whole book (≈ 1.3 s at
10,000 accounts, ≈ 10 s at 100,000) — and freezes what it read out of the garbage
collector's way. A failure to warm (the database not up yet) is
logged and the worker starts anyway: the first request reads the book instead.

    >>> # app = create_app(open_database("sqlite:///trimtab.db"), settings=WebSettings())
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from trimtab.bootstrap import Database, open_database
from trimtab.web.api import router as api_router
from trimtab.web.errors import CatchUnexpected, install_error_handlers
from trimtab.web.ops import router as ops_router
from trimtab.web.pages import router as pages_router
from trimtab.web.security import SecurityHeaders
from trimtab.web.settings import WebSettings

__all__ = ["API_PREFIX", "app_from_environment", "create_app", "warm_up"]

API_PREFIX = "/api/v1"
log = logging.getLogger("trimtab.web")


def warm_up(database: Database) -> None:
    """Read the model book once, filling this process's cache of its parsed versions, then
    move everything alive to the collector's permanent generation (`gc.freeze`).

    The cached book is hundreds of thousands of objects that live as long as the worker:
    each full collection walked them all, a 160 ms pause at 100,000 accounts taken by
    whichever requests were running (the load benchmark's p99).
    """
    from trimtab.services.model_book import definitions

    started = time.perf_counter()
    try:
        definitions(database.unit_of_work, dt.datetime.now(dt.UTC).date())
    except Exception:  # a worker that cannot warm still serves (the first page reads it)
        log.exception("could not read the model book at start; the first page will")
        return
    gc.collect()
    gc.freeze()
    log.info("model book read in %.1f s", time.perf_counter() - started)


def create_app(database: Database, *, settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.warm:
            await run_in_threadpool(warm_up, database)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="trimtab",
        version="1",
        summary="Tax-aware rebalancing automation: the JSON API for systems.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.database = database
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(api_router, prefix=API_PREFIX)
    app.include_router(pages_router, include_in_schema=False)
    app.include_router(ops_router)  # /healthz, /readyz, /metrics (trimtab.web.ops)
    app.mount("/static", StaticFiles(directory=str(files("trimtab.web") / "static")), "static")
    # add_middleware puts each new one outside the previous: proxy headers innermost,
    # then the catch-all, then the headers on everything that leaves, 500s included.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=sorted(settings.proxies))
    app.add_middleware(CatchUnexpected)
    app.add_middleware(SecurityHeaders, hsts=bool(settings.secure_cookies))
    return app


def app_from_environment() -> FastAPI:
    """The app on the configured database (`TRIMTAB_DATABASE_URL`), for uvicorn."""
    from trimtab.config import load_settings
    from trimtab.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_format)  # TRIMTAB_LOG_FORMAT=json: one object per line
    return create_app(open_database(settings.database_url, create=False), settings=WebSettings())
