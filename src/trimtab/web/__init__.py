"""The web app: server-rendered pages for people, a versioned JSON API for systems.

`create_app(database, settings=...)` builds the FastAPI application (docs/web.md);
`trimtab serve` runs it with uvicorn. Routes call services only; every route declares
its permission (`trimtab.web.deps.requires`).
"""

from trimtab.web.app import create_app

__all__ = ["create_app"]
