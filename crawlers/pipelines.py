"""Item pipelines, in ITEM_PIPELINES order: clean → brands → dedupe → store.

Items arrive one MentionBatch per response (crawlers/middlewares.py), so Scrapy's own
per-item work runs once per page; a stage drops single mentions out of the batch (a
plain MentionItem is handled too). Clean, brands and the same-id check work mention by
mention. The store pipeline collects mentions into batches (RADAR_STORE_BATCH mentions,
or whatever came within RADAR_STORE_FLUSH_SECONDS, or what is left when the spider
closes) and handles each batch in one go: link stories
(``index.dedupe.assign_stories``: reposts and near-copies join their original), score
(``sentiment.analyze_batch``), upsert into the Store, then note the run's progress in the
cursor (crawlers/cursor.py). Per item, each of those costs several times more than per
batch (a Store read or two, a model call), which is what bench/crawl.py measures.

Every drop is counted in the crawl stats (``radar/items/...``) and logged at DEBUG. When
the run has finished normally with everything written, the cursor moves and the run is
recorded.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

import sentiment
from crawlers.cursor import MAX_HELD_RUNS
from crawlers.health import mark_ok
from crawlers.items import MentionBatch, MentionItem
from crawlers.summary import summarize
from crawlers.text import squeeze
from index.base import StoreError
from index.dedupe import RecentStories
from index.ingest import ScoringFailed, ingest
from index.models import MAX_TEXT, MAX_TITLE, BrandMatch

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from crawlers.spiders.base import RadarSpider

logger = logging.getLogger(__name__)


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

    def check(self, item: MentionItem) -> None:
        """Work on one mention in place; raise ``self.drop(...)`` to drop it."""

    def process_item(self, item: MentionItem | MentionBatch) -> MentionItem | MentionBatch:
        """A single item is checked as is; a page's batch loses the mentions dropped."""
        if isinstance(item, MentionItem):
            self.check(item)
            return item
        kept = []
        for one in item.items:
            try:
                self.check(one)
            except DropItem as exc:
                logger.debug("Dropped: %s", exc)
                continue
            kept.append(one)
        if not kept:
            raise DropItem("every mention of the page was dropped", log_level="DEBUG")
        item.items = kept
        return item


class CleanPipeline(_Pipeline):
    """Normalise whitespace, cut very long texts, drop mentions with no text at all."""

    def check(self, item: MentionItem) -> None:
        m = item.mention
        m.text = squeeze(m.text)[:MAX_TEXT]
        m.title = squeeze(m.title)[:MAX_TITLE]
        item.context_text = squeeze(item.context_text)[:MAX_TEXT]
        if not m.text and not m.title:
            raise self.drop("dropped_empty", item, "no text")
        if not m.text:
            m.text = m.title


class BrandPipeline(_Pipeline):
    """Match brands in title + text; a comment or repost naming no brand itself belongs to
    the brands of its post (``context_text``); anything else naming no brand is dropped."""

    def check(self, item: MentionItem) -> None:
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


class DedupePipeline(_Pipeline):
    """Same id twice in a run = one mention (reposts and near-copies are linked to their
    story per batch, in StorePipeline)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()

    def check(self, item: MentionItem) -> None:
        mid = item.mention.id
        if mid in self.seen:
            raise self.drop("duplicate", item, "seen in this run")
        self.seen.add(mid)


class StorePipeline(_Pipeline):
    """Batches of items: stories linked, scored, upserted into the Store; after each
    written batch the run's progress is saved; when the run finishes normally the cursor
    moves and the source is marked healthy. A failing store or model stops the crawl
    without moving the cursor, so the next run fetches the unstored items again."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.batch_size = crawler.settings.getint("RADAR_STORE_BATCH", 1000)
        self.flush_seconds = crawler.settings.getfloat("RADAR_STORE_FLUSH_SECONDS", 1.0)
        self.buffer: list[MentionItem] = []
        self.timer: asyncio.TimerHandle | None = None
        self.failed: str | None = None
        self.recent = RecentStories()  # this run's mentions, for near-copies not yet stored
        # load the model and the complaint lexicon now, not inside the first batch
        sentiment.configure_from(self.spider.config)
        sentiment.get_model()
        sentiment.lexicon()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def process_item(self, item: MentionItem | MentionBatch) -> MentionItem | MentionBatch:
        items = [item] if isinstance(item, MentionItem) else item.items
        if self.failed:
            self.stats.inc_value("radar/items/not_stored", len(items))
            raise DropItem("the store failed earlier in this run", log_level="DEBUG")
        self.buffer += items
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
        mentions = [i.mention for i in batch]
        try:  # stories, scores, upsert: the one ingest path (index/ingest.py)
            done = ingest(
                spider.store,
                mentions,
                sentiment,
                contexts=[i.context_text or None for i in batch],
                recent=self.recent,
            )
        except ScoringFailed as exc:  # a broken model must not store unscored mentions
            self.fail("score", exc.error, len(batch))
            return
        except StoreError as exc:
            self.fail("store", exc, len(batch))
            return
        if done.linked:
            self.stats.inc_value("radar/items/near_duplicate", done.linked)
        written = done.written
        self.stats.inc_value("radar/items/new", written.new)
        self.stats.inc_value("radar/items/updated", written.updated)
        self.stats.inc_value("radar/items/unchanged", written.unchanged)
        if written.errors:
            self.stats.inc_value("radar/errors/store", len(written.errors))
            for mention_id, reason in written.errors[:20]:
                logger.error("store rejected %s: %s", mention_id, reason)
        listed = [i.mention.published_at for i in batch if i.listing]
        if listed:  # how far back this run read its listings (alerts/coverage.py)
            self.stats.min_value("radar/read_from", min(listed))
        spider.cursor.stored_batch(spider.store, max(listed) if listed else None, len(batch))
        for item in batch:
            item.stored = True

    def fail(self, what: str, exc: Exception, lost: int) -> None:
        """Stop the crawl: nothing more is stored and the cursor stays where it was."""
        self.failed = f"{type(exc).__name__}: {exc}"
        self.stats.inc_value(f"radar/errors/{what}", lost)
        logger.error("%s failed, stopping the crawl: %s", what, self.failed)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=f"{what}_failed"))

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: RadarSpider, reason: str) -> None:
        now = datetime.now(UTC)
        store = spider.store
        if not self.stats.get_value("radar/pages") and self.stats.get_value(
            "radar/errors/download"
        ):
            reason = "unreachable"  # not one page could be downloaded: nothing was crawled
        completed = reason == "finished" and not self.failed and spider.block is None
        lost = int(self.stats.get_value("radar/pages_lost", 0) or 0)
        try:
            if completed:
                if lost and spider.cursor.hold(store):
                    self.stats.set_value("radar/watermark_held", True)
                    logger.warning(
                        "%d page(s) lost: the watermark stays where it was (%s), so the next "
                        "run fetches them again (%d of %d such runs in a row)",
                        lost,
                        spider.cursor.watermark,
                        spider.cursor.held_runs,
                        MAX_HELD_RUNS,
                    )
                else:
                    spider.cursor.complete(store)
                mark_ok(store, spider.source.name, now)
            self.stats.set_value("radar/completed", completed)
            summary = summarize(spider, self.stats.get_stats(), reason, now)
            spider.summary = summary
            store.record_crawl_run(spider.source.name, summary)
        except StoreError as exc:
            logger.error("could not record the end of the run: %s", exc)
