"""The Store: one interface, two backends (``index/sqlite/``, ``index/elastic/``).

Chosen by URL (``sqlite:///path`` or ``http(s)://host:9200``) through
``index.open_store``. Everything above ``index/`` talks to this interface only, and one
contract suite (``tests/index/test_store_contract.py``) runs against every backend.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from index.changes import Change
from index.models import Case, CaseEvent, Mention, SentimentLabel


class StoreError(RuntimeError):
    """The store cannot do what was asked (unreachable, misconfigured, corrupt)."""


class StoreUnavailable(StoreError):
    """The backend cannot be reached; the caller may retry later. Nothing was written."""


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0  # existed; engagement/sentiment/etc. refreshed
    unchanged: int = 0  # existed with identical content
    errors: list[tuple[str, str]] = field(default_factory=list)  # (mention id, reason)

    @property
    def written(self) -> int:
        return self.new + self.updated


@dataclass
class SearchRequest:
    query: str = ""  # the search-box language of index/query.py
    brand: str | None = None
    # the effective sentiment toward the brand filtered (brand here or one brand: ANDed
    # in the query), else toward any brand the mention names; the "sentiment" facet counts
    # the same way
    sentiment: str | None = None
    source: str | None = None
    author: str | None = None
    since: datetime | None = None  # published_at >= since
    until: datetime | None = None  # published_at < until
    handled: bool | None = None
    sort: str = "time"  # one of STORE_SORTS: "time" (newest first) | "relevance" | …
    offset: int = 0
    limit: int = 20
    facets: bool = True
    highlight: bool = True
    include_reposts: bool = True  # False: only story originals (repost_of is None)
    # False: no comments (parent_id): the stories of posts, reposts and copies, as the
    # brief's and the reports' stories spreading furthest list them
    include_comments: bool = True
    # True: one hit per story (dedupe cluster: an original, its reposts and near-copies)
    # among the matching mentions; offset/limit page through these groups (a matching
    # comment is a group of its own: ``SearchResult.groups``), ``SearchHit.story_*`` say
    # how many matching mentions each stands for and their reach, the hit's mention is the
    # story's earliest matching one, and ``SearchResult.stories`` counts the stories the
    # matches belong to: a comment is part of its post's story
    group_stories: bool = False


# "reach": author followers + engagement, largest first (a story: the sum over its
# matching mentions); "time": newest first (a story: by its newest matching mention)
SORTS = ("time", "relevance", "reach")
# and for the store's own callers, not offered by the API (its cursors page newest first):
# "oldest": published first (a story: by its oldest matching mention) — the digest's
# first day with data is the oldest mention's, one search instead of a count per halving
STORE_SORTS = (*SORTS, "oldest")


# the deepest hit and the longest page a search gives: far beyond any screen or export.
# Larger values (a hand-written ?page=1e20) are an empty page or a shorter one, never an
# integer the backend cannot hold (they were a 500: OverflowError)
MAX_OFFSET = 1_000_000_000
MAX_LIMIT = 10_000


def paging(request: SearchRequest) -> tuple[int, int]:
    """The request's (offset, limit), bounded to 0..MAX_OFFSET and 0..MAX_LIMIT."""
    return min(max(0, request.offset), MAX_OFFSET), min(max(0, request.limit), MAX_LIMIT)


def checked_sort(request: SearchRequest) -> str:
    """The request's sort; a StoreError naming the choices for any other (both backends
    refuse it the same way instead of one sorting by time and the other failing)."""
    if request.sort not in STORE_SORTS:
        *some, last = map(repr, STORE_SORTS)  # named from the list: a new sort is in it
        raise StoreError(f"unknown sort {request.sort!r}: use {', '.join(some)} or {last}")
    return request.sort


