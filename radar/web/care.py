"""The care desk's working pages beside the search: one post in its thread, bulk actions
on the ticked cards, a case opened from a mention.

Every form comes back to the card it was sent from (``#m-<id>``), so marking a card
handled does not lose the reader's place in a long result list.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse

from alerts import actions
from config.i18n import _, ngettext
from index.base import Store
from index.models import Case, Mention
from index.text import without_controls
from radar.web.auth import Attacher, Handler, Searcher
from radar.web.cases import action_problem
from radar.web.render import flash, local_next, render

pages = APIRouter(include_in_schema=False)

MAX_BULK = 200  # ticked cards per submit (a page shows 20; a long form is no attack surface)


def mention_anchor(mention_id: str) -> str:
    return f"m-{mention_id}"


def back_to(next_: str, mention_id: str | None = None) -> str:
    """``next_`` (same-site only) with the card's anchor, so the browser scrolls back."""
    target = local_next(next_).split("#", 1)[0]
    return f"{target}#{mention_anchor(mention_id)}" if mention_id else target


def handled_view(next_: str) -> str | None:
    """The search ``next_`` came from with 已处理 chosen instead of 未处理, when it showed
    only unhandled posts: the bulk-marked cards left it, and there each has its undo."""
    parts = urlsplit(local_next(next_))
    query = parse_qsl(parts.query, keep_blank_values=True)
    if parts.path != "/search" or ("handled", "no") not in query:
        return None
    query = [(k, "yes" if k == "handled" else v) for k, v in query if k != "page"]
    return f"/search?{urlencode(query)}"


def cases_for(mention: Mention, open_cases: list[Case]) -> list[Case]:
    """The open cases a mention may be attached to: those of a brand it names."""
    names = {b.brand for b in mention.brands}
    return [c for c in open_cases if c.brand in names]


def _mention_or_404(store: Store, mention_id: str) -> Mention:
    mention = store.get_mention(mention_id)
    if mention is None:
        raise HTTPException(404, _("No mention with id %(id)s.") % {"id": mention_id})
    return mention


@pages.post("/mentions/bulk")
def bulk_form(
    request: Request,
    user: Handler,
    ids: Annotated[list[str], Form(max_length=MAX_BULK)] = [],  # noqa: B006 — FastAPI form default
    action: Annotated[str, Form()] = "",
    case_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    next: Annotated[str, Form()] = "/search",
):
    """One submit for the ticked cards: mark them handled (with one note) or attach them
    to a case (only those naming the case's brand; the others are named)."""
    store: Store = request.app.state.store
    chosen = list(dict.fromkeys(i for i in ids if i))
    if not chosen:
        flash(request, _("Tick the posts to act on first."), "error")
        return RedirectResponse(back_to(next), status_code=303)
    found = store.get_mentions(chosen)
    if action == "handle":
        now = request.app.state.clock()
        for m in found:
            store.mark_handled(m.id, user.name, without_controls(note).strip(), at=now)
        # a list of unhandled posts loses the ticked cards: say where they are to undo it
        view = handled_view(next)
        flash(
            request,
            ngettext("%(num)s post marked handled.", "%(num)s posts marked handled.", len(found))
            % {"num": len(found)},
            link=(view, _("the handled posts (undo there)")) if view else None,
        )
    elif action == "attach":
        if not user.can("attach"):
            raise HTTPException(403, _("Your role may not attach posts to cases."))
        case = store.get_case(case_id)
        if case is None:
            flash(request, _("Choose a case to attach the posts to."), "error")
            return RedirectResponse(back_to(next), status_code=303)
        now = request.app.state.clock()
        attached, skipped = 0, []
        try:
            for m in found:
                if case.brand not in {b.brand for b in m.brands} or m.id in case.evidence:
                    skipped.append(m)
                    continue
                actions.attach_mention(store, case.id, user.name, m.id, now=now)
                case = store.get_case(case.id) or case
                attached += 1
        except actions.ActionError as exc:  # closed since the page was shown (was a 500)
            why = action_problem(request, exc)
            flash(request, _("Not attached: %(why)s") % {"why": why}, "error")
            return RedirectResponse(back_to(next), status_code=303)
        # "0 skipped (already there or not about …)" after every clean attach was noise
        said = (
            _(
                "%(attached)s attached to the case of %(brand)s; %(skipped)s skipped (already "
                "there or not about %(brand)s)."
            )
            if skipped
            else _("%(attached)s attached to the case of %(brand)s.")
        )
        flash(
            request,
            said % {"attached": attached, "brand": case.brand, "skipped": len(skipped)},
            "ok" if attached else "error",
        )
    else:
        raise HTTPException(400, "action: must be handle or attach")
    return RedirectResponse(back_to(next), status_code=303)


