"""PR team: the case board and case pages, and the case actions.

Every change of a case goes through ``alerts.actions`` — the same code path as the Slack
buttons — so the timeline, the SLA fields and the Slack thread stay consistent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse

from alerts import actions
from config.i18n import N_, _
from index.base import Store
from index.models import Case, CaseStatus
from index.text import without_controls
from radar.web import stories
from radar.web.auth import CaseReader, CaseWorker, User
from radar.web.filters import brand_filter
from radar.web.problems import COMMON, problem_responses
from radar.web.render import display_names, flash, label, render
from radar.web.schemas import AssignIn, Board, BoardItem, CaseDetail, NoteIn, RaiseIn

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["pr"], responses=problem_responses(*COMMON, 403))

ACTIVE = [CaseStatus.open.value, CaseStatus.acknowledged.value]
DONE = [CaseStatus.resolved.value, CaseStatus.closed.value]
SEVERITY_ORDER = {"P1": 0, "P2": 1, "P3": 2}


def board_item(case: Case, now: datetime) -> BoardItem:
    due: Literal["acknowledge", "update"] | None = None
    due_at = None
    if case.status == CaseStatus.open:
        due, due_at = "acknowledge", case.ack_due_at
    elif case.status == CaseStatus.acknowledged:
        due, due_at = "update", case.update_due_at
    return BoardItem(
        case=case,
        age_seconds=(now - case.opened_at).total_seconds(),
        due=due if due_at else None,
        due_in_seconds=(due_at - now).total_seconds() if due_at else None,
    )


RECENT = 20  # resolved/closed cases on the board (the API's ``limit`` default)
MAX_LIMIT = 500


class CaseSort(StrEnum):
    """The orders of the API's case board (``sort``); absent: the board page's."""

    severity = "severity"  # P1 first, then the least time left before escalation
    opened = "opened"  # oldest opened first
    newest = "-opened"  # newest opened first
    updated = "updated"  # least recently changed first
    recently_updated = "-updated"  # most recently changed first


def _severity(item: BoardItem) -> tuple[int, float]:
    due = item.due_in_seconds
    return SEVERITY_ORDER.get(str(item.case.severity), 9), due if due is not None else float("inf")


SORT_KEYS: dict[str, Callable[[BoardItem], Any]] = {
    "severity": _severity,
    "opened": lambda i: i.case.opened_at,
    "updated": lambda i: i.case.updated_at,
}


def sort_items(items: list[BoardItem], sort: str) -> list[BoardItem]:
    """``items`` in the order ``sort`` names (``-`` reverses); ties keep their order."""
    items.sort(key=SORT_KEYS[sort.removeprefix("-")], reverse=sort.startswith("-"))
    return items


def build_board(
    store: Store,
    now: datetime,
    statuses: list[str] | None = None,
    brand: str | None = None,
    limit: int = RECENT,
    sort: str | None = None,
) -> Board:
    """Open and acknowledged cases by severity, then time left (up to 500), and the
    ``limit`` newest resolved and closed ones, newest opened first; ``statuses`` keeps
    only those (a list without an active status leaves ``open`` empty), ``brand`` only
    that brand's, ``sort`` (a :class:`CaseSort`) puts both lists in its order."""
    chosen = statuses if statuses is not None else ACTIVE + DONE
    active_statuses = [s for s in ACTIVE if s in chosen]
    done_statuses = [s for s in DONE if s in chosen]
    active = [
        board_item(c, now)
        for c in store.list_cases(status=active_statuses, brand=brand, limit=MAX_LIMIT)
    ]
    recent = [
        board_item(c, now) for c in store.list_cases(status=done_statuses, brand=brand, limit=limit)
    ]
    if sort is not None:
        sort_items(recent, sort)
    return Board(open=sort_items(active, sort or CaseSort.severity), recent=recent)


def case_detail(store: Store, case_id: str, now: datetime) -> CaseDetail:
    case = store.get_case(case_id)
    if case is None:
        raise HTTPException(404, _("no case with id %(id)s") % {"id": repr(case_id)})
    return CaseDetail(
        case=case,
        board=board_item(case, now),
        events=store.case_events(case_id),
        evidence=store.get_mentions(case.evidence),
    )


class NotACaseWorker(actions.ActionError):
    """An assignee who is not one of the users who work cases (a 400 to the API)."""


def action_problem(request: Request, exc: Exception) -> str:
    """Why a case action was refused (alerts.actions.ActionError) in the reader's language,
    people by display name and a case status as the interface names it; Slack and the API
    keep the English message."""
    template = getattr(exc, "template", None)
    if not template:
        return str(exc)
    params = dict(getattr(exc, "params", {}))
    if params.get("user"):
        params["user"] = display_names(request)(str(params["user"]))
    if "status" in params:
        params["status"] = label(params["status"], "status")
    said = _(template)
    return said % params if params else said


