"""The figures executives read: volume and negative share over time with the alert
moments marked, sentiment breakdown, sources, key spreaders and top terms, for one brand
(or all) over a window. Every number comes from the Store's aggregate calls."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from cachetools import TTLCache

from alerts.messages import headline
from index.base import Bucket, SearchRequest, Store
from index.models import Case, CaseEvent
from radar.web.render import Formatter, label
from radar.web.schemas import AlertMoment, Figures, SeriesPoint

T = TypeVar("T")

# bucket sizes, smallest first; the first one giving at most MAX_POINTS buckets is used
INTERVALS = (300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)
MAX_POINTS = 96
MOMENT_KINDS = {"alerted", "escalated", "resolved", "reopened"}  # marked on the charts
MIN_SHARE_BASE = 3  # fewer mentions in a bucket: no negative share drawn (it would be noise)
MARKER_GAP = 3  # markers closer than this many chart points go on different rows


@dataclass
class Marker:
    label: str  # the chart point it sits on
    text: str
    row: int  # 0, 1, 2: labels of markers close together are drawn at different heights


def stagger(moments: Iterable[tuple[datetime, str, str]], interval: int) -> list[Marker]:
    """One marker per chart point from (point start, point label, text) moments: several
    moments of one point are one label, and rows alternate where markers are close, so
    labels never print over each other (the brief's chart and the overview's)."""
    by_point: dict[datetime, tuple[str, list[str]]] = {}
    for start, point, text in moments:
        names = by_point.setdefault(start, (point, []))[1]
        if text not in names:
            names.append(text)
    out: list[Marker] = []
    last: datetime | None = None
    row = 0
    for start in sorted(by_point):
        close = last is not None and (start - last).total_seconds() < MARKER_GAP * interval
        row = (row + 1) % 3 if close else 0
        point, names = by_point[start]
        out.append(Marker(point, " · ".join(names), row))
        last = start
    return out


class WindowCache:
    """Values computed over a (brand, time window), kept for ``ttl`` seconds.

    Windows are widened to whole ``step``-second marks so that requests a moment apart
    share a key; a value is at most ``ttl`` seconds old."""

    def __init__(self, ttl: float, step: int, size: int = 256):
        self._cache: TTLCache[tuple[Any, ...], Any] = TTLCache(size, ttl)
        self._lock = threading.Lock()
        self.step = step

    def window(self, since: datetime, until: datetime) -> tuple[datetime, datetime]:
        start = _align(since, self.step)
        end = _align(until, self.step)
        return start, end if end >= until else end + timedelta(seconds=self.step)

    def get(
        self,
        key: tuple[Any, ...],
        since: datetime,
        until: datetime,
        compute: Callable[[datetime, datetime], T],
    ) -> T:
        start, end = self.window(since, until)
        full_key = (*key, start, end)
        with self._lock:
            hit = self._cache.get(full_key)
        if hit is not None:
            return cast(T, hit)
        value = compute(start, end)
        with self._lock:
            self._cache[full_key] = value
        return value

    def forget(self, brand: str) -> None:
        """Drop what was computed for ``brand`` and for every brand together (keys are
        ``(name, brand, ...)``, None for all brands): its figures changed, e.g. a
        mention's sentiment toward it was corrected."""
        with self._lock:
            for key in [k for k in list(self._cache) if len(k) > 1 and k[1] in (brand, None)]:
                self._cache.pop(key, None)


class TermsCache(WindowCache):
    """Top terms per (brand, window), kept for 10 minutes: ``Store.top_terms`` segments
    up to a few thousand posts with jieba, which takes seconds, while the words of a day
    or a week barely move in minutes."""

    def __init__(self, ttl: float = 600, step: int = 300, size: int = 256):
        super().__init__(ttl, step, size)

    def terms(
        self, store: Store, brand: str | None, since: datetime, until: datetime
    ) -> list[tuple[str, int]]:
        return self.get(
            ("terms", brand),
            since,
            until,
            lambda start, end: [(t, int(n)) for t, n in store.top_terms(brand, start, end, 20)],
        )


class AggregatesCache(WindowCache):
    """Volume series, source counts and key spreaders per (brand, window), to the
    minute, kept for a minute: on the embedded store a week of every brand's mentions
    takes about a second to aggregate, and executives' dashboards are reloaded and
    shared (alert moments and cases are read fresh on every view)."""

    def __init__(self, ttl: float = 60, step: int = 60, size: int = 256):
        super().__init__(ttl, step, size)


def pick_interval(since: datetime, until: datetime) -> int:
    span = max((until - since).total_seconds(), 1)
    return next((i for i in INTERVALS if span / i <= MAX_POINTS), INTERVALS[-1])


