"""Customer care: search mentions, mark them handled, note them, correct the sentiment
toward a brand, attach them to a case, export the result set as CSV. Pages and their JSON
API mirror share ``run_search`` and ``correct_sentiment``."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse

from alerts import actions
from config.i18n import N_, _, current_locale, zone_name
from index.base import SORTS, SearchRequest, SearchResult, Store
from index.models import MAX_TITLE, Case, Mention, SentimentLabel
from index.query import QuerySyntaxError
from index.records import CSV_COLUMNS, csv_cell, csv_row
from index.records import brand_sentiment_cell as records_brand_cell
from index.text import without_controls
from radar.web import paging
from radar.web.auth import Attacher, Handler, Searcher, SentimentCorrector, User
from radar.web.cases import action_problem
from radar.web.filters import (
    api_notes,
    brand_hint,
    checked_query,
    configured_brand,
    facet_query,
    kind_hint,
    page_problem,
    query_problem,
    source_hint,
)
from radar.web.params import RANGES, ApiTime, Sort, TimeRange, in_zone
from radar.web.problems import COMMON, problem_responses
from radar.web.render import LABELS, display_names, flash, local_next, render, safe_url
from radar.web.render import label as label_of
from radar.web.schemas import AttachIn, HandledIn, Hit, NoteIn, SearchOut, SentimentIn

log = logging.getLogger(__name__)
pages = APIRouter(include_in_schema=False)
# the JSON API's care routes, mounted at /api/v1 (and the old /api) by the app
api = APIRouter(tags=["care"], responses=problem_responses(*COMMON, 403))

# a search without a time range counts facets over every stored mention: the page starts
# with the last day (the care team's working set), and "all" is one click away
DEFAULT_RANGE = "24h"
PER_PAGE = 20
EXPORT_LIMIT = 50_000  # rows in one CSV export
# the orders the page offers: index.base.SORTS, the public ones (the API's Sort enum is
# made from it too; the Store's own "oldest" is not one: the cursors page newest first),
# each named as an order (a bare 覆盖 beside the filters read as one). A public sort
# without a name here fails at import, not as a missing option
SORT_NAMES = {
    "time": N_("newest first"),
    "relevance": N_("most relevant first"),
    "reach": N_("widest reach first"),
}
SORT_OPTIONS = tuple((sort, SORT_NAMES[sort]) for sort in SORTS)


@dataclass
class SearchParams:
    q: str = ""
    range: str = DEFAULT_RANGE
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "time"
    handled: bool | None = None
    offset: int = 0
    limit: int = PER_PAGE
    group_stories: bool = False  # one hit per story (the search page's default)

    def request(self, now: datetime, **overrides: object) -> SearchRequest:
        since = self.since
        seconds = RANGES.get(self.range)
        if since is None and seconds:
            # counted back from until when one is given (and past): range=24h with until=X
            # is the day before X (it was [now - 24h, X), nothing for an X a day ago)
            end = min(self.until, now) if self.until else now
            since = end - timedelta(seconds=seconds)
        req = SearchRequest(
            query=self.q,
            since=since,
            until=self.until,
            handled=self.handled,
            sort=self.sort,
            offset=self.offset,
            limit=self.limit,
            group_stories=self.group_stories,
        )
        for key, value in overrides.items():
            setattr(req, key, value)
        return req


_Q = Query("", description='search-box language: words, AND/OR/NOT, "phrases", brand:/source:/'
           "sentiment:/author:/category:/signal: filters")  # fmt: skip


@dataclass
class SearchInputs:
    """The search inputs as typed in the page's form or the API's query string, before
    validation: one definition for the search page, the API and both CSV exports."""

    q: str = ""
    range: str = DEFAULT_RANGE
    since: str | None = None
    until: str | None = None
    sort: str = "time"
    handled: str = ""


def search_inputs(
    q: str = _Q,
    range: str = Query(
        DEFAULT_RANGE,
        description="1h | 24h (default) | 7d | 30d | all, back from until (or now); "
        "ignored with since",
    ),
    since: str | None = Query(None, description="ISO time; naive = the configured timezone"),
    until: str | None = Query(None, description="ISO time, exclusive"),
    sort: str = Query("time", description=f"{' | '.join(SORTS)} (time: newest first)"),
    handled: str = Query("", description="yes | no | empty for both"),
) -> SearchInputs:
    return SearchInputs(q, range, since, until, sort, handled)


Inputs = Annotated[SearchInputs, Depends(search_inputs)]


def parse_params(request: Request, raw: SearchInputs, offset: int, limit: int) -> SearchParams:
    """Validate the search inputs; raises HTTPException(400) naming the bad one."""
    fmt = request.app.state.formatter
    try:
        q = checked_query(request.app.state.config, raw.q)
    except QuerySyntaxError as exc:
        raise HTTPException(400, f"q: {exc}") from None
    range_ = raw.range or DEFAULT_RANGE
    if range_ not in RANGES:
        raise HTTPException(
            400, _("range: must be one of %(ranges)s") % {"ranges": ", ".join(RANGES)}
        )
    try:
        since_dt, until_dt = fmt.parse_local(raw.since), fmt.parse_local(raw.until)
    except ValueError as exc:
        raise HTTPException(400, _("since/until: %(error)s") % {"error": exc}) from None
    # the page's messages in the reader's language; the API's stay as written (its locale)
    if since_dt and until_dt and until_dt <= since_dt:
        raise HTTPException(400, _("until: must be after since"))
    if raw.sort not in SORTS:  # the Store's own "oldest" is none: the cursors page newest first
        raise HTTPException(400, _("sort: must be one of %(sorts)s") % {"sorts": ", ".join(SORTS)})
    handled_map = {"": None, "any": None, "yes": True, "true": True, "no": False, "false": False}
    if raw.handled not in handled_map:
        raise HTTPException(400, _("handled: must be yes, no or empty"))
    return SearchParams(
        q=q,
        range=range_,
        since=since_dt,
        until=until_dt,
        sort=raw.sort,
        handled=handled_map[raw.handled],
        offset=max(0, offset),
        limit=max(1, min(limit, 100)),
    )


def run_search(request: Request, params: SearchParams) -> SearchResult:
    store: Store = request.app.state.store
    try:
        return store.search(params.request(request.app.state.clock()))
    except QuerySyntaxError as exc:
        raise HTTPException(400, f"q: {exc}") from None


# a hit's text in a list response: stored posts of 1-3 MB made one page ~5 MB; the whole
# post is GET /api/mentions/{id}
LIST_TEXT_CHARS = 2_000


def hit_out(hit) -> Hit:  # type: ignore[no-untyped-def]
    m: Mention = hit.mention
    if len(m.text) > LIST_TEXT_CHARS or len(m.title) > MAX_TITLE:
        cut = m.text[:LIST_TEXT_CHARS] + "…" if len(m.text) > LIST_TEXT_CHARS else m.text
        m = m.model_copy(update={"text": cut, "title": m.title[:MAX_TITLE]})
    return Hit(
        mention=m, highlight=hit.highlight, score=hit.score, reach=m.reach, link=safe_url(m.url)
    )


def _mention_or_404(store: Store, mention_id: str) -> Mention:
    mention = store.get_mention(mention_id)
    if mention is None:
        raise HTTPException(404, _("no mention with id %(id)s") % {"id": repr(mention_id)})
    return mention


def correct_sentiment(
    request: Request, user: User, mention_id: str, brand: str, label: SentimentLabel | None
) -> Mention:
    """Set (``label`` None: clear) ``user``'s correction of the sentiment toward ``brand``
    and drop the executive figures cached for that brand: the one code path of the JSON
    call and the form. HTTPException 400 when the mention does not name the brand, 404
    when there is no such mention."""
    store: Store = request.app.state.store
    mention = _mention_or_404(store, mention_id)
    brand = configured_brand(request.app.state.config, brand) or brand  # an alias: its brand
    if brand not in mention.brand_names:
        named = ", ".join(dict.fromkeys(mention.brand_names)) or _("no brand")
        raise HTTPException(
            400,
            _("brand: mention %(mention)s does not name %(brand)s (it names %(named)s)")
            % {"mention": repr(mention_id), "brand": repr(brand), "named": named},
        )
    now = request.app.state.clock()
    try:
        corrected = store.correct_sentiment(mention_id, brand, label, user.name, now)
    except KeyError:
        raise HTTPException(404, f"no mention with id {mention_id!r}") from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    # the cached executive figures of the brand (and of all brands) count it differently now
    request.app.state.aggregates.forget(brand)
    log.info(
        "sentiment toward %s of %s %s by %s",
        brand,
        mention_id,
        f"corrected to {label.value}" if label else "correction cleared",
        user.name,
    )
    return corrected


def mention_anchor(mention_id: str) -> str:
    """The fragment of a mention's card (``id="m-<mention id>"``) in a page's URL."""
    return "m-" + quote(mention_id, safe=":")


# -- CSV ----------------------------------------------------------------------------------

EXPORT_COLUMNS = CSV_COLUMNS
# The web page's export is opened by care staff in a spreadsheet: its header is in the
# reader's language and its flags read 是/否. The API's export keeps the column keys and
# True/False, which integrators parse.
EXPORT_HEADERS = {
    "id": N_("Mention ID"),
    "published_at": N_("Published at"),
    "source": N_("Source"),
    "brands": N_("Brands"),
    "author": N_("Author"),
    "author_followers": N_("Author followers"),
    "verified": N_("Verified account"),
    "sentiment": N_("Post sentiment"),
    # the model's raw 0..1 score of the post as a whole (a card: in its badge's note)
    "sentiment_score": N_("Post sentiment model score (0 to 1, the lower the more negative)"),
    "sentiment_toward_brands": N_("Sentiment toward brands"),
    "complaint_category": N_("Complaint category"),
    "risk_signals": N_("Risk signals"),
    "reach": N_("Reach"),
    "reposts": N_("Repost count"),
    "comments": N_("Comment count"),
    "likes": N_("Like count"),
    "handled": N_("Handled"),
    "handled_by": N_("Handled by"),
    "url": N_("Link"),
    "title": N_("Title"),
    "text": N_("Text"),
}
# the API's export keeps handled_by the login (a stable id) and adds the name people know
API_EXPORT_COLUMNS = (*EXPORT_COLUMNS, "handled_by_name")
_FLAGS = [EXPORT_COLUMNS.index(c) for c in ("verified", "handled")]
_BRANDS = EXPORT_COLUMNS.index("sentiment_toward_brands")
_HANDLED_BY = EXPORT_COLUMNS.index("handled_by")


@dataclass(frozen=True)
class ExportLayout:
    """The header row, how a flag reads (keys and True/False, or for people), how the
    stored keys of the sentiment, category and signal cells read, and how people are
    named: for people by the names the pages show (handled_by, a correction's author),
    for programs by login with ``handled_by_name`` added at the end."""

    header: tuple[str, ...] = API_EXPORT_COLUMNS
    flags: tuple[str, str] | None = None  # (yes, no)
    # column -> stored key -> what people read ({}: the keys as stored)
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    corrected: str = "corrected by %(name)s %(at)s"
    joiner: str = "; "  # between brands
    list_joiner: str = " "  # between the signals of one cell
    by_name: bool = False  # people named by display name in place of the login

    @classmethod
    def for_people(
        cls, timezone: str = "", sources: Mapping[str, str] | None = None
    ) -> ExportLayout:
        """In the current locale (call it in the request, not in the streaming body); the
        time column names ``timezone``, the zone its cells are written in — a file is
        forwarded away from the page whose footer says so. ``sources``: a source's name ->
        its title (the cards' 微博（演示）; the API's export keeps the name)."""
        tables = {"sentiment": "sentiment", "complaint_category": "category"}
        tables["risk_signals"] = "signal"
        names = {
            column: {key: label_of(key, table) for key in LABELS[table]}
            for column, table in tables.items()
        }
        names["source"] = dict(sources or {})
        chinese = str(current_locale()).startswith("zh")
        header = [_(EXPORT_HEADERS[c]) for c in EXPORT_COLUMNS]
        if timezone:
            at = EXPORT_COLUMNS.index("published_at")
            header[at] = _("%(column)s (%(zone)s)") % {
                "column": header[at],
                "zone": zone_name(timezone),
            }
        return cls(
            header=tuple(header),
            flags=(_("Yes"), _("No")),
            names=names,
            corrected=_("corrected by %(name)s, %(at)s"),
            joiner="；" if chinese else "; ",
            list_joiner="、" if chinese else ", ",
            by_name=True,
        )


def brand_sentiment_cell(
    m: Mention,
    when: Callable[[datetime], str],
    layout: ExportLayout = ExportLayout(),
    person: Callable[[str], str] = str,
) -> str:
    """``极光汽车:negative; 清泉乳业:neutral (corrected by care 2026-11-23 10:00:00)``
    (the API's export); ``极光汽车:负面；清泉乳业:中性 (care 已修正，2026-11-23 10:00:00)``
    (the page's, for people)."""
    names = layout.names.get("sentiment", {})
    return records_brand_cell(m, when, names, layout.corrected, layout.joiner, person)


def export_row(
    m: Mention,
    when: Callable[[datetime], str],
    layout: ExportLayout = ExportLayout(),
    person: Callable[[str], str] = str,
) -> list[object]:
    """``person``: a login -> the name people know (render.display_names)."""
    row = csv_row(m, when)
    name = csv_cell(person(m.handled_by)) if m.handled_by else ""
    if layout.by_name:
        row[_HANDLED_BY] = name
        row[_BRANDS] = csv_cell(brand_sentiment_cell(m, when, layout, person))
    else:
        row[_BRANDS] = csv_cell(brand_sentiment_cell(m, when, layout))
        row.append(name)
    if layout.flags is not None:
        yes, no = layout.flags
        for i in _FLAGS:
            row[i] = yes if row[i] else no
    for column, names in layout.names.items():
        i = EXPORT_COLUMNS.index(column)
        row[i] = csv_cell(layout.list_joiner.join(names.get(k, k) for k in str(row[i]).split()))
    return row


def export_rows(
    request: Request, params: SearchParams, layout: ExportLayout = ExportLayout()
) -> Iterator[str]:
    """The whole result set (up to EXPORT_LIMIT rows) as CSV text, page by page, in the
    order ``params.sort`` names (the page's own: a page sorted by reach exports by reach)."""
    store: Store = request.app.state.store
    local = request.app.state.formatter.local
    person = display_names(request)

    def when(value: datetime) -> str:
        return str(local(value, "%Y-%m-%d %H:%M:%S"))

    now = request.app.state.clock()
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
    writer.writerow(layout.header)
    offset, batch = 0, 500
    while offset < EXPORT_LIMIT:
        req = params.request(
            now,
            offset=offset,
            limit=batch,
            facets=False,
            highlight=False,
            group_stories=False,
        )
        result = store.search(req)
        for hit in result.hits:
            writer.writerow(export_row(hit.mention, when, layout, person))
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        offset += batch
        if len(result.hits) < batch or offset >= result.total:
            break


def csv_response(
    request: Request, params: SearchParams, layout: ExportLayout = ExportLayout()
) -> StreamingResponse:
    """The export, after one small search has shown the store takes the query: once the
    stream has started, a query the store refuses (q='¨') could only end it as a 500.
    HEAD: that check and the headers, without the rows."""
    now = request.app.state.clock()
    try:
        request.app.state.store.search(
            params.request(now, limit=1, facets=False, highlight=False, group_stories=False)
        )
    except QuerySyntaxError as exc:
        raise HTTPException(400, f"q: {exc}") from None
    # the file is named in the zone its rows are written in (was UTC: 20261204-1724 for
    # rows of 2026-12-05 01:19 in Shanghai)
    stamp = request.app.state.formatter.local(now, "%Y%m%d-%H%M")
    head_only = getattr(request.state, "head_only", False)
    return StreamingResponse(
        iter(()) if head_only else export_rows(request, params, layout),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="radar-search-{stamp}.csv"'},
    )


# -- pages ----------------------------------------------------------------------------------


# the deepest page of the search page (a million hits); ?page=1e20 was a 500
MAX_PAGE = 50_000


@pages.get("/search")
def search_page(
    request: Request,
    user: Searcher,
    raw: Inputs,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
):
    error = ""
    result = None
    # stories first, by reach, unless the form says otherwise (an unticked box sends
    # nothing, so the form also sends grouping=chosen)
    chosen = "grouping" in request.query_params
    grouped = request.query_params.get("group") == "story" or not chosen
    if "sort" not in request.query_params and grouped:
        raw.sort = "reach"
    try:
        params = parse_params(request, raw, (max(page, 1) - 1) * PER_PAGE, PER_PAGE)
        params.group_stories = grouped
        result = request.app.state.store.search(params.request(request.app.state.clock()))
    except QuerySyntaxError as exc:  # the parser took it, the index cannot run it ('！！')
        error = query_problem(exc)
    except HTTPException as exc:
        # a query the parser refuses is explained in the reader's language
        error = page_problem(request.app.state.config, raw.q) or str(exc.detail)
    store: Store = request.app.state.store
    open_cases = (
        store.list_cases(status=["open", "acknowledged"], limit=50) if user.can("attach") else []
    )
    pages_total = 0
    shown_brands = {b.brand for h in result.hits for b in h.mention.brands} if result else set()
    if result is not None:
        # grouped: the stories and each matching comment are the cards paged through
        shown = result.total if result.groups is None else result.groups
        pages_total = max(1, (shown + PER_PAGE - 1) // PER_PAGE)
        if page > pages_total:
            # past the last page (the pager of a list that has since shrunk, a typed
            # ?page=): the last page, not "no mention matches" under "page 3000 of 395"
            last = {**request.query_params, "page": str(pages_total)}
            return RedirectResponse(f"/search?{urlencode(last)}", status_code=303)
    return render(
        request,
        "search.html",
        status_code=400 if error else 200,
        q=raw.q,
        range=raw.range or DEFAULT_RANGE,
        since=raw.since or "",
        until=raw.until or "",
        sort=raw.sort,
        sorts=SORT_OPTIONS,
        handled=raw.handled,
        page=max(page, 1),
        pages_total=pages_total,
        result=result,
        error=error,
        # nothing found: brand:X is no configured brand or alias (say which are), nor
        # source:X a configured source (say which), or kind:X names a kind of source
        # (say which sources: source: finds them)
        notice=(
            brand_hint(request.app.state.config, raw.q)
            or source_hint(request.app.state.config, raw.q)
            or kind_hint(request.app.state.config, raw.q)
        )
        if result is not None and result.total == 0
        else None,
        open_cases=open_cases,
        # the bulk picker: the cases of a brand a shown post names, as each card's picker
        # (a source-health case or another brand's case takes none of them)
        bulk_cases=[c for c in open_cases if c.brand in shown_brands],
        ranges=list(RANGES),
        request_path=str(request.url.path)
        + (("?" + request.url.query) if request.url.query else ""),
        # the export in the page's order: the sort it used, also when it defaulted to reach
        export_query=urlencode(
            [(k, v) for k, v in request.query_params.multi_items() if k not in ("sort", "page")]
            + [("sort", raw.sort)]
        ),
        grouped=grouped,
        group_param="story" if grouped else "",
        facet_query=lambda field, value: facet_query(request.app.state.config, raw.q, field, value),
    )


@pages.get("/search/export.csv")
def search_export_page(request: Request, user: Searcher, raw: Inputs):
    config = request.app.state.config
    layout = ExportLayout.for_people(config.timezone, config.source_titles())
    return csv_response(request, parse_params(request, raw, 0, 500), layout)


@pages.post("/mentions/{mention_id:path}/handled")
def handled_form(
    request: Request,
    user: Handler,
    mention_id: str,
    note: Annotated[str, Form(max_length=5000)] = "",
    next: Annotated[str, Form()] = "/search",
):
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    note = without_controls(note).strip()
    store.mark_handled(mention_id, user.name, note, at=request.app.state.clock())
    # a list of unhandled posts loses the card: its page shows it, and undoes a mis-click
    flash(request, _("Marked handled."), link=(f"/mentions/{quote(mention_id, safe='')}",
                                               _("the post (undo there)")))  # fmt: skip
    return RedirectResponse(local_next(next), status_code=303)


@pages.post("/mentions/{mention_id:path}/unhandled")
def unhandled_form(
    request: Request,
    user: Handler,
    mention_id: str,
    next: Annotated[str, Form()] = "/search",
):
    """Undo 'mark handled' (a mis-click; a post that needs more work): there was no way
    back, a whole page marked by the bulk bar included."""
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    store.mark_unhandled(mention_id)
    flash(request, _("Marked not handled again."))
    return RedirectResponse(local_next(next), status_code=303)


@pages.post("/mentions/{mention_id:path}/notes")
def note_form(
    request: Request,
    user: Handler,
    mention_id: str,
    text: Annotated[str, Form(max_length=5000)] = "",
    next: Annotated[str, Form()] = "/search",
):
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    text = without_controls(text).strip()
    if not text:
        flash(request, _("A note needs some text."), "error")
    else:
        store.add_mention_note(mention_id, user.name, text, at=request.app.state.clock())
        flash(request, _("Note added."))
    return RedirectResponse(local_next(next), status_code=303)


# the buttons of the sentiment form: a label, or "clear" (a browser sends an empty value
# as no value at all)
FORM_LABELS: dict[str, SentimentLabel | None] = {
    **{label.value: label for label in SentimentLabel},
    "clear": None,
}


@pages.post("/mentions/{mention_id:path}/sentiment")
def sentiment_form(
    request: Request,
    user: SentimentCorrector,
    mention_id: str,
    brand: Annotated[str, Form(max_length=200)] = "",
    label: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/search",
):
    """One click on a brand chip's button; back to the same card (``#m-<id>``)."""
    if label not in FORM_LABELS:
        raise HTTPException(400, _("label: must be negative, neutral, positive or clear"))
    value = FORM_LABELS[label]
    correct_sentiment(request, user, mention_id, brand, value)
    # a list filtered by sentiment loses the post it was corrected on: the post's own page
    # shows it, and undoes it
    post = (f"/mentions/{quote(mention_id, safe='')}", _("the post"))
    if value is None:
        said = _("Correction of the sentiment toward %(brand)s cleared.") % {"brand": brand}
    else:
        said = _("Sentiment toward %(brand)s corrected to %(label)s.") % {
            "brand": brand,
            "label": label_of(value, "sentiment"),
        }
    flash(request, said, link=post)
    target = local_next(next).split("#", 1)[0]
    return RedirectResponse(f"{target}#{mention_anchor(mention_id)}", status_code=303)


@pages.post("/mentions/{mention_id:path}/attach")
def attach_form(
    request: Request,
    user: Attacher,
    mention_id: str,
    case_id: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/search",
):
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    try:
        actions.attach_mention(store, case_id, user.name, mention_id, now=request.app.state.clock())
        flash(request, _("Attached to case %(case)s.") % {"case": case_id})
    except actions.ActionError as exc:
        flash(request, _("Not attached: %(why)s") % {"why": action_problem(request, exc)}, "error")
    return RedirectResponse(local_next(next), status_code=303)


# -- JSON API ---------------------------------------------------------------------------------

DEFAULT_TIME_RANGE, DEFAULT_SORT = TimeRange(DEFAULT_RANGE), Sort("time")
MAX_OFFSET = 10_000  # deeper: the cursor of the mentions export (GET /mentions)


def api_search_params(
    request: Request,
    q: Annotated[
        str,
        Query(
            max_length=2000,
            description=_Q.description,
            openapi_examples={
                "negative": {
                    "summary": "negative posts about 极光汽车 that mention 漏油",
                    "value": "漏油 brand:极光汽车 sentiment:negative",
                },
                "regulator": {"summary": "threats to go to 12315", "value": "signal:regulator"},
            },
        ),
    ] = "",
    range: Annotated[
        TimeRange,
        Query(
            description="the hour/day/week/month before until (default: now) or all; "
            "ignored with since"
        ),
    ] = DEFAULT_TIME_RANGE,
    since: Annotated[ApiTime | None, Query(description="published at or after")] = None,
    until: Annotated[ApiTime | None, Query(description="published before (exclusive)")] = None,
    sort: Annotated[
        Sort, Query(description="time: newest first; relevance; reach: widest spread first")
    ] = DEFAULT_SORT,
    handled: Annotated[
        bool | None, Query(description="true: only handled, false: only unhandled; absent: both")
    ] = None,
) -> SearchParams:
    """The search inputs of the JSON API, typed: the OpenAPI document's enums and formats
    are these, and what the schema cannot say (the query language, since < until) is a
    400 naming the parameter."""
    try:
        q = checked_query(request.app.state.config, q)
    except QuerySyntaxError as exc:
        raise HTTPException(400, f"q: {exc}") from None
    tz = request.app.state.formatter.tz
    since_dt, until_dt = in_zone(since, tz), in_zone(until, tz)
    if since_dt and until_dt and until_dt <= since_dt:
        raise HTTPException(400, "until: must be after since")
    return SearchParams(
        q=q.strip(), range=range.value, since=since_dt, until=until_dt, sort=sort.value,
        handled=handled,
    )  # fmt: skip


ApiSearch = Annotated[SearchParams, Depends(api_search_params)]


@api.get(
    "/search",
    response_model=SearchOut,
    summary="Search mentions",
    responses=problem_responses(400, 422),
)
def api_search(
    request: Request,
    user: Searcher,
    params: ApiSearch,
    limit: Annotated[
        int | None, Query(ge=1, le=100, description="hits per page (default 20, or the cursor's)")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=4000,
            description="next_cursor of the previous page: the next page of the same search "
            "(the other search parameters are then taken from the cursor; the time window "
            "stays the first page's, so new mentions do not shift the pages)",
        ),
    ] = None,
    offset: Annotated[
        int,
        Query(ge=0, le=MAX_OFFSET, deprecated=True, description="use cursor instead"),
    ] = 0,
) -> SearchOut:
    """Mentions matching ``q`` in the window, newest first (or by relevance), with
    highlighted snippets and facets over the whole result set. Page on with
    ``next_cursor`` until it is null."""
    now = request.app.state.clock()
    if cursor:
        params, offset = paging.search_from_cursor(cursor)
        limit = limit or params.limit
    else:
        req = params.request(now)
        # the window is fixed at the first page: later pages read the same mentions
        params = replace(params, since=req.since, until=req.until or now, range="all")
    params = replace(params, offset=offset, limit=limit or PER_PAGE)
    if params.offset > MAX_OFFSET:
        raise HTTPException(400, f"cursor: paging stops at {MAX_OFFSET} hits; narrow the search")
    result = run_search(request, params)
    following = params.offset + len(result.hits)
    more = following < result.total and following <= MAX_OFFSET and len(result.hits) > 0
    return SearchOut(
        query=params.q,
        since=params.since,
        until=params.until,
        total=result.total,
        offset=params.offset,
        limit=params.limit,
        hits=[hit_out(h) for h in result.hits],
        facets=result.facets,
        next_cursor=paging.search_cursor(params, following) if more else None,
        notes=api_notes(request.app.state.config, params.q),
    )


@api.get(
    "/search/export.csv",
    summary="Export the whole result set as CSV",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "UTF-8 CSV with a byte-order mark, one row per mention",
        },
        **problem_responses(400, 422),
    },
)
def api_search_export(request: Request, user: Searcher, params: ApiSearch) -> StreamingResponse:
    """The result set in time order (``sort`` is ignored), up to 50,000 rows."""
    return csv_response(request, replace(params, offset=0, limit=500, sort="time"))


@api.post(
    "/mentions/{mention_id:path}/handled",
    response_model=Mention,
    summary="Mark handled",
    responses=problem_responses(400, 404, 422),
)
def api_mark_handled(
    request: Request, user: Handler, mention_id: str, body: HandledIn | None = None
) -> Mention:
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    note = body.note.strip() if body else ""
    return store.mark_handled(mention_id, user.name, note, at=request.app.state.clock())


@api.post(
    "/mentions/{mention_id:path}/unhandled",
    response_model=Mention,
    summary="Undo mark handled",
    responses=problem_responses(400, 404, 422),
)
def api_mark_unhandled(request: Request, user: Handler, mention_id: str) -> Mention:
    """Not handled, by nobody, again (a mis-click, a post that needs more work); the
    notes stay. The care desk's 撤销已处理: an integration that marked a mention handled
    had no way back."""
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    return store.mark_unhandled(mention_id)


@api.post(
    "/mentions/{mention_id:path}/notes",
    response_model=Mention,
    summary="Note a mention",
    responses=problem_responses(400, 404, 422),
)
def api_mention_note(request: Request, user: Handler, mention_id: str, body: NoteIn) -> Mention:
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    return store.add_mention_note(
        mention_id, user.name, body.text.strip(), at=request.app.state.clock()
    )


@api.post(
    "/mentions/{mention_id:path}/sentiment",
    response_model=Mention,
    summary="Correct the sentiment toward a brand",
    responses=problem_responses(400, 404, 422),
)
def api_correct_sentiment(
    request: Request, user: SentimentCorrector, mention_id: str, body: SentimentIn
) -> Mention:
    """Sets (``label`` null: clears) the sentiment toward one brand the mention names.
    The correction wins over the model's label in search filters and facets, the
    figures executives read and the alert counts, and survives re-crawls. 400 when the
    mention does not name the brand, 404 when there is no such mention."""
    return correct_sentiment(request, user, mention_id, body.brand, body.label)


@api.post(
    "/mentions/{mention_id:path}/attach",
    response_model=Case,
    summary="Attach to a case",
    responses=problem_responses(400, 404, 409, 422),
)
def api_attach(request: Request, user: Attacher, mention_id: str, body: AttachIn) -> Case:
    """Evidence of a case: only a mention naming the case's brand, as the care desk's case
    picker and bulk attach allow (a 400 naming both brands otherwise)."""
    store: Store = request.app.state.store
    _mention_or_404(store, mention_id)
    if store.get_case(body.case_id) is None:
        raise HTTPException(404, f"no case with id {body.case_id!r}")
    try:
        actions.attach_mention(
            store, body.case_id, user.name, mention_id, now=request.app.state.clock()
        )
    except actions.OtherBrand as exc:
        raise HTTPException(400, str(exc)) from None
    except actions.ActionError as exc:
        raise HTTPException(409, str(exc)) from None
    case = store.get_case(body.case_id)
    assert case is not None
    return case


# last: its {mention_id:path} would otherwise also match the action paths above, and a
# wrong method there would be answered 405 with this route's Allow header
@api.get(
    "/mentions/{mention_id:path}",
    response_model=Mention,
    summary="One mention",
    responses=problem_responses(404, 405, 422),
)
def api_mention(request: Request, user: Searcher, mention_id: str) -> Mention:
    store: Store = request.app.state.store
    mention = store.get_mention(mention_id)
    stem, action = mention_id.rpartition("/")[::2]
    if mention is None and action in MENTION_ACTIONS and store.get_mention(stem) is not None:
        # GET …/notes of a mention that exists: its action path, not a mention's id (it
        # was "no mention with id '…/notes'"; the notes are in the mention)
        raise HTTPException(
            405,
            f"GET is not allowed at {request.url.path} (allowed: POST); "
            f"GET /api/v1/mentions/{stem} has the mention with its notes",
            headers={"Allow": "POST"},
        )
    if mention is None:
        raise HTTPException(404, f"no mention with id {mention_id!r}")
    return mention


# the POST paths under a mention (above)
MENTION_ACTIONS = ("handled", "unhandled", "notes", "sentiment", "attach")