@pages.post("/mentions/{mention_id:path}/new-case")
def new_case_form(
    request: Request,
    user: Attacher,
    mention_id: str,
    brand: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form()] = "/search",
):
    """Open a case for the mention's brand with the mention as its first evidence."""
    store: Store = request.app.state.store
    mention = _mention_or_404(store, mention_id)
    brand = brand or (mention.brands[0].brand if mention.brands else "")
    try:
        case = actions.open_case(
            store,
            brand,
            user.name,
            mention_id,
            now=request.app.state.clock(),
            tz=request.app.state.config.timezone,
            # care cannot act on cases: theirs waits for the PR team, as an alert's does
            take=user.can("case_action"),
            ack_within=request.app.state.config.alerts.ack_deadline.P3,
        )
    except actions.ActionError as exc:
        flash(
            request, _("No case opened: %(why)s") % {"why": action_problem(request, exc)}, "error"
        )
        return RedirectResponse(back_to(next, mention_id), status_code=303)
    if case.ack_due_at is not None:
        flash(
            request,
            _("Case opened for %(brand)s: the PR team is to take it by %(at)s.")
            % {"brand": brand, "at": request.app.state.formatter.when(case.ack_due_at)},
        )
    else:
        flash(request, _("Case opened for %(brand)s.") % {"brand": brand})
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


# a crisis post's page listed every reply the store held (the demo's: 200 cards with their
# sentiment buttons, 450 KB): the first ones and a link to all (?all=1), as the story page
REPLIES_SHOWN = 50


@pages.get("/mentions/{mention_id:path}")
def post_page(
    request: Request,
    user: Searcher,
    mention_id: str,
    show_all: Annotated[bool, Query(alias="all")] = False,
):
    """One post in the app: its parent (the post a comment answers, the original a repost
    repeats), the post itself with the care actions, and the replies the store holds."""
    store: Store = request.app.state.store
    mention = _mention_or_404(store, mention_id)
    parent_id = mention.parent_id or mention.repost_of
    parent = store.get_mention(parent_id) if parent_id else None
    story_id = mention.cluster_id or mention.id
    thread = store.story(story_id, limit=500)  # the replies to it and its copies
    # a comment's story is its post's (its own when the post is not stored)
    story_id = store.post_stories([mention]).get(mention.id, story_id)
    replies = sorted(
        (m for m in thread if m.parent_id == mention.id),
        key=lambda m: m.published_at,
    )
    copies = [m for m in thread if m.repost_of == mention.id and m.parent_id != mention.id]
    open_cases = (
        store.list_cases(status=["open", "acknowledged"], limit=50) if user.can("attach") else []
    )
    return render(
        request,
        "post.html",
        m=mention,
        parent=parent,
        replies=replies,
        replies_shown=None if show_all else REPLIES_SHOWN,
        copies=copies,
        open_cases=open_cases,
        story_url=f"/stories/{quote(story_id, safe='')}",
        back=f"/mentions/{mention.id}",
        search_back=search_came_from(request),
    )


def search_came_from(request: Request) -> str:
    """The search the reader opened the post from (its query and filters), by the
    Referer of this site's /search; else a new search."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path == "/search":
        return local_next(f"/search?{referer.query}" if referer.query else "/search")
    return "/search"
