"""The JSON API as a whole: its routers mounted at ``/api/v1`` (in the OpenAPI document)
and at the old ``/api`` (the same handlers, kept as aliases for existing scripts, left out
of the document), the per-token rate limit, the problem+json error answers and the
OpenAPI document itself."""

from __future__ import annotations

import hashlib
import time
from http import HTTPStatus
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders

from config.i18n import _
from radar.web.auth import Forbidden, LoggedIn, current_user
from radar.web.engine_times import EngineTimesJSON, carries_records
from radar.web.problems import PROBLEM_JSON, Problem, problem, problem_responses

PREFIX = "/api/v1"
LEGACY_PREFIX = "/api"
DEFAULT_RATE_LIMIT = "600/minute"

DESCRIPTION = """\
JSON API of Opinion Radar (舆情雷达): search mentions, export them, follow changes, work
crisis cases, read the executive figures.

**Authentication**: `Authorization: Bearer <token>`. A token belongs to an integration
(made by an admin at `/admin/tokens` or with `radar web token create`, scope `read` or
`cases`) or to a configured user (`web.users[].api_token_hash`, `radar web new-token`).
What a call needs is named in its 403 answer.

**Errors**: every 4xx/5xx answer is `application/problem+json` (RFC 9457): `detail` says
what is wrong and names the parameter (a query parameter the call does not take is a 400
naming it and listing those it takes), `code` is stable (`bad_request`, `unauthenticated`,
`forbidden`, `not_found`, `method_not_allowed`, `conflict`, `invalid_request`,
`rate_limited`, `store_unavailable`), `errors` lists the fields of a 422. A method a path
does not serve is a 405 with `Allow` (`method_not_allowed`). Checked in this order: the
token (401), the permission (403), the case or mention the path names (404), the query
parameters (400), the body (422).

**Rate limit**: {rate} per token (per user for a browser session), a moving window kept
by each web process. Every answer to a token or session carries `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` (seconds), a 405 or an unknown path under
`/api/` too (each counts); an answer without either (401) is not counted. Over the limit
the answer is 429 with `Retry-After`.

**Times**: every time in an answer is UTC, RFC 3339 with `Z` (show it in your own zone);
a time parameter without an offset is read in the configured timezone.

**HEAD**: every GET call also answers HEAD, with the status and headers of the GET
and no body (the exports check the query but read no rows).

**Paging**: search pages go on with `next_cursor` (opaque; the first page's time window
is kept, so new mentions do not shift pages). `GET /mentions` streams a whole day as
NDJSON, each line with its own cursor to resume from; `GET /changes` returns what changed
since the last call. Mention ids (`<source>:<id at the source>`) are stable.

**Versions**: these paths are version 1 (`/api/v1/…`). The same calls at `/api/…` are
kept for existing scripts and will be removed in a later version.
"""


class RateLimit:
    """A moving-window limit per token (``limits``), in this process's memory."""

    def __init__(self, rate: str = DEFAULT_RATE_LIMIT):
        self.configure(rate)

    def configure(self, rate: str) -> None:
        """Set the limit (``600/minute``, ``10/second`` …: the ``limits`` notation)."""
        self.rate = rate
        self.item = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def __call__(self, request: Request, response: Response) -> None:
        headers = self.count(request)
        if headers:
            response.headers.update(headers)

    def count(self, request: Request) -> dict[str, str]:
        """Count a call of the caller: its ``RateLimit-*`` headers (none without a token or
        session), kept on ``request.state`` for :class:`RateLimitHeaders`; RateLimited
        when over the limit."""
        key = _caller(request)
        if key is None:  # not logged in: the route answers 401
            return {}
        allowed = self.limiter.hit(self.item, key)
        stats = self.limiter.get_window_stats(self.item, key)
        reset = max(0, int(stats.reset_time - time.time()) + 1)
        headers = {
            "RateLimit-Limit": str(self.item.amount),
            "RateLimit-Remaining": str(stats.remaining),
            "RateLimit-Reset": str(reset),
        }
        # for RateLimitHeaders: an error answer is a fresh response that would drop them
        request.state.rate_limit_headers = headers
        if not allowed:
            raise RateLimited(self.rate, reset, headers)
        return headers

    def count_unrouted(self, request: Request) -> Response | None:
        """The router's own 404 (no call at the path) or 405 (not with that method) under
        /api/: no route ran, so the limit had not counted it and the answer went out
        without ``RateLimit-*``. It is counted as any call; the 429 when over the limit."""
        path = request.url.path
        counted = getattr(request.state, "rate_limit_headers", None) is not None
        if counted or not path.startswith(LEGACY_PREFIX + "/"):
            return None
        try:
            self.count(request)
        except RateLimited as exc:
            return rate_limited_problem(exc)
        return None


