"""Browser-side protections: security headers on every answer, CSRF tokens on every form.

Problem: a signed-in browser carries its session cookie to trimtab whatever page made
the request. A hostile page could post a form to `/review/approve` (cross-site request
forgery), frame trimtab to trick clicks, or — if any page ever echoed input unescaped —
run script in trimtab's origin.

Rule:
- Every answer carries a content security policy that allows scripts, styles and images
  from trimtab itself only, with no inline script (so injected markup cannot run), no
  framing, forms posting only to trimtab; plus `X-Frame-Options: DENY`,
  `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`.
- Every unsafe request (POST, PUT, PATCH, DELETE) authenticated by the session cookie
  must carry the session's CSRF token, as the form field `csrf_token` or the header
  `X-CSRF-Token` (htmx sends the header from the `hx-headers` attribute of <body>).
  The token is derived from the session id (`csrf_token_for`): it changes with every
  sign-in and cannot be computed without the cookie, which a hostile page never sees.
- Before sign-in (the sign-in form itself) the token is a random value kept in its own
  cookie and repeated in the form (double submit): a hostile page can neither read the
  cookie nor set it, so it cannot forge a sign-in into the attacker's account.
- Requests with a bearer token (systems calling the API) carry no cookie and are exempt.
- Tokens are compared in constant time.

    >>> len(csrf_token_for("a-session-id")) == 43
    True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trimtab.domain.problems import ProblemKind
from trimtab.web.errors import WebProblem

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "PRE_SESSION_COOKIE",
    "SAFE_METHODS",
    "SecurityHeaders",
    "check_csrf",
    "csrf_token_for",
    "new_pre_session_token",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRE_SESSION_COOKIE = "trimtab_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP answer (errors too)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = dict(HEADERS)
        if hsts:  # only meaningful, and only safe, when served over TLS
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if "cache-control" not in headers:
                    # Pages show clients' holdings: no shared cache may keep them.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, add_headers)


def csrf_token_for(session_id: str) -> str:
    """The CSRF token of a session: a one-way function of its (secret) id."""
    digest = hashlib.sha256(b"trimtab csrf\x00" + session_id.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_pre_session_token() -> str:
    return secrets.token_urlsafe(32)


async def _submitted(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached on the request: the route reads it again
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request, expected: str | None) -> None:
    """Refuse (403) an unsafe request whose CSRF token is missing or not `expected`.

    `expected` is the session's token, or None before sign-in (then the pre-session
    cookie's value is expected). Safe methods pass: they change nothing.
    """
    if request.method in SAFE_METHODS:
        return
    if expected is None:
        expected = request.cookies.get(PRE_SESSION_COOKIE)
    submitted = await _submitted(request)
    if not expected or not submitted or not hmac.compare_digest(submitted, expected):
        raise WebProblem(
            ProblemKind.FORBIDDEN,
            "the form's security token is missing or out of date; reload the page and try again",
            {"csrf": "missing" if not submitted else "wrong"},
        )
