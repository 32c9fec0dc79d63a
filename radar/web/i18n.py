"""The language of each web request: the header's switch (kept in the session), else the
user's ``web.users[].locale``, else the deployment's ``locale:`` (Chinese by default).

A pure ASGI middleware sets :func:`config.i18n.use_locale` around the request, so the
templates' ``{% trans %}``/``_()`` and the routes' ``_()`` (flash messages, errors) all
translate with it. The JSON API (``/api/``, ``/openapi.json``) keeps the English source
strings: programs read it, and its messages are part of its contract. Its browser page
``/api/docs`` is a page like the others.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from alerts.lines import use_team_names
from config.i18n import LOCALES, SOURCE_LOCALE, use_channel_locale, use_locale
from config.schema import RadarConfig
from radar.web.render import local_next, names_of

SESSION_KEY = "locale"


def request_locale(config: RadarConfig, session: dict[str, Any] | None) -> str:
    chosen = (session or {}).get(SESSION_KEY)
    if chosen in LOCALES:
        return str(chosen)
    name = (session or {}).get("user")
    for user in config.web.users:
        if user.name == name and user.locale:
            return user.locale
    return config.locale


class LocaleMiddleware:
    """Runs inside the session middleware (it reads the session)."""

    def __init__(self, app: Any, config: RadarConfig):
        self.app = app
        self.config = config

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        locale: str = SOURCE_LOCALE  # the JSON API is a contract: its messages stay as written
        # /api/docs is a page (the API browser) and speaks the reader's language
        if path == "/api/docs" or not (path.startswith("/api/") or path == "/openapi.json"):
            locale = request_locale(self.config, scope.get("session"))
        # what a person's action writes to the team's channels is in the deployment's
        # language whatever the reader's (or the API's) is
        with (
            use_locale(locale),
            use_channel_locale(self.config.locale),
            use_team_names(names_of(scope["app"].state.users)),  # set by Starlette
        ):
            await self.app(scope, receive, send)


pages = APIRouter(include_in_schema=False)


@pages.post("/locale")
def switch_locale(request: Request, locale: str = Form(...)) -> RedirectResponse:
    """The header's language switch: kept in the session until logout; back to the page
    it was pressed on (the Referer, same-site paths only)."""
    if locale in LOCALES:
        request.session[SESSION_KEY] = locale
    back = urlsplit(request.headers.get("referer", ""))
    same_site = back.netloc == request.url.netloc
    target = back.path + (f"?{back.query}" if back.query else "") if same_site else "/"
    return RedirectResponse(local_next(target, "/"), status_code=303)
