"""Executives: the crisis summary of a case, the brand overview and the daily digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request

from alerts.coverage import collection_gaps, enabled_sources
from alerts.messages import case_brand, lead_rule
from config.i18n import _
from config.schema import RadarConfig
from index.base import SearchRequest, Store
from radar.web import digest
from radar.web.auth import ExecReader
from radar.web.figures import case_window, cases_in_window, chart_data, compute_figures, timeline
from radar.web.filters import brand_filter
from radar.web.params import ApiDate, ApiTime, in_zone
from radar.web.problems import COMMON, problem_responses
from radar.web.render import Formatter, label, render
from radar.web.schemas import CaseSummary, Digest, Figures, Overview, Terms

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["exec"], responses=problem_responses(*COMMON, 403))


def case_summary(request: Request, case_id: str, terms: bool = False) -> CaseSummary:
    store: Store = request.app.state.store
    case = store.get_case(case_id)
    if case is None:
        raise HTTPException(404, _("no case with id %(id)s") % {"id": repr(case_id)})
    since, until = case_window(case, request.app.state.clock())
    cache = request.app.state.terms if terms else None
    figures = compute_figures(
        store, request.app.state.formatter, case.brand, since, until, [case], cache,
        request.app.state.aggregates,
    )  # fmt: skip
    return CaseSummary(
        case=case,
        figures=figures,
        events=store.case_events(case.id),
        evidence=store.get_mentions(case.evidence[:10]),
    )


def overview(request: Request, brand: str | None, days: int, terms: bool = False) -> Overview:
    """The overview of ``brand`` (a configured brand's name; None: all brands)."""
    if not 1 <= days <= 90:
        raise HTTPException(400, _("days: must be between 1 and 90"))
    store: Store = request.app.state.store
    until = request.app.state.clock()
    since = until - timedelta(days=days)
    cases = cases_in_window(store, brand, since, until)
    figures = compute_figures(
        store, request.app.state.formatter, brand, since, until, cases,
        request.app.state.terms if terms else None, request.app.state.aggregates,
    )  # fmt: skip
    return Overview(
        figures=figures,
        cases=cases,
        timeline=timeline(store, cases, since)[-50:],
        # the window the figures count (whole minutes), which the page's link searches
        complaints=complaint_statuses(store, brand, figures.since, figures.until),
    )


COMPLAINTS_COUNTED = 5000  # complaints are few (a brand gets tens a day); a bound all the same


def complaint_statuses(
    store: Store, brand: str | None, since: datetime, until: datetime
) -> dict[str, int]:
    """Complaints filed on complaint platforms in [since, until), by their current status."""
    counts: dict[str, int] = {}
    request = SearchRequest(
        query="kind:complaint", brand=brand, since=since, until=until, limit=500,
        facets=False, highlight=False,
    )  # fmt: skip
    while request.offset < COMPLAINTS_COUNTED:
        hits = store.search(request).hits
        for hit in hits:
            complaint = hit.mention.complaint
            status = (complaint.status if complaint else "") or "unknown"
            counts[status] = counts.get(status, 0) + 1
        if len(hits) < request.limit:
            break
        request = replace(request, offset=request.offset + request.limit)
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


# -- pages ----------------------------------------------------------------------------------


# the crisis brief page (/cases/{case_id}/summary) is radar/web/brief.py


@pages.get("/overview")
def overview_page(request: Request, user: ExecReader, brand: str = "", days: int = 1):
    # an alias (极光SUV) is its brand's page: headed, picked and linked by the brand's name
    name = brand_filter(request.app.state.config, brand)
    o = overview(request, name, days)
    config, store = request.app.state.config, request.app.state.store
    gaps = collection_gaps(store, enabled_sources(config), o.figures.since, o.figures.until)
    return render(
        request,
        "overview.html",
        o=o,
        gaps=digest.gap_ranges(gaps, request.app.state.formatter, config.source_titles()),
        charts=chart_data(o.figures, config.source_titles()),
        brand=name or "",
        days=days,
        brands=[b.name for b in request.app.state.config.brands],
        complaints_url=complaints_url(request.app.state.formatter, name, o.figures),
        # the handling timeline names each case as people do, not by its id
        case_names={
            c.id: f"{c.severity} {case_brand(c)} · {label(lead_rule(c), 'rule')}" for c in o.cases
        },
    )


def complaints_url(fmt: Formatter, brand: str | None, figures: Figures) -> str:
    """The search of the complaints the overview counts: its own window (whole minutes),
    not the last 7 days' for the last day's, where 已回复 39 opened 60 complaints."""
    q = f'kind:complaint brand:"{brand}"' if brand else "kind:complaint"
    window = {"since": figures.since, "until": figures.until}
    query = {"q": q, **{k: fmt.local(v, "%Y-%m-%dT%H:%M") for k, v in window.items()}}
    return "/search?" + urlencode({**query, "sort": "time"})


@pages.get("/digest")
def digest_page(request: Request, user: ExecReader, date: str = ""):
    day = _parse_day(request, date)
    figures = digest.figures(request.app.state.config, request.app.state.store, day)
    fmt, config = request.app.state.formatter, request.app.state.config
    now, store = request.app.state.clock(), request.app.state.store
    latest = fmt.local(digest.day_end(now, config.timezone) - timedelta(days=1), "%Y-%m-%d")
    # a day before the store's first mention has no data at all (no collection gap): the
    # page says so, and which day is the first with data
    nodata = digest.no_data(store, fmt, config.timezone, day, now)
    return render(
        request,
        "digest.html",
        d=figures,
        nodata=nodata is not None,
        day=nodata.day if nodata else "",
        first=nodata.first_day if nodata else "",
        first_date=nodata.first.isoformat() if nodata and nodata.first else "",
        # the picker shows the day shown, and offers no day that is not over yet
        date=fmt.local(day - timedelta(days=1), "%Y-%m-%d"),
        latest=latest,
        digest_time=request.app.state.config.scheduler.digest_time,
        digest_to=digest_destinations(config),
    )


def digest_destinations(config: RadarConfig) -> list[str]:
    """Where the scheduled digest goes: the Slack channel when a bot token is set (without
    one the console stands in and nobody reads it), and the digest's robots and mail
    lists. The page said 'posted to Slack each day' of the demo, which has no Slack."""
    out = []
    if config.slack.token is not None and config.slack.token.get():
        out.append(config.slack.digest_channel or config.slack.default_channel)
    return out + list(config.notify.digest)


def _parse_day(request: Request, date: str) -> datetime:
    """The end of the digest's day, midnight to midnight in the configured zone: ``date``
    (YYYY-MM-DD), else the last full day (the one the scheduled digest reports)."""
    now = request.app.state.clock()
    if not date:
        return digest.day_end(now, request.app.state.config.timezone)
    fmt = request.app.state.formatter
    try:
        start = fmt.parse_local(date + "T00:00")
    except ValueError:
        message = _("date: expected YYYY-MM-DD, years 1900-8999, got %(date)s")
        raise HTTPException(400, message % {"date": repr(date)}) from None
    assert start is not None
    if start + timedelta(days=1) > now:
        latest = request.app.state.formatter.local(now - timedelta(days=1), "%Y-%m-%d")
        raise HTTPException(
            400,
            _("date: %(date)s is not over yet; the latest full day is %(latest)s")
            % {"date": date, "latest": latest},
        )
    return start + timedelta(days=1)


# -- JSON API ---------------------------------------------------------------------------------


BRAND_PARAM = (
    "a configured brand's name or alias (404 if it names none); empty or only spaces for all brands"
)
_TERMS = Query(True, description="include top terms (cached for minutes: segmenting is slow)")


@api.get(
    "/cases/{case_id}/summary",
    response_model=CaseSummary,
    summary="Crisis summary",
    responses=problem_responses(404, 422),
)
def api_summary(
    request: Request, user: ExecReader, case_id: str, terms: bool = _TERMS
) -> CaseSummary:
    return case_summary(request, case_id, terms)


@api.get(
    "/overview",
    response_model=Overview,
    summary="Brand overview",
    responses=problem_responses(404, 422),
)
def api_overview(
    request: Request,
    user: ExecReader,
    brand: str = Query("", description=BRAND_PARAM),
    days: int = Query(1, ge=1, le=90, description="window in days (default 1: the last 24 hours)"),
    terms: bool = _TERMS,
) -> Overview:
    return overview(request, brand_filter(request.app.state.config, brand), days, terms)


@api.get(
    "/terms",
    response_model=Terms,
    summary="Top terms of a brand in a time window",
    responses=problem_responses(400, 404, 422),
)
def api_terms(
    request: Request,
    user: ExecReader,
    since: Annotated[ApiTime, Query(description="window start")],
    until: Annotated[ApiTime, Query(description="window end (exclusive)")],
    brand: str = Query("", description=BRAND_PARAM),
) -> Terms:
    name = brand_filter(request.app.state.config, brand)
    tz = request.app.state.formatter.tz
    start, end = in_zone(since, tz), in_zone(until, tz)
    assert start is not None and end is not None
    if end <= start:
        raise HTTPException(400, _("until: must be after since"))
    cache = request.app.state.terms
    terms = cache.terms(request.app.state.store, name, start, end)
    start, end = cache.window(start, end)
    return Terms(brand=name, since=start, until=end, terms=terms)


@api.get(
    "/digest",
    response_model=Digest,
    summary="Daily digest: each brand against the previous day",
    responses=problem_responses(400, 422),
)
def api_digest(
    request: Request,
    user: ExecReader,
    date: Annotated[
        ApiDate | None,
        Query(
            description="the day (configured timezone, years 1900-8999); default: the "
            "last full day (yesterday), as the scheduled digest; a day not over yet is a 400"
        ),
    ] = None,
) -> Digest:
    day = _parse_day(request, date.isoformat() if date else "")
    config, store = request.app.state.config, request.app.state.store
    figures = digest.figures(config, store, day)
    # a day before the store's first mention: zeros, no hour judged incomplete (nothing
    # was collected yet) and the digest page's note, as the page shows it
    nodata = digest.no_data(
        store, request.app.state.formatter, config.timezone, day, request.app.state.clock()
    )
    if nodata:
        figures["incomplete"] = {"day": [], "previous": []}
    return Digest.model_validate(
        {
            **figures,
            "no_data": nodata is not None,
            "first_day": nodata.first if nodata else None,
            "note": nodata.note() if nodata else "",
        }
    )
