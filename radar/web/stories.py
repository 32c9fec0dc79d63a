"""Stories: one post and how it spread. A story is a dedupe cluster (index/dedupe.py): the
first post, its reposts and its near-copies; its comments hang under it.

``/stories/{id}`` shows the first post, the spread timeline (who amplified it, when, with
what reach, the reach added up as it went) and the repost tree, then the comments.
``/stories/{id}/copies`` is the fragment a search card expands into (static/stories.js).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse

from config.i18n import _
from index.base import Store
from index.models import Case, Mention
from radar.web.auth import Searcher
from radar.web.figures import case_window
from radar.web.render import render

pages = APIRouter(include_in_schema=False)


@dataclass
class Spread:
    """One mention of the story in the order it appeared, with the reach so far."""

    mention: Mention
    reach_so_far: int
    depth: int  # 0: the first post; 1: repeats it; 2: repeats a repeat …


@dataclass
class Story:
    id: str
    first: Mention
    spread: list[Spread] = field(default_factory=list)  # first post included, oldest first
    tree: list[tuple[int, Mention]] = field(default_factory=list)  # (depth, mention), DFS
    comments: list[Mention] = field(default_factory=list)

    @property
    def reach(self) -> int:
        return self.spread[-1].reach_so_far if self.spread else 0

    @property
    def copies(self) -> int:
        return len(self.spread) - 1

    @property
    def amplifiers(self) -> list[Mention]:
        """The repeats by reach, largest first: who carried it furthest."""
        return sorted((s.mention for s in self.spread[1:]), key=lambda m: -m.reach)


def build_story(story_id: str, mentions: list[Mention]) -> Story | None:
    """The story of ``story_id`` from ``Store.story``'s mentions (oldest first)."""
    members = [m for m in mentions if (m.cluster_id or m.id) == story_id or m.id == story_id]
    if not members:
        return None
    ids = {m.id for m in members}
    comments = [m for m in mentions if m.id not in ids and m.parent_id in ids]
    first = next((m for m in members if m.id == story_id), members[0])
    parent = {m.id: (m.repost_of if m.repost_of in ids else first.id) for m in members}
    parent[first.id] = ""
    children: dict[str, list[Mention]] = {}
    for m in members:
        if m.id != first.id:
            children.setdefault(parent[m.id], []).append(m)
    depth = {first.id: 0}
    tree: list[tuple[int, Mention]] = []
    stack = [first]
    while stack:  # depth first, children oldest first
        m = stack.pop()
        tree.append((depth[m.id], m))
        for child in reversed(children.get(m.id, [])):
            depth[child.id] = depth[m.id] + 1
            stack.append(child)
    spread, total = [], 0
    for m in [first, *[m for m in members if m.id != first.id]]:
        total += m.reach
        spread.append(Spread(m, total, depth.get(m.id, 1)))
    return Story(story_id, first, spread, tree, comments)


# a story page reads up to this many of the story's own mentions (and as many comments):
# a crisis post's reposts run into the hundreds, and the counts shown are of those read
STORY_MENTIONS = 2000


def story_or_404(store: Store, story_id: str) -> Story:
    story = build_story(story_id, store.story(story_id, limit=STORY_MENTIONS))
    if story is None:
        raise HTTPException(404, _("no story with id %(id)s") % {"id": repr(story_id)})
    return story


@dataclass
class EvidenceStory:
    """The evidence posts of a case that belong to one story."""

    first: Mention
    mentions: int
    reach: int
    id: str = ""  # the story's: a comment's is its post's story


def evidence_stories(
    evidence: list[Mention], post_stories: dict[str, str] | None = None
) -> list[EvidenceStory]:
    """A case's evidence as stories (the earliest post of each shown), by reach; a
    comment is in its post's story (``post_stories``: ``Store.post_stories``)."""
    groups: dict[str, list[Mention]] = {}
    for m in evidence:
        key = (post_stories or {}).get(m.id) or m.cluster_id or m.id
        groups.setdefault(key, []).append(m)
    stories = [
        EvidenceStory(
            min(ms, key=lambda m: (m.published_at, m.id)),
            len(ms),
            sum(m.reach for m in ms),
            key,
        )
        for key, ms in groups.items()
    ]
    return sorted(stories, key=lambda s: -s.reach)


