"""Log in and out of the web UI (session cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from radar.web.auth import Users
from radar.web.render import local_next, render

pages = APIRouter(include_in_schema=False)


@pages.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=local_next(next, "/"), error="", name="")


@pages.post("/login")
def login_submit(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form()] = "/",
):
    users: Users = request.app.state.users
    user = users.authenticate(name.strip(), password)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=local_next(next, "/"),
            error="Wrong user name or password.",
            name=name,
        )
    request.session.clear()
    request.session["user"] = user.name
    return RedirectResponse(local_next(next, "/"), status_code=303)


@pages.post("/logout")
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
