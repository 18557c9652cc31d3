"""Rendering pages: one Jinja2 environment, and what every page's layout needs.

Every page extends `base.html`, which shows the navigation the principal's roles allow,
the signed-in user (and whom they act for), sign-out, flash messages, and puts the CSRF
token where htmx sends it (`hx-headers` on <body>). `render` fills those in, so a page
router passes only its own context:

    return render(request, "dashboards/overlay.html", {"outcome": outcome})

Autoescaping is on for every template (no `|safe` on anything a user typed).
A flash message survives one redirect in the `trimtab_flash` cookie (`flash(response,
"Saved")`), is shown once and is cleared by the next page.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from trimtab.domain.permissions import Permission, permissions_of
from trimtab.domain.principal import Principal

__all__ = ["NAV", "flash", "nav_for", "render", "render_plain", "templates"]

TEMPLATES_DIR = str(files("trimtab.web") / "pages" / "templates")
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)
FLASH_COOKIE = "trimtab_flash"

# The navigation: (label, path, the permission that shows it). Page authors add their
# entries here; a link is shown only to principals whose roles grant its permission.
NAV: list[tuple[str, str, Permission]] = [
    ("Dashboard", "/", Permission.SEE_ACCOUNTS),
    ("Accounts", "/accounts", Permission.SEE_ACCOUNTS),
    ("Review", "/review", Permission.REVIEW_TRADES),
    ("Orders", "/orders", Permission.REVIEW_TRADES),
    ("Settings", "/settings", Permission.FIRM_SETTINGS),
    ("Filters", "/filters", Permission.PERSONAL_FILTERS),
    ("Models", "/models", Permission.MODELS_READ),
    ("Data", "/data", Permission.DATA_READ),
    ("Runs", "/runs", Permission.DATA_READ),
    ("Reports", "/reports", Permission.REPORTS),
]


def nav_for(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    granted = permissions_of(principal.roles)
    return [(label, path) for label, path, permission in NAV if permission in granted]


def _context(request: Request, context: Mapping[str, Any]) -> dict[str, Any]:
    sign_in = getattr(request.state, "sign_in", None)
    principal = sign_in.principal if sign_in is not None else None
    csrf = sign_in.csrf_token if sign_in is not None else None
    if csrf is None:
        csrf = getattr(request.state, "pre_session_csrf", None)
    message = request.cookies.get(FLASH_COOKIE)
    full = {
        "principal": principal,
        "permissions": permissions_of(principal.roles) if principal else {},
        "nav": nav_for(principal),
        "csrf_token": csrf or "",
        "flash": unquote(message)[:300] if message else None,
    }
    full.update(context)
    return full


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    response = templates.TemplateResponse(
        request,
        name,
        _context(request, context or {}),
        status_code=status_code,
        headers=dict(headers or {}),
    )
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def render_plain(name: str, context: Mapping[str, Any], status_code: int) -> Response:
    """A page without a request (the last-resort error page): no user, no navigation."""
    full = {
        "principal": None,
        "permissions": {},
        "nav": [],
        "csrf_token": "",
        "flash": None,
        **context,
    }
    return HTMLResponse(_environment.get_template(name).render(full), status_code=status_code)


def flash(response: Response, message: str) -> Response:
    """Show `message` on the next page (after a redirect)."""
    response.set_cookie(
        FLASH_COOKIE, quote(message[:300]), max_age=60, httponly=True, samesite="lax", path="/"
    )
    return response
