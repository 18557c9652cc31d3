"""Every error the web app answers, in one shape: `{kind, message, details}` with its status.

Problem: a person in a browser and a system calling the API both need to know what went
wrong and what to do, in the vocabulary of the rest of trimtab (the problem kinds of
`trimtab.domain.problems`), and neither may ever see a stack trace: it leaks the code,
the database and sometimes data.

Rule:
- A route answers a service's problems with `answer(result)` (the value, or raise
  `WebProblem`); the status is that of the problems' kind (`ProblemKind.http_status`:
  invalid 422, not_found 404, conflict 409, forbidden 403, unavailable 503; with several
  kinds the CLI's order decides, the kind furthest from "fix your input").
- A request that fails validation is `invalid` (422), each problem at its field's path.
- Not signed in is 401 (`Unauthenticated`): the API answers JSON; a page redirects a GET
  to the sign-in page and comes back afterwards.
- Any other exception is logged with a short id and answered 500 with that id only
  (`CatchUnexpected`, an ASGI middleware, so even a failure inside another middleware
  is caught); a database that is gone is 503 `unavailable`.
- API paths (`/api/...`) answer JSON; pages answer the `error.html` page with the same
  kind, message and status.

    >>> problem = WebProblem.of([Problem("account A-9", "no such account", ProblemKind.NOT_FOUND)])
    >>> problem.status, problem.body()["kind"], problem.body()["message"]
    (404, 'not_found', 'account A-9: no such account')
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trimtab.bootstrap import DATABASE_UNAVAILABLE
from trimtab.domain.problems import Problem, ProblemKind

if TYPE_CHECKING:
    from trimtab.domain.permissions import Permission

__all__ = [
    "CatchUnexpected",
    "Unauthenticated",
    "WebProblem",
    "answer",
    "forbidden",
    "install_error_handlers",
    "is_api",
    "not_found",
]

log = logging.getLogger("trimtab.web")
T = TypeVar("T")

# Several kinds in one answer: the one furthest from "fix your input" wins (as the CLI).
_ORDER = [
    ProblemKind.INVALID,
    ProblemKind.NOT_FOUND,
    ProblemKind.CONFLICT,
    ProblemKind.FORBIDDEN,
    ProblemKind.UNAVAILABLE,
]


class WebProblem(Exception):
    """A problem to answer with its kind's status and the `{kind, message, details}` body."""

    def __init__(
        self,
        kind: ProblemKind | str,
        message: str,
        details: Mapping[str, Any] | None = None,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = str(kind)
        self.message = message
        self.details = dict(details or {})
        self.status = status if status is not None else ProblemKind(kind).http_status
        self.headers = dict(headers or {})

    @classmethod
    def of(cls, problems: Iterable[Problem | str]) -> WebProblem:
        found = [p if isinstance(p, Problem) else Problem("", str(p)) for p in problems]
        if not found:
            found = [Problem("", "the request could not be completed")]
        kind = max((p.kind for p in found), key=_ORDER.index)
        message = "; ".join(str(p) for p in found[:5])
        if len(found) > 5:
            message += f"; and {len(found) - 5} more"
        return cls(kind, message, {"problems": [p.as_dict() for p in found]})

    def body(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "details": self.details}


class Unauthenticated(Exception):
    """No valid session or token: 401 for the API, the sign-in page for a page."""

    def __init__(self, message: str = "sign in first") -> None:
        super().__init__(message)
        self.message = message


def answer(result: tuple[T | None, Iterable[Problem]]) -> T:
    """The value of a service's `(value, problems)` answer, or raise its problems."""
    value, problems = result
    problems = list(problems)
    if value is None or problems:
        raise WebProblem.of(problems)
    return value


def not_found(what: str) -> WebProblem:
    """Not found — also what an out-of-scope resource is (its existence must not leak)."""
    return WebProblem(ProblemKind.NOT_FOUND, f"{what}: not found", {"path": what})


def forbidden(permission: Permission) -> WebProblem:
    return WebProblem(
        ProblemKind.FORBIDDEN,
        f"this needs the permission {permission.value!r} ({permission.description}), "
        "which none of your roles grants",
        {"permission": permission.value},
    )


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _validation_problems(error: RequestValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        problems.append(Problem(where, str(item.get("msg", "is not valid"))))
    return problems


def _respond(request: Request, problem: WebProblem) -> Response:
    if is_api(request.url.path):
        return JSONResponse(problem.body(), status_code=problem.status, headers=problem.headers)
    from trimtab.web.templating import render

    return render(
        request,
        "error.html",
        {"problem": problem.body(), "status": problem.status},
        status_code=problem.status,
        headers=problem.headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer problems, validation errors, 401s and HTTP errors in the one shape."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebProblem)
        return _respond(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _respond(request, WebProblem.of(_validation_problems(exc)))

    async def on_unauthenticated(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Unauthenticated)
        if not is_api(request.url.path) and request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
        return _respond(
            request,
            WebProblem(
                "unauthenticated",
                exc.message,
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="trimtab"'},
            ),
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        kind = {404: ProblemKind.NOT_FOUND, 403: ProblemKind.FORBIDDEN}.get(exc.status_code)
        message = str(exc.detail) if isinstance(exc.detail, str) else "request refused"
        problem = WebProblem(
            kind or ("invalid" if exc.status_code < 500 else "unavailable"),
            message,
            status=exc.status_code,
            headers=exc.headers,
        )
        return _respond(request, problem)

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return _respond(
            request,
            WebProblem(ProblemKind.UNAVAILABLE, "the database is unavailable; try again shortly"),
        )

    app.add_exception_handler(WebProblem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Unauthenticated, on_unauthenticated)
    app.add_exception_handler(StarletteHTTPException, on_http)
    for error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error, on_unavailable)


class CatchUnexpected:
    """ASGI middleware: an exception nobody answered becomes a logged 500 with an id.

    Starlette's own last-resort handler sits outside every middleware (so its answer
    would miss the security headers) and re-raises; this one answers inside them, in
    the error shape, and never lets the traceback reach the client.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            error_id = secrets.token_hex(6)
            log.exception("unexpected error %s on %s %s", error_id, scope["method"], scope["path"])
            if started:  # too late for another answer: the client sees a cut response
                return
            body = {
                "kind": "internal",
                "message": f"an unexpected error (id {error_id}); it has been logged",
                "details": {"error_id": error_id},
            }
            response: Response
            if is_api(scope["path"]):
                response = JSONResponse(body, status_code=500)
            else:
                from trimtab.web.templating import render_plain

                response = render_plain("error.html", {"problem": body, "status": 500}, 500)
            await response(scope, receive, send)
