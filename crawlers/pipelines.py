"""Item pipelines, in ITEM_PIPELINES order: clean → brands → dedupe → score → store.

Every drop is counted in the crawl stats (``radar/items/...``) and logged at DEBUG; the
store pipeline writes in batches and, once a run has finished normally with everything
written, moves the source's cursor (crawlers/cursor.py) and records the run.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawlers.health import mark_ok
from crawlers.items import MentionItem
from crawlers.summary import summarize
from crawlers.text import squeeze
from index.base import StoreError
from index.dedupe import RecentStories, assign_story
from index.models import BrandMatch, Mention, SentimentLabel
from index.models import Sentiment as SentimentDoc

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from crawlers.spiders.base import RadarSpider

logger = logging.getLogger(__name__)

MAX_TEXT = 20_000  # characters kept of one mention (long articles are cut, not dropped)


class _Pipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def spider(self) -> RadarSpider:
        return self.crawler.spider  # type: ignore[return-value]

    def drop(self, what: str, item: MentionItem, why: str) -> DropItem:
        self.stats.inc_value(f"radar/items/{what}")
        return DropItem(f"{why}: {item.mention.id}", log_level="DEBUG")


class CleanPipeline(_Pipeline):
    """Normalise whitespace, cut very long texts, drop mentions with no text at all."""

    def process_item(self, item: MentionItem) -> MentionItem:
        m = item.mention
        m.text = squeeze(m.text)[:MAX_TEXT]
        m.title = squeeze(m.title)[:500]
        item.context_text = squeeze(item.context_text)[:MAX_TEXT]
        if not m.text and not m.title:
            raise self.drop("dropped_empty", item, "no text")
        if not m.text:
            m.text = m.title
        return item


class BrandPipeline(_Pipeline):
    """Match brands in title + text; a comment or repost naming no brand itself belongs to
    the brands of its post (``context_text``); anything else naming no brand is dropped."""

    def process_item(self, item: MentionItem) -> MentionItem:
        matcher = self.spider.matcher
        m = item.mention
        matches = matcher.match(f"{m.title}\n{m.text}" if m.title else m.text)
        if not matches and item.context_text:
            matches = [
                BrandMatch(brand=b.brand, keywords=b.keywords)
                for b in matcher.match(item.context_text)
            ]
            if matches:
                self.stats.inc_value("radar/items/brand_from_context")
        if not matches:
            raise self.drop("dropped_no_brand", item, "matches no brand")
        m.brands = matches
        return item


class DedupePipeline(_Pipeline):
    """Same id twice in a run = one mention; reposts and near-copies join their story."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()
        self.recent = RecentStories()

    def process_item(self, item: MentionItem) -> MentionItem:
        m = item.mention
        if m.id in self.seen:
            raise self.drop("duplicate", item, "seen in this run")
        self.seen.add(m.id)
        had_repost = m.repost_of is not None
        assign_story(m, self.spider.store, recent=self.recent)
        if m.repost_of and not had_repost:
            self.stats.inc_value("radar/items/near_duplicate")
        self.recent.add(m)
        return item


class ScorePipeline(_Pipeline):
    """Sentiment, complaint category and risk signals via ``sentiment.analyze_batch``,
    scoring items in batches (RADAR_SCORE_BATCH) as they come."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        from sentiment import analyze_batch  # the sentiment area's public API

        self.analyze_batch = analyze_batch
        self.batch_size = crawler.settings.getint("RADAR_SCORE_BATCH", 64)
        self.pending: list[tuple[MentionItem, asyncio.Future[MentionItem]]] = []
        self.timer: asyncio.TimerHandle | None = None

    async def process_item(self, item: MentionItem) -> MentionItem:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[MentionItem] = loop.create_future()
        self.pending.append((item, future))
        if len(self.pending) >= self.batch_size:
            self._score()
        elif self.timer is None:
            self.timer = loop.call_later(0.02, self._score)
        return await future

    def _score(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        texts = [f"{i.mention.title}\n{i.mention.text}".strip() for i, _ in batch]
        try:
            results = self.analyze_batch(texts)
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (item, future), result in zip(batch, results, strict=True):
            _apply(item.mention, result)
            if not future.done():
                future.set_result(item)

    def close_spider(self) -> None:
        self._score()


def _apply(m: Mention, result: Any) -> None:
    m.sentiment = SentimentDoc(score=float(result.score), label=SentimentLabel(result.label))
    m.complaint_category = result.category
    m.risk_signals = list(result.signals)


class StorePipeline(_Pipeline):
    """Batch upserts into the Store; after each written batch the run's progress is saved;
    when the run finishes normally the cursor moves and the source is marked healthy."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.batch_size = crawler.settings.getint("RADAR_STORE_BATCH", 200)
        self.flush_seconds = crawler.settings.getfloat("RADAR_STORE_FLUSH_SECONDS", 1.0)
        self.buffer: list[MentionItem] = []
        self.timer: asyncio.TimerHandle | None = None
        self.failed: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def process_item(self, item: MentionItem) -> MentionItem:
        if self.failed:
            raise self.drop("not_stored", item, "the store failed earlier in this run")
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.flush_seconds, self.flush)
        return item

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.buffer = self.buffer, []
        if not batch or self.failed:
            return
        spider = self.spider
        try:
            result = spider.store.upsert_mentions([i.mention for i in batch])
        except StoreError as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
            self.stats.inc_value("radar/errors/store", len(batch))
            logger.error("store write failed, stopping the crawl: %s", exc)
            if self.crawler.engine is not None:
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_failed"))
            return
        self.stats.inc_value("radar/items/new", result.new)
        self.stats.inc_value("radar/items/updated", result.updated)
        self.stats.inc_value("radar/items/unchanged", result.unchanged)
        if result.errors:
            self.stats.inc_value("radar/errors/store", len(result.errors))
            for mention_id, reason in result.errors[:20]:
                logger.error("store rejected %s: %s", mention_id, reason)
        listed = [i.mention.published_at for i in batch if i.listing]
        spider.cursor.stored_batch(spider.store, max(listed) if listed else None, len(batch))

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: RadarSpider, reason: str) -> None:
        now = datetime.now(UTC)
        store = spider.store
        completed = reason == "finished" and not self.failed and spider.block is None
        try:
            if completed:
                spider.cursor.complete(store)
                mark_ok(store, spider.source.name, now)
            self.stats.set_value("radar/completed", completed)
            summary = summarize(spider, self.stats.get_stats(), reason, now)
            spider.summary = summary
            store.record_crawl_run(spider.source.name, summary)
        except StoreError as exc:
            logger.error("could not record the end of the run: %s", exc)
        finally:
            store.close()
