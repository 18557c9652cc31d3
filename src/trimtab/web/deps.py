"""What a route may ask for: the database, a unit of work, who is asking, and a permission.

Problem: every route needs the same few things — a unit of work to hand to a service,
the principal making the request (from a session cookie or a system token) and the
check that the principal may do what the route does. Written out in each route they
would drift apart; one forgotten check is a hole.

Rule:
- `requires(Permission.X)` is the one place permissions are enforced. Every route
  declares exactly one requirement — `requires(...)`, `signed_in()` (any role: sign-out,
  "who am I") or `public()` (the sign-in page) —
  and the route × role matrix test (tests/integration/web/test_route_matrix.py) fails
  for a route that declares none. `requires` answers 401 when nobody is signed in,
  403 naming the permission when the principal's roles do not grant it, and otherwise
  gives the route the principal with its scope narrowed to the permission's reach
  (`trimtab.domain.permissions.authorize`): pass that principal to the service as
  `viewer=` (reads) or `principal=` (writes), and the service applies the scope in SQL.
- The principal comes from `Authorization: Bearer <token>` (a system token; no CSRF:
  no cookie is involved) or from the session cookie (then an unsafe method must carry
  the session's CSRF token: `trimtab.web.security.check_csrf`).
- Declare the permission in the signature when the route needs the principal, or in
  the decorator when it does not:

    @router.get("/accounts/{account_id}")
    def account(account_id: str, new_uow: NewUnitOfWork,
                viewer: Annotated[Principal, requires(Permission.SEE_ACCOUNTS)]) -> ...:
        view = answer(show_account(new_uow, account_id, viewer=viewer))

    @router.get("/health", dependencies=[requires(Permission.HEALTH_REPORTS)])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from trimtab.bootstrap import Database
from trimtab.domain.permissions import Permission, authorize
from trimtab.domain.principal import Principal
from trimtab.store.unit_of_work import SqlUnitOfWork
from trimtab.web.errors import Unauthenticated, forbidden
from trimtab.web.security import check_csrf, csrf_token_for
from trimtab.web.settings import WebSettings

__all__ = [
    "SESSION_COOKIE",
    "CurrentPrincipal",
    "DatabaseDep",
    "DeclaredRoute",
    "NewUnitOfWork",
    "OptionalSignIn",
    "Public",
    "Requirement",
    "SignIn",
    "SignedIn",
    "WebSettingsDep",
    "current_sign_in",
    "declared_routes",
    "public",
    "requires",
    "signed_in",
]

SESSION_COOKIE = "trimtab_session"


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


DatabaseDep = Annotated[Database, Depends(get_database)]
WebSettingsDep = Annotated[WebSettings, Depends(get_settings)]


def new_unit_of_work(database: DatabaseDep) -> Callable[[], SqlUnitOfWork]:
    return database.unit_of_work


NewUnitOfWork = Annotated[Callable[[], SqlUnitOfWork], Depends(new_unit_of_work)]
"""A unit-of-work factory to hand to a service as its `new_uow`."""


@dataclass(frozen=True)
class SignIn:
    """Who is asking, and how: a session (with its CSRF token) or a system token."""

    principal: Principal
    via: Literal["session", "token"]
    session_id: str | None = None  # the raw id from the cookie (never stored raw)
    login: str | None = None  # the signed-in user's login (the admin, when acting for)

    @property
    def csrf_token(self) -> str | None:
        return csrf_token_for(self.session_id) if self.session_id else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _resolve(request: Request) -> SignIn | None:
    """The request's sign-in, resolved once per request (cached on `request.state`)."""
    if hasattr(request.state, "sign_in"):
        found: SignIn | None = request.state.sign_in
        return found
    from trimtab.services.sessions import resolve_session
    from trimtab.services.users import principal_from_token

    database = get_database(request)
    settings = get_settings(request)
    found = None
    token = _bearer(request)
    if token is not None:
        principal = principal_from_token(database.unit_of_work, token, now=_now())
        if principal is None:
            raise Unauthenticated("the token is unknown or revoked")
        found = SignIn(principal, "token")
    else:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            active = resolve_session(
                database.unit_of_work, session_id, now=_now(), policy=settings.session_policy
            )
            if active is not None:
                found = SignIn(active.principal, "session", session_id, active.login)
    request.state.sign_in = found
    if found is not None:
        request.state.principal = found.principal
    return found


