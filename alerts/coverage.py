"""Was everything collected? The hours of a window in which a source did not complete a
crawl, read from the crawl runs the Store keeps (``Store.crawl_runs``).

A day whose first half was never crawled (the service started at noon, a source was
blocked all morning) holds half the mentions of a normal day: growth measured against
it is meaningless (+790 % for every brand). The digest and the overview mark such hours
and do not compare against them.

An hour counts as collected for a source when one of its crawls completed between the
hour's start and one crawl interval after its end (a crawl at 10:03 collected 09:00-10:00),
or when a complete crawl that lost no page read its listings back over the whole hour
(its ``read_from``, crawlers/summary.py): a first crawl that reads back a day of posts,
a catch-up after an outage, collected those hours.
Only sources with a recorded crawl are judged: one that never ran says nothing about the
hours, and the source-health banner speaks for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from index.base import SourceHealth, Store

HOUR = timedelta(hours=1)
MAX_RUNS = 5000  # crawl runs read per source


def _at(value: object) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def hours(since: datetime, until: datetime) -> list[datetime]:
    start = since.replace(minute=0, second=0, microsecond=0)
    out = []
    while start < until:
        out.append(start)
        start += HOUR
    return out


def collection_gaps(
    store: Store, sources: Iterable[tuple[str, float]], since: datetime, until: datetime
) -> dict[datetime, list[str]]:
    """Hour start -> the sources (name, crawl interval in seconds) that collected nothing
    for that hour, for the hours of [since, until) with any; empty when all collected."""
    wanted = hours(since, until)
    gaps: dict[datetime, list[str]] = {}
    for name, interval in sources:
        slack = timedelta(seconds=interval)
        limit = min(MAX_RUNS, math.ceil((until - since + slack) / slack) * 2 + 10)
        runs = store.crawl_runs(name, limit=limit)
        if not runs:
            continue
        done = sorted(
            at
            for run in runs
            if run.get("completed") and (at := _at(run.get("finished_at"))) is not None
        )
        read_back = [span for run in runs if (span := _read_back(run)) is not None]
        oldest = _at(runs[-1].get("finished_at")) if len(runs) == limit else None
        for hour in wanted:
            if oldest is not None and hour < oldest:
                continue  # older than the runs read: not known, not judged
            end = hour + HOUR + slack
            if not any(hour <= at < end for at in done) and not any(
                start <= hour and hour + HOUR <= stop for start, stop in read_back
            ):
                gaps.setdefault(hour, []).append(name)
    return dict(sorted(gaps.items()))


def _read_back(run: dict[str, object]) -> tuple[datetime, datetime] | None:
    """(oldest post read, end) of a complete run that read every listed post in between
    (no page lost); None for any other run."""
    if not run.get("completed") or run.get("pages_lost") or not run.get("read_from"):
        return None
    start, stop = _at(run.get("read_from")), _at(run.get("finished_at"))
    return (start, stop) if start is not None and stop is not None else None


def enabled_sources(config: object) -> list[tuple[str, float]]:
    """(name, interval) of the configured sources that crawl."""
    return [(s.name, s.interval) for s in getattr(config, "sources", []) if s.enabled]


STALE_AFTER = 3  # crawl intervals without a completed crawl before a source is stale
STALE_MIN = timedelta(minutes=30)


def stale_sources(config: object, store: Store, now: datetime) -> list[SourceHealth]:
    """Sources that crawl but completed no crawl for STALE_AFTER intervals (at least
    STALE_MIN): their figures stop at ``since``. A source that never ran is not stale
    (it has not started yet); crashing and paused ones are reported by their health."""
    out = []
    for name, interval in enabled_sources(config):
        runs = store.crawl_runs(name, limit=50)
        if not runs:
            continue
        done = [
            at
            for run in runs
            if run.get("completed") and (at := _at(run.get("finished_at"))) is not None
        ]
        last = max(done, default=None)
        limit = max(timedelta(seconds=STALE_AFTER * interval), STALE_MIN)
        if last is None or now - last > limit:
            first = _at(runs[-1].get("finished_at"))
            out.append(
                SourceHealth(name, "stale", "no_complete_crawl", since=last or first,
                             detail={"interval": interval})
            )  # fmt: skip
    return out