@dataclass
class SearchHit:
    mention: Mention
    highlight: str = ""  # snippet with matches wrapped in <mark>…</mark>; the rest escaped
    score: float = 0.0
    # with ``group_stories``: the story's id (cluster id), its matching mentions and their
    # summed reach; without: the mention's own story, 1 and its reach. A comment's story
    # is its post's (``Store.post_stories``; its own when its post is not stored)
    story: str = ""
    story_size: int = 1
    story_reach: int = 0


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    # facet name ("sentiment", "source", "brand") -> value -> count over the whole result set;
    # with ``group_stories`` also "story": {"stories": the distinct stories of the matching
    # posts, reposts and copies (each story's first of them), "copies": the matching
    # posts, reposts and copies beyond each story's first, "comments": the matching
    # comments}: stories + copies + comments = total
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # ``group_stories``: the distinct stories (``cluster_id``, else the id) the matches
    # belong to: those of the matching posts, reposts and copies, and for a matching
    # comment (``parent_id``) the story of its post, matching or not (the post's id when
    # it is not stored; a reply to a comment: the post that comment answers, as
    # ``post_stories``); unlike ``Store.count_buckets``, where a comment adds no story
    stories: int | None = None
    # ``group_stories``: the groups the hits page through: the stories, and each matching
    # comment's own (a comment is a hit of its own, grouped by its own cluster)
    groups: int | None = None


@dataclass
class Bucket:
    start: datetime
    brand: str
    sentiment: str  # effective toward the brand: negative | neutral | positive | "" unscored
    count: int  # mentions
    stories: int = 0  # distinct stories of its posts, reposts, copies (a comment adds none)
    reach: int = 0  # sum of author followers + engagement


# the order in which a mention counted once for every brand takes its label
MOST_NEGATIVE_FIRST = ("negative", "neutral", "positive", "")


@dataclass
class Notification:
    """One outbox entry: delivered at most once per ``key`` (idempotent per case and step)."""

    key: str
    channel: str
    payload: dict[str, Any]
    case_id: str | None = None
    created_at: datetime | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str = ""
    result: dict[str, Any] = field(default_factory=dict)  # e.g. {"ts": "...", "channel": "..."}


@dataclass
class SourceHealth:
    source: str
    state: str  # ok | paused | failing
    reason: str = ""  # ban | captcha | login | http_403 | http_418 | http_429 | silent | ...
    since: datetime | None = None
    paused_until: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class MentionStore(abc.ABC):
    """Mentions by id: written by the crawl, read whole, worked by care staff."""

    @abc.abstractmethod
    def upsert_mentions(self, mentions: Iterable[Mention]) -> UpsertResult:
        """Insert or update by id. Same mention twice = one document; engagement,
        sentiment (the document's and toward each brand) and text are refreshed;
        care-staff handling state, notes and sentiment corrections are kept (a brand
        first named by this crawl starts uncorrected)."""

    @abc.abstractmethod
    def get_mention(self, mention_id: str) -> Mention | None: ...

    @abc.abstractmethod
    def get_mentions(self, ids: Sequence[str]) -> list[Mention]:
        """Mentions for the ids that exist, in the order given."""

    @abc.abstractmethod
    def iter_mentions(self, batch_size: int = 1000) -> Iterator[list[Mention]]:
        """Every stored mention, whole (care-staff handling and notes included), in
        batches, oldest first: for copying a store or re-indexing it."""

    def post_stories(self, mentions: Iterable[Mention]) -> dict[str, str]:
        """The story of the post each comment of ``mentions`` answers, by the comment's
        id: that post's dedupe cluster (a repost's is its original's; a reply to a
        comment, the story of the post that comment answers). A comment whose post is
        not stored is left out: no story page holds it but its own."""
        todo = {m.id: m.parent_id for m in mentions if m.parent_id}
        found: dict[str, str] = {}
        for _ in range(3):  # a reply to a reply to a comment at most
            if not todo:
                break
            posts = {p.id: p for p in self.get_mentions(sorted(set(todo.values())))}
            up: dict[str, str] = {}
            for comment, parent in todo.items():
                post = posts.get(parent)
                if post is not None and post.parent_id:
                    up[comment] = post.parent_id
                elif post is not None:
                    found[comment] = post.cluster_id or post.id
            todo = up
        return found

    @abc.abstractmethod
    def mark_handled(
        self, mention_id: str, by: str, note: str = "", at: datetime | None = None
    ) -> Mention:
        """Care staff mark a mention handled (optionally with a note) at ``at`` (the
        caller's clock; None: now)."""

    @abc.abstractmethod
    def mark_unhandled(self, mention_id: str) -> Mention:
        """Undo :meth:`mark_handled` (a care agent's mis-click, a post that needs more
        work): not handled, by nobody; its notes stay. KeyError for an unknown mention."""

    @abc.abstractmethod
    def add_mention_note(
        self, mention_id: str, by: str, text: str, at: datetime | None = None
    ) -> Mention:
        """A care note written at ``at`` (the caller's clock; None: now)."""

    @abc.abstractmethod
    def correct_sentiment(
        self,
        mention_id: str,
        brand: str,
        label: SentimentLabel | str | None,
        actor: str,
        at: datetime | None = None,
    ) -> Mention:
        """Care or PR staff set (``label`` None: clear) the sentiment toward ``brand``;
        filters, facets, buckets and top authors follow at once, and re-crawls keep it.
        Returns the mention as stored. KeyError for an unknown mention; ValueError when
        the mention does not name ``brand`` or ``label`` is no sentiment label."""

    @abc.abstractmethod
    def count_mentions(self) -> int: ...


