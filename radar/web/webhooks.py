"""Admin: the outbound webhook subscribers and their dead letters (the same store record
``radar webhooks`` manages, alerts/webhooks/registry.py). A new or rotated secret is
shown once, on the page after the form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from alerts.outbox import dead_letters, failing_by_target, pending_by_target
from alerts.webhooks import registry
from config.i18n import _
from index.base import Store
from radar.web.auth import Forbidden, LoggedIn, User
from radar.web.render import flash, render

pages = APIRouter(include_in_schema=False)
PAGE = "/admin/webhooks"
EMPTY_FORM = {"url": "", "description": "", "brands": [], "severities": [], "events": []}


def _admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("admin")


@pages.get(PAGE)
def webhooks_page(request: Request, user: LoggedIn):  # type: ignore[no-untyped-def]
    _admin(user)
    store: Store = request.app.state.store
    secret = request.session.pop("webhook_secret", None) if "session" in request.scope else None
    # a refused form comes back filled in as it was sent (bad input loses nothing)
    refused = request.session.pop("webhook_form", None) if "session" in request.scope else None
    return render(
        request,
        "webhooks.html",
        subscribers=[s.public() for s in registry.load(store)],
        dead=dead_letters(store),
        pending=pending_by_target(store),
        failing=failing_by_target(store),
        secret=secret,
        form=refused or EMPTY_FORM,
        event_kinds=registry.EVENT_KINDS,
        brands=[b.name for b in request.app.state.config.brands],
    )


@pages.post(PAGE)
def add_webhook(
    request: Request,
    user: LoggedIn,
    url: Annotated[str, Form(max_length=2000)],
    brands: Annotated[list[str] | None, Form()] = None,
    severities: Annotated[list[str] | None, Form()] = None,
    events: Annotated[list[str] | None, Form()] = None,
    description: Annotated[str, Form(max_length=200)] = "",
):  # type: ignore[no-untyped-def]
    _admin(user)
    url, brands, severities, events = url.strip(), brands or [], severities or [], events or []
    try:
        registry.check_url(url)
    except ValueError:
        message = _("Not added: %(url)s is not a web address (http:// or https:// and a host).")
        flash(request, message % {"url": repr(url)}, "error")
        request.session["webhook_form"] = {
            "url": url,
            "description": description,
            "brands": brands,
            "severities": severities,
            "events": events,
        }
        return RedirectResponse(PAGE, status_code=303)
    try:
        sub = registry.add(
            request.app.state.store,
            url,
            brands=brands,
            severities=severities,
            events=events,
            description=description,
        )
    except ValueError as exc:  # a severity or event no checkbox offers: a forged form
        flash(request, str(exc), "error")
    else:
        request.session["webhook_secret"] = {"id": sub.id, "secret": sub.secret}
    return RedirectResponse(PAGE, status_code=303)


@pages.post(PAGE + "/{sub_id}/{action}")
def change_webhook(request: Request, user: LoggedIn, sub_id: str, action: str):  # type: ignore[no-untyped-def]
    _admin(user)
    store: Store = request.app.state.store
    if action == "remove" and registry.remove(store, sub_id):
        flash(request, _("%(id)s: removed") % {"id": sub_id})
    elif action == "rotate" and registry.get(store, sub_id) is not None:
        grace = request.app.state.config.webhooks.rotation_grace
        sub = registry.rotate(store, sub_id, grace)
        request.session["webhook_secret"] = {"id": sub.id, "secret": sub.secret}
    else:
        flash(request, _("%(id)s: no such subscriber or action") % {"id": sub_id}, "error")
    return RedirectResponse(PAGE, status_code=303)