def case_worker(request: Request, value: str) -> str:
    """The login of the user who works cases that ``value`` names (login or display name,
    any case): the case page offers only them, and the API took any string ("nobody")."""
    key = value.strip().casefold()
    workers = [u for u in request.app.state.users if u.can("case_action")]
    for u in workers:
        if key in (u.name.casefold(), u.display_name.strip().casefold()):
            return u.name
    raise NotACaseWorker(
        N_("assignee: '%(name)s' is not a user who works cases (%(workers)s)"),
        name=value.strip(),
        workers=", ".join(u.name for u in workers) or "none configured",
    )


def apply_action(
    request: Request, case_id: str, user: User, action: str, value: str = "", severity: str = ""
) -> bool:
    """Run one case action through alerts.actions; raises ActionError or HTTPException.
    False when it changed nothing (assigning the case to its assignee). ``raise``: to
    ``severity``, ``value`` saying why."""
    store: Store = request.app.state.store
    now = request.app.state.clock()
    if store.get_case(case_id) is None:
        raise HTTPException(404, _("no case with id %(id)s") % {"id": repr(case_id)})
    if action == "acknowledge":
        actions.acknowledge(store, case_id, user.name, now=now)
    elif action == "assign":
        if not value.strip():
            raise actions.ActionError(N_("assign: name someone to assign the case to"))
        assignee = case_worker(request, value)
        return actions.assign(store, case_id, user.name, assignee, now=now) is not None
    elif action == "note":
        value = without_controls(value).strip()  # so does actions.add_note
        if not value:
            raise actions.ActionError(N_("note: a note needs some text"))
        actions.add_note(store, case_id, user.name, value, now=now)
    elif action == "raise":
        config = request.app.state.config
        actions.raise_severity(store, config, case_id, user.name, severity, value, now=now)
    elif action == "resolve":
        actions.resolve(store, case_id, user.name, now=now)
    elif action == "close":
        actions.close(store, case_id, user.name, now=now)
    else:
        raise HTTPException(404, _("unknown case action %(action)s") % {"action": repr(action)})
    return True


# -- pages ----------------------------------------------------------------------------------


@pages.get("/cases")
def board_page(request: Request, user: CaseReader):
    board = build_board(request.app.state.store, request.app.state.clock())
    return render(request, "cases.html", board=board)


@pages.get("/cases/{case_id}")
def case_page(request: Request, user: CaseReader, case_id: str):
    detail = case_detail(request.app.state.store, case_id, request.app.state.clock())
    users = [u for u in request.app.state.users if u.can("case_action")]
    extra = stories.case_context(request, detail.case, detail.evidence)
    return render(request, "case.html", d=detail, assignees=users, **extra)


# what the case page says after each action (translated when shown)
ACTION_DONE = {
    "acknowledge": N_("Acknowledged: the case is yours."),
    "assign": N_("Assigned."),
    "note": N_("Note added to the timeline."),
    "raise": N_("Severity raised: the channel of the new severity is told."),
    "resolve": N_("Resolved."),
    "close": N_("Closed."),
}


@pages.post("/cases/{case_id}/{action}")
def case_action_form(
    request: Request,
    user: CaseWorker,
    case_id: str,
    action: str,
    value: Annotated[str, Form(max_length=5000)] = "",
    severity: Annotated[str, Form(max_length=10)] = "",
):
    try:
        if apply_action(request, case_id, user, action, value, severity):
            done = ACTION_DONE.get(action)
            flash(request, _(done) if done else f"{action}: done.")
        else:
            case = request.app.state.store.get_case(case_id)
            name = display_names(request)(case.assignee if case else value)
            flash(request, _("%(name)s was already the assignee.") % {"name": name}, "notice")
    except actions.ActionError as exc:
        flash(request, _("Not done: %(why)s") % {"why": action_problem(request, exc)}, "error")
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


# -- JSON API ---------------------------------------------------------------------------------


def case_statuses(values: list[str]) -> list[str]:
    """The statuses named by ``status`` (repeated and/or comma-separated); 400 naming an
    unknown one."""
    named = [v.strip() for value in values for v in value.split(",") if v.strip()]
    for value in named:
        if value not in ACTIVE + DONE:
            raise HTTPException(
                400,
                f"status: unknown case status {value!r} (use {', '.join(ACTIVE + DONE)})",
            )
    return named


