"""CSRF protection bound to the session, and the rule that a request authenticates either
by an API token or by the session — never by both.

A pure ASGI middleware inside the session middleware (it reads ``scope["session"]``):

- A request with an ``Authorization`` header is an API call: it sees an empty session,
  so it authenticates by its token or not at all (a session cookie sent beside
  ``Authorization: Bearer \\xa0`` used to skip the CSRF check and act as the session).
- Any other unsafe request that carries a session (and every POST to /login) must send
  the session's own token, in the ``x-csrftoken`` header or the ``csrftoken`` form
  field. The token is kept in the signed session, so a ``csrftoken`` cookie an attacker
  planted is worth nothing (asgi-csrf compared the field with a cookie of its own).
- Forms are read with Starlette's parser (python-multipart), bounded to
  :data:`MAX_FORM_BYTES`; any multipart body is fine (asgi-csrf's own multipart reading
  broke on python-multipart 0.0.34 and turned every multipart POST into a 500).

The token is also sent as a readable ``csrftoken`` cookie for the API docs page's
"Try it out" (static/docs.js puts it in the header); the server never trusts the cookie.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request

from radar.web.problems import PROBLEM_JSON, problem

SESSION_KEY = "csrf"
COOKIE = "csrftoken"
FORM_FIELD = "csrftoken"
HEADER = "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_BYTES = 1 << 20  # the largest form the UI sends is a note: far below 1 MiB

FAILED = (
    b"CSRF check failed: the form was not sent by this site's page. Reload the page and try again."
)
# the JSON API answers every error as problem+json, this one too (it was the page's text)
API_PREFIX = "/api/"
API_FAILED = (
    "CSRF check failed: a call with the browser session sends the session's CSRF token "
    f"in the {HEADER} header (a script authenticates with Authorization: Bearer <token>)"
)


def new_token(session: dict[str, Any]) -> str:
    """A fresh token for ``session`` (at login: a session never keeps the token it had
    before it was authenticated)."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(session[SESSION_KEY])


class SessionCSRF:
    def __init__(
        self,
        app: Any,
        *,
        exempt: frozenset[str] = frozenset(),
        always_protect: frozenset[str] = frozenset(),
        cookie_secure: bool = False,
        extra_headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self.app = app
        self.exempt = exempt  # paths authenticated otherwise (Slack's signed callbacks)
        self.always_protect = always_protect  # checked even without a session (/login)
        self.cookie_secure = cookie_secure
        self.extra_headers = extra_headers or []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "authorization" in headers:
            # an API call: its token or nothing (the session is not even visible)
            await self.app({**scope, "session": {}}, receive, send)
            return
        session: dict[str, Any] = scope.get("session", {})
        sent_cookie = _cookie(headers, COOKIE)

        def token() -> str:
            return str(session.get(SESSION_KEY) or new_token(session))

        scope["csrftoken"] = token  # render() puts it in every form

        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and session.get(SESSION_KEY):
                value = str(session[SESSION_KEY])
                if value != sent_cookie:
                    attrs = f"{COOKIE}={value}; Path=/; SameSite=Lax"
                    attrs += "; Secure" if self.cookie_secure else ""
                    message = {**message, "headers": [
                        *(message.get("headers") or []), (b"set-cookie", attrs.encode()),
                    ]}  # fmt: skip
            await send(message)

        path = scope["path"]
        unsafe = scope["method"] not in SAFE_METHODS and path not in self.exempt
        if not unsafe or not (session or path in self.always_protect):
            await self.app(scope, receive, send_with_cookie)
            return
        expected = session.get(SESSION_KEY)
        sent = headers.get(HEADER)
        if sent is None and headers.get("content-type", "").startswith(FORM_TYPES):
            sent, receive = await _form_token(scope, receive)
        if not expected or not sent or not hmac.compare_digest(str(expected), sent):
            await self._refuse(send_with_cookie, path)
            return
        await self.app(scope, receive, send_with_cookie)

    async def _refuse(self, send: Any, path: str) -> None:
        content_type, body = b"text/plain; charset=utf-8", FAILED
        if path.startswith(API_PREFIX):
            content_type = PROBLEM_JSON.encode()
            body = problem(403, API_FAILED).model_dump_json().encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", content_type), *self.extra_headers],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _form_token(scope: dict[str, Any], receive: Any) -> tuple[str | None, Any]:
    """The form's token field, and a ``receive`` that replays the body to the route.
    A body over MAX_FORM_BYTES or one that is not a readable form has no token."""
    messages: list[dict[str, Any]] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > MAX_FORM_BYTES:
            return None, receive
        if not message.get("more_body", False):
            break
    replay = list(messages)

    async def replay_receive() -> dict[str, Any]:
        return replay.pop(0) if replay else await receive()

    buffered = list(messages)

    async def read_once() -> dict[str, Any]:
        return buffered.pop(0) if buffered else {"type": "http.request", "body": b""}

    try:
        async with Request(scope, read_once).form() as form:
            value = form.get(FORM_FIELD)
    except Exception:
        return None, replay_receive
    return (value if isinstance(value, str) else None), replay_receive
