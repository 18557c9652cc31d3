"""Signing in and out, and an administrator acting for a user: the pages.

`GET /sign-in` shows the form (with a pre-session CSRF token in its own cookie);
`POST /sign-in` checks it (`services.sessions.sign_in`: throttling, locking, one audit
entry per attempt) and sets the session cookie — HttpOnly (no script can read it),
SameSite=Lax (no cross-site form carries it), Secure behind TLS — then goes back to the
page that asked for the sign-in (only a path of this site: an absolute or `//` URL in
`next` would make the sign-in page an open redirect). `POST /sign-out` ends the session.
`POST /act-as` (admins) and `POST /act-as/stop` switch whom the session acts for.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.services.sessions import Refusal, act_as, client_principal, sign_in, sign_out
from trimtab.web.deps import (
    SESSION_COOKIE,
    NewUnitOfWork,
    SignIn,
    WebSettingsDep,
    public,
    requires,
    signed_in,
)
from trimtab.web.errors import WebProblem, answer
from trimtab.web.security import PRE_SESSION_COOKIE, new_pre_session_token
from trimtab.web.settings import WebSettings
from trimtab.web.templating import flash, render

__all__ = ["client_address", "router", "secure_cookies"]

router = APIRouter()


def client_address(request: Request) -> str:
    """The client's address (from a trusted proxy's X-Forwarded-For, see `create_app`)."""
    return request.client.host if request.client else "unknown"


def secure_cookies(request: Request, settings: WebSettings) -> bool:
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _form(
    request: Request,
    settings: WebSettings,
    *,
    next: str,
    login: str = "",
    error: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(PRE_SESSION_COOKIE) or new_pre_session_token()
    request.state.pre_session_csrf = token
    response = render(
        request,
        "sign_in.html",
        {"next": _safe_next(next), "login": login, "error": error},
        status_code=status,
        headers=headers,
    )
    response.set_cookie(
        PRE_SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, settings),
        path="/",
    )
    return response


@router.get("/sign-in")
def sign_in_page(
    request: Request,
    settings: WebSettingsDep,
    signed: Annotated[SignIn | None, public()],
    next: str = "/",
) -> Response:
    if signed is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _form(request, settings, next=next)


@router.post("/sign-in")
def sign_in_submit(
    request: Request,
    new_uow: NewUnitOfWork,
    settings: WebSettingsDep,
    signed: Annotated[SignIn | None, public()],
    login: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    address = client_address(request)
    result = sign_in(
        new_uow,
        login,
        password,
        principal=client_principal(address),
        address=address,
        now=dt.datetime.now(dt.UTC),
        policy=settings.session_policy,
    )
    if result.session_id is None:
        limited = result.refusal in (Refusal.LOCKED, Refusal.THROTTLED)
        retry = int((result.retry_after or dt.timedelta()).total_seconds())
        return _form(
            request,
            settings,
            next=next,
            login=login.strip().lower()[:64],
            error=result.message,
            status=429 if limited else 401,
            headers={"Retry-After": str(max(retry, 1))} if limited else None,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_id,
        max_age=int(settings.session_policy.lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, settings),
        path="/",
    )
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


def _session_of(signed: SignIn) -> str:
    if signed.session_id is None:
        raise WebProblem.of([Problem("session", "this needs a signed-in browser session")])
    return signed.session_id


@router.post("/sign-out")
def sign_out_submit(new_uow: NewUnitOfWork, signed: Annotated[SignIn, signed_in()]) -> Response:
    sign_out(new_uow, _session_of(signed), principal=signed.principal)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/act-as")
def act_as_submit(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Annotated[Principal, requires(Permission.ADMIN_USERS)],
    login: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    signed: SignIn = request.state.sign_in
    acting = answer(act_as(new_uow, _session_of(signed), login, principal=principal, reason=reason))
    target = acting.on_behalf_of.name if acting.on_behalf_of else login
    return flash(RedirectResponse("/", status_code=303), f"You are now acting for {target}")


@router.post("/act-as/stop")
def stop_acting_submit(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Annotated[Principal, requires(Permission.ADMIN_USERS)],
) -> Response:
    signed: SignIn = request.state.sign_in
    answer(act_as(new_uow, _session_of(signed), None, principal=principal))
    return flash(RedirectResponse("/", status_code=303), "You are acting as yourself again")