@api.get(
    "/cases",
    response_model=Board,
    summary="Case board: open cases by severity, recent resolved and closed ones",
    responses=problem_responses(400, 404, 422),
)
def api_board(
    request: Request,
    user: CaseReader,
    status: Annotated[
        list[str] | None,
        Query(
            description="only cases in these statuses: open, acknowledged (listed in "
            "`open`), resolved, closed (listed in `recent`); repeat the parameter or "
            "separate with commas; absent: all four. An unknown status is a 400",
        ),
    ] = None,
    brand: Annotated[
        str,
        Query(
            max_length=200,
            description="only this brand's cases: a configured brand's name or alias "
            "(404 if it names none); empty or only spaces for all brands",
        ),
    ] = "",
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_LIMIT,
            description="at most this many cases in `recent` (the newest opened, whatever "
            "the `sort`); `open` lists every matching open or acknowledged case (up to 500)",
        ),
    ] = RECENT,
    sort: Annotated[
        CaseSort | None,
        Query(
            description="the order of both lists: severity (P1 first, then the least time "
            "left before escalation), opened / -opened (oldest / newest opened first), "
            "updated / -updated (least / most recently changed first); ties keep the "
            "newest opened first. Absent: the case board's order, `open` by severity and "
            "`recent` newest opened first",
        ),
    ] = None,
) -> Board:
    """The case board; ``status``, ``brand`` and ``limit`` narrow or lengthen its two
    lists (``recent`` by default holds the 20 newest resolved or closed cases), ``sort``
    orders them."""
    statuses = case_statuses(status) if status is not None else None
    name = brand_filter(request.app.state.config, brand)
    store, now = request.app.state.store, request.app.state.clock()
    return build_board(store, now, statuses, name, limit, sort.value if sort else None)


@api.get(
    "/cases/{case_id}",
    response_model=CaseDetail,
    summary="A case with evidence, timeline",
    responses=problem_responses(404, 422),
)
def api_case(request: Request, user: CaseReader, case_id: str) -> CaseDetail:
    return case_detail(request.app.state.store, case_id, request.app.state.clock())


# an unknown case, a refused action (wrong state: 409), a bad body or case id
ACTION_ERRORS = problem_responses(404, 409, 422)
BODY_ACTION_ERRORS = problem_responses(400, 404, 409, 422)  # 400: a body that is not UTF-8


def _api_action(
    request: Request, case_id: str, user: User, action: str, value: str = "", severity: str = ""
) -> Case:
    store: Store = request.app.state.store
    try:
        apply_action(request, case_id, user, action, value, severity)
    except NotACaseWorker as exc:
        raise HTTPException(400, str(exc)) from None
    except actions.ActionError as exc:
        raise HTTPException(409, str(exc)) from None
    case = store.get_case(case_id)
    assert case is not None
    return case


@api.post(
    "/cases/{case_id}/acknowledge",
    response_model=Case,
    summary="Acknowledge a case",
    responses=ACTION_ERRORS,
)
def api_acknowledge(request: Request, user: CaseWorker, case_id: str) -> Case:
    return _api_action(request, case_id, user, "acknowledge")


@api.post(
    "/cases/{case_id}/assign",
    response_model=Case,
    summary="Assign a case",
    responses=BODY_ACTION_ERRORS,
)
def api_assign(request: Request, user: CaseWorker, case_id: str, body: AssignIn) -> Case:
    return _api_action(request, case_id, user, "assign", body.assignee)


@api.post(
    "/cases/{case_id}/notes",
    response_model=Case,
    summary="Add a note to a case",
    responses=BODY_ACTION_ERRORS,
)
def api_case_note(request: Request, user: CaseWorker, case_id: str, body: NoteIn) -> Case:
    return _api_action(request, case_id, user, "note", body.text)


@api.post(
    "/cases/{case_id}/raise",
    response_model=Case,
    summary="Raise a case's severity by hand",
    responses=BODY_ACTION_ERRORS,
)
def api_raise(request: Request, user: CaseWorker, case_id: str, body: RaiseIn) -> Case:
    """Raise an open or acknowledged case to a higher severity (P3 → P2 → P1), saying why:
    recorded in its timeline (kind ``raised``: who, when, ``data.reason``), the case
    message sent to the channels routed for the new severity, as when the rules raise it.
    A severity that is not higher than the case's is a 409."""
    return _api_action(request, case_id, user, "raise", body.reason, body.severity)


@api.post(
    "/cases/{case_id}/resolve",
    response_model=Case,
    summary="Resolve a case",
    responses=ACTION_ERRORS,
)
def api_resolve(request: Request, user: CaseWorker, case_id: str) -> Case:
    return _api_action(request, case_id, user, "resolve")


@api.post(
    "/cases/{case_id}/close",
    response_model=Case,
    summary="Close a case",
    responses=ACTION_ERRORS,
)
def api_close(request: Request, user: CaseWorker, case_id: str) -> Case:
    return _api_action(request, case_id, user, "close")
