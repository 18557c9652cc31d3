"""`trimtab serve`: run the web app (pages and the JSON API) with uvicorn.

The command line and the web app are siblings that never import each other: uvicorn
loads the app by name (`trimtab.web.app:app_from_environment`, a factory each worker
calls), which reads the same settings (`TRIMTAB_DATABASE_URL`, `TRIMTAB_WEB_*`) this
command checked. The database must exist at the newest schema (`trimtab db upgrade`).

Several workers share one database (sessions are rows, so any worker serves any user);
on SQLite, writes queue on the file's lock, so a firm serving many people uses
PostgreSQL (docs/web.md). Behind a TLS proxy, listen on 127.0.0.1 and set
`TRIMTAB_WEB_SECURE_COOKIES=true`; the proxy's X-Forwarded-For/-Proto are believed from
`TRIMTAB_WEB_TRUSTED_PROXIES` only.

    $ trimtab serve --port 8000 --workers 4
"""

from __future__ import annotations

import typer

from trimtab.cli.support import ready_database

__all__ = ["APP", "serve"]

APP = "trimtab.web.app:app_from_environment"


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
) -> None:
    """Serve the web app: pages for people, the JSON API under /api/v1 for systems."""
    import uvicorn

    ready_database().close()  # refuse now, with the fix, rather than in every worker
    typer.echo(f"trimtab on http://{host}:{port}  (Ctrl-C stops it)")
    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # the app applies the trusted proxies' headers itself
        server_header=False,
        log_level="info",
    )
