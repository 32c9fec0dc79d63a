"""Downloader middleware: block pages (ban, captcha, login) pause the source and end the
crawl with a clear reason (detection rules in crawlers/health.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawlers.health import detect_block

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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