def current_sign_in(request: Request) -> SignIn:
    found = _resolve(request)
    if found is None:
        raise Unauthenticated()
    return found


def optional_sign_in(request: Request) -> SignIn | None:
    return _resolve(request)


CurrentSignIn = Annotated[SignIn, Depends(current_sign_in)]
OptionalSignIn = Annotated[SignIn | None, Depends(optional_sign_in)]


def current_principal(sign_in: CurrentSignIn) -> Principal:
    return sign_in.principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
"""The signed-in principal, unnarrowed. Routes use `requires(...)`, which also checks."""


class Requirement:
    """The dependency `requires(permission)` declares; the matrix test reads `.permission`."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request, sign_in: CurrentSignIn) -> Principal:
        if sign_in.via == "session":
            await check_csrf(request, sign_in.csrf_token)
        scoped = authorize(sign_in.principal, self.permission)
        if scoped is None:
            raise forbidden(self.permission)
        return scoped

    def __repr__(self) -> str:
        return f"requires({self.permission.value})"


class SignedIn:
    """The dependency `signed_in()` declares: anyone signed in, whatever their roles
    (sign-out, "who am I", the redirect to one's dashboard). Checks CSRF like `requires`."""

    async def __call__(self, request: Request, sign_in: CurrentSignIn) -> SignIn:
        if sign_in.via == "session":
            await check_csrf(request, sign_in.csrf_token)
        return sign_in

    def __repr__(self) -> str:
        return "signed_in()"


class Public:
    """The dependency `public()` declares: no sign-in needed (the sign-in page itself).

    An unsafe public request still needs a CSRF token: the session's when signed in,
    else the pre-session cookie's (double submit).
    """

    async def __call__(self, request: Request, sign_in: OptionalSignIn) -> SignIn | None:
        if sign_in is not None and sign_in.via == "session":
            await check_csrf(request, sign_in.csrf_token)
        elif sign_in is None:
            await check_csrf(request, None)
        return sign_in

    def __repr__(self) -> str:
        return "public()"


def requires(permission: Permission) -> Any:
    """Declare the permission a route needs; gives the principal narrowed to its reach."""
    return Depends(Requirement(permission))


def signed_in() -> Any:
    """Declare a route open to anyone signed in (gives the `SignIn`)."""
    return Depends(SignedIn())


def public() -> Any:
    """Declare a route open to anyone (gives the sign-in, or None)."""
    return Depends(Public())


@dataclass(frozen=True)
class DeclaredRoute:
    """A route of the app and what it declared (`requires`, `signed_in`, `public`)."""

    path: str
    methods: frozenset[str]
    declarations: tuple[Requirement | SignedIn | Public, ...]

    @property
    def declaration(self) -> Requirement | SignedIn | Public | None:
        """The one declaration; None when there is none or more than one (a defect)."""
        return self.declarations[0] if len(self.declarations) == 1 else None


def declared_routes(app: Any) -> list[DeclaredRoute]:
    """Every API route of `app` (nested routers included) with its declarations, read from
    the app itself, so a route added anywhere is found. Static files and the OpenAPI
    schema are not API routes and are left out."""
    from fastapi.routing import APIRoute

    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI keeps every route flat on `app.routes`
        contexts: list[Any] = list(app.routes)
    else:
        contexts = list(iter_route_contexts(app.routes))
    found = []
    for context in contexts:
        original = getattr(context, "original_route", context)
        if not isinstance(original, APIRoute):
            continue
        dependant = getattr(context, "dependant", None) or original.dependant
        declarations: list[Requirement | SignedIn | Public] = []
        stack = list(dependant.dependencies)
        while stack:
            dependency = stack.pop()
            if isinstance(dependency.call, Requirement | SignedIn | Public):
                declarations.append(dependency.call)
            stack.extend(dependency.dependencies)
        found.append(
            DeclaredRoute(context.path, frozenset(context.methods or ()), tuple(declarations))
        )
    return found