def _align(at: datetime, interval: int, shift: int = 0) -> datetime:
    """The start of the ``interval``-second point holding ``at``; ``shift``: the zone's
    offset from UTC (:func:`zone_shift`), so that points start on its clock."""
    ts = int(at.timestamp())
    return datetime.fromtimestamp(ts - (ts + shift) % interval, UTC)


def zone_shift(zone: tzinfo, at: datetime, interval: int) -> int:
    """How far (seconds, modulo ``interval``) ``zone``'s clock is ahead of UTC at ``at``:
    0 for points of an hour or less in Shanghai, 8 h for 12-hour points — whose starts
    would otherwise fall at 08:00 and 20:00 there, and a day's bar run from 08:00 to 08:00."""
    offset = at.astimezone(zone).utcoffset()
    return int(offset.total_seconds() if offset else 0) % interval


def local_buckets(
    store: Store,
    since: datetime,
    until: datetime,
    interval: int,
    shift: int,
    brand: str | None = None,
    each_brand: bool = True,
) -> list[Bucket]:
    """``Store.count_buckets`` with the points starting on the zone's clock (``shift``,
    :func:`zone_shift`): the store aligns buckets to the epoch (UTC), so with a shift the
    counts are read in the largest buckets that fit both clocks and added up. Counts and
    reach add up; ``stories`` of the sum counts a story once per small bucket (the
    figures count stories over the window, not from buckets)."""
    if not shift:
        return store.count_buckets(since, until, interval, brand, each_brand)
    step = math.gcd(interval, shift)
    summed: dict[tuple[datetime, str, str], Bucket] = {}
    for b in store.count_buckets(since, until, step, brand, each_brand):
        start = _align(b.start, interval, shift)
        into = summed.setdefault(
            (start, b.brand, b.sentiment), Bucket(start, b.brand, b.sentiment, 0)
        )
        into.count += b.count
        into.stories += b.stories
        into.reach += b.reach
    return list(summed.values())


def _label(fmt: Formatter, start: datetime, interval: int) -> str:
    return fmt.tick(start, interval)


