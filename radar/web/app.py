"""The web UI and JSON API: ``create_app(config, store)`` returns the FastAPI app.

Layers, outermost first: security headers → signed session cookie (its id must be live
in the server-side sessions, radar/web/sessions.py) → token-or-session rule and the CSRF
check of every unsafe request with a session, against the session's own token
(radar/web/csrf.py; API-token calls and Slack's signed callbacks are exempt) → routes.
Every route but ``GET /healthz``, ``/login`` and the static assets needs a logged-in
user or an API token.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from alerts.coverage import stale_sources
from alerts.labels import reason_label, state_label
from alerts.messages import case_brand
from config.i18n import _, use_locale
from config.schema import RadarConfig
from crawlers.health import unhealthy
from index.base import Store, StoreError
from radar.web import (
    api,
    brief,
    care,
    cases,
    csrf,
    executive,
    feed,
    health,
    i18n,
    login,
    report,
    search,
    sources,
    stories,
    tokens,
)
from radar.web import webhooks as webhook_admin
from radar.web.auth import Forbidden, LoggedIn, NotAuthenticated
from radar.web.errors import error_page, wants_json
from radar.web.figures import AggregatesCache, TermsCache
from radar.web.problems import COMMON, problem_responses
from radar.web.render import STATIC_DIR, Formatter, make_templates, render
from radar.web.schemas import Me
from radar.web.sessions import SessionStore
from radar.web.throttle import LoginThrottle

log = logging.getLogger(__name__)


def _field(error: Any) -> str:
    """Where a request failed validation: ``q``, ``text``, or the body as a whole."""
    if error.get("type") == "json_invalid":
        return "request body"
    return ".".join(str(p) for p in error["loc"] if p != "body") or "request body"


def _message(error: Any, content_type: str) -> str:
    """What is wrong, for the body as a whole in words that name the fix: a body sent as a
    form (curl -d) or as text/plain read 'Input should be a valid dictionary or object
    to extract fields from', and none 'Field required', naming neither JSON nor the
    content type it came as."""
    if list(error.get("loc", ())) != ["body"]:
        return str(error["msg"])
    media = content_type.split(";")[0].strip().lower()
    is_json = media == "application/json" or media.endswith("+json")
    if error.get("type") == "missing":
        return "required: a JSON object (Content-Type: application/json)"
    if error.get("type") == "model_attributes_type" and not is_json:
        got = f"it came as {media!r}" if media else "it came without a Content-Type"
        return f"must be a JSON object sent with Content-Type: application/json ({got})"
    if error.get("type") == "model_attributes_type":
        kind = type(error.get("input")).__name__
        kind = {"str": "a string", "list": "an array", "int": "a number", "float": "a number",
                "bool": "true or false", "bytes": "not JSON"}.get(kind, kind)  # fmt: skip
        return f"must be a JSON object ({{...}}), not {kind}"
    return str(error["msg"])


SESSION_COOKIE = "radar_session"
SESSION_MAX_AGE = 12 * 3600

# no inline scripts anywhere: chart data travels as JSON in <script type="application/json">
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


def secret_key(config: RadarConfig) -> str:
    """``web.secret_key`` (literal or ``{$env: NAME}``), else a fresh key for this run
    (sessions then end when the service restarts)."""
    return config.web.secret_key_value() or secrets.token_urlsafe(48)


def create_app(
    config: RadarConfig,
    store: Store,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The web UI + JSON API over ``store``. ``clock`` (UTC now) is for tests."""
    app = FastAPI(
        title="Opinion Radar API",
        version="1",
        description=(
            "JSON API of the Opinion Radar web UI. Authenticate with "
            "`Authorization: Bearer <token>` (token hashes in `web.users[].api_token_hash`, "
            "made by `radar web new-token`) or with the browser session."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    formatter = Formatter(config.timezone)
    app.state.config = config
    app.state.store = store
    app.state.users = tokens.UsersAndTokens(config.web.users, store)  # YAML + store tokens
    app.state.formatter = formatter
    app.state.templates = make_templates(formatter)
    # a source as people read it: its title (微博（演示）), else its name (the API's id)
    titles = config.source_titles()
    app.state.templates.env.filters["source_title"] = lambda name: titles.get(name, name)
    # why a source is paused or failing, and a state, in words (not 'captcha', 'failing')
    app.state.templates.env.filters["source_reason"] = reason_label
    app.state.templates.env.filters["source_state"] = state_label
    # a case as people name it: its brand, or a source-health case's source by its title
    # (the board's 品牌 column read 'source:demo-tieba')
    app.state.templates.env.filters["case_brand"] = case_brand
    # the banner of unhealthy sources on every page (base.html)
    app.state.templates.env.globals["source_problems"] = lambda: _source_problems(app)
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.state.terms = TermsCache()
    app.state.aggregates = AggregatesCache()
    sessions_db = config.web.sessions_db or config.local_file("sessions")
    app.state.sessions = SessionStore(sessions_db, SESSION_MAX_AGE)
    app.state.login_throttle = LoginThrottle()
    app.state.store_health = health.StoreHealth(store)

    _install_error_handlers(app)
    pages = [login.pages, i18n.pages, search.pages, stories.pages, cases.pages, brief.pages]
    pages += [report.pages, executive.pages]
    pages += [care.pages]  # after the others: GET /mentions/{id} is the post view
    for router in (service, *pages):
        app.include_router(router)
    app.include_router(webhook_admin.pages)  # admin: outbound webhooks
    app.include_router(tokens.pages)  # admin: API tokens per integration
    app.include_router(sources.pages)  # admin: each source's crawls and health
    # at /api/v1 (documented) and /api (aliases), with the per-token rate limit
    api.install(app, API_ROUTERS, config.web.api_rate_limit)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    key = secret_key(config)
    secure = config.web.secure_cookies
    # added innermost first: the language (radar/web/i18n.py) and the CSRF check read
    # the session
    app.add_middleware(i18n.LocaleMiddleware, config=config)  # type: ignore[arg-type]
    app.add_middleware(
        csrf.SessionCSRF,  # type: ignore[arg-type]
        exempt=frozenset({"/slack/actions"}),
        always_protect=frozenset({"/login"}),
        cookie_secure=secure,
        extra_headers=SECURITY_HEADERS,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure,
    )
    app.add_middleware(_SecurityHeaders)  # type: ignore[arg-type]
    app.add_middleware(HeadAsGet)  # type: ignore[arg-type]
    return app


service = APIRouter(include_in_schema=False)
session_api = APIRouter(tags=["session"], responses=problem_responses(*COMMON))


def _source_problems(app: FastAPI) -> list[Any]:
    """Crashing, failing and paused sources, then stale ones (alerts/coverage.py)."""
    store, now = app.state.store, app.state.clock()
    try:
        problems = unhealthy(store, now)
        named = {h.source for h in problems}
        stale = stale_sources(app.state.config, store, now)
        return problems + [h for h in stale if h.source not in named]
    except StoreError:
        return []


@service.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """The only route without login: is the process up, the store reachable and
    writable, and intact by its last quick check (radar/web/health.py)? 503 when not;
    ``integrity`` is null until the first check has finished. ``sources`` names the
    sources that crawl nothing (crashing, paused, failing); they do not make the web
    service unhealthy, so the answer stays 200."""
    store: Store = request.app.state.store
    try:
        mentions = store.count_mentions()
        unwritable = store.check_writable()
    except StoreError as exc:
        return JSONResponse({"ok": False, "store": health.public_message(str(exc))}, 503)
    damage = request.app.state.store_health.integrity()
    problems = {h.source: f"{h.state} ({h.reason})" for h in _source_problems(request.app)}
    body: dict[str, Any] = {
        "ok": not unwritable and not damage,
        "mentions": mentions,
        "writable": not unwritable,
        "integrity": [health.public_message(p) for p in damage] if damage else damage,
        "crawling_ok": not problems,
        "sources": problems,
    }
    if unwritable:
        body["store"] = health.public_message(unwritable)
    return JSONResponse(body, status_code=200 if body["ok"] else 503)


@service.get("/")
def home(user: LoggedIn) -> RedirectResponse:
    start = {"care": "/search", "pr": "/cases", "exec": "/overview", "admin": "/cases"}
    return RedirectResponse(start[user.role], status_code=303)


@service.get("/openapi.json")
def openapi_json(request: Request, user: LoggedIn) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@service.get("/api/docs")
def api_docs(request: Request, user: LoggedIn) -> HTMLResponse:
    return render(request, "docs.html")


@service.post("/slack/actions")
async def slack_actions(request: Request) -> Response:
    """Slack's interactive callbacks; the Slack signature is the authentication."""
    from alerts.slack_interactive import handle_interaction  # only needed with Slack

    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    config, store = request.app.state.config, request.app.state.store
    status, payload = await run_in_threadpool(handle_interaction, config, store, body, headers)
    return JSONResponse(payload, status_code=status)


@session_api.get("/me", response_model=Me, summary="Who is logged in")
def me(user: LoggedIn) -> Me:
    return Me(
        name=user.name,
        role=user.role,
        display_name=user.display_name,
        permissions=user.permissions,
    )


# the routers of the JSON API, whose every route must be in the OpenAPI doc and the README
API_ROUTERS = (search.api, feed.api, cases.api, executive.api, session_api)


_wants_json = wants_json


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _wants_json(request) or request.method != "GET":
            if "authorization" in request.headers:
                # a token was sent: say it is the token (it read "login required: send
                # Authorization: Bearer <token>" to a script that had sent a revoked one)
                return api.problem_json(
                    401,
                    "Authorization: not a valid bearer token (unknown, revoked or malformed; "
                    "send Authorization: Bearer <token>)",
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            return api.problem_json(
                401,
                "login required: send Authorization: Bearer <token> or log in",
                {"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (("?" + request.url.query) if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        message = f"your role may not do this (needs the '{exc.permission}' permission)"
        scope = getattr(getattr(request.state, "user", None), "scope", None)
        if scope is not None:  # an integration's token: its scope decides, not a role
            message = f"this token's scope ({scope}) may not do this (needs the '{exc.permission}'"
            cases = exc.permission in tokens.SCOPES["cases"]
            message += " permission, which a token of scope cases has)" if cases else " permission)"
        if _wants_json(request):
            return api.problem_json(403, message)
        message = _("Your role may not do this (it needs the “%(permission)s” permission).") % {
            "permission": exc.permission
        }
        return error_page(request, 403, message)

    # Starlette's class: also the router's own 404/405 for an address no route serves
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405 and exc.headers:
            exc.headers = allow_head(exc.headers)
        if exc.status_code in (404, 405):  # the router's own, under /api/: counted too
            over = request.app.state.rate_limit.count_unrouted(request)
            if over is not None:
                return over
        anonymous_post = getattr(request.state, "user", None) is None and request.method != "GET"
        if _wants_json(request) or anonymous_post:
            return api.problem_json(exc.status_code, api.router_detail(request, exc), exc.headers)
        return error_page(request, exc.status_code, exc.detail, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            try:  # a body that is not JSON: still 401 → 403 → 404 → 400 before the 422
                await run_in_threadpool(api.check_before_body, request)
            except NotAuthenticated as error:
                return await not_authenticated(request, error)
            except Forbidden as error:
                return await forbidden(request, error)
            except StarletteHTTPException as error:
                return await http_error(request, error)
        ctype = request.headers.get("content-type", "")
        problems = "; ".join(f"{_field(e)}: {_message(e, ctype)}" for e in exc.errors())
        if not _wants_json(request) and request.method == "GET":
            # a page's address edited by hand (?days=abc): the error page, not JSON
            named = _("; ").join(_given(e) for e in exc.errors())
            message = _("The address has a value this page cannot use: %(values)s") % {
                "values": named
            }
            return error_page(request, 422, message)
        if not _wants_json(request) and "text/html" in request.headers.get("accept", ""):
            # a browser's form post that lacks a field (or holds one it cannot use)
            return error_page(request, 422, _form_problem(exc.errors()))
        return api.problem_json(422, problems, errors=_jsonable(exc.errors()))

    # a bug: Starlette's outermost middleware calls this (then logs the traceback); the
    # session is in the scope, the request's language is not (its middleware has returned)
    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        if _wants_json(request):
            return api.problem_json(500, "internal error: the server failed on this request")
        locale = i18n.request_locale(request.app.state.config, request.scope.get("session"))
        with use_locale(locale):
            message = _(
                "The server failed on this page; it has been logged. Try again, or go back."
            )
            try:
                return error_page(request, 500, message)
            except Exception:  # the page itself cannot be drawn: plain words then
                log.exception("the error page failed too")
                return PlainTextResponse(message, status_code=500)

    @app.exception_handler(StoreError)
    async def store_down(request: Request, exc: StoreError) -> Response:
        log.warning("store error serving %s: %s", request.url.path, exc)
        message = health.public_message(str(exc))  # never the server's file paths
        return api.problem_json(503, f"the store is unavailable: {message}")


def _form_problem(errors: Any) -> str:
    """What a form post lacks, else which of its values the page cannot use, by name."""
    missing = [str(e["loc"][-1]) for e in errors if e.get("type") == "missing"]
    if missing:
        return _("The form was sent without %(fields)s: go back, fill it in and send it again.") % {
            "fields": _("; ").join(missing)
        }
    return _("The form has a value this page cannot use: %(fields)s") % {
        "fields": _("; ").join(str(e["loc"][-1]) for e in errors)
    }


def _given(error: Any) -> str:
    """``days='abc'`` for a value that was sent, ``brand`` for one that is missing."""
    name, value = str(error["loc"][-1]), error.get("input")
    return f"{name}={value!r}" if isinstance(value, str) else name


def _jsonable(errors: Any) -> Any:
    return jsonable_encoder(errors, custom_encoder={Exception: str})


class _SecurityHeaders:
    """Adds CSP and friends to every response."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def allow_head(headers: Mapping[str, str]) -> Mapping[str, str]:
    """HEAD is served wherever GET is (:class:`HeadAsGet`): a 405's ``Allow`` naming GET
    names HEAD after it (FastAPI's routes name only the methods they were given)."""
    methods = [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
    if "GET" not in methods or "HEAD" in methods:
        return headers
    methods.insert(methods.index("GET") + 1, "HEAD")
    return {**headers, "Allow": ", ".join(methods)}


class HeadAsGet:
    """HEAD is answered as GET without the body (RFC 9110: a server that serves GET serves
    HEAD). FastAPI's routes take only the methods they name, so HEAD on every page and API
    call was a 405. Outermost: the request goes on as a GET; the answer keeps its status
    and headers (Content-Length too), not its body. ``request.state.head_only`` is True
    then, so a streamed export answers its headers without reading what it would send."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: dict[str, Any]) -> None:
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        state = {**scope.get("state", {}), "head_only": True}
        await self.app({**scope, "method": "GET", "state": state}, receive, without_body)
