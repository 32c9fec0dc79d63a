"""Error pages for people: a browser that asks for a page gets an HTML page in its
language with a way back (the JSON API and ``/openapi.json`` keep JSON answers)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from config.i18n import N_, _
from radar.web.render import render

TITLES = {
    400: N_("The request cannot be carried out"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not possible here"),
    409: N_("Not possible now"),
    422: N_("The request cannot be carried out"),  # a value in the address a page cannot use
    500: N_("Server error"),
    503: N_("Temporarily unavailable"),
}


API_DOCS = "/api/docs"


def wants_json(request: Request) -> bool:
    """The API answers in JSON; ``/api/docs`` is a page (the API browser): opened in a
    browser without a session it goes to the login page, as every page does."""
    path = request.url.path
    return (path.startswith("/api/") and path != API_DOCS) or path == "/openapi.json"


def error_page(
    request: Request, status: int, detail: Any, headers: dict[str, str] | None = None
) -> Response:
    """The error page; the router's own 404/405 (no route) says which address failed."""
    if status == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
        message = _("There is no page at %(path)s.") % {"path": request.url.path}
    elif status == 405 and detail == HTTPStatus.METHOD_NOT_ALLOWED.phrase:
        message = _("This address cannot be used that way (%(method)s).") % {
            "method": request.method
        }
    else:
        message = str(detail)
    title = _(TITLES[status]) if status in TITLES else _("Error")
    if getattr(request.state, "user", None) is None and "session" in request.scope:
        # an address no route serves ran no login check: the header still shows who is in
        request.state.user = request.app.state.users.get(request.session.get("user"))
    response = render(request, "error.html", status_code=status, title=title, message=message)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response