class RateLimitHeaders:
    """Pure ASGI middleware: the ``RateLimit-*`` headers of a counted call on its answer
    whatever it is. The limit puts them on the route's response, but a 400, 404, 409 or
    422 is made by an exception handler and went out without them, though the document
    says every answer carries them (a script throttling itself on them lost count)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # request.state of the route: the same dict

        async def send_with_headers(message: dict[str, Any]) -> None:
            counted = state.get("rate_limit_headers")
            if message["type"] == "http.response.start" and counted:
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)  # edits the message's own list
                for name, value in counted.items():
                    headers.setdefault(name, value)  # a route's own figures stay
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimited(Exception):
    def __init__(self, rate: str, retry_after: int, headers: dict[str, str]):
        super().__init__(rate)
        self.rate = rate
        self.headers = {**headers, "Retry-After": str(retry_after)}


def _caller(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, credentials = auth.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return "token:" + hashlib.sha256(credentials.strip().encode()).hexdigest()
    user = request.session.get("user") if "session" in request.scope else None
    return f"user:{user}" if user else None


def query_names(dependant: Any) -> tuple[str, ...]:
    """The query parameters a route takes, its dependencies' (the search inputs) first."""
    names: list[str] = []
    for sub in dependant.dependencies:
        names += [n for n in query_names(sub) if n not in names]
    return tuple(names + [f.alias for f in dependant.query_params if f.alias not in names])


def permissions(dependant: Any) -> set[str]:
    """The permissions a route requires (radar.web.auth.require)."""
    found = {getattr(dependant.call, "permission", None)}
    for sub in dependant.dependencies:
        found |= permissions(sub)
    return {p for p in found if p}


def resolved(request: Request, user: LoggedIn) -> None:
    """The caller's permission (403), then the case or mention the path names (404), before
    the query (:func:`known_query`, 400) and the body (422) are judged: what is sent to an
    address that does not exist does not matter. The calls check both again themselves."""
    route = request.scope.get("route")
    if route is None:
        return
    for permission in sorted(permissions(route.dependant)):
        if not user.can(permission):
            raise Forbidden(permission)
    store, path = request.app.state.store, request.path_params
    case_id, mention_id = path.get("case_id"), path.get("mention_id")
    if case_id is not None and store.get_case(case_id) is None:
        raise HTTPException(404, _("no case with id %(id)s") % {"id": repr(case_id)})
    if mention_id is not None and store.get_mention(mention_id) is None:
        # GET …/notes: an action's path, answered 405 by the call when the mention exists
        stem = mention_id.rpartition("/")[0]
        if request.method != "GET" or not stem or store.get_mention(stem) is None:
            raise HTTPException(404, _("no mention with id %(id)s") % {"id": repr(mention_id)})


def known_query(request: Request, user: LoggedIn) -> None:
    """400 naming the query parameters the call does not take, with those it takes: they
    were ignored, so a typo (``?sentimnet=negative``) answered as if it were not there.
    After the login check (a caller without one learns nothing about the calls)."""
    route = request.scope.get("route")
    if route is None:
        return
    taken = query_names(route.dependant)
    unknown = [n for n in dict.fromkeys(request.query_params.keys()) if n not in taken]
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        word = "parameters" if len(unknown) > 1 else "parameter"
        takes = f"takes {', '.join(taken)}" if taken else "takes no query parameters"
        raise HTTPException(
            400, f"{names}: unknown query {word} ({request.method} {request.url.path} {takes})"
        )


def check_before_body(request: Request) -> None:
    """The login (401), permission (403), path (404) and query (400) checks of an API call,
    for a body that is not JSON at all: FastAPI decodes the body before any dependency
    runs, so such a call answered 422 before the checks the document puts first."""
    if not request.url.path.startswith((PREFIX + "/", LEGACY_PREFIX + "/")):
        return
    user = current_user(request, None)
    resolved(request, user)
    known_query(request, user)