class MentionSearch(abc.ABC):
    """What the pages, the alert engine and the crawl ask of the stored mentions."""

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abc.abstractmethod
    def story(self, story_id: str, limit: int = 500) -> list[Mention]:
        """The mentions of one story, oldest first: those whose cluster is ``story_id``
        (the original, reposts, near-copies; the ``limit`` oldest) and the comments under
        any of them (``parent_id``; the ``limit`` oldest of those too — a crisis post's
        hundreds of comments must not push its reposts out). Empty when nothing is stored
        for it."""

    @abc.abstractmethod
    def count_buckets(
        self,
        since: datetime,
        until: datetime,
        interval_seconds: int,
        brand: str | None = None,
        each_brand: bool = True,
    ) -> list[Bucket]:
        """Mention counts by (bucket start, brand, sentiment) for published_at in
        [since, until). Bucket starts are aligned to multiples of the interval since the
        Unix epoch. A mention with several brands counts once for each, under its
        effective sentiment toward that brand (``Mention.brand_sentiment``).

        ``stories``: the distinct stories (``cluster_id``, else the id) of the bucket's
        posts, reposts and near-copies. A comment (a mention with ``parent_id``) belongs
        to its post's story and adds no story of its own, as the alert engine groups it
        (alerts/activity.py ``facts_of``): 500 comments under one post are one story,
        counted where the post is; a bucket holding only comments has ``stories`` 0
        and its comments in ``count``. A story with mentions in several buckets counts
        in each of them.

        Not ``each_brand``: counts of mentions, each counted once (a post naming two
        brands is one mention of the whole), under ``brand`` "" and the most negative
        label it has toward a brand it names (:data:`MOST_NEGATIVE_FIRST`; "" when
        none is scored) — every brand's totals. With ``brand``, the same counts as
        per brand."""

    @abc.abstractmethod
    def top_authors(
        self, brand: str | None, since: datetime, until: datetime, limit: int = 10
    ) -> list[dict[str, Any]]:
        """Authors by reach: [{"id", "name", "followers", "verified", "mentions",
        "negative", "engagement"}], largest followers+engagement first. ``negative``
        counts their mentions negative toward ``brand`` (None: toward any brand)."""

    @abc.abstractmethod
    def top_terms(
        self, brand: str | None, since: datetime, until: datetime, limit: int = 20
    ) -> list[tuple[str, int]]:
        """Most frequent meaningful words (2+ characters, stop words and the brand's
        own names excluded) in the window, with counts."""

    @abc.abstractmethod
    def find_near_duplicates(
        self, simhash: int, since: datetime, max_distance: int = 3, limit: int = 5
    ) -> list[Mention]:
        """Mentions published since ``since`` whose 64-bit simhash is within
        ``max_distance`` bits of ``simhash``, oldest first."""

    def find_near_duplicates_many(
        self, queries: Sequence[tuple[int, datetime]], max_distance: int = 3, limit: int = 5
    ) -> list[list[Mention]]:
        """:meth:`find_near_duplicates` for each ``(simhash, since)``, answers in order.
        The crawler asks once per batch; a backend may answer in fewer round trips."""
        return [self.find_near_duplicates(h, since, max_distance, limit) for h, since in queries]