def case_search_url(request: Request, case: Case) -> str:
    """The search of everything behind a case: its brand's negative mentions over the
    case's window (a day before it opened until it was resolved), as stories by reach."""
    since, until = case_window(case, request.app.state.clock())
    local = request.app.state.formatter.local
    query = {
        "q": f"brand:{case.brand} sentiment:negative",
        "since": local(since, "%Y-%m-%dT%H:%M"),
        "until": local(until + timedelta(minutes=1), "%Y-%m-%dT%H:%M"),
        "sort": "reach",
    }
    return "/search?" + urlencode(query)


def case_context(request: Request, case: Case, evidence: list[Mention]) -> dict[str, Any]:
    """What the case page shows of stories: the evidence grouped, the full search."""
    return {
        "evidence_stories": evidence_stories(
            evidence, request.app.state.store.post_stories(evidence)
        ),
        "full_search": case_search_url(request, case),
    }


@pages.get("/stories/{story_id:path}/copies")
def story_copies(request: Request, user: Searcher, story_id: str):
    """The repeats of a story, for a search card that expands in place."""
    story = story_or_404(request.app.state.store, story_id)
    return render(request, "_story_copies.html", story=story)


# a crisis post collects hundreds of comments and hundreds of reposts (the demo's: 390 and
# 806; the page was 811 KB and 77,000 px tall on a phone with the first 100 comments, 200
# spread rows and 200 copy cards). The page shows the comments 50 at a time with a pager,
# the first SPREAD_OPEN spread rows (and tree lines) with the next ones folded in a
# <details>, up to COPIES_SHOWN copies; each row links to the copy's own page (its text,
# the care actions, the sentiment buttons). ?all=1 is the whole story on one page (every
# copy, every comment unpaged: to save or print it); the pager keeps the order and ?all.
COMMENTS_PER_PAGE = 50
SPREAD_OPEN = 20
COPIES_SHOWN = 200
COMMENT_ORDERS = {
    # newest first; most engaged first (reposts + comments + likes, then newest)
    "new": lambda m: (m.published_at, m.id),
    "top": lambda m: (m.engagement.reposts + m.engagement.comments + m.engagement.likes,
                      m.published_at, m.id),
}  # fmt: skip


@pages.get("/stories/{story_id:path}")
def story_page(
    request: Request,
    user: Searcher,
    story_id: str,
    show_all: Annotated[bool, Query(alias="all")] = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    order: Annotated[Literal["new", "top"], Query()] = "new",
):
    story = story_or_404(request.app.state.store, story_id)
    path = "/stories/" + quote(story.id, safe="")
    comments = sorted(story.comments, key=COMMENT_ORDERS[order], reverse=True)
    pages_total = 1 if show_all else max(1, -(-len(comments) // COMMENTS_PER_PAGE))
    if page > pages_total:  # a pager of a story that has since shrunk, a typed ?page=
        last = {**request.query_params, "page": str(pages_total)}
        return RedirectResponse(f"{path}?{urlencode(last)}", status_code=303)
    if not show_all:
        comments = comments[(page - 1) * COMMENTS_PER_PAGE : page * COMMENTS_PER_PAGE]

    def here(**change: Any) -> str:
        """This page's address with ``change`` (None drops a parameter; page 1 is no
        parameter): the pager and the order links keep the others, and a correction on a
        card comes back to the same page of comments."""
        query = {**request.query_params, **change}
        kept = {k: v for k, v in query.items() if v is not None and (k, str(v)) != ("page", "1")}
        return path + ("?" + urlencode(kept) if kept else "")

    return render(
        request,
        "story.html",
        story=story,
        comments=comments,
        page=page,
        pages_total=pages_total,
        order=order,
        show_all=show_all,
        per_page=COMMENTS_PER_PAGE,
        here=here,
        open_rows=None if show_all else SPREAD_OPEN,
        rows_shown=None if show_all else COPIES_SHOWN + 1,  # the first post and its copies
    )