def compute_figures(
    store: Store,
    fmt: Formatter,
    brand: str | None,
    since: datetime,
    until: datetime,
    cases: list[Case],
    terms: TermsCache | None = None,
    aggregates: AggregatesCache | None = None,
) -> Figures:
    """Figures for ``brand`` (None: every brand) with published_at in [since, until).
    ``cases`` are the cases whose timeline moments are marked on the series. Top terms
    only with ``terms`` (pages load them separately, from /api/terms); the Store's
    aggregates through ``aggregates`` when given (the window then widens to whole
    minutes)."""
    if aggregates is not None:
        # the window counted is the one shown (and the one a search for the same figures
        # takes): whole minutes, as the cache keeps it
        since, until = aggregates.window(since, until)
    interval = pick_interval(since, until)
    shift = zone_shift(fmt.tz, until, interval)
    if aggregates is None:
        buckets, totals, sources, spreaders, stories = window_aggregates(
            store, brand, since, until, interval, shift
        )
    else:
        buckets, totals, sources, spreaders, stories = aggregates.get(
            ("aggregates", brand, interval, shift),
            since,
            until,
            lambda start, end: window_aggregates(store, brand, start, end, interval, shift),
        )

    per_start: dict[datetime, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_brand: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sentiment: dict[str, int] = defaultdict(int)
    reach = 0
    for b in buckets:  # per brand: a post naming two brands counts for each
        label = b.sentiment or "unscored"
        per_brand[b.brand][label] += b.count
        per_brand[b.brand]["total"] += b.count
    for b in totals:  # every mention once
        label = b.sentiment or "unscored"
        per_start[b.start][label] += b.count
        per_start[b.start]["total"] += b.count
        sentiment[label] += b.count
        reach += b.reach

    series: list[SeriesPoint] = []
    start = _align(since, interval, shift)
    while start < until:
        c = per_start.get(start, {})
        total = c.get("total", 0)
        series.append(
            SeriesPoint(
                start=start,
                label=_label(fmt, start, interval),
                total=total,
                negative=c.get("negative", 0),
                neutral=c.get("neutral", 0),
                positive=c.get("positive", 0),
                negative_share=round(c.get("negative", 0) / total, 4) if total else 0.0,
            )
        )
        start += timedelta(seconds=interval)

    moments: list[AlertMoment] = []
    for case in cases:
        events = store.case_events(case.id)
        for ev, severity in zip(events, severities(case, events), strict=True):
            if ev.kind in MOMENT_KINDS and since <= ev.at < until:
                moments.append(
                    AlertMoment(
                        at=ev.at,
                        label=_label(fmt, _align(ev.at, interval, shift), interval),
                        case_id=case.id,
                        kind=ev.kind,
                        severity=severity,
                        title=headline(case),
                    )
                )
    moments.sort(key=lambda m: m.at)

    mentions = sum(sentiment.values())
    negative = sentiment.get("negative", 0)
    brands = {
        name: {
            "mentions": c["total"],
            "negative": c.get("negative", 0),
            "negative_share": round(c.get("negative", 0) / c["total"], 4) if c["total"] else 0.0,
        }
        for name, c in sorted(per_brand.items(), key=lambda kv: -kv[1]["total"])
    }
    return Figures(
        brand=brand,
        since=since,
        until=until,
        interval_seconds=interval,
        mentions=mentions,
        stories=stories,
        reach=reach,
        negative=negative,
        negative_share=round(negative / mentions, 4) if mentions else 0.0,
        sentiment=dict(sentiment),
        sources=sources,
        series=series,
        alert_moments=moments,
        spreaders=spreaders,
        terms=terms.terms(store, brand, since, until) if terms else [],
        brands=brands,
    )


def window_aggregates(
    store: Store,
    brand: str | None,
    since: datetime,
    until: datetime,
    interval: int,
    shift: int = 0,
) -> tuple[list[Bucket], list[Bucket], dict[str, int], list[dict[str, Any]], int]:
    """The Store reads behind the figures: volume buckets per brand and the same counting
    each mention once (for every brand: a post naming two brands is one mention of the
    totals and series, one for each brand in the breakdown), mentions per source (largest
    first), the ten key spreaders and the distinct stories of the window — counted over
    the window, as the search page counts them (a sum of the buckets' distinct stories
    counts a story once per point and sentiment it spans: 9,542 for the demo's 8,964)."""
    buckets = local_buckets(store, since, until, interval, shift, brand)
    totals = (
        buckets if brand else local_buckets(store, since, until, interval, shift, each_brand=False)
    )
    result = store.search(
        SearchRequest(
            brand=brand, since=since, until=until, limit=1, highlight=False, group_stories=True
        )
    )
    sources = dict(sorted(result.facets.get("source", {}).items(), key=lambda kv: -kv[1]))
    spreaders = store.top_authors(brand, since, until, 10)
    return buckets, totals, sources, spreaders, result.stories or 0


def case_window(case: Case, now: datetime) -> tuple[datetime, datetime]:
    """A day before the case opened until it was resolved (or now), at most 7 days."""
    end = case.closed_at or case.resolved_at or now
    end = min(max(end, case.opened_at + timedelta(hours=1)), now + timedelta(minutes=1))
    start = max(case.opened_at - timedelta(days=1), end - timedelta(days=7))
    return start, end


def cases_in_window(
    store: Store, brand: str | None, since: datetime, until: datetime, limit: int = 30
) -> list[Case]:
    """Cases of ``brand`` that were live at some point in [since, until)."""
    out = []
    for case in store.list_cases(brand=brand, limit=200):
        ended = case.closed_at or case.resolved_at
        if case.opened_at < until and (ended is None or ended >= since):
            out.append(case)
        if len(out) >= limit:
            break
    return out


def severities(case: Case, events: list[CaseEvent]) -> list[str]:
    """The case's severity at each of its events, oldest first: a chart marks an alert
    with the severity it went out with (P2), not the one the case was raised to later (P1).
    The alert, update and reopening events record it; older events: the case's."""
    current, out = "", []
    for ev in events:
        current = str(ev.data.get("severity") or current)
        out.append(current or str(case.severity))
    return out


def timeline(store: Store, cases: list[Case], since: datetime) -> list[CaseEvent]:
    """The handling timeline of these cases (events since ``since``), oldest first."""
    events = [e for c in cases for e in store.case_events(c.id) if e.at >= since]
    events.sort(key=lambda e: e.at)
    return events


def _moment_text(moment: AlertMoment) -> str:
    return f"{moment.severity} {label(moment.kind, 'event')}"


def chart_data(figures: Figures, titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The part of the figures the charts draw (embedded in the page as JSON); the top
    terms chart fetches ``terms_url``. ``titles``: source name -> what people read (the
    sources chart's bars; the JSON API keeps the names)."""
    titles = titles or {}
    query = {"since": figures.since.isoformat(), "until": figures.until.isoformat()}
    if figures.brand:
        query["brand"] = figures.brand
    return {
        "terms_url": "/api/terms?" + urlencode(query),
        "labels": [p.label for p in figures.series],
        "negative": [p.negative for p in figures.series],
        "neutral": [p.neutral for p in figures.series],
        "positive": [p.positive for p in figures.series],
        "negative_share": [
            round(100 * p.negative_share, 1) if p.total >= MIN_SHARE_BASE else None
            for p in figures.series
        ],
        "moments": [
            {"label": m.label, "text": m.text, "row": m.row}
            for m in stagger(
                (
                    (_align(a.at, figures.interval_seconds), a.label, _moment_text(a))
                    for a in figures.alert_moments
                ),
                figures.interval_seconds,
            )
        ],
        "sentiment": figures.sentiment,
        "sources": {titles.get(name, name): n for name, n in figures.sources.items()},
    }
