"""What every Radar spider shares: its ``sources:`` entry, the Store, the brand matcher,
the incremental cursor, per-source politeness, and the bookkeeping of pages, unparsable
pages, truncation and blocks.

Spiders take ``-a source=NAME`` and optionally ``-a config=FILE`` (default
``$RADAR_CONFIG``, else the bundled config/demo.yaml).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from config import ConfigError, RadarConfig, SourceConfig, load_config
from crawlers.brands import BrandMatcher
from crawlers.cursor import Cursor
from crawlers.gc_tuning import CrawlGarbageCollection
from crawlers.health import Block, pause_source
from crawlers.middlewares import OffsiteRequest
from index.base import Store

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class SourceError(ValueError):
    """The spider cannot run this source (unknown name, wrong kind, bad config)."""


def load_source(
    config_path: str | None, source: str, kind: str
) -> tuple[RadarConfig, SourceConfig]:
    path = config_path or os.environ.get("RADAR_CONFIG") or None
    config = load_config(path)
    src = config.source(source) if source else None
    if src is None:
        names = ", ".join(s.name for s in config.sources if s.kind == kind) or "none"
        raise SourceError(
            f"unknown source {source!r} in {path or 'config/demo.yaml'}; "
            f"{kind} sources there: {names}"
        )
    if src.kind != kind:
        raise SourceError(f"source {source!r} is a {src.kind} source, not {kind}")
    return config, src


def source_hosts(src: SourceConfig) -> list[str]:
    """The hosts a crawl of ``src`` may request: its base_url's, those of absolute
    ``feeds:`` URLs and its ``allowed_hosts:`` (subdomains of each included)."""
    urls = [src.base_url] + [f for f in src.feeds if f.startswith(("http://", "https://"))]
    hosts = [urlparse(u).hostname or "" for u in urls] + [h.lower() for h in src.allowed_hosts]
    return sorted({h for h in hosts if h})


class RadarSpider(scrapy.Spider):
    kind: ClassVar[str] = ""

    config: RadarConfig
    source: SourceConfig
    store: Store
    matcher: BrandMatcher
    cursor: Cursor
    crawl_time: datetime
    tz: ZoneInfo

    def __init__(self, source: str = "", config: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.source_name = source
        self.config_path = config
        self.truncation: list[dict[str, str]] = []
        self.block: Block | None = None
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.summary: dict[str, Any] | None = None  # set when the run ends
        self.gc_tuning: CrawlGarbageCollection | None = None
        # one bound method per callback, held for the run: Scrapy checks each response's
        # callback for a generator returning a value (source read and parsed by ast)
        # and remembers the answer only while that callback object lives; a fresh
        # ``self.parse_list`` per request cost ~0.3 ms a page (bench/crawl.py)
        self._callbacks: dict[Callable[..., Any], Callable[..., Any]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler)
        spider.gc_tuning = CrawlGarbageCollection.from_crawler(crawler)  # signals hold weakrefs
        # the spider opened the store, so the spider closes it: after the engine stopped,
        # when the store pipeline has recorded the run (its spider_closed handler)
        crawler.signals.connect(spider.close_store, signal=signals.engine_stopped)
        return spider

    def _setup(self, crawler: Crawler) -> None:
        try:
            self.config, self.source = load_source(self.config_path, self.source_name, self.kind)
        except ConfigError as exc:
            raise SourceError(f"config error:\n{exc}") from None
        src = self.source
        settings = crawler.settings
        if not settings.frozen:
            settings.set("DOWNLOAD_DELAY", src.download_delay, priority="spider")
            settings.set("AUTOTHROTTLE_ENABLED", src.autothrottle, priority="spider")
            settings.set("ROBOTSTXT_OBEY", src.obey_robots, priority="spider")
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", src.concurrency, priority="spider")
        self.headers = {k: v.get() or "" for k, v in src.headers.items()}
        if src.cookies is not None and (raw := src.cookies.get()):
            jar = SimpleCookie()
            jar.load(raw)
            self.cookies = {k: m.value for k, m in jar.items()}
        # Scrapy's convention, enforced strictly by SourceHostsMiddleware: nothing but
        # the source's own hosts is ever requested (not a redirect, not a meta refresh)
        self.allowed_domains = source_hosts(src)
        self.tz = ZoneInfo(src.timezone)
        self.crawl_time = datetime.now(UTC)
        self.store = self.config.store.open()
        self.matcher = BrandMatcher(self.config.brands)
        self.cursor = Cursor.load(self.store, src.name)
        if self.cursor.previous_run:
            logger.warning(
                "source %s: the previous run was interrupted after storing %s mentions; "
                "crawling down to the last complete run's watermark %s again",
                src.name,
                self.cursor.previous_run.get("stored"),
                self.cursor.watermark,
            )

    def close_store(self) -> None:
        store = getattr(self, "store", None)
        if store is not None:
            store.close()

    # -- requests ---------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.source.base_url + path

    def request(
        self, url: str, callback: Callable[..., Any], priority: int = 0, **meta: Any
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self._callbacks.setdefault(callback, callback),
            errback=self._callbacks.setdefault(self.failed, self.failed),
            headers=self.headers or None,
            cookies=dict(self.cookies) or None,  # type: ignore[arg-type]
            meta=meta,
            priority=priority,
            dont_filter=bool(meta.pop("dont_filter", False)),
        )

    def on_source(self, url: str) -> bool:
        """May this crawl request ``url`` (see source_hosts)?"""
        host = (urlparse(url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.allowed_domains)

    def failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if self.block is not None or failure.check(OffsiteRequest):
            return  # the block was counted once already; so was the offsite request
        self.crawler.stats.inc_value("radar/errors/download")
        self.crawler.stats.inc_value("radar/pages_lost")
        logger.error("download failed: %s: %s", url, failure.getErrorMessage())

    # -- bookkeeping ------------------------------------------------------------------
    def page(self) -> None:
        self.crawler.stats.inc_value("radar/pages")

    def unparsable(self, response: Response, why: str) -> None:
        """A page we cannot read: counted and logged with its URL, never silently empty."""
        self.crawler.stats.inc_value("radar/errors/unparsable")
        logger.error("unparsable page %s: %s", response.url, why)

    def bad_entry(self, response: Response, why: str) -> None:
        """One post of a page we cannot read (the rest of the page is kept)."""
        self.crawler.stats.inc_value("radar/errors/bad_entry")
        logger.error("unreadable entry on %s: %s", response.url, why)

    def truncated(self, reason: str, detail: str) -> None:
        self.crawler.stats.inc_value(f"radar/truncated/{reason}")
        self.truncation.append({"reason": reason, "detail": detail})
        logger.warning("truncated result (%s): %s", reason, detail)

    def blocked(self, block: Block, url: str) -> None:
        """Called by HealthMiddleware: pause the source and end this crawl."""
        if self.block is not None:
            return
        self.block = block
        health = pause_source(
            self.store,
            self.source.name,
            block,
            datetime.now(UTC),
            self.source.pause_base,
            self.source.pause_max,
        )
        self.crawler.stats.set_value("radar/blocked", block.reason)
        logger.error(
            "source %s blocked (%s): %s; paused until %s",
            self.source.name,
            block.reason,
            block.detail,
            health.paused_until,
        )
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=f"blocked_{block.reason}"))

    def guarded(self, response: Any, parse: Callable[[Any], Iterator[Any]]) -> Iterator[Any]:
        """Run a page parser; any exception makes the page unparsable, not the crawl."""
        self.page()
        try:
            yield from parse(response)
        except Exception as exc:
            self.crawler.stats.inc_value("radar/pages_lost")
            self.unparsable(response, f"{type(exc).__name__}: {exc}")
