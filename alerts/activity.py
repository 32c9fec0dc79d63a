"""Recent activity per brand, kept in memory and fed from the Store's change feed.

The rules look at minutes and hours, never at 14 days of raw mentions: the engine hands
over each change of a mention (live and replay alike: read from the change feed) with
the minute it arrived, and the rules read these running counts. Counting is by story
(dedupe cluster): a story counts once, in the minute it first appears (for negatives:
first appears negative), so a repost storm is one story with its reach and a surge
measures what is new.

A mention counts at its *arrival* (when it was crawled, at most the evaluation time),
not at its publication: a post a search surfaces six hours late, or a complaint that
reaches a forum index a day later, is news now and counts toward what is spreading now.
The seasonal baselines are the Store's counts by publication hour (engine._sync_history).

Observations, not snapshots: a later state of a mention already seen is an observation
of its story (``Story.observe_counts``): reposts and comments gained between two crawls
are the story's growth over that interval, so a re-crawl that finds 40 reposts grown to
4,000 in 20 minutes is measured as that, and a story nobody re-crawls stops growing in
the figures as the hour moves on. Taking in the same state twice changes nothing
(``Activity.observe`` is idempotent per mention and state), so the engine can re-read
the feed after a restart.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from index.models import Mention, SentimentLabel


@dataclass(slots=True)
class Fact:
    """What the rules need to know of one mention, for one of its brands."""

    id: str
    minute: int  # epoch minute of published_at
    cluster: str
    repost: bool
    scored: bool
    negative: bool
    negativity: float  # 1 - score toward the brand
    followers: int
    reposts: int
    reach: int
    age_hours: float  # published → crawled (how late it arrived)
    signals: tuple[str, ...]
    author: str
    url: str
    text: str

    @property
    def weight(self) -> float:
        """Evidence rank: negativity times the order of magnitude of the reach."""
        return self.negativity * (1.0 + math.log10(1 + self.reach))


@dataclass(slots=True)
class Growth:
    """Reposts and comments a mention gained between two observations (minutes)."""

    start: int
    end: int
    gained: int

    def within(self, lo: int, hi: int) -> float:
        """The part gained in the minutes [lo, hi), spread evenly over the interval
        (``start`` < ``end``)."""
        overlap = min(self.end, hi) - max(self.start, lo)
        return self.gained * overlap / (self.end - self.start) if overlap > 0 else 0.0


@dataclass(slots=True)
class Story:
    cluster: str
    first_minute: int
    last_minute: int
    negative: bool = False
    minutes: deque[int] = field(default_factory=deque)  # one entry per mention, recent hour
    mentions: int = 0
    max_reposts: int = 0  # the most reposts + comments one of its mentions was seen with
    top: Fact | None = None  # the mention with the widest reach
    # mention id -> (minute, reposts + comments) at its last observation
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    growth: deque[Growth] = field(default_factory=deque)  # in order of observation

    def observe_counts(self, mention_id: str, published: int, minute: int, count: int) -> None:
        """One observation of a mention's reposts + comments at ``minute``: what it
        gained since the last one is growth of the story over that interval (at least a
        minute). The first observation's count was gained since publication, spread
        over at least an hour (a post first seen young with 300 reposts: 300 an hour,
        not 300 in its first minute). Counts that fall (a deleted repost) gain nothing."""
        last = self.counts.get(mention_id)
        if last is None:
            last_minute, last_count = min(published, minute - 60), 0
        else:
            last_minute, last_count = last
        self.counts[mention_id] = (max(minute, last_minute), max(count, last_count))
        self.max_reposts = max(self.max_reposts, count)
        if count > last_count:
            start = min(last_minute, minute)
            end = max(minute, start + 1)
            self.growth.append(Growth(start, end, count - last_count))

    def reposts_per_hour(self, end_minute: int) -> float:
        """How fast the story spreads, from what was observed in the last hour: copies
        (reposts, comments) stored as mentions, or the reposts and comments its mentions
        gained between crawls; each over the hour or, for a storm that has just begun,
        four times the last 15 minutes. Nothing observed lately: nothing spreading (an
        old figure is never carried forward)."""
        while self.minutes and self.minutes[0] < end_minute - 60:
            self.minutes.popleft()
        while self.growth and self.growth[0].end < end_minute - 60:
            self.growth.popleft()
        hour = quarter = 0
        for m in self.minutes:
            if m < end_minute:
                hour += 1
                if m >= end_minute - 15:
                    quarter += 1
        if end_minute - 60 <= self.first_minute < end_minute:
            hour -= 1  # the original itself is not a copy
            if self.first_minute >= end_minute - 15:
                quarter -= 1
        grown_hour = sum(g.within(end_minute - 60, end_minute) for g in self.growth)
        grown_quarter = sum(g.within(end_minute - 15, end_minute) for g in self.growth)
        return max(float(max(hour, 0)), 4.0 * max(quarter, 0), grown_hour, 4.0 * grown_quarter)


class BrandActivity:
    """Running counts for one brand (see the module docstring)."""

    def __init__(self, brand: str, retention_minutes: int, story_minutes: int = 72 * 60):
        self.brand = brand
        self.retention = retention_minutes
        self.story_retention = story_minutes
        self.negative_new: dict[int, int] = {}  # minute -> new negative stories
        self.total_new: dict[int, int] = {}  # minute -> new stories (scored)
        self.negative_reach: dict[int, int] = {}  # minute -> reach of negative mentions
        self.hour_negative: dict[int, int] = {}
        self.hour_total: dict[int, int] = {}
        self.negative_seen: dict[str, int] = {}  # cluster -> minute first seen negative
        self.total_seen: dict[str, int] = {}
        self.stories: dict[str, Story] = {}
        # both kept sorted by minute (late arrivals are inserted in place)
        self.recent_negative: list[Fact] = []
        self.touches: list[tuple[int, str]] = []  # (minute, cluster) per mention
        self.last_minute = -1
        # a week of hourly counts of negative mentions, and of those carrying risk signals
        self.week_negative: dict[int, int] = {}
        self.week_signals: dict[int, int] = {}

    def story(self, cluster: str, minute: int) -> Story:
        story = self.stories.get(cluster)
        if story is None:
            story = self.stories[cluster] = Story(cluster, minute, minute)
        return story

    def add(self, fact: Fact) -> None:
        """A mention seen for the first time (at ``fact.minute``, its arrival)."""
        m = fact.minute
        self.last_minute = max(self.last_minute, m)
        story = self.story(fact.cluster, m)
        story.last_minute = max(story.last_minute, m)
        story.mentions += 1
        story.minutes.append(m)
        story.max_reposts = max(story.max_reposts, fact.reposts)
        if story.top is None or fact.reach > story.top.reach:
            story.top = fact
        bisect.insort(self.touches, (m, fact.cluster))
        self._count(fact, story)

    def observed_again(self, fact: Fact, turned_negative: bool) -> None:
        """A later state of a mention already added (its counts or labels changed): the
        story was touched now; a mention that has turned negative toward the brand (a
        correction, a re-scored text) counts as negative from now."""
        m = fact.minute
        self.last_minute = max(self.last_minute, m)
        story = self.story(fact.cluster, m)
        story.last_minute = max(story.last_minute, m)
        if story.top is None or fact.reach > story.top.reach:
            story.top = fact
        bisect.insort(self.touches, (m, fact.cluster))
        if turned_negative:
            self._count(fact, story)

    def _count(self, fact: Fact, story: Story) -> None:
        m, h = fact.minute, fact.minute // 60
        if fact.scored and fact.cluster not in self.total_seen:
            self.total_seen[fact.cluster] = m
            self.total_new[m] = self.total_new.get(m, 0) + 1
            self.hour_total[h] = self.hour_total.get(h, 0) + 1
        if not fact.negative:
            return
        story.negative = True
        self.week_negative[h] = self.week_negative.get(h, 0) + 1
        if fact.signals:
            self.week_signals[h] = self.week_signals.get(h, 0) + 1
        bisect.insort(self.recent_negative, fact, key=lambda f: f.minute)
        self.negative_reach[m] = self.negative_reach.get(m, 0) + fact.reach
        if fact.cluster not in self.negative_seen:
            self.negative_seen[fact.cluster] = m
            self.negative_new[m] = self.negative_new.get(m, 0) + 1
            self.hour_negative[h] = self.hour_negative.get(h, 0) + 1

    # -- reading -----------------------------------------------------------------------
    def count(self, start_minute: int, end_minute: int, negative: bool = True) -> int:
        """New stories in the minutes [start, end)."""
        series = self.negative_new if negative else self.total_new
        if end_minute - start_minute <= 30:
            return sum(series.get(m, 0) for m in range(start_minute, end_minute))
        # whole clock hours from the hourly totals; the current hour too when nothing
        # newer than ``end`` has been seen (always so live; tests may load ahead)
        hours = self.hour_negative if negative else self.hour_total
        first_full = min(-(-start_minute // 60), end_minute // 60)
        last_hour = end_minute // 60
        total = sum(series.get(m, 0) for m in range(start_minute, first_full * 60))
        total += sum(hours.get(h, 0) for h in range(first_full, last_hour))
        if first_full * 60 >= start_minute and end_minute > self.last_minute >= 0:
            total += hours.get(last_hour, 0) if last_hour * 60 < end_minute else 0
        else:
            tail_start = max(start_minute, last_hour * 60)
            total += sum(series.get(m, 0) for m in range(tail_start, end_minute))
        return total

    def minutes_with_new(self, start_minute: int, end_minute: int) -> int:
        """Minutes in [start, end) in which a new negative story appeared: how spread
        out the window's stories are (a burst written at once fills one or two)."""
        return sum(1 for m in range(start_minute, end_minute) if self.negative_new.get(m))

    def authors_of_new(self, start_minute: int, end_minute: int) -> int:
        """Distinct authors of the new negative stories of [start, end): how many people
        the window's stories come from (one angry customer posting five times is one
        voice). A story whose author is unknown counts as a voice of its own."""
        first: dict[str, str] = {}  # story -> the author of its first negative mention
        for f in self.negative_facts(start_minute, end_minute):
            if self.negative_seen.get(f.cluster) == f.minute and f.cluster not in first:
                first[f.cluster] = f.author or f"story:{f.cluster}"
        return len(set(first.values()))

    def signal_share(self, before_hour: int, prior: float = 0.05, weight: float = 20.0) -> float:
        """Share of negative mentions carrying risk signals over the last week seen
        before ``before_hour`` (the window judged must not inflate its own baseline),
        shrunk toward ``prior`` with ``weight`` pseudo-mentions."""
        negative = sum(n for h, n in self.week_negative.items() if h < before_hour)
        signals = sum(n for h, n in self.week_signals.items() if h < before_hour)
        return (signals + prior * weight) / (negative + weight)

    def hour_count(self, hour: int, negative: bool = True) -> int:
        return (self.hour_negative if negative else self.hour_total).get(hour, 0)

    def reach(self, start_minute: int, end_minute: int) -> int:
        return sum(self.negative_reach.get(m, 0) for m in range(start_minute, end_minute))

    def negative_facts(self, start_minute: int, end_minute: int) -> list[Fact]:
        key = _minute_of
        lo = bisect.bisect_left(self.recent_negative, start_minute, key=key)
        hi = bisect.bisect_left(self.recent_negative, end_minute, key=key)
        return self.recent_negative[lo:hi]

    def touched_stories(self, start_minute: int, end_minute: int) -> list[Story]:
        """Stories with a mention in the window."""
        lo = bisect.bisect_left(self.touches, (start_minute, ""))
        hi = bisect.bisect_left(self.touches, (end_minute, ""))
        clusters = {c for _, c in self.touches[lo:hi]}
        return [self.stories[c] for c in sorted(clusters) if c in self.stories]

    def evidence(self, start_minute: int, end_minute: int, size: int) -> list[Fact]:
        """The most important negative mentions of the window, one per story."""
        best: dict[str, Fact] = {}
        for f in self.negative_facts(start_minute, end_minute):
            cur = best.get(f.cluster)
            if cur is None or f.weight > cur.weight:
                best[f.cluster] = f
        return sorted(best.values(), key=lambda f: (-f.weight, f.id))[:size]

    def prune(self, end_minute: int) -> None:
        cutoff = end_minute - self.retention
        for series in (self.negative_new, self.total_new, self.negative_reach):
            for m in [m for m in series if m < cutoff]:
                del series[m]
        for hours in (self.hour_negative, self.hour_total):
            for h in [h for h in hours if h < cutoff // 60]:
                del hours[h]
        del self.recent_negative[: bisect.bisect_left(self.recent_negative, cutoff, key=_minute_of)]
        del self.touches[: bisect.bisect_left(self.touches, (cutoff, ""))]
        week = end_minute // 60 - 7 * 24
        for hours in (self.week_negative, self.week_signals):
            for h in [h for h in hours if h < week]:
                del hours[h]
        story_cutoff = end_minute - self.story_retention
        for seen in (self.negative_seen, self.total_seen):
            for c in [c for c, m in seen.items() if m < story_cutoff]:
                del seen[c]
        for c in [c for c, s in self.stories.items() if s.last_minute < cutoff]:
            del self.stories[c]


def _minute_of(fact: Fact) -> int:
    return fact.minute


def toward(mention: Mention, brand: str) -> tuple[bool, bool, float]:
    """``(scored, negative, negativity)`` of the mention toward ``brand``: a person's
    correction wins, then the model's polarity toward the brand, then the document's
    (mentions stored before per-brand polarity)."""
    sentiment = mention.sentiment_toward(brand)
    if sentiment is None:
        return False, False, 0.0
    return True, sentiment.label == SentimentLabel.negative, 1.0 - sentiment.score


def story_of(mention: Mention) -> str:
    """The story ``mention`` counts in, from the mention alone: its dedupe cluster; a
    comment's, the post it answers (``Activity.story_of`` knows that post's story)."""
    return mention.parent_id or mention.cluster_id or mention.repost_of or mention.id


def facts_of(
    mention: Mention, minute: int | None = None, story: str | None = None
) -> Iterable[tuple[str, Fact]]:
    """(brand, fact) for each brand the mention matched, negative *for that brand*;
    ``minute``: when it arrived (default: when it was published); ``story``: the story
    it counts in (default: :func:`story_of`)."""
    published = mention.published_at
    age = max(0.0, (mention.crawled_at - published).total_seconds() / 3600)
    fact_args = dict(
        id=mention.id,
        minute=int(published.timestamp() // 60) if minute is None else minute,
        # comments belong to their post's story: 500 angry comments under one post are
        # one story spreading fast, not 500 new stories
        cluster=story or story_of(mention),
        repost=mention.repost_of is not None,
        followers=mention.author.followers,
        reposts=mention.engagement.reposts,
        reach=mention.reach,
        age_hours=age,
        signals=tuple(mention.risk_signals),
        author=mention.author.name or mention.author.id,
        url=mention.url,
        text=(mention.title + " " + mention.text).strip()[:300],
    )
    for brand in dict.fromkeys(mention.brand_names):
        scored, negative, negativity = toward(mention, brand)
        yield (
            brand,
            Fact(
                **fact_args,  # type: ignore[arg-type]
                scored=scored,
                negative=negative,
                negativity=negativity,
            ),
        )


@dataclass(slots=True)
class _Seen:
    minute: int  # of the last observation
    counts: tuple[int, int]  # reposts, comments
    labels: dict[str, str]  # brand -> effective label


def arrival_minute(mention: Mention, now_minute: int) -> int:
    """When a mention arrived, for the rules: crawled (or published, if later), at most
    now (a clock behind the crawler's, as in tests and replays, means "just now")."""
    seen = max(mention.published_at, mention.crawled_at)
    return min(int(seen.timestamp() // 60), now_minute)


class Activity:
    """Every brand's running counts, plus which brands changed since the last look."""

    def __init__(self, retention_minutes: int):
        self.retention = retention_minutes
        self.brands: dict[str, BrandActivity] = {}
        self.changed: set[str] = set()
        self._seen: dict[str, _Seen] = {}  # mention id -> its last state taken in
        self._stories: dict[str, str] = {}  # mention id -> the story it counts in

    def story_of(self, mention: Mention) -> str:
        """The story ``mention`` counts in: the one it was counted in before, else its
        dedupe cluster; a comment's is the story of the post it answers when that post is
        known (taken in, or told by :meth:`learn`): a comment under a repost counts in the
        repost's story, its original's, not in one named after the repost."""
        known = self._stories.get(mention.id)
        if known is not None:
            return known
        if mention.parent_id is not None:
            return self._stories.get(mention.parent_id, mention.parent_id)
        return story_of(mention)

    def unknown_parents(self, mentions: Iterable[Mention]) -> set[str]:
        """The posts answered by ``mentions``' comments whose story is not known here."""
        return {
            m.parent_id
            for m in mentions
            if m.parent_id is not None and m.parent_id not in self._stories
        }

    def learn(self, posts: Iterable[Mention]) -> None:
        """Remember the story of posts read from the Store (comments' posts that were
        not taken in: older than the windows, or taken in before a restart)."""
        for post in posts:
            self._stories.setdefault(post.id, self.story_of(post))

    def brand(self, name: str) -> BrandActivity:
        act = self.brands.get(name)
        if act is None:
            act = self.brands[name] = BrandActivity(name, self.retention)
        return act

    def feed(self, mentions: Iterable[Mention]) -> int:
        """Take in mentions at their publication minute (tests, tools); returns how
        many were new."""
        fed = 0
        for mention in mentions:
            minute = int(mention.published_at.timestamp() // 60)
            fed += self.observe(mention, minute) == "new"
        return fed

    def observe(self, mention: Mention, minute: int) -> str:
        """Take in one state of ``mention`` arriving at ``minute``: "new" (first seen:
        counted), "again" (a later state: an observation of its story, see the module
        docstring) or "" (this state was taken in before: nothing changes)."""
        counts = (mention.engagement.reposts, mention.engagement.comments)
        labels = mention.brand_labels
        published = int(mention.published_at.timestamp() // 60)
        seen = self._seen.get(mention.id)
        if seen is not None and seen.counts == counts and seen.labels == labels:
            return ""
        story = self._stories[mention.id] = self.story_of(mention)
        for brand, fact in facts_of(mention, minute, story):
            act = self.brand(brand)
            if seen is None:
                act.add(fact)
            else:
                was = seen.labels.get(brand)
                act.observed_again(fact, fact.negative and was != SentimentLabel.negative)
            act.story(fact.cluster, minute).observe_counts(
                mention.id, published, minute, sum(counts)
            )
            self.changed.add(brand)
        self._seen[mention.id] = _Seen(minute, counts, labels)
        return "new" if seen is None else "again"

    def take_changed(self, end_minute: int | None = None) -> set[str]:
        """Brands that received data since the last look. With ``end_minute`` (the
        minute being evaluated, whose windows end before it): a brand that received
        data of that minute is looked at again next time, when that minute counts."""
        changed, self.changed = self.changed, set()
        if end_minute is not None:
            self.changed = {b for b in changed if self.brands[b].last_minute >= end_minute}
        return changed

    def prune(self, end_minute: int) -> None:
        for act in self.brands.values():
            act.prune(end_minute)
        cutoff = end_minute - 72 * 60
        if len(self._seen) > 50_000:
            self._seen = {k: s for k, s in self._seen.items() if s.minute >= cutoff}
            self._stories = {k: s for k, s in self._stories.items() if k in self._seen}
