"""Log in and out of the web UI (a server-side session behind the signed cookie).

Wrong passwords are logged (user name and address, never the password) and throttled
per address and per (user, address) (radar/web/throttle.py): a throttled attempt is a
429 before any password hash is checked.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from config.i18n import _, ngettext
from radar.web import csrf
from radar.web.auth import SESSION_ID, Users
from radar.web.render import local_next, render
from radar.web.sessions import SessionStore
from radar.web.throttle import LoginThrottle, Throttled

log = logging.getLogger(__name__)
pages = APIRouter(include_in_schema=False)


@pages.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=local_next(next, "/"), error="", name="")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@pages.post("/login")
async def login_submit(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form()] = "/",
):
    users: Users = request.app.state.users
    throttle: LoginThrottle = request.app.state.login_throttle
    name, address = name.strip(), client_address(request)
    try:
        throttle.begin(name, address)
    except Throttled as exc:
        log.warning("login refused (throttled): user %r from %s", name, address)
        minutes = (exc.retry_after + 59) // 60
        return render(
            request,
            "login.html",
            status_code=429,
            next=local_next(next, "/"),
            error=ngettext(
                "Too many wrong passwords. Try again in %(num)s minute.",
                "Too many wrong passwords. Try again in %(num)s minutes.",
                minutes,
            )
            % {"num": minutes},
            name=name,
        )
    user = None
    try:
        user = await run_in_threadpool(users.authenticate, name, password)
    finally:
        throttle.end(name, address, ok=user is not None)
    if user is None:
        log.warning("login failed: wrong user name or password for %r from %s", name, address)
        return render(
            request,
            "login.html",
            status_code=401,
            next=local_next(next, "/"),
            error=_("Wrong user name or password."),
            name=name,
        )
    sessions: SessionStore = request.app.state.sessions
    session_id = await run_in_threadpool(sessions.create, user.name)
    chosen = request.session.get("locale")  # the language picked on the login page stays
    request.session.clear()
    if chosen:
        request.session["locale"] = chosen
    request.session[SESSION_ID] = session_id
    request.session["user"] = user.name  # who it is for (the locale); sessions decides
    csrf.new_token(request.session)
    log.info("login: %r from %s", user.name, address)
    return RedirectResponse(local_next(next, "/"), status_code=303)


@pages.post("/logout")
def logout(request: Request):
    sessions: SessionStore = request.app.state.sessions
    sessions.end(request.session.get(SESSION_ID))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
