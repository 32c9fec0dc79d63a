"""The crisis brief an executive reads (``/cases/{id}/summary``): a short account in plain
words at the top — what happened, since when, how big and how fast, who is spreading it,
what is being done, what is next — each sentence linking to the posts it rests on; then
the crisis window's chart against the brand's normal level, the leading stories and the
people spreading them.

Every sentence is made from stored figures only (the Store's buckets, a grouped search,
top authors, the case and its timeline); a figure that is missing leaves its sentence
out rather than printing "None". The same :class:`Brief` feeds the PDF and Word exports
(radar/web/report.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from alerts import summaries
from alerts.messages import RULE_TITLE, headline, lead_rule
from alerts.trigger import CaseTrigger
from config.i18n import N_, _, format_number, gettext, percent_change
from index.base import SearchHit, SearchRequest, Store
from index.models import Case, CaseEvent, CaseStatus
from radar.web.auth import ExecReader
from radar.web.figures import (
    Marker,
    _align,
    local_buckets,
    pick_interval,
    severities,
    stagger,
    zone_shift,
)
from radar.web.render import Formatter, display_names, render
from radar.web.terms import distinctive_terms

LEAD = timedelta(hours=6)  # the chart starts this long before the case opened
TAIL = timedelta(hours=2)  # ... and ends this long after it was resolved
BASELINE_DAYS = 7  # the brand's normal level: the days before the chart's window
# the timeline an executive reads: what people and the alerting did, not the delivery
# bookkeeping (notified, updated, reminder) that the case page keeps — but for an update
# that raised the severity (shown_events)
SHOWN_EVENTS = {
    "alerted", "opened", "escalated", "acknowledged", "assigned", "note", "resolution_proposed",
    "resolved", "closed", "reopened", "raised",
}  # fmt: skip


def shown_events(events: list[CaseEvent]) -> list[CaseEvent]:
    """The timeline an executive reads (SHOWN_EVENTS) and each update that raised the
    severity (级别上调 P2 → P1): the brief's title names the severity of now, its first
    event the one alerted at, and nothing in between said why they differ."""
    out, severity = [], ""
    for e in events:
        now = str(e.data.get("severity") or "")
        if e.kind in SHOWN_EVENTS or (e.kind == "updated" and severity and now and now < severity):
            out.append(e)
        severity = now or severity
    return out


MOMENTS = {
    "alerted": N_("alert"),
    "escalated": N_("escalated"),
    "acknowledged": N_("acknowledged"),
    "resolved": N_("resolved"),
    "reopened": N_("reopened"),
}


@dataclass
class Claim:
    """One sentence of the account and the posts it rests on."""

    topic: str  # what | since | size | who | done | next
    text: str
    link: str = ""  # a page of this site: a search, a story, the case's timeline
    link_text: str = ""


@dataclass
class Point:
    label: str
    negative: int
    total: int


@dataclass
class Brief:
    case: Case
    title: str
    since: datetime
    until: datetime
    interval_seconds: int
    claims: list[Claim]
    points: list[Point]
    baseline: float  # negative mentions per chart point on the brand's normal days
    markers: list[Marker]
    negative: int
    stories: int
    reach: int
    top_stories: list[SearchHit]
    spreaders: list[dict[str, Any]]
    events: list[CaseEvent]
    search_url: str
    extra: dict[str, Any] = field(default_factory=dict)
    baseline_days: int = BASELINE_DAYS  # fewer when the store holds less history

    def chart(self) -> dict[str, Any]:
        """What static/brief.js draws (embedded as JSON, never as HTML)."""
        return {
            "labels": [p.label for p in self.points],
            "negative": [p.negative for p in self.points],
            "other": [p.total - p.negative for p in self.points],
            "baseline": round(self.baseline, 1),
            "markers": [{"label": m.label, "text": m.text, "row": m.row} for m in self.markers],
            "names": {
                "negative": gettext("negative mentions"),
                "other": gettext("other mentions"),
                "baseline": gettext("normal level (negative, %(days)s days before)")
                % {"days": self.baseline_days},
            },
        }


def crisis_window(case: Case, now: datetime) -> tuple[datetime, datetime]:
    """From LEAD before the case opened until TAIL after it was resolved (or now)."""
    end = (case.resolved_at + TAIL) if case.resolved_at else now
    end = min(max(end, case.opened_at + timedelta(hours=1)), now + timedelta(minutes=1))
    return case.opened_at - LEAD, end


def search_url(fmt: Formatter, q: str, since: datetime, until: datetime) -> str:
    query = {
        "q": q,
        "since": fmt.local(since, "%Y-%m-%dT%H:%M"),
        "until": fmt.local(until + timedelta(minutes=1), "%Y-%m-%dT%H:%M"),
        "sort": "reach",
    }
    return "/search?" + urlencode(query)


def held_since(store: Store, brand: str, start: datetime, until: datetime) -> datetime:
    """The start of the normal-level window from the first day the store holds mentions
    of ``brand``: a young deployment (the demo holds one day of history) would otherwise
    divide one day's mentions by seven and call any peak hundreds of times the normal
    level. One count per leading empty day; a full week costs one count."""
    day = timedelta(days=1)
    while start + day < until:
        held = store.search(
            SearchRequest(query=f"brand:{_quoted(brand)}", since=start, until=start + day,
                          limit=0, facets=False, highlight=False)
        ).total  # fmt: skip
        if held:
            break
        start += day
    return start


def _quoted(value: str) -> str:
    return '"' + value.replace('"', " ") + '"' if any(c in value for c in ' ()"') else value


def _sentences(*parts: str) -> str:
    """Sentences one after the other: a space after an English one, none after a Chinese
    one ('负面帖子仍处于高峰。 须在 … 前有人接手' had a space after its full stop)."""
    out = ""
    for part in (p for p in parts if p):
        out += part if not out or out.endswith(("。", "！", "？", "）", "”")) else " " + part
    return out


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _n(value: int | float) -> str:
    return format_number(value)


def markers(fmt: Formatter, events: list[CaseEvent], since: datetime, until: datetime,
            interval: int, case: Case) -> list[Marker]:  # fmt: skip
    """One marker per chart point with moments (several moments of one point are one
    label), rows alternating where markers are close, so labels never print over each
    other."""
    moments = []
    for ev, severity in zip(events, severities(case, events), strict=True):
        if ev.kind in MOMENTS and since <= ev.at < until:
            text = gettext(MOMENTS[ev.kind])
            if ev.kind == "alerted":
                text = f"{severity} {text}"
            start = _align(ev.at, interval, zone_shift(fmt.tz, until, interval))
            moments.append((start, _label(fmt, start, interval), text))
    return stagger(moments, interval)


def _label(fmt: Formatter, start: datetime, interval: int) -> str:
    return fmt.tick(start, interval)


def build_brief(
    store: Store,
    fmt: Formatter,
    case: Case,
    now: datetime,
    people: Callable[[str], str] = str,
) -> Brief:
    """``people``: a login name -> the name people read (render.display_names)."""
    since, until = crisis_window(case, now)
    interval = pick_interval(since, until)
    brand = case.brand
    shift = zone_shift(fmt.tz, until, interval)  # points start on the zone's clock
    buckets = local_buckets(store, since, until, interval, shift, brand)
    per: dict[datetime, list[int]] = {}
    for b in buckets:
        counts = per.setdefault(b.start, [0, 0])
        counts[1] += b.count
        if b.sentiment == "negative":
            counts[0] += b.count
    points: list[Point] = []
    start = _align(since, interval, shift)
    starts = []
    while start < until:
        neg, total = per.get(start, [0, 0])
        points.append(Point(_label(fmt, start, interval), neg, total))
        starts.append(start)
        start += timedelta(seconds=interval)
    negative_q = f"brand:{_quoted(brand)} sentiment:negative"
    base_since = held_since(store, brand, since - timedelta(days=BASELINE_DAYS), since)
    # a count, not buckets: the brand+sentiment index answers it without reading a week
    # of rows (at 1M mentions 20 ms against 100-180 ms for a week of buckets)
    base_negative = store.search(
        SearchRequest(query=negative_q, since=base_since, until=since, limit=0, facets=False,
                      highlight=False)
    ).total  # fmt: skip
    baseline = base_negative / max((since - base_since).total_seconds() / interval, 1)

    grouped = store.search(  # the negative mentions and their stories (comments' too)
        SearchRequest(
            query=negative_q, since=since, until=until, group_stories=True, limit=1,
            facets=False, highlight=False,
        )
    )  # fmt: skip
    # the stories spreading furthest: posts with their reposts and copies (a comment, however
    # loud, is part of its post's story, not one of its own)
    furthest = store.search(
        SearchRequest(
            query=negative_q, since=since, until=until, group_stories=True, sort="reach",
            limit=3, facets=False, highlight=False, include_comments=False,
        )
    ).hits  # fmt: skip
    spreaders = store.top_authors(brand, since, until, 5)
    events = store.case_events(case.id)
    all_negative = search_url(fmt, negative_q, since, until)

    claims: list[Claim] = []
    first = furthest[0] if furthest else None
    lead = lead_rule(case)  # what the case is about now
    rule = gettext(RULE_TITLE.get(lead, lead))
    manual = lead == "manual"  # a person opened it from a post: no rule fired, no alert
    if manual:  # "清泉乳业出现人工上报的舆情。", not "…出现人工新建。"
        rule = gettext("An issue a person raised")
    if first is not None:
        m = first.mention
        text = m.title or m.text
        # forums report no followers: "0 followers" would read as a nobody
        what = (
            gettext('%(rule)s about %(brand)s. The post that spread furthest: "%(text)s" '
                    "(%(author)s, %(followers)s followers).")
            if m.author.followers
            else gettext('%(rule)s about %(brand)s. The post that spread furthest: "%(text)s" '
                         "(%(author)s).")
        )  # fmt: skip
        claims.append(
            Claim(
                "what",
                what
                % {"rule": rule, "brand": brand, "text": _clip(text, 60),
                   "author": m.author.name or m.author.id or gettext("anonymous"),
                   "followers": _n(m.author.followers)},
                f"/stories/{first.story}",
                gettext("the post and how it spread"),
            )
        )  # fmt: skip
    elif brand.startswith("source:"):  # a source-health case: the brand names the source
        what = gettext("%(rule)s: the source %(name)s.")
        figures = CaseTrigger.of(case).rules.get("source_health") or {}
        name = figures.get("source_title") or brand.removeprefix("source:")
        claims.append(Claim("what", what % {"rule": rule, "name": name}))
    else:
        claims.append(
            Claim("what", gettext("%(rule)s about %(brand)s.") % {"rule": rule, "brand": brand})
        )
    peak = max(range(len(points)), key=lambda i: points[i].negative) if points else None
    opened = fmt.when(case.opened_at)
    # the surge starts at the first point well above normal and a quarter of the peak
    # (one stray negative post hours before is not its start)
    high = max((p.negative for p in points), default=0)
    rising = [i for i, p in enumerate(points) if p.negative >= max(2 * baseline, high / 4, 1)]
    start_at = starts[rising[0]] if rising else case.opened_at
    if not rising:
        began = gettext("The case opened at %(opened)s.") % {"opened": opened}
        timeline = f"/cases/{case.id}#timeline"
        claims.append(Claim("since", began, timeline, gettext("the timeline")))
    else:
        rose = (
            gettext(
                "Negative posts rose above the normal level from %(start)s; the case was "
                "opened at %(opened)s."
            )
            if manual
            else gettext(
                "Negative posts rose above the normal level from %(start)s; the alert went "
                "out at %(opened)s."
            )
        ) % {"start": fmt.when(start_at), "opened": opened}
        posts = search_url(fmt, negative_q, start_at, until)
        claims.append(Claim("since", rose, posts, gettext("the posts since then")))
    if peak is not None and points[peak].negative:
        p = points[peak]
        figures = {
            "negative": _n(grouped.total),
            "stories": _n(grouped.stories or 0),
            "reach": _n(sum(b.reach for b in buckets if b.sentiment == "negative")),
            "at": fmt.when(starts[peak]),
            "peak": _n(p.negative),
            "span": _span(interval),
            "times": _n(round(p.negative / baseline, 1)) if baseline else "",
        }
        # a peak against fewer than one a chart point is no "N times" (12 posts against
        # 0.05 read 240 times the normal level): the brand normally has almost none
        if summaries.meaningful(baseline):
            size = gettext(
                "%(negative)s negative mentions in %(stories)s stories, reaching %(reach)s "
                "people; at the peak (%(at)s) %(peak)s in %(span)s, %(times)s times the "
                "normal level."
            )
        else:
            size = gettext(
                "%(negative)s negative mentions in %(stories)s stories, reaching %(reach)s "
                "people; at the peak (%(at)s) %(peak)s in %(span)s, where the brand "
                "normally has almost none (fewer than 1 in %(span)s)."
            )
        claims.append(Claim("size", size % figures, all_negative, gettext("all of them, by story")))
    if spreaders:
        # those who posted negatively spread the crisis (the table lists every large account)
        who = [s for s in spreaders if s.get("negative")] or spreaders
        names = [s.get("name") or s.get("id") or gettext("anonymous") for s in who[:3]]
        top = who[0]
        claims.append(
            Claim(
                "who",
                gettext("Spread mostly by %(names)s; the largest account has %(followers)s "
                        "followers.")
                % {"names": gettext(", ").join(names), "followers": _n(top.get("followers", 0))},
                search_url(fmt, f"brand:{_quoted(brand)} author:{_quoted(str(names[0]))}",
                           since, until),
                gettext("their posts"),
            )
        )  # fmt: skip
    claims.append(_done(fmt, case, events, people))
    claims.append(_next(fmt, case, points, peak, interval, events, people))
    return Brief(
        case=case,
        title=headline(case),
        since=since,
        until=until,
        interval_seconds=interval,
        claims=claims,
        points=points,
        baseline=baseline,
        baseline_days=max(1, round((since - base_since) / timedelta(days=1))),
        markers=markers(fmt, events, since, until, interval, case),
        negative=grouped.total,
        stories=grouped.stories or 0,
        reach=sum(h.story_reach for h in furthest),
        top_stories=furthest,
        spreaders=spreaders,
        events=shown_events(events),
        search_url=all_negative,
    )


def _span(interval: int) -> str:
    if interval % 3600 == 0:
        return gettext("%(n)s h") % {"n": interval // 3600}
    return gettext("%(n)s min") % {"n": interval // 60}


def _done(
    fmt: Formatter, case: Case, events: list[CaseEvent], people: Callable[[str], str] = str
) -> Claim:
    """What is being done: who has it, and the latest note of the timeline."""
    timeline = f"/cases/{case.id}#timeline"
    reopened = [e for e in events if e.kind == "reopened"]
    if case.status == CaseStatus.open and reopened:
        # "nobody has taken it yet" read as if the PR team had never acted
        text = gettext("A new wave reopened the case at %(at)s; nobody has taken it again yet.") % {
            "at": fmt.when(reopened[-1].at)
        }
    elif case.status == CaseStatus.open:
        text = gettext("Nobody has taken the case yet (opened %(at)s).") % {
            "at": fmt.when(case.opened_at)
        }
    else:
        holder = case.assignee or case.acknowledged_by or ""
        # since it was handed to them, else since it was taken
        handed = [e.at for e in events if e.kind == "assigned" and e.data.get("assignee") == holder]
        since = handed[-1] if handed else case.acknowledged_at or case.updated_at
        text = (
            gettext("%(who)s has the case since %(at)s.")
            % {"who": people(holder), "at": fmt.when(since)}
            if holder
            else gettext("The case is being handled.")
        )
    # a PR lead who raised the case by hand, saying why, has acted: "nobody has taken the
    # case yet" alone read as if the team had not, and the reason was only on the case page
    raised = [e for e in events if e.kind == "raised" and e.data.get("reason")]
    if raised:
        last_raise = raised[-1]
        text = _sentences(
            text,
            gettext('%(who)s raised it to %(severity)s at %(at)s: "%(reason)s".')
            % {
                "who": people(last_raise.actor),
                "severity": str(last_raise.data.get("severity", "")),
                "at": fmt.when(last_raise.at),
                "reason": _clip(str(last_raise.data["reason"]), 60),
            },
        )
    notes = [e for e in events if e.kind == "note" and e.text.strip()]
    if notes:
        last = notes[-1]
        text = _sentences(
            text,
            gettext('Latest: "%(note)s" (%(at)s).')
            % {
                "note": _clip(last.text, 60),
                "at": fmt.when(last.at),
            },
        )
    return Claim("done", text, timeline, gettext("the timeline"))


def _next(
    fmt: Formatter,
    case: Case,
    points: list[Point],
    peak: int | None,
    interval: int,
    events: list[CaseEvent] | None = None,
    people: Callable[[str], str] = str,
) -> Claim:
    timeline = f"/cases/{case.id}#timeline"
    trend = _trend(points, peak, interval)
    if case.status in (CaseStatus.resolved, CaseStatus.closed):
        # a person marks a case resolved, at any moment: the brief said "舆情已平息" (it
        # calmed down) of a case resolved at its peak, beside a chart whose last bars were
        # the highest. It tells the pace the chart ends on and who resolved it.
        at = case.resolved_at or case.closed_at or case.updated_at
        by = next((e.actor for e in reversed(events or []) if e.kind in ("resolved", "closed")), "")
        done = (
            gettext("%(who)s marked it resolved at %(at)s; a new wave reopens the case.")
            % {"who": people(by), "at": fmt.when(at)}
            if by and by != "system"
            else gettext("Marked resolved at %(at)s; a new wave reopens the case.")
            % {"at": fmt.when(at)}
        )
        return Claim("next", _sentences(trend, done), timeline,
                     gettext("the timeline"))  # fmt: skip
    if case.status == CaseStatus.open and case.ack_due_at:
        due = gettext("Someone must take it by %(at)s, or it is escalated.") % {
            "at": fmt.when(case.ack_due_at)
        }
    elif case.status == CaseStatus.open and case.escalation_level:
        # the escalation ends the acknowledge deadline; "next update due tomorrow" read as
        # if the case were in hand while nobody had taken it
        due = gettext("It was escalated (×%(n)s) and nobody has taken it yet: take it now.") % {
            "n": case.escalation_level
        }
    elif case.update_due_at:
        due = gettext("Next update due by %(at)s.") % {"at": fmt.when(case.update_due_at)}
    else:
        due = ""
    return Claim("next", _sentences(trend, due), timeline, gettext("the timeline"))


def _trend(points: list[Point], peak: int | None, interval: int) -> str:
    """Where negative posts stand at the chart's end against its busiest hour."""
    if peak is None or not points[peak].negative:
        return ""
    # the pace of the last quarter hour, as posts per hour, against the busiest hour
    # of the window: the last whole hour held the peak itself for an hour after it,
    # and the demo's brief read "still at their peak" beside bars down to a twentieth
    k = max(1, 3600 // interval)
    sums = [sum(p.negative for p in points[i : i + k]) for i in range(len(points))]
    recent = min(k, max(1, 900 // interval))
    last = sum(p.negative for p in points[-recent:]) * k / recent
    high = max(sums)
    if last >= 0.8 * high:
        return gettext("Negative posts are still at their peak.")
    change = percent_change(last / high - 1)  # a few posts left are no "100%" fewer
    if change is None:  # "减少了 100%" read as arithmetic, not as "none any more"
        return gettext("Negative posts have dropped to 0 from the peak hour.")
    return gettext("Negative posts are down %(pct)s from the peak hour.") % {"pct": f"{-change}%"}


# -- pages ----------------------------------------------------------------------------------

pages = APIRouter(include_in_schema=False)

TOPICS = {
    "what": N_("What happened"),
    "since": N_("Since when"),
    "size": N_("How big, how fast"),
    "who": N_("Who spreads it"),
    "done": N_("What is being done"),
    "next": N_("What is next"),
}


def brief_or_404(request: Request, case_id: str) -> Brief:
    store: Store = request.app.state.store
    case = store.get_case(case_id)
    if case is None:
        raise HTTPException(404, _("no case with id %(id)s") % {"id": repr(case_id)})
    state = request.app.state
    return build_brief(store, state.formatter, case, state.clock(), display_names(request))


@pages.get("/cases/{case_id}/summary")
def brief_page(request: Request, user: ExecReader, case_id: str):
    b = brief_or_404(request, case_id)
    topics = {k: gettext(v) for k, v in TOPICS.items()}
    return render(request, "brief.html", b=b, chart=b.chart(), topics=topics)


@pages.get("/cases/{case_id}/summary/terms")
def brief_terms(request: Request, user: ExecReader, case_id: str) -> JSONResponse:
    """The crisis window's distinctive terms (slow: word segmentation; cached)."""
    terms = crisis_terms(request, brief_or_404(request, case_id))
    return JSONResponse(
        {"terms": [[t, n] for t, n, _ in terms], "none": gettext("Nothing stands out.")}
    )


def crisis_terms(request: Request, b: Brief) -> list[tuple[str, int, float]]:
    """(word, stories, z) of the crisis window's distinctive terms, from the app's cache:
    the page's list (fetched by static/brief.js) and the PDF and Word briefs."""
    store: Store = request.app.state.store
    terms: list[tuple[str, int, float]] = request.app.state.terms.get(
        ("distinctive", b.case.brand),
        b.since,
        b.until,
        lambda start, end: distinctive_terms(store, b.case.brand, start, end),
    )
    return terms