def router_detail(request: Request, exc: Any) -> str:
    """``detail`` of an HTTP error; the router's own bare 404/405 (no route serves the
    address, or not with that method) names the address, the method and what it allows,
    and FastAPI's 400 for a body it cannot decode says so."""
    detail, path = str(exc.detail), request.url.path
    if exc.status_code == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
        if not path.startswith(LEGACY_PREFIX + "/"):
            return f"nothing is served at {path}"
        return f"no API call at {path} (the calls are listed in /openapi.json)"
    if exc.status_code == 405 and detail == HTTPStatus.METHOD_NOT_ALLOWED.phrase:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed at {path}" + (
            f" (allowed: {allowed})" if allowed else ""
        )
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        return "request body: cannot be read as JSON in UTF-8"  # FastAPI's words name nothing
    return detail


def rate_limited_problem(exc: RateLimited) -> Response:
    detail = f"rate limit of {exc.rate} per token reached: retry in {exc.headers['Retry-After']} s"
    return problem_json(429, detail, exc.headers)


def problem_json(status: int, detail: str, headers: Any = None, errors: Any = None) -> Response:
    body = problem(status, detail, errors).model_dump(mode="json")
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def install(app: FastAPI, routers: Any, rate: str = DEFAULT_RATE_LIMIT) -> None:
    """Mount ``routers`` at /api/v1 and /api, with the rate limit, and the document."""
    limit = RateLimit(rate)
    app.state.rate_limit = limit
    app.add_middleware(RateLimitHeaders)  # type: ignore[arg-type]
    checks = [Depends(limit), Depends(resolved), Depends(known_query)]
    for router in routers:
        for route in router.routes:  # a case's trigger and its events' data: times with Z
            if isinstance(route, APIRoute) and carries_records(route.response_model):
                route.response_class = EngineTimesJSON
    for router in routers:
        app.include_router(
            router,
            prefix=PREFIX,
            dependencies=checks,
            responses=problem_responses(400),  # every call: a query parameter it does not take
            generate_unique_id_function=operation_id,
        )
    for router in routers:
        app.include_router(
            router, prefix=LEGACY_PREFIX, dependencies=checks, include_in_schema=False
        )

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> Response:
        return rate_limited_problem(exc)

    app.openapi = lambda: openapi(app, rate)  # type: ignore[method-assign]


def operation_id(route: APIRoute) -> str:
    """The handler's name without ``api_``: ``search``, ``acknowledge`` … (what generated
    clients call their functions)."""
    return route.name.removeprefix("api_")


def openapi(app: FastAPI, rate: str) -> dict[str, Any]:
    """FastAPI's document of the v1 routes, with error answers as problem+json."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=DESCRIPTION.replace("{rate}", rate),
        routes=app.routes,
        servers=[{"url": "/"}],
    )
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    response["content"] = {PROBLEM_JSON: content.pop("application/json")}
    add_links(doc)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    from radar.web.feed import ExportLine

    line = ExportLine.model_json_schema(
        ref_template="#/components/schemas/{model}", mode="serialization"
    )
    for name, schema in line.pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    schemas["ExportLine"] = line
    schemas.setdefault("Problem", Problem.model_json_schema())
    app.openapi_schema = doc
    return doc


# OpenAPI links: where a call's answer names the id the next call takes (a search's hit ->
# the mention and its actions; the case board's open case -> the case and its actions).
# Generated clients and Schemathesis's stateful phase follow them; without them it covered
# none of the links it inferred (the ids are nested in the answers).
LINKS: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = {
    ("/search", "get"): (
        "mention_id",
        "$response.body#/hits/0/mention/id",
        (
            "mention",
            "mark_handled",
            "mark_unhandled",
            "mention_note",
            "correct_sentiment",
            "attach",
        ),
    ),
    ("/cases", "get"): (
        "case_id",
        "$response.body#/open/0/case/id",
        ("case", "summary", "acknowledge", "assign", "case_note", "resolve", "close"),
    ),
}


def add_links(doc: dict[str, Any]) -> None:
    operations = {op["operationId"] for ops in doc.get("paths", {}).values() for op in ops.values()}
    for (path, method), (param, expression, targets) in LINKS.items():
        operation = doc.get("paths", {}).get(PREFIX + path, {}).get(method)
        if operation is None:
            continue
        links = operation["responses"]["200"].setdefault("links", {})
        for target in targets:
            if target in operations:
                links[target] = {"operationId": target, "parameters": {param: expression}}