class ChangeFeed(abc.ABC):
    """Mentions in the order they were written, for the alert engine and webhooks."""

    @abc.abstractmethod
    def changes_since(self, cursor: int = 0, limit: int = 500) -> tuple[list[Change], int]:
        """The change feed: mentions inserted or materially updated (index/changes.py)
        after ``cursor``, at most ``limit``, in the order of their sequence numbers, and
        the cursor to ask from next (``cursor`` itself when nothing is new). Start from
        0. A mention changed several times since ``cursor`` comes once, as stored now,
        at its latest sequence number; a mention whose write is still in flight is
        never skipped (its number is not passed until it is readable). Cursors are
        plain integers, kept by the caller (e.g. with ``set_cursor``), and stay valid
        across restarts of the store."""


class CaseStore(abc.ABC):
    """Crisis cases and their timelines."""

    @abc.abstractmethod
    def save_case(self, case: Case) -> Case:
        """Create or replace the case document (not its events)."""

    @abc.abstractmethod
    def get_case(self, case_id: str) -> Case | None: ...

    @abc.abstractmethod
    def list_cases(
        self, status: Sequence[str] | None = None, brand: str | None = None, limit: int = 100
    ) -> list[Case]:
        """Newest opened first."""

    @abc.abstractmethod
    def append_case_event(self, event: CaseEvent) -> CaseEvent:
        """Append to the case's timeline; the store assigns ``seq``. Never edits."""

    @abc.abstractmethod
    def case_events(self, case_id: str) -> list[CaseEvent]:
        """The timeline in order of ``seq``."""


class CrawlState(abc.ABC):
    """Per source: the crawl cursor, its health and the runs it made."""

    @abc.abstractmethod
    def get_cursor(self, source: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def set_cursor(self, source: str, cursor: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def set_source_health(self, health: SourceHealth) -> None: ...

    @abc.abstractmethod
    def get_source_health(self, source: str | None = None) -> list[SourceHealth]: ...

    @abc.abstractmethod
    def record_crawl_run(self, source: str, stats: dict[str, Any]) -> None:
        """Keep the summary of one crawl run (pages, items, errors, truncation, times)."""

    @abc.abstractmethod
    def crawl_runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first; each dict has ``source`` and the stats given."""


class NotificationOutbox(abc.ABC):
    """The durable outbox of notifications (alerts/outbox.py)."""

    @abc.abstractmethod
    def enqueue_notification(self, notification: Notification) -> bool:
        """Add to the durable outbox; False (and nothing changes) if the key exists."""

    @abc.abstractmethod
    def due_notifications(self, now: datetime, limit: int = 50) -> list[Notification]:
        """Undelivered entries whose next attempt is due, oldest first."""

    @abc.abstractmethod
    def mark_notification_delivered(
        self, key: str, at: datetime, result: dict[str, Any] | None = None
    ) -> None: ...

    @abc.abstractmethod
    def mark_notification_failed(self, key: str, error: str, retry_at: datetime) -> None: ...

    @abc.abstractmethod
    def get_notification(self, key: str) -> Notification | None: ...


class Store(MentionStore, MentionSearch, ChangeFeed, CaseStore, CrawlState, NotificationOutbox):
    """Persistence for mentions, cases, cursors, outbox and source health: one backend
    holds every concern (SQLite or Elasticsearch); a caller that needs one concern takes
    that part (``CrawlState``, ``NotificationOutbox`` …), as APScheduler's data stores
    are narrow."""

    url: str

    def _in_post_stories(self, hits: list[SearchHit]) -> list[SearchHit]:
        """``hits`` with each comment's story the story of its post (``post_stories``),
        where the hit stands for the comment alone."""
        alone = [h.mention for h in hits if h.mention.parent_id and h.story_size == 1]
        stories = self.post_stories(alone) if alone else {}
        for h in hits:
            if h.mention.id in stories and h.story_size == 1:
                h.story = stories[h.mention.id]
        return hits

    @abc.abstractmethod
    def check_writable(self) -> str | None:
        """None when a write would be accepted now, else why not (a read-only file or
        index, a lock held too long). Leaves nothing behind."""

    @abc.abstractmethod
    def check_integrity(self, full: bool = False) -> list[str]:
        """What is broken in the stored data ([] when nothing). Quick: the checks a
        health probe can afford; ``full``: every page and index entry (minutes on a
        large store; ``radar store check``)."""

    def close(self) -> None:  # optional for backends without resources
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
