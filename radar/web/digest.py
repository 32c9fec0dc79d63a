"""The daily digest page shows the figures the alert engine posts to Slack, computed by
the same code (``AlertEngine.daily_digest``), but a page view must never queue the Slack
message: the engine is handed a view of the store whose outbox refuses new entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts.engine import AlertEngine
from config.i18n import gettext
from config.schema import RadarConfig
from index.base import Notification, SearchRequest, Store
from radar.web.render import Formatter


class _NoOutbox:
    """The store, except that ``enqueue_notification`` queues nothing."""

    def __init__(self, store: Store):
        self._store = store

    def enqueue_notification(self, notification: Notification) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def figures(config: RadarConfig, store: Store, now: datetime) -> dict[str, Any]:
    """Per brand: the 24 h before ``now`` (a local midnight: see :func:`day_end`) against
    the 24 h before that, with the hours either day was not fully collected."""
    engine = AlertEngine(config, _NoOutbox(store), pull=False)  # type: ignore[arg-type]
    digest = engine.daily_digest(now)
    digest.pop("queued", None)
    digest.pop("key", None)
    return digest


def day_end(now: datetime, tz: str) -> datetime:
    """The end of the last full day before ``now`` in zone ``tz`` (its local midnight, in
    UTC): the digest's day is always midnight to midnight, for the scheduled digest and
    for the page alike."""
    local = now.astimezone(ZoneInfo(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def gap_ranges(
    gaps: dict[datetime, list[str]], fmt: Formatter, titles: dict[str, str] | None = None
) -> list[str]:
    """Hours without collection as readable ranges (:meth:`Formatter.span`):
    ``2026年11月22日 03:00–06:00（微博（演示））``, the sources by ``titles`` (name -> what
    people read); a range that ends on a later day names both
    (``2026年11月22日 02:00 → 2026年11月23日 02:00``)."""
    titles = titles or {}
    out: list[str] = []
    run: list[datetime] = []
    names: set[str] = set()

    def close() -> None:
        if run:
            end = run[-1] + timedelta(hours=1)
            # Chinese brackets and 、 in Chinese: '… 07:00–20:00（新闻（演示）、微博（演示））'
            # read '(新闻（演示）, 微博（演示）)'
            out.append(
                gettext("%(span)s (%(sources)s)")
                % {"span": fmt.span(run[0], end), "sources": gettext(", ").join(sorted(names))}
            )

    for hour, sources in sorted(gaps.items()):
        if run and hour - run[-1] > timedelta(hours=1):
            close()
            run, names = [], set()
        run.append(hour)
        names.update(titles.get(s, s) for s in sources)
    close()
    return out


def stored(store: Store, since: datetime | None, until: datetime) -> bool:
    """Whether any mention stored was published in [since, until): none before a digest
    day's end is a day before the store's first mention, no collection gap."""
    request = SearchRequest(since=since, until=until, limit=0, facets=False, highlight=False)
    return store.search(request).total > 0


def first_day(store: Store, tz: str, since: datetime, now: datetime) -> date | None:
    """The first local day (zone ``tz``) in [``since``, ``now``] with a mention published
    in it: the day of the oldest such mention, asked in one search (the Store's "oldest"
    sort; it took a count per halving of the days); None when there is none."""
    zone = ZoneInfo(tz)
    end = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(), zone)
    request = SearchRequest(since=since, until=end.astimezone(UTC), sort="oldest", limit=1,
                            facets=False, highlight=False)  # fmt: skip
    hits = store.search(request).hits
    return hits[0].mention.published_at.astimezone(zone).date() if hits else None


@dataclass
class NoData:
    """A digest day before the store's first mention: its zeros say nothing was collected
    yet, not that nothing was said, and no hour of it is judged incomplete."""

    day: str  # the digest's day, as people read it (2020年1月1日)
    first: date | None  # the first local day with data; None when nothing is stored yet
    first_day: str  # ... as people read it
    ready: bool  # whether that first day is over, so that its digest can be read

    def note(self) -> str:
        """What the digest page says (digest.html), as plain sentences for the API."""
        said = gettext(
            "There is no data for %(day)s: nothing stored was published on or before that day."
        ) % {"day": self.day}
        if self.first is None:
            more = gettext("Nothing has been stored yet.")
        elif self.ready:
            more = gettext("The earliest day with data is %(day)s.") % {"day": self.first_day}
        else:
            more = gettext(
                "The earliest data is from today, %(day)s: its digest is ready after midnight."
            ) % {"day": self.first_day}
        return f"{said}{more}" if said.endswith("。") else f"{said} {more}"


def no_data(store: Store, fmt: Formatter, tz: str, end: datetime, now: datetime) -> NoData | None:
    """The digest day ending at ``end`` (:func:`day_end`) when nothing stored was published
    on or before it, with the first day that has data; None for a day with data. The page
    and ``GET /api/v1/digest`` say the same from it."""
    if stored(store, None, end):
        return None
    first = first_day(store, tz, end, now)
    latest = (day_end(now, tz) - timedelta(days=1)).astimezone(ZoneInfo(tz)).date()
    return NoData(
        # days, not moments: 2020年1月1日
        day=fmt.when(end - timedelta(days=1), "date"),
        first=first,
        first_day=fmt.when(fmt.parse_local(f"{first.isoformat()}T12:00"), "date") if first else "",
        ready=first is not None and first <= latest,
    )
