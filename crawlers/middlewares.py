"""Downloader middlewares: a source's crawl requests only the hosts configured for it
(SourceHostsMiddleware); block pages (ban, captcha, login) pause the source and end the
crawl with a clear reason (detection rules in crawlers/health.py). Spider middleware: the
mentions of one response go to the item pipelines together, as one MentionBatch."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from crawlers.health import detect_block
from crawlers.items import MentionBatch, MentionItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class OffsiteRequest(IgnoreRequest):
    """A request for a host the source is not configured for; it is never sent."""


class SourceHostsMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware (it takes its place in DOWNLOADER_MIDDLEWARES), made
    strict: the spider's ``allowed_domains`` (the hosts of the source's ``base_url``,
    absolute ``feeds:`` and ``allowed_hosts:``, see RadarSpider) bound every request, also
    those with ``dont_filter`` or ``allow_offsite`` and the redirects and meta refreshes
    Scrapy builds from a response. A site that sends the crawler elsewhere (a redirect to
    another host, a page refreshing to a login page on another domain) must not take our
    cookies and traffic there; the page it should have been is counted as lost
    (``radar/pages_lost``, so the watermark holds) and ``radar/offsite``."""

    def process_request(self, request: Request, spider: Any = None) -> None:
        assert self.crawler.spider is not None
        if self.should_follow(request, self.crawler.spider):
            return
        host = urlparse_cached(request).hostname or "?"
        self.stats.inc_value("radar/offsite")
        self.stats.inc_value("radar/pages_lost")
        came_from = request.meta.get("redirect_urls") or []
        logger.error(
            "not requesting %s: host %r is not one of this source's (%s)%s",
            request.url,
            host,
            ", ".join(getattr(self.crawler.spider, "allowed_domains", None) or []),
            f"; sent there by {came_from[-1]}" if came_from else "",
        )
        raise OffsiteRequest(f"offsite host {host!r}")


class HealthMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.url.endswith("/robots.txt"):
            return response
        location = response.headers.get(b"Location", b"") or b""
        block = detect_block(
            response.status,
            response.url,
            location.decode("latin-1"),
            response.body,
        )
        if block is None:
            return response
        spider = self.crawler.spider
        if spider is None or not hasattr(spider, "blocked"):
            return response
        spider.blocked(block, response.url)
        raise IgnoreRequest(f"source blocked: {block.reason}: {block.detail}")


class MentionBatchMiddleware:
    """Holds back the MentionItems of one response and yields them as one MentionBatch
    after the response's last output; requests pass straight through. Closest to the
    spider (SPIDER_MIDDLEWARES order 1000), so every other middleware sees one item per
    page. Counts the mentions in ``radar/items/crawled``."""

    def __init__(self, crawler: Crawler):
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _batch(self, items: list[MentionItem]) -> MentionBatch:
        self.stats.inc_value("radar/items/crawled", len(items))
        return MentionBatch(items)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        items: list[MentionItem] = []
        try:
            for out in result:
                if isinstance(out, MentionItem):
                    items.append(out)
                else:
                    yield out
        except Exception:  # a spider error part-way: what was parsed before it is kept
            if items:
                yield self._batch(items)
            raise
        if items:
            yield self._batch(items)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        items: list[MentionItem] = []
        try:
            async for out in result:
                if isinstance(out, MentionItem):
                    items.append(out)
                else:
                    yield out
        except Exception:  # a spider error part-way: what was parsed before it is kept
            if items:
                yield self._batch(items)
            raise
        if items:
            yield self._batch(items)
